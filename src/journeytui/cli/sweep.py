"""``journeytui sweep JOURNEY SWEEP``: run every scenario of a sweep with the full model, report the ranking."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from typing import Any

from journeytui import DOCS_URL
from journeytui.bundled import PATH_HELP, resolve_arg, resolve_sweep_arg
from journeytui.cli import emit, load_valid, print_diagnostics, say_error
from journeytui.textsafe import log_line, no_workflow_commands


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "sweep",
        help="forecast every scenario of a sweep file (levers x values) with the full model",
        description=f"Run a sweep of scenarios and rank them. See {DOCS_URL}/sweeps.md.",
    )
    add_common(p)
    p.add_argument(
        "--sample",
        nargs="+",
        metavar=("grid|random|lhs", "N"),
        default=["grid"],
        help="every combination (grid, default), or N scenarios drawn at random or by Latin hypercube",
    )
    p.add_argument(
        "--exact",
        action="store_true",
        help="forecast each scenario exactly (expected counts, no runs) when the exact forecast models the journey",
    )
    p.add_argument("--engine", choices=("local", "dask"), default="local", help="where scenarios run (default: local)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler (tcp://HOST:PORT); --engine dask")
    p.add_argument("--workers", type=int, default=1, help="processes (local) or LocalCluster workers (dask); default 1")
    p.add_argument(
        "--out", metavar="FILE", help="results file (.csv or .jsonl), written as scenarios finish; resumable"
    )
    p.add_argument("--format", choices=("text", "markdown"), default="text", help="report format (default: text)")
    p.add_argument("--report", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--top", type=int, default=10, help="scenarios in the ranking (default: 10)")
    p.set_defaults(func=run)


def add_common(p: argparse.ArgumentParser) -> None:
    """Arguments ``sweep`` and ``optimise`` share."""
    p.add_argument("journey", metavar="JOURNEY", type=resolve_arg, help=PATH_HELP)
    p.add_argument(
        "sweep",
        metavar="SWEEP",
        type=resolve_sweep_arg,
        help=f"sweep file (*.sweep.toml, {DOCS_URL}/sweeps.md), or a bundled example's name (b2b-it-tool.sweep)",
    )
    p.add_argument("--runs", type=int, default=20, help="Monte Carlo runs per scenario (default: 20)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default: 0)")
    p.add_argument(
        "--no-crn",
        dest="crn",
        action="store_false",
        help="independent seeds per scenario instead of common random numbers",
    )


def load_inputs(args: argparse.Namespace, command: str) -> Any:
    """The Context for the command, or an exit code after printing why not."""
    from journeytui.sim.compile import check_runs
    from journeytui.sim.errors import SimulationError
    from journeytui.sweep.evaluate import Context
    from journeytui.sweep.spec import load_sweep

    journey, errors = load_valid(args.journey)
    if journey is None:
        print_diagnostics(errors)
        say_error(command, f"{args.journey} is not a valid journey; fix it first (journeytui validate)")
        return 2
    loaded = load_sweep(args.sweep, journey)
    if not loaded.ok or loaded.sweep is None:
        print_diagnostics([d for d in loaded.diagnostics if d.is_error])
        say_error(command, f"{args.sweep} is not a valid sweep file for {args.journey} ({DOCS_URL}/sweeps.md)")
        return 2
    try:
        check_runs(args.runs)
        if args.seed < 0:
            raise SimulationError(f"--seed must be a whole number >= 0, not {args.seed}")
    except SimulationError as exc:
        say_error(command, str(exc))
        return 2
    weeks = loaded.sweep.objective.week or journey.journey.horizon
    return Context(journey, loaded.sweep, weeks, args.runs, args.seed, args.crn)


class Bar:
    """A progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int, what: str = "scenarios") -> None:
        self.on = sys.stderr.isatty()
        self.total = max(1, total)
        self.done = 0
        self.what = what

    def tick(self, *_: Any) -> None:
        self.done += 1
        if self.on:
            filled = int(30 * self.done / self.total)
            sys.stderr.write(f"\rsweeping [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} {self.what}")
            if self.done >= self.total:
                sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()


def _size(args: argparse.Namespace, ctx: Any) -> int:
    """How many scenarios the sample asks for (counted, not built), or -1 after saying what is wrong."""
    from journeytui.sweep.scenarios import MAX_SCENARIOS, grid_size

    how, *rest = args.sample
    if (
        how not in ("grid", "random", "lhs")
        or len(rest) > 1
        or (how == "grid" and rest)
        or (how != "grid" and not rest)
    ):
        say_error("sweep", "--sample takes `grid`, `random N` or `lhs N`")
        return -1
    if how == "grid":
        n = grid_size(ctx.sweep)
        if n > MAX_SCENARIOS:
            say_error(
                "sweep",
                f"the grid has {n:,} scenarios (limit {MAX_SCENARIOS:,}); sample it: --sample lhs 200 "
                "(or random N), or give the levers fewer values",
            )
            return -1
        return n
    if not rest[0].isdigit() or not 1 <= int(rest[0]) <= MAX_SCENARIOS:
        say_error("sweep", f"--sample {how} N: N must be a whole number from 1 to {MAX_SCENARIOS:,}")
        return -1
    return int(rest[0])


