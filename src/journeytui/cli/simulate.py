"""``journeytui simulate PATH``: forecast a journey and print stage counts and KPIs."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any

from journeytui import DOCS_URL
from journeytui.bundled import PATH_HELP, resolve_arg
from journeytui.cli import emit, load_valid, print_diagnostics, say_error
from journeytui.model.types import Journey
from journeytui.sim import Forecast, SimResult, SimulationError, forecast, simulate
from journeytui.textsafe import json_dumps, no_workflow_commands, visible


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "simulate",
        help="forecast a journey (Monte Carlo, or --exact)",
        description=f"Forecast leads per stage per week, and KPIs. See {DOCS_URL}/simulation.md.",
    )
    p.add_argument("path", metavar="PATH", type=resolve_arg, help=PATH_HELP)
    p.add_argument("--leads", type=int, help="initial cohort size (default: the file's population)")
    p.add_argument("--weeks", type=int, help="horizon in weeks (default: the journey's horizon)")
    p.add_argument("--runs", type=int, default=20, help="Monte Carlo replications (default: 20)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--exact", action="store_true", help="exact expected counts instead of Monte Carlo")
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="FEATURE",
        help="drop a feature (scoring, lifts, gates, capacity); repeatable",
    )
    p.add_argument(
        "--engine",
        choices=("auto", "counts", "leads"),
        default="auto",
        help="Monte Carlo engine: counts (one draw per state), leads (one per lead) or auto (default)",
    )
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format")
    p.add_argument("--out", metavar="FILE", help="write the output to FILE instead of stdout")
    p.set_defaults(func=run)


class _Bar:
    """A progress bar on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.on = sys.stderr.isatty()

    def __call__(self, week: int, weeks: int) -> None:
        if self.on:
            filled = int(30 * week / weeks)
            sys.stderr.write(f"\rsimulating [{'#' * filled}{'.' * (30 - filled)}] week {week}/{weeks}")
            if week == weeks:
                sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    journey, errors = load_valid(args.path)
    if journey is None:
        print_diagnostics(errors)
        return 1
    try:
        if args.exact:
            result: Forecast | SimResult = forecast(journey, weeks=args.weeks, ignore=args.ignore, leads=args.leads)
        else:
            result = simulate(
                journey,
                leads=args.leads,
                weeks=args.weeks,
                runs=args.runs,
                seed=args.seed,
                ignore=args.ignore,
                progress=_Bar(),
                engine=args.engine,
            )
    except SimulationError as exc:
        say_error("simulate", str(exc))
        return 2
    if args.format == "json":
        text = json_dumps(result.to_json(), indent=1) + "\n"
    elif args.format == "csv":
        text = as_csv(result)
    else:
        text = render_table(journey, result)
    return emit(text, args.out, "simulate")


def as_csv(result: Forecast | SimResult) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["week", "stage", "mean", "p05", "p50", "p95"])
    pct: list[Any] = [result.mean] * 3
    if isinstance(result, SimResult):
        pct = [result.p05, result.p50, result.p95]
    for t in range(result.weeks + 1):
        for i, s in enumerate(result.stages):
            # ids never hold control characters (the loader rejects them), so visible() only guards
            w.writerow([t, visible(s)] + [f"{float(a[t, i]):.6g}" for a in [result.mean, *pct]])
    return buf.getvalue()


TABLE_WIDTH = 80
"""The simulate table's width in cells: it fits the smallest supported terminal."""


def _weeks_to_show(weeks: int) -> list[int]:
    return sorted({0, round(weeks / 4), round(weeks / 2), round(3 * weeks / 4), weeks})


