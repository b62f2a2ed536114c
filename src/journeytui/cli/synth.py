"""``journeytui synth JOURNEY``: write synthetic stage history (per-lead paths) as a CRM export."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from journeytui import DOCS_URL
from journeytui.cli import emit, load_valid, print_diagnostics


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "synth",
        help="write synthetic stage history of a journey as a CSV export (for demos and tests)",
        description="Run the journey's full model (the per-lead Monte Carlo engine, one run) and write each lead's "
        f"stage entries as an export in the long or wide (HubSpot-style) layout. See {DOCS_URL}/calibration.md.",
    )
    p.add_argument("journey", metavar="JOURNEY", help="journey file")
    p.add_argument("--leads", type=int, help="initial cohort size (default: the file's population)")
    p.add_argument("--weeks", type=int, default=52, help="weeks of history (default: 52)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--layout", choices=("long", "wide"), default="long", help="export layout (default: long)")
    p.add_argument("--start", default="2025-01-06", help="date of week 0 (default: 2025-01-06)")
    p.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    p.add_argument(
        "--plain-chain",
        action="store_true",
        help="leave out scoring, lifts, gates and capacity (history to fit with calibrate --plain-chain)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from journeytui.calibrate.synth import as_of_date, sample_paths, to_csv

    journey, errors = load_valid(args.journey)
    if journey is None:
        print_diagnostics(errors)
        return 1
    try:
        start = datetime.fromisoformat(args.start).replace(tzinfo=UTC)
        paths = sample_paths(journey, args.weeks, args.seed, args.leads, plain_chain=args.plain_chain)
    except ValueError as exc:
        print(f"journeytui synth: error: {exc}", file=sys.stderr)
        return 2
    text = to_csv(journey, paths, args.layout, args.seed, start)
    code = emit(text, args.out, "synth")
    if code == 0:
        print(
            f"synthetic history: {int(paths.lead.max()) + 1 if paths.lead.size else 0:,} leads, "
            f"{paths.lead.size:,} entries; use --as-of {as_of_date(start, args.weeks)}",
            file=sys.stderr,
        )
    return code
