"""Evaluate one scenario with the journey's full model, and estimate what a whole sweep costs.

:func:`evaluate` is a plain function of picklable arguments (the :class:`Context` and a
:class:`Scenario`), so the local engine and Dask workers run exactly the same code and
return exactly the same row for a scenario. The full model is the Monte Carlo engine that
``journeytui simulate`` runs by default (every feature, ``engine="auto"``). No Textual.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from journeytui.model.structure import unstructure
from journeytui.model.types import Journey
from journeytui.sim.errors import ResourceLimit, SimulationError
from journeytui.sim.limits import Estimate, check, duration
from journeytui.sweep.levers import ScenarioError, apply, scenario_cost
from journeytui.sweep.scenarios import Scenario, scenario_seed
from journeytui.sweep.spec import SweepFile

MAXIMISE = {"won": True, "pipeline": True, "cost_per_win": False}


@dataclass(frozen=True)
class Context:
    """Everything a scenario's evaluation needs besides the scenario itself."""

    journey: Journey
    sweep: SweepFile
    weeks: int
    runs: int
    seed: int
    crn: bool = True
    leads: int | None = None
    sample: str = "grid"
    """How the scenarios were chosen (``grid``, ``random 200``...): part of the results' identity."""
    exact: bool = False
    """Forecast each scenario exactly (expected counts, no runs): only for journeys the exact
    forecast models (docs/simulation.md); no touch costs, no percentile band."""
    cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    """What this process derived from the inputs once for all scenarios (the sweep's fast path,
    sweep/fast.py). Pickled with the context, so a worker receives it built; never part of
    the results' identity."""

    def input_hash(self) -> str:
        """Identity of the inputs a result row depends on: a row with another hash is stale."""
        ident = {
            "journey": unstructure(self.journey),
            "sweep": unstructure(self.sweep),
            "weeks": self.weeks,
            "runs": self.runs,
            "seed": self.seed,
            "crn": self.crn,
            "leads": self.leads,
            "sample": self.sample,
            "exact": self.exact,
        }
        return hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _round(x: float) -> float | None:
    return None if not math.isfinite(x) else round(float(x), 6)


def objective_value(metric: str, won: float, pipeline: float | None, spend: float) -> float | None:
    """The objective from a scenario's means (cost per win: None without wins)."""
    if metric == "won":
        return won
    if metric == "pipeline":
        return pipeline
    return spend / won if won > 0 else None


def per_run(ctx: Context, journey: Journey, seed: int, runs: int) -> dict[str, Any]:
    """Run the full model and return the per-run figures the rows and the optimiser need."""
    from journeytui.sim.montecarlo import simulate, simulate_stage_counts

    if ctx.exact:
        return _exact(ctx, journey)
    W = ctx.weeks
    lean = simulate_stage_counts(journey, leads=ctx.leads, weeks=W, runs=runs, seed=seed)
    if lean is not None:
        # the count engine's record from the same draws as `simulate`, without its KPIs; the
        # count engine models no touches, so no touch cost
        return _figures(ctx, journey, *lean, touch=0.0, engine="counts")
    res = simulate(journey, leads=ctx.leads, weeks=W, runs=runs, seed=seed)
    touch = float(sum(float(c.get("cost", 0.0)) for c in res.kpis.get("channels", {}).values()))
    return _figures(ctx, journey, res.stages, res.runs_counts, touch=touch, engine=res.mc_engine)


def _figures(
    ctx: Context, journey: Journey, stages: list[str], counts: np.ndarray, touch: float, engine: str | None
) -> dict[str, Any]:
    """The row's figures from the leads per (week, run, stage) of a Monte Carlo run."""
    W = ctx.weeks
    kinds = {s.id: s.kind for s in journey.stages}
    won_cols = [i for i, s in enumerate(stages) if kinds.get(s) == "won"]
    won_runs = counts[W][:, won_cols].sum(axis=1).astype(float)
    stage = ctx.sweep.objective.stage
    pipe_runs = counts[W][:, stages.index(stage)].astype(float) if stage is not None else None
    # the mean over runs per week, as SimResult.mean
    peaks = {
        sid: float(counts[:, :, stages.index(sid)].mean(axis=1).max()) for sid in ctx.sweep.constraints.max_in_stage
    }
    return {"won_runs": won_runs, "pipe_runs": pipe_runs, "peaks": peaks, "touch_cost": touch, "engine": engine}


