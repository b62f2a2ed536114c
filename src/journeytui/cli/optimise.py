"""``journeytui optimise JOURNEY SWEEP --budget B``: the best scenario under the budget, how sure, and
``--apply OUT`` to write it as a new journey file (comments kept) for review."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from typing import Any

from journeytui import DOCS_URL
from journeytui.cli import emit, say_error
from journeytui.cli.sweep import Bar, add_common, load_inputs
from journeytui.textsafe import log_line, no_workflow_commands


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "optimise",
        aliases=["optimize"],
        help="find the scenario of a sweep that does best within a budget",
        description=f"Search a sweep's scenarios under a budget and confirm the best. See {DOCS_URL}/sweeps.md.",
    )
    add_common(p)
    p.add_argument("--budget", type=float, required=True, help="total lever cost at most (replaces the sweep's)")
    p.add_argument("--trials", type=int, default=100, help="scenarios to try; every one when the grid is this small")
    p.add_argument("--top", type=int, default=3, help="candidates re-run to confirm (default: 3)")
    p.add_argument("--confirm-runs", type=int, default=100, help="runs per candidate when confirming (default: 100)")
    p.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="where an exhaustive search's scenarios run (default: local), as for sweep",
    )
    p.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler (tcp://HOST:PORT); --engine dask")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes (local) or LocalCluster workers (dask) for an exhaustive search",
    )
    p.add_argument("--apply", metavar="OUT", help="write the winning scenario as a new journey file")
    p.add_argument("--force", action="store_true", help="let --apply overwrite an existing file")
    p.add_argument("--out", metavar="FILE", help="write the report to FILE instead of stdout")
    p.set_defaults(func=run)


def _check(args: argparse.Namespace) -> str | None:
    if args.budget < 0 or args.budget != args.budget:
        return "--budget must be a number >= 0"
    if not 1 <= args.trials <= 100_000:
        return "--trials must be from 1 to 100,000"
    if not 1 <= args.top <= 20:
        return "--top must be from 1 to 20"
    if not 2 <= args.confirm_runs <= 10_000:
        return "--confirm-runs must be from 2 to 10,000"
    if args.workers < 1:
        return "--workers must be at least 1"
    if args.scheduler and args.engine != "dask":
        return "--scheduler needs --engine dask"
    if args.apply and os.path.lexists(args.apply) and not args.force:
        return f"{args.apply} exists; --apply never overwrites a file unless --force is given"
    return None


def _apply(args: argparse.Namespace, ctx: Any, values: tuple[float, ...]) -> int:
    from journeytui.model.save import MergeError, atomic_write, render, render_canonical
    from journeytui.sweep.levers import apply

    journey = apply(ctx.journey, ctx.sweep, values)
    try:
        with open(args.journey, encoding="utf-8") as fh:
            original: str | None = fh.read()
    except (OSError, UnicodeDecodeError):
        original = None
    try:
        text = render(journey, original)
    except MergeError:
        text = render_canonical(journey, original)
    except ValueError as exc:
        say_error("optimise", f"cannot write {args.apply}: {exc}")
        return 2
    try:
        atomic_write(args.apply, text)
    except OSError as exc:
        say_error("optimise", f"cannot write {args.apply}: {exc.strerror or exc}")
        return 2
    print(
        log_line(f"wrote the winning scenario to {args.apply} (review it, then validate and simulate it)"),
        file=sys.stderr,
    )
    return 0


def run(args: argparse.Namespace) -> int:
    from journeytui.sim.errors import ResourceLimit
    from journeytui.sweep.evaluate import check_sweep_size
    from journeytui.sweep.optimise import optimise, render, with_budget
    from journeytui.sweep.runner import EngineError, run_scenarios
    from journeytui.sweep.scenarios import grid_size
    from journeytui.sweep.spec import cheapest_cost

    problem = _check(args)
    if problem:
        say_error("optimise", problem)
        return 2
    ctx = load_inputs(args, "optimise")
    if isinstance(ctx, int):
        return ctx
    size = min(grid_size(ctx.sweep), args.trials)
    cheapest = cheapest_cost(ctx.journey, ctx.sweep)
    if cheapest > args.budget + 1e-9:
        say_error(
            "optimise",
            f"no scenario meets the budget {args.budget:,.0f}: the cheapest costs {cheapest:,.0f}; "
            "raise --budget or add cheaper values to the levers",
        )
        return 2
    try:
        check_sweep_size(ctx, size, args.workers)
        check_sweep_size(dataclasses.replace(ctx, runs=args.confirm_runs), args.top, 1)
    except ResourceLimit as exc:
        say_error("optimise", str(exc))
        return 2
    bar = Bar(size)
    try:
        outcome = optimise(
            ctx,
            args.budget,
            trials=args.trials,
            top=args.top,
            confirm_runs=args.confirm_runs,
            run_rows=lambda scs: run_scenarios(
                with_budget(ctx, args.budget), scs, args.engine, args.workers, args.scheduler, lambda _row: bar.tick()
            ),
            progress=bar.tick,
        )
    except EngineError as exc:
        say_error("optimise", str(exc))
        return 2
    except ImportError:
        say_error("optimise", "a grid this large needs Optuna: pip install 'journeytui[sweep]' (or raise --trials)")
        return 2
    code = emit(no_workflow_commands(render(ctx, outcome, args.budget)), args.out, "optimise")
    if code == 0 and args.apply:
        if outcome.winner is None:
            say_error("optimise", "no scenario meets the budget and the constraints; nothing to apply")
            return 2
        return _apply(args, ctx, outcome.winner.scenario.values)
    return code
