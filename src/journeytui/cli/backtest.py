"""``journeytui backtest JOURNEY EVENTS --cutoff DATE``: check a calibrated forecast against history."""

from __future__ import annotations

import argparse
import json
import sys

from journeytui import DOCS_URL
from journeytui.cli.calibrate import add_input_options, read_input


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "backtest",
        help="fit on history before a cutoff, forecast, and compare with what happened (WAPE, band coverage)",
        description="Calibrate on events before --cutoff, forecast --weeks weeks from the observed occupancy, and "
        f"compare with the observed weekly occupancy. See {DOCS_URL}/calibration.md.",
    )
    add_input_options(p)
    p.add_argument("--cutoff", required=True, metavar="DATE", help="fit on events before the end of this date")
    p.add_argument("--weeks", type=int, default=13, help="weeks to forecast and compare (default: 13)")
    p.add_argument("--folds", type=int, default=1, help="rolling origins, each WEEKS earlier (default: 1)")
    p.add_argument("--runs", type=int, default=200, help="Monte Carlo runs for the bands (default: 200)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--format", choices=("table", "json", "markdown"), default="table", help="output format")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from journeytui.calibrate.backtest import backtest
    from journeytui.calibrate.fit import parse_when
    from journeytui.calibrate.report import render_backtest
    from journeytui.sim import SimulationError

    journey, log, code = read_input(args, "backtest")
    if journey is None or log is None:
        return code
    try:
        cutoff = parse_when(args.cutoff)
    except ValueError:
        print(f"journeytui backtest: error: --cutoff {args.cutoff!r} is not an ISO date", file=sys.stderr)
        return 2
    try:
        data = backtest(
            journey, log, cutoff, args.weeks, args.folds, args.runs, args.seed, full_model=not args.plain_chain
        )
    except (ValueError, SimulationError) as exc:
        print(f"journeytui backtest: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_backtest(data, args.format))
    return 0