def _exact(ctx: Context, journey: Journey) -> dict[str, Any]:
    """The exact forecast's figures in the shape of :func:`per_run` (one "run": the expectation)."""
    from journeytui.sim.exact import forecast

    fc = forecast(journey, weeks=ctx.weeks, leads=ctx.leads)
    W = ctx.weeks
    stage = ctx.sweep.objective.stage
    pipe = np.array([float(fc.mean[W, fc.stages.index(stage)])]) if stage is not None else None
    peaks = {sid: float(fc.mean[:, fc.stages.index(sid)].max()) for sid in ctx.sweep.constraints.max_in_stage}
    return {
        "won_runs": np.array([float(fc.won[W])]),
        "pipe_runs": pipe,
        "peaks": peaks,
        "touch_cost": None,
        "engine": "exact",
    }


def evaluate(ctx: Context, sc: Scenario, fast: bool = True) -> dict[str, Any]:
    """One result row for ``sc`` (see docs/sweeps.md, *Results*): never raises for a bad scenario.

    ``fast``: through the sweep's compiled baseline when the scenario's levers only set
    chances (sweep/fast.py), else (or ``fast=False``) by applying, validating and compiling
    the scenario's journey; both give the same row."""
    from journeytui.sweep.fast import fast_path

    sweep = ctx.sweep
    cost = scenario_cost(ctx.journey, sweep, sc.values)
    seed = scenario_seed(ctx.seed, sc.key, ctx.crn)
    row: dict[str, Any] = {
        "index": sc.index,
        "scenario": sc.key,
        "levers": {lv.id: v for lv, v in zip(sweep.levers, sc.values, strict=True)},
        "cost": _round(cost),
        "seed": seed,
        "status": "ok",
        "message": "",
    }
    budget = sweep.constraints.budget
    if budget is not None and cost > budget + 1e-9:
        row.update(status="over_budget", message=f"costs {cost:,.0f}, over the budget {budget:,.0f}", feasible=False)
        return row
    try:
        fig = fast_path(ctx).figures(ctx, sc.values, seed) if fast else None
        if fig is None:
            journey = apply(ctx.journey, sweep, sc.values)
            fig = per_run(ctx, journey, seed, ctx.runs)
    except ScenarioError as exc:
        row.update(status="invalid", message=str(exc), feasible=False)
        return row
    except SimulationError as exc:
        row.update(status="refused", message=str(exc), feasible=False)
        return row
    won_runs = fig["won_runs"]
    won = float(won_runs.mean())
    pipe_runs = fig["pipe_runs"]
    pipeline = float(pipe_runs.mean()) if pipe_runs is not None else None
    spend = cost + (fig["touch_cost"] or 0.0)
    over = [sid for sid, peak in fig["peaks"].items() if peak > sweep.constraints.max_in_stage[sid] + 1e-9]
    # both percentiles from one call: the same values as two, at half the cost
    band = None if ctx.exact else np.percentile(won_runs, [5, 95])
    row.update(
        won=_round(won),
        won_p05=None if band is None else _round(float(band[0])),
        won_p95=None if band is None else _round(float(band[1])),
        pipeline=_round(pipeline) if pipeline is not None else None,
        touch_cost=_round(fig["touch_cost"]) if fig["touch_cost"] is not None else None,
        cost_per_win=_round(spend / won) if won > 0 else None,
        objective=_objective(sweep.objective.metric, won, pipeline, spend),
        feasible=not over,
        engine=fig["engine"],
    )
    if not ctx.exact:
        row["won_runs"] = [_round(x) for x in won_runs]
    if over:
        row["message"] = "over capacity in " + ", ".join(
            f"{sid} (peak {fig['peaks'][sid]:,.0f} > {sweep.constraints.max_in_stage[sid]:,.0f})" for sid in over
        )
    return row