def _plan(args: argparse.Namespace, ctx: Any) -> Any:
    """The scenarios to run, or an exit code."""
    from journeytui.sim.errors import ResourceLimit
    from journeytui.sweep.scenarios import scenarios

    how, *rest = args.sample
    if (
        how not in ("grid", "random", "lhs")
        or len(rest) > 1
        or (how == "grid" and rest)
        or (how != "grid" and not rest)
    ):
        say_error("sweep", "--sample takes `grid`, `random N` or `lhs N`")
        return 2
    try:
        n = int(rest[0]) if rest else None
        return scenarios(ctx.sweep, how, n, ctx.seed)
    except ValueError as exc:
        say_error("sweep", str(exc) if "needs" in str(exc) else f"--sample {how}: N must be a whole number")
        return 2
    except ResourceLimit as exc:
        say_error("sweep", str(exc))
        return 2


def run(args: argparse.Namespace) -> int:
    from journeytui.sim.errors import ResourceLimit
    from journeytui.sweep.evaluate import check_sweep_size
    from journeytui.sweep.report import render
    from journeytui.sweep.results import ResultsError, ResultsFile
    from journeytui.sweep.runner import EngineError, run_scenarios

    ctx = load_inputs(args, "sweep")
    if isinstance(ctx, int):
        return ctx
    if args.workers < 1 or args.top < 1:
        say_error("sweep", "--workers and --top must be at least 1")
        return 2
    if args.exact:
        from journeytui.sim.compile import blocking_features

        blocking = blocking_features(ctx.journey)
        if blocking:
            names = ", ".join(f"{name} ({why})" for name, why in blocking.items())
            say_error("sweep", f"--exact: the journey uses {names}; its full model is the Monte Carlo engine")
            return 2
        ctx = dataclasses.replace(ctx, exact=True)
    if args.scheduler and args.engine != "dask":
        say_error("sweep", "--scheduler needs --engine dask")
        return 2
    size = _size(args, ctx)
    if isinstance(size, int) and size < 0:
        return 2
    try:
        check_sweep_size(ctx, size, args.workers)  # before building a single scenario
    except ResourceLimit as exc:
        say_error("sweep", str(exc))
        return 2
    plan = _plan(args, ctx)
    if isinstance(plan, int):
        return plan
    ctx = dataclasses.replace(ctx, sample=" ".join(args.sample))
    results = None
    done: dict[str, dict[str, Any]] = {}
    try:
        if args.out:
            results = ResultsFile(args.out, ctx.sweep, ctx.input_hash())
            done = results.done()
        if results is not None:
            results.open()
    except ResultsError as exc:
        say_error("sweep", str(exc))
        return 2
    except OSError as exc:
        say_error("sweep", f"cannot write {args.out}: {exc.strerror or exc}")
        return 2
    todo = [sc for sc in plan if sc.key not in done]
    if done:
        print(log_line(f"resuming: {len(done):,} of {len(plan):,} scenarios already in {args.out}"), file=sys.stderr)
    bar = Bar(len(todo))

    def on_row(row: dict[str, Any]) -> None:
        if results is not None:
            results.append(row)
        bar.tick()

    try:
        rows = run_scenarios(ctx, todo, args.engine, args.workers, args.scheduler, on_row)
    except (EngineError, KeyboardInterrupt, OSError) as exc:
        if results is not None:
            with contextlib.suppress(OSError):  # the disk that failed may fail the flush too
                results.close()
        kept = f"; the scenarios finished so far are kept in {args.out} (rerun to resume)" if args.out else ""
        if isinstance(exc, KeyboardInterrupt):
            print(log_line(f"interrupted{kept}"), file=sys.stderr)
            return 130
        what = f"cannot write {args.out}: {exc.strerror or exc}" if isinstance(exc, OSError) else str(exc)
        say_error("sweep", f"{what}{kept}")
        return 2
    # one row per scenario: a task a lost worker had finished may be reported again when rerun
    everything = list({str(r["scenario"]): r for r in [*rows[::-1], *done.values()]}.values())
    if results is not None:
        try:
            results.finish(everything)
        except OSError as exc:
            say_error("sweep", f"cannot write {args.out}: {exc.strerror or exc}")
            return 2
    text = render(everything, ctx.sweep, markdown=args.format == "markdown", top=args.top)
    return emit(no_workflow_commands(text), args.report, "sweep")
