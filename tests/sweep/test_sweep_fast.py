"""The sweep's fast path (sweep/fast.py) gives byte-identical rows to evaluating each scenario
the full way (apply, validate, compile), on several journeys and lever kinds; levers it cannot
patch, and scenarios it cannot vouch for, take the full path with the same messages."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from sweep_helpers import JOURNEY, SWEEP

from journeytui.model import load_journey
from journeytui.model.load import load_text
from journeytui.model.types import Journey
from journeytui.sim.compile import compile_journey
from journeytui.sweep.evaluate import Context, evaluate
from journeytui.sweep.fast import fast_path
from journeytui.sweep.runner import run_scenarios
from journeytui.sweep.scenarios import Scenario, scenario_key, scenarios
from journeytui.sweep.spec import SweepFile, parse_sweep

FLAGSHIP = Path(__file__).resolve().parents[2] / "journeys" / "b2b-it-tool.toml"


def plain_flagship() -> Journey:
    """The flagship's stages, transitions (regressions, persona overrides), stalls (geometric,
    uniform, fixed) and four personas: what the count engine models."""
    j = load_journey(FLAGSHIP)
    j.population.arrivals = {}
    j.population.accounts = 0
    j.touchpoints = []
    j.scoring = None
    for t in j.transitions:
        t.gate = None
    return j


def sweep_of(text: str) -> SweepFile:
    sweep = parse_sweep(text).sweep
    assert sweep is not None
    return sweep


def lever(ident: str, kind: str, values: list[float], **target: str) -> str:
    keys = "".join(f'{"from" if k == "from_" else k} = "{v}"\n' for k, v in target.items())
    return f'[[levers]]\nid = "{ident}"\nkind = "{kind}"\n{keys}values = {values}\n\n'


CHANCES = (
    lever("handoff", "transition", [0.06, 0.12], from_="evaluate", to="sales")
    + lever("it_staff", "transition", [0.03, 0.08], from_="evaluate", to="sales", persona="it_staff")
    + lever("committee", "stall", [0.0, 0.05], stage="evaluate", cause="waiting for the committee")
    + lever("research", "transition", [0.12], from_="aware", to="research")
    + lever("drop", "transition", [0.02], from_="compare", to="lost")
)
"""Chance levers on the plain flagship: a transition with a persona override (kept), that
override itself, a stall (0 changes which chances are above zero), and two transitions the
extra scenarios below set to bad values."""


def extra(sweep: SweepFile, start: int, *values: tuple[float, ...]) -> list[Scenario]:
    return [Scenario(start + i, v, scenario_key(sweep, v)) for i, v in enumerate(values)]


def both_ways(ctx: Context, todo: list[Scenario]) -> tuple[str, str]:
    fast = json.dumps([evaluate(ctx, sc) for sc in todo])
    full = json.dumps([evaluate(ctx, sc, fast=False) for sc in todo])
    return fast, full


def test_chance_levers_on_the_flagship_chain_patch_and_give_identical_rows() -> None:
    """Compiled draws (20 runs x 104 weeks is past counts.KERNEL_CELLS), personas, cycles."""
    sweep = sweep_of(CHANCES)
    ctx = Context(plain_flagship(), sweep, weeks=104, runs=20, seed=7, leads=20_000)
    todo = scenarios(sweep)
    assert len(todo) == 8
    todo += extra(
        sweep,
        8,
        (0.95, 0.03, 0.03, 0.12, 0.02),  # evaluate's chances sum past 1: E302
        (0.06, 0.03, 0.03, 0.0, 0.02),  # aware -> research at 0: research unreachable, E403
        (0.06, 0.03, 0.03, 0.12, 0.0),  # compare -> lost at 0: valid, but another graph
    )
    fast, full = both_ways(ctx, todo)
    assert fast == full
    rows = json.loads(fast)
    assert [r["status"] for r in rows] == ["ok"] * 8 + ["invalid", "invalid", "ok"]
    assert rows[8]["message"].startswith("E302 outgoing probabilities plus stall chances of stage `evaluate`")
    assert rows[9]["message"].startswith("E403 stage `research` cannot be reached")
    assert {r["engine"] for r in rows if r["status"] == "ok"} == {"counts"}
    fp = fast_path(ctx)
    assert fp.why is None
    # the 8 grid scenarios were patched; the three extra ones went the full way
    assert (fp.patched, fp.full) == (8, 3)
    # two patterns of chances above zero (the committee stall at 0 or not): two layouts
    assert len(fp._layouts) == 2
    # the compiled baseline is the journey's own, whatever the scenarios set
    base = compile_journey(plain_flagship(), (), 20_000).journey
    assert [(t.probability, t.by_persona) for t in fp.c.journey.transitions] == [
        (t.probability, t.by_persona) for t in base.transitions
    ]
    assert [s.probability for s in fp.c.journey.stalls] == [s.probability for s in base.stalls]


def test_the_persona_override_stays_when_its_transition_is_set() -> None:
    """Setting evaluate -> sales leaves it_staff's override: without it the rows would differ."""
    sweep = sweep_of(lever("handoff", "transition", [0.04, 0.2], from_="evaluate", to="sales"))
    ctx = Context(plain_flagship(), sweep, weeks=30, runs=3, seed=1, leads=5_000)
    fast, full = both_ways(ctx, scenarios(sweep))
    assert fast == full
    assert fast_path(ctx).patched == 2


