"""The best scenario under a budget: exhaustive search or Optuna's TPE, then a confirmation.

Search: every scenario of the grid when it has at most ``trials`` scenarios, else ``trials``
proposals of Optuna's TPE sampler (seeded with the root seed, so the search is repeatable),
with the budget and capacity as constraints. Scenarios over budget are never simulated.

Confirmation: the ``top`` best feasible scenarios are run again with ``confirm_runs`` runs on
common random numbers (the same seed for each), so run *i* of every candidate shares its
random draws; each gets a 95 % interval of its mean objective, and the winner's paired
difference from the runner-up (run by run) gets one too. The winner is *distinguishable*
when that interval excludes 0. No Textual.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from journeytui.sweep.evaluate import MAXIMISE, Context, evaluate, per_run
from journeytui.sweep.levers import apply, scenario_cost
from journeytui.sweep.report import pareto, pareto_chart, ranking
from journeytui.sweep.scenarios import Scenario, grid, grid_size, scenario_key, scenario_seed
from journeytui.sweep.spec import lever_points
from journeytui.textsafe import visible

Z95 = 1.959963984540054


@dataclass
class Confirmed:
    """A candidate re-run with more runs: its mean objective and the 95 % interval of that mean."""

    scenario: Scenario
    cost: float
    runs: int
    mean: float
    low: float
    high: float
    per_run: np.ndarray = field(repr=False)


@dataclass
class Outcome:
    """What :func:`optimise` found."""

    method: str
    rows: list[dict[str, Any]]
    confirmed: list[Confirmed]
    difference: tuple[float, float, float] | None
    """Winner minus runner-up, run by run: (mean, low, high) of the 95 % interval."""

    @property
    def winner(self) -> Confirmed | None:
        return self.confirmed[0] if self.confirmed else None

    @property
    def distinguishable(self) -> bool | None:
        if self.difference is None:
            return None
        _, low, high = self.difference
        return low > 0 or high < 0


def with_budget(ctx: Context, budget: float | None) -> Context:
    """The context with the sweep's budget replaced by ``budget`` (the input is not changed)."""
    if budget is None:
        return ctx
    sweep = copy.deepcopy(ctx.sweep)
    sweep.constraints.budget = float(budget)
    return Context(ctx.journey, sweep, ctx.weeks, ctx.runs, ctx.seed, ctx.crn, ctx.leads, ctx.sample)


def _objective_runs(ctx: Context, fig: dict[str, Any], cost: float) -> np.ndarray:
    metric = ctx.sweep.objective.metric
    if metric == "won":
        return np.asarray(fig["won_runs"], dtype=float)
    if metric == "pipeline":
        return np.asarray(fig["pipe_runs"], dtype=float)
    won = np.asarray(fig["won_runs"], dtype=float)
    spend = cost + float(fig["touch_cost"])
    return np.divide(spend, won, out=np.full(won.shape, np.nan), where=won > 0)


def _interval(x: np.ndarray) -> tuple[float, float, float]:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    half = Z95 * float(x.std(ddof=1)) / math.sqrt(x.size) if x.size > 1 else math.inf
    return mean, mean - half, mean + half