def _objective(metric: str, won: float, pipeline: float | None, spend: float) -> float | None:
    value = objective_value(metric, won, pipeline, spend)
    return _round(value) if value is not None else None


# -- estimating a sweep before running it -----------------------------------------------------

FULL_MODEL_FACTOR = 100.0
"""The per-lead engine with touchpoints, scoring, gates or capacity costs about this many
times the plain chain's SLOT_WEEK_S per lead slot and week (measured on the flagship)."""
SCENARIO_OVERHEAD_S = 0.01
"""Applying and validating a scenario, compiling it, summarising: about 10 ms each."""
FAST_OVERHEAD_S = 0.001
"""The same through the sweep's fast path (chance levers on a count-engine journey,
sweep/fast.py): setting the levers, patching the chances, filling the states, the row."""


def estimate_scenario(ctx: Context) -> Estimate:
    """What one scenario costs (memory and time), from the baseline journey's sizes."""
    from journeytui.sim.compile import compile_journey
    from journeytui.sim.counts import cost_floor
    from journeytui.sim.montecarlo import CELL_COST, SLOT_WEEK_S, estimate_memory

    if ctx.exact:
        from journeytui.sim.limits import estimate_exact

        ex = estimate_exact(ctx.journey, ctx.weeks)
        return Estimate("a scenario", ex.bytes, ex.seconds + SCENARIO_OVERHEAD_S, ex.why, ex.suggestion)
    from journeytui.sweep.fast import fast_path

    c = compile_journey(ctx.journey, (), ctx.leads)
    need, slots = estimate_memory(c, ctx.weeks, ctx.runs)
    j = ctx.journey
    heavy = bool(j.touchpoints or j.scoring or any(t.gate for t in j.transitions) or j.population.accounts)
    lead_weeks = slots * ctx.weeks * (FULL_MODEL_FACTOR if heavy else 1.0)
    if not heavy:
        lead_weeks = min(lead_weeks, cost_floor(c, ctx.weeks, ctx.runs) * CELL_COST)
    overhead = FAST_OVERHEAD_S if fast_path(ctx).why is None else SCENARIO_OVERHEAD_S
    seconds = lead_weeks * SLOT_WEEK_S + overhead
    why = f"{slots:,} lead slots x {ctx.weeks:,} weeks per scenario"
    return Estimate("a scenario", need, seconds, why, "use fewer --runs, or fewer leads or weeks")


def check_sweep_size(ctx: Context, scenarios: int, workers: int = 1) -> Estimate:
    """Refuse (ResourceLimit) a sweep whose scenarios would not fit in memory or the time budget,
    saying how many scenarios would fit."""
    one = estimate_scenario(ctx)
    check(one)  # one scenario must fit by itself
    per_worker = math.ceil(scenarios / max(1, workers))
    total = Estimate(
        f"the sweep ({scenarios:,} scenarios x {ctx.runs:,} runs on {workers} worker{'s' if workers != 1 else ''})",
        one.bytes * min(workers, scenarios) + scenarios * (ctx.runs * 16 + 1024),
        one.seconds * per_worker,
        f"about {duration(one.seconds)} per scenario; {one.why}",
        "",
    )
    from journeytui.sim.limits import time_budget

    fit = max(1, int(time_budget() / one.seconds) * max(1, workers))
    suggestion = (
        f"sample fewer scenarios (--sample lhs {min(fit, scenarios - 1):,} fits), use fewer --runs or more "
        "--workers, run it on a cluster (--engine dask --scheduler ...), or raise JOURNEYTUI_TIME_BUDGET"
    )
    try:
        return check(Estimate(total.what, total.bytes, total.seconds, total.why, suggestion))
    except ResourceLimit:
        raise
