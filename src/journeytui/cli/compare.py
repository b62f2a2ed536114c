"""``journeytui compare A.toml B.toml``: forecast two journeys and print their KPIs with deltas."""

from __future__ import annotations

import argparse
import json
import sys

from journeytui.bundled import resolve_arg
from journeytui.cli import load_valid, print_diagnostics
from journeytui.sim import SimulationError
from journeytui.sim.compare import compare


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "compare",
        help="compare the forecasts of two journeys (KPIs side by side with deltas)",
        description="Forecast A and B exactly (ignoring what the exact forecast cannot model) over the same "
        "horizon and print KPIs and stage counts with the change from A to B.",
    )
    p.add_argument("a", metavar="A", type=resolve_arg, help="first journey (file or bundled name, e.g. asis-example)")
    p.add_argument("b", metavar="B", type=resolve_arg, help="second journey (file or bundled name, e.g. tobe-example)")
    p.add_argument("--weeks", type=int, help="horizon in weeks (default: the longer of the two horizons)")
    p.add_argument("--format", choices=("table", "json", "markdown"), default="table", help="output format")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ja, errors_a = load_valid(args.a)
    jb, errors_b = load_valid(args.b)
    if ja is None or jb is None:
        print_diagnostics(errors_a + errors_b)
        return 1
    try:
        result = compare(ja, jb, weeks=args.weeks)
    except SimulationError as exc:
        print(f"journeytui compare: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=1) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(result.to_markdown())
    else:
        sys.stdout.write(result.to_table())
    return 0
