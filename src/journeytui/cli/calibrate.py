"""``journeytui calibrate JOURNEY EVENTS``: fit a journey's numbers from CRM stage history.

Without ``--out`` it is a dry run that prints the change table; with it, the fitted journey is
written through the comment-preserving save (only fitted values change). docs/calibration.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from journeytui import DOCS_URL
from journeytui.calibrate.events import (
    DEFAULT_MAX_BYTES,
    PRESETS,
    EventLog,
    InputError,
    columns_for,
    load_stage_map,
    read_events,
)
from journeytui.cli import emit, load_valid, print_diagnostics
from journeytui.model.types import Journey


def add_input_options(p: argparse.ArgumentParser) -> None:
    """The options that say how to read an export (shared with backtest)."""
    p.add_argument("journey", metavar="JOURNEY", help="journey file")
    p.add_argument("events", metavar="EVENTS", help="CSV export of stage history")
    p.add_argument("--preset", choices=sorted(PRESETS), help="column names of a known export")
    p.add_argument("--layout", choices=("long", "wide"), help="one row per stage entry, or one row per lead")
    p.add_argument("--lead-column", help="column with the lead or deal id (default: lead_id)")
    p.add_argument("--stage-column", help="column with the stage name (default: stage)")
    p.add_argument("--time-column", help="column with the entry date (default: timestamp)")
    p.add_argument("--persona-column", help="column with the persona or job role (default: 'persona' if present)")
    p.add_argument("--stage-pattern", help="wide layout: regex of the stage-date columns, group 1 the stage name")
    p.add_argument("--map", metavar="FILE", help="stage map (TOML): CRM stage names to journey stage ids")
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="refuse larger files (default 512 MiB)")
    p.add_argument(
        "--plain-chain",
        action="store_true",
        help="fit the observed rates as they are, for history made without the journey's lifts, gates, "
        "hand-offs or capacity (default: base values under which the full model reproduces them)",
    )


def read_input(args: argparse.Namespace, command: str) -> tuple[Journey | None, EventLog | None, int]:
    """The journey and its events, or None and the exit code after printing why."""
    journey, errors = load_valid(args.journey)
    if journey is None:
        print_diagnostics(errors)
        return None, None, 1
    cols = columns_for(
        args.preset,
        layout=args.layout,
        lead=args.lead_column,
        stage=args.stage_column,
        time=args.time_column,
        persona=args.persona_column,
        pattern=args.stage_pattern,
    )
    try:
        smap = load_stage_map(args.map, journey) if args.map else None
        log = read_events(args.events, journey, cols, smap, max_bytes=args.max_bytes)
    except InputError as exc:
        print(f"journeytui {command}: error: {exc}", file=sys.stderr)
        return None, None, 2
    return journey, log, 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "calibrate",
        help="fit transition rates, stalls, arrivals and occupancy from CRM stage history",
        description="Fit the journey's weekly numbers from a CRM export. Without --out: a dry run that prints "
        f"the change table. See {DOCS_URL}/calibration.md.",
    )
    add_input_options(p)
    p.add_argument(
        "--as-of", metavar="DATE", help="export date: stays still open are censored here (default: last event)"
    )
    p.add_argument("--add-missing", action="store_true", help="add transitions seen in the data that the journey lacks")
    p.add_argument("--no-initial", action="store_true", help="leave population.initial alone")
    p.add_argument("--out", metavar="PATH", help="write the calibrated journey here (may be JOURNEY itself)")
    p.add_argument("--format", choices=("table", "json", "markdown"), default="table", help="output format")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from journeytui.calibrate.fit import apply, calibrate, parse_when
    from journeytui.calibrate.report import render_calibration
    from journeytui.model.edit import EditError
    from journeytui.model.save import render
    from journeytui.validate import validate_text

    journey, log, code = read_input(args, "calibrate")
    if journey is None or log is None:
        return code
    try:
        as_of = parse_when(args.as_of) if args.as_of else None
    except ValueError:
        print(f"journeytui calibrate: error: --as-of {args.as_of!r} is not an ISO date", file=sys.stderr)
        return 2
    try:
        cal = calibrate(journey, log, as_of=as_of, add_missing=args.add_missing, full_model=not args.plain_chain)
        fitted = apply(journey, cal, add_missing=args.add_missing, initial=not args.no_initial)
    except (ValueError, EditError) as exc:
        print(f"journeytui calibrate: error: {exc}", file=sys.stderr)
        return 2
    wrote = None
    if args.out:
        original = Path(args.journey).read_text(encoding="utf-8")
        text = render(fitted, original)
        check = validate_text(text, args.out)
        errors = [d for d in check.diagnostics if d.is_error]
        if errors:
            print(
                "journeytui calibrate: error: the fitted journey would not validate; nothing written", file=sys.stderr
            )
            print_diagnostics(errors)
            return 1
        code = emit(text, args.out, "calibrate")
        if code:
            return code
        wrote = args.out
    if args.format == "json":
        data = cal.to_json()
        data["wrote"] = wrote
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(render_calibration(cal, args.format, wrote))
    return 0