def _search_exhaustive(
    ctx: Context, run_rows: Callable[[list[Scenario]], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    return run_rows(list(grid(ctx.sweep)))


def _search_optuna(ctx: Context, trials: int, progress: Callable[[], Any] | None) -> list[dict[str, Any]]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sweep = ctx.sweep
    maximise = MAXIMISE[sweep.objective.metric]
    worst = -math.inf if maximise else math.inf
    budget = sweep.constraints.budget
    seen: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []

    def propose(trial: optuna.Trial) -> tuple[float, ...]:
        values = []
        for lv in sweep.levers:
            if lv.values or lv.step is not None:
                pts = lever_points(lv)
                values.append(pts[trial.suggest_int(lv.id, 0, len(pts) - 1)])
            else:
                assert lv.min is not None and lv.max is not None
                values.append(trial.suggest_float(lv.id, lv.min, lv.max))
        return tuple(values)

    def objective(trial: optuna.Trial) -> float:
        values = propose(trial)
        cost = scenario_cost(ctx.journey, sweep, values)
        over = cost - budget if budget is not None else 0.0
        key = scenario_key(sweep, values)
        if key not in seen:
            row = evaluate(ctx, Scenario(len(rows), values, key))
            seen[key] = row
            rows.append(row)
            if progress is not None:
                progress()
        row = seen[key]
        infeasible = 0.0 if row.get("feasible") else 1.0
        trial.set_constraint("budget", over)
        trial.set_constraint("capacity", infeasible)
        value = row.get("objective")
        return float(value) if value is not None else worst

    sampler = optuna.samplers.TPESampler(seed=ctx.seed)  # constraints come from Trial.set_constraint
    study = optuna.create_study(direction="maximize" if maximise else "minimize", sampler=sampler)
    study.optimize(objective, n_trials=trials)
    return rows


def confirm(ctx: Context, candidates: list[dict[str, Any]], runs: int) -> list[Confirmed]:
    """Re-run ``candidates`` with ``runs`` runs each on common random numbers, best first."""
    out = []
    for row in candidates:
        values = tuple(float(row["levers"][lv.id]) for lv in ctx.sweep.levers)
        sc = Scenario(int(row["index"]), values, str(row["scenario"]))
        journey = apply(ctx.journey, ctx.sweep, values)
        fig = per_run(ctx, journey, scenario_seed(ctx.seed, sc.key, crn=True), runs)
        cost = scenario_cost(ctx.journey, ctx.sweep, values)
        x = _objective_runs(ctx, fig, cost)
        mean, low, high = _interval(x)
        out.append(Confirmed(sc, cost, runs, mean, low, high, x))
    sign = -1.0 if MAXIMISE[ctx.sweep.objective.metric] else 1.0
    return sorted(out, key=lambda c: (sign * c.mean if math.isfinite(c.mean) else math.inf, c.cost))


def optimise(
    ctx: Context,
    budget: float | None,
    trials: int = 100,
    top: int = 3,
    confirm_runs: int = 100,
    run_rows: Callable[[list[Scenario]], list[dict[str, Any]]] | None = None,
    progress: Callable[[], Any] | None = None,
) -> Outcome:
    """Search, then confirm the ``top`` candidates (see the module's docstring)."""
    ctx = with_budget(ctx, budget)

    def local_rows(scs: list[Scenario]) -> list[dict[str, Any]]:
        rows = []
        for sc in scs:
            rows.append(evaluate(ctx, sc))
            if progress is not None:
                progress()
        return rows

    if grid_size(ctx.sweep) <= trials:
        method = f"exhaustive: all {grid_size(ctx.sweep):,} scenarios of the grid"
        rows = _search_exhaustive(ctx, run_rows or local_rows)
    else:
        method = f"Optuna TPE, {trials:,} trials (seed {ctx.seed}); the grid has {grid_size(ctx.sweep):,} scenarios"
        rows = _search_optuna(ctx, trials, progress)
    best = ranking(rows, ctx.sweep.objective.metric)[: max(1, top)]
    confirmed = confirm(ctx, best, confirm_runs)
    difference = None
    if len(confirmed) >= 2:
        mean, low, high = _interval(confirmed[0].per_run - confirmed[1].per_run)
        difference = (mean, low, high)
    return Outcome(method, sorted(rows, key=lambda r: int(r["index"])), confirmed, difference)


def _levers(ctx: Context, values: tuple[float, ...]) -> str:
    return ", ".join(f"{visible(lv.id)}={v:g}" for lv, v in zip(ctx.sweep.levers, values, strict=True))


def render(ctx: Context, outcome: Outcome, budget: float | None) -> str:
    """The optimiser's report as terminal text."""
    metric = ctx.sweep.objective.metric
    feasible = [r for r in outcome.rows if r.get("status") == "ok" and r.get("feasible")]
    lines = [
        f"Search: {outcome.method}",
        f"{len(outcome.rows):,} scenarios evaluated, {len(feasible):,} within the budget"
        + (f" of {budget:,.0f}" if budget is not None else "")
        + " and every constraint",
        "",
    ]
    if not outcome.confirmed:
        lines.append("No scenario meets the budget and the constraints.")
        return "\n".join(lines) + "\n"
    better = "higher" if MAXIMISE[metric] else "lower"
    lines.append(f"Top candidates re-run with {outcome.confirmed[0].runs:,} runs (common random numbers), {metric}:")
    for k, c in enumerate(outcome.confirmed, start=1):
        lines.append(
            f"  {k}. {c.mean:,.2f} (95% interval {c.low:,.2f} to {c.high:,.2f}), cost {c.cost:,.0f}: "
            f"{_levers(ctx, c.scenario.values)}"
        )
    if outcome.difference is not None:
        mean, low, high = outcome.difference
        verdict = (
            "the winner is distinguishable from the runner-up"
            if outcome.distinguishable
            else "the winner is NOT distinguishable from the runner-up: more runs, or choose on cost"
        )
        lines.append(
            f"Winner minus runner-up, run by run: {mean:,.2f} (95% interval {low:,.2f} to {high:,.2f}); "
            f"{verdict} ({better} is better)"
        )
    lines += ["", "Pareto front: wins against lever cost", ""]
    lines += ["  " + line for line in pareto_chart(outcome.rows)]
    for r in pareto(outcome.rows):
        values = tuple(float(r["levers"][lv.id]) for lv in ctx.sweep.levers)
        lines.append(f"  cost {float(r['cost']):,.0f}: won {float(r['won']):,.1f} ({_levers(ctx, values)})")
    return "\n".join(lines) + "\n"
