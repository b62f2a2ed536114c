"""``journeytui report PATH``: a Markdown report (summary, forecast tables, KPIs, comparison)."""

from __future__ import annotations

import argparse

from journeytui.bundled import PATH_HELP, resolve_arg
from journeytui.cli import emit, load_valid, print_diagnostics, say_error
from journeytui.sim import SimulationError
from journeytui.sim.compare import compare
from journeytui.sim.report import report


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "report",
        help="write a Markdown report of a journey's forecast",
        description="Journey summary, forecast tables, KPIs, bottlenecks and the sensitivity ranking as Markdown, "
        "from the journey's full model (the exact forecast where it is exact, else the means of a seeded Monte "
        "Carlo run, with the won share's p05-p95 band); with --compare, the comparison with another journey too.",
    )
    p.add_argument("path", metavar="PATH", type=resolve_arg, help=PATH_HELP)
    p.add_argument(
        "--compare", metavar="OTHER", type=resolve_arg, help="also compare with this journey (PATH is A, OTHER is B)"
    )
    p.add_argument("--weeks", type=int, help="horizon in weeks (default: the journey's horizon)")
    p.add_argument("--runs", type=int, default=20, help="Monte Carlo runs where one is needed (default 20)")
    p.add_argument("--seed", type=int, default=0, help="seed of those runs (default 0)")
    p.add_argument(
        "--exact",
        action="store_true",
        help="report the exact forecast of the plain chain instead, ignoring scoring, lifts, gates and capacity",
    )
    p.add_argument("--out", metavar="FILE", help="write the report to FILE instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    journey, errors = load_valid(args.path)
    other = None
    if args.compare:
        other, other_errors = load_valid(args.compare)
        errors += other_errors
    if journey is None or (args.compare and other is None):
        print_diagnostics(errors)
        return 1
    try:
        model = "plain" if args.exact else "full"
        how = {"model": model, "runs": args.runs, "seed": args.seed}
        comparison = compare(journey, other, weeks=args.weeks, **how) if other is not None else None  # type: ignore[arg-type]
        text = report(journey, source=args.path, weeks=args.weeks, comparison=comparison, **how)  # type: ignore[arg-type]
    except SimulationError as exc:
        say_error("report", str(exc))
        return 2
    return emit(text, args.out, "report")