def render_table(journey: Journey, result: Forecast | SimResult) -> str:
    """Stage counts at a few weeks, then the headline KPIs; aligned with double-width names.

    File text goes in as :class:`rich.text.Text` of :func:`visible` text: never read as Rich
    markup, never a control character.
    """
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    # 80 columns, the narrowest terminal supported: the numbers keep their width, long ids and
    # names are cut with an ellipsis (measured in cells: a Japanese character takes two).
    console = Console(file=buf, width=TABLE_WIDTH, color_system=None, force_terminal=False, highlight=False)
    mc = isinstance(result, SimResult)
    settings = result.settings
    title = f"{visible(journey.journey.title)}: " + (
        f"Monte Carlo, {settings['runs']} runs, seed {settings['seed']}" if mc else "exact forecast"
    )
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 0, 0, 1),
    )
    shown = _weeks_to_show(result.weeks)
    numbers = [[f"{result.mean[t, i]:,.1f}" for t in shown] for i in range(len(result.stages))]
    numbers.append([f"{result.total[t]:,.1f}" for t in shown])
    bands = (
        [f"{result.p05[-1, i]:,.0f}..{result.p95[-1, i]:,.0f}" for i in range(len(result.stages))]
        if isinstance(result, SimResult)
        else []
    )
    heads = [f"week {t}" for t in shown]
    widths = [max(len(h), *(len(r[c]) for r in numbers)) for c, h in enumerate(heads)]
    if mc:
        widths.append(max(len(f"p05..p95 @{result.weeks}"), *map(len, bands)))
    # What the numbers leave goes to the id and the name, the name getting the larger share.
    # Between two columns: one cell of padding and the box's (blank) separator.
    room = max(10, TABLE_WIDTH - sum(widths) - 2 * (len(widths) + 1))
    ids = [visible(s) for s in result.stages] + ["total"]
    id_width = max(5, min(max(cell_len(i) for i in ids), room // 3))
    table.add_column("stage", overflow="ellipsis", no_wrap=True, width=id_width)
    table.add_column("name", overflow="ellipsis", no_wrap=True, width=max(4, room - id_width))
    for c, head in enumerate(heads):  # numbers are never cut: the id and name columns give way
        table.add_column(head, justify="right", no_wrap=True, width=widths[c])
    if mc:
        head = f"p05..p95 @{result.weeks}"
        table.add_column(head, justify="right", no_wrap=True, width=widths[-1])
    for i, sid in enumerate(result.stages):
        stage = journey.stage(sid)
        row: list[str | Text] = [Text(visible(sid)), Text(visible(stage.name if stage else ""))]
        row += numbers[i]
        if mc:
            row.append(bands[i])
        table.add_row(*row)
    table.add_row("total", "", *numbers[-1], *([""] if mc else []))
    console.print(Text(title), soft_wrap=True)  # the title on one line, however long: it is not part of the grid
    console.print(table)
    lines = [
        f"won by week {result.weeks}: {result.won[-1]:,.1f}   lost: {result.lost[-1]:,.1f}   "
        f"leads so far: {result.total[-1]:,.1f}"
    ]
    if isinstance(result, SimResult):
        k = result.kpis
        ttw = k["time_to_won"]
        if ttw["median"] is None:
            lines.append("time to won: no lead won within the horizon")
        else:
            lines.append(f"time to won: median {_weeks(ttw['median'])}, p90 {_weeks(ttw['p90'])}")
        stalls = ", ".join(f"{c} {v['starts']:,.1f}" for c, v in k["stalls"].items() if v["starts"])
        lines.append(f"stalls started: {stalls or 'none'}")
        regs = ", ".join(f"{e} {v:,.1f}" for e, v in k["regressions"].items())
        lines.append(f"regressions: {regs or 'none'}")
        lines.append(
            f"MQLs: {sum(k['mqls_per_week']):,.1f}   hand-offs: {sum(k['handoffs_per_week']):,.1f}   "
            f"queue at the end: {k['queue_length'][-1] if k['queue_length'] else 0:,.1f}"
        )
        if k["accounts_won"] is not None:
            lines.append(f"accounts won: {k['accounts_won']:,.1f}")
        cur = journey.journey.currency
        for ch, v in k["channels"].items():
            if v["touches"]:
                per_win = "n/a" if v["cost_per_win"] is None else f"{v['cost_per_win']:,.0f}"
                lines.append(
                    f"channel {ch}: {v['touches']:,.1f} touches, cost {v['cost']:,.0f} {cur}, per win {per_win}"
                )
    else:
        ignored = ", ".join(result.ignored)
        if ignored:
            lines.append(f"ignored: {ignored}")
        stalls = ", ".join(f"{c} {v:,.1f}" for c, v in result.stall_starts.items())
        lines.append(f"expected stalls started: {stalls or 'none'}")
    if isinstance(result, SimResult):
        which = "count engine (one draw per state)" if result.mc_engine == "counts" else "per-lead engine"
        lines.append(f"engine: {which}")
    for line in lines:
        console.print(visible(line), markup=False, highlight=False, soft_wrap=True)
    return no_workflow_commands("\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n")


def _weeks(n: float) -> str:
    return f"{n:g} week" if n == 1 else f"{n:g} weeks"