@pytest.mark.parametrize("crn", [True, False])
def test_the_small_chain_with_numpy_draws_and_either_seeding(crn: bool) -> None:
    """The sweep tests' mini journey (below the kernel's threshold): the budget, costs, seeds."""
    journey = load_text(JOURNEY).journey
    assert journey is not None
    sweep = sweep_of(SWEEP)
    ctx = Context(journey, sweep, weeks=12, runs=5, seed=3, crn=crn)
    todo = scenarios(sweep)
    fast, full = both_ways(ctx, todo)
    assert fast == full
    statuses = [r["status"] for r in json.loads(fast)]
    assert "over_budget" in statuses
    assert fast_path(ctx).patched == statuses.count("ok") > 0


def test_levers_that_are_not_chances_take_the_full_path() -> None:
    """Capacity (the full flagship, the per-lead engine) and arrivals: identical rows, no patching."""
    full_model = sweep_of(
        lever("roi", "transition", [0.08, 0.12], from_="compare", to="evaluate")
        + lever("calls", "capacity", [40, 80], channel="inside_sales")
    )
    ctx = Context(load_journey(FLAGSHIP), full_model, weeks=8, runs=2, seed=0, leads=300)
    fast, full = both_ways(ctx, scenarios(full_model)[:2])
    assert fast == full
    assert fast_path(ctx).why == "levers of kind capacity change more than chances"
    assert fast_path(ctx).patched == 0

    arrivals = sweep_of(lever("inflow", "arrivals", [0.0, 50.0], stage="aware"))
    ctx = Context(plain_flagship(), arrivals, weeks=10, runs=2, seed=0, leads=2_000)
    fast, full = both_ways(ctx, scenarios(arrivals))
    assert fast == full
    assert fast_path(ctx).why == "levers of kind arrivals change more than chances"


def test_the_exact_forecast_and_a_journey_the_count_engine_cannot_run_take_the_full_path() -> None:
    sweep = sweep_of(lever("roi", "transition", [0.08, 0.12], from_="compare", to="evaluate"))
    exact = Context(plain_flagship(), sweep, weeks=20, runs=2, seed=0, leads=1_000, exact=True)
    fast, full = both_ways(exact, scenarios(sweep))
    assert fast == full
    assert fast_path(exact).why is not None and "exact" in fast_path(exact).why
    scoring = Context(load_journey(FLAGSHIP), sweep, weeks=6, runs=2, seed=0, leads=200)
    fast, full = both_ways(scoring, scenarios(sweep))
    assert fast == full
    assert "count engine does not model" in str(fast_path(scoring).why)


def test_the_compiled_baseline_travels_with_the_context_and_the_pool_gives_the_same_rows() -> None:
    journey = load_text(JOURNEY).journey
    assert journey is not None
    sweep = sweep_of(SWEEP)
    ctx = Context(journey, sweep, weeks=12, runs=4, seed=5)
    todo = scenarios(sweep)
    built = fast_path(ctx)
    copy: Any = pickle.loads(pickle.dumps(ctx))
    assert "fast" in copy.cache and copy.cache["fast"] is not built  # sent built, not rebuilt
    assert copy == ctx and copy.input_hash() == ctx.input_hash()  # the cache is not the identity
    rows = [evaluate(copy, sc) for sc in todo]
    assert copy.cache["fast"].patched > 0 and built.patched == 0
    pooled = sorted(run_scenarios(ctx, todo, "local", 2), key=lambda r: r["index"])
    assert json.dumps(pooled) == json.dumps(rows) == json.dumps([evaluate(ctx, sc, fast=False) for sc in todo])
