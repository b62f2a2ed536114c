"""The estimators: recovery of a journey's own numbers from its synthetic history, intervals, censoring."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from calibrate_helpers import as_log

from journeytui.calibrate.events import EventLog
from journeytui.calibrate.fit import WEEK, apply, calibrate, poisson_interval, wilson
from journeytui.calibrate.synth import sample_paths
from journeytui.model import load_journey
from journeytui.model.edit import remove_at, set_field
from journeytui.model.types import Journey, JourneyMeta, Stage, Transition
from journeytui.sim.compile import strip

FLAGSHIP = Path(__file__).resolve().parents[3] / "journeys" / "b2b-it-tool.toml"
FEATURES = ("scoring", "lifts", "gates", "capacity")


def plain_flagship() -> Journey:
    """The flagship's plain chain: the model synth's history comes from (its full model is itself)."""
    return strip(load_journey(FLAGSHIP), FEATURES)


def test_wilson_and_poisson_intervals_match_known_values() -> None:
    low, high = wilson(10, 100)
    assert low == pytest.approx(0.05523, abs=1e-4) and high == pytest.approx(0.17437, abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = poisson_interval(100, 10)
    assert lo < 10 < hi and hi - lo == pytest.approx(2 * 1.96 * math.sqrt(100 + 0.96) / 10, rel=1e-3)


def test_recovery_across_seeds_at_the_stated_rate() -> None:
    """Fitting the flagship's own synthetic history puts its values inside the 95% intervals about
    95% of the time (transitions, per-persona values, stall chances, arrivals) across seeds."""
    journey = plain_flagship()
    inside = total = 0
    for seed in range(10, 14):
        cal = calibrate(journey, as_log(sample_paths(journey, 52, seed)), as_of=53 * WEEK)
        for c in cal.changes:
            if c.kind in ("transition", "stall", "arrival"):
                total += 1
                inside += bool(c.low <= c.before <= c.high)
    assert total >= 4 * 20
    assert inside / total >= 0.85


def test_censoring_counts_open_stays_as_weeks_at_risk_without_a_move() -> None:
    """Two leads: one moves after 4 weeks, one is still there 10 weeks later: p = 1 / 14."""
    j = Journey(
        journey=JourneyMeta(id="t", title="T"),
        stages=[Stage(id="a", name="A", entry=True), Stage(id="w", name="W", kind="won")],
        transitions=[Transition(from_="a", to="w", probability=0.5)],
    )
    lead = np.array([0, 0, 1], dtype=np.int32)
    stage = np.array([0, 1, 0], dtype=np.int16)
    ts = np.array([0, 4 * WEEK, 0], dtype=np.int64) + 60
    log = EventLog("x", ["a", "w"], ["x", "y"], [None, None], lead, stage, ts, np.array([2, 3, 4]))
    cal = calibrate(j, log, as_of=11 * WEEK)
    t = next(c for c in cal.changes if c.kind == "transition")
    assert (t.moves, t.at_risk) == (1, 14)
    assert t.after == pytest.approx(1 / 14)
    fitted = apply(j, cal)
    assert fitted.transitions[0].probability == pytest.approx(round(1 / 14, 4))
    assert fitted.population.initial == {"a": 1}


def test_a_stage_without_its_stall_is_judged_by_one_weekly_rate() -> None:
    """Data from a journey whose stall is real: the likelihood ratio says the stall fits better."""
    journey = plain_flagship()
    cal = calibrate(journey, as_log(sample_paths(journey, 52, 3)), as_of=53 * WEEK)
    compare = next(s for s in cal.stall_fits if s["stage"] == "compare")
    assert compare["lr_statistic"] > 3.84


def test_a_stall_the_journey_lacks_is_proposed_and_a_wrong_hold_is_noticed() -> None:
    """History from the flagship, fitted against a journey without the compare stall: a geometric
    stall is proposed there with a mean near the true 8 weeks. Against a journey whose compare hold
    is 2 weeks, the duration check prefers a longer mean."""
    truth = plain_flagship()
    log = as_log(sample_paths(truth, 52, 5))
    compare = next(i for i, s in enumerate(truth.stalls) if s.stage == "compare")
    lacking = remove_at(truth, "stalls", compare)
    cal = calibrate(lacking, log, as_of=53 * WEEK)
    proposal = next(p for p in cal.proposals if p["stage"] == "compare")
    assert 4 <= proposal["mean"] <= 16 and 0.005 < proposal["probability"] < 0.06
    assert not any(p["stage"] in ("aware", "research") for p in cal.proposals)
    short = set_field(truth, ("stalls", compare, "duration", "mean"), 2.0)
    cal = calibrate(short, log, as_of=53 * WEEK)
    check = next(s for s in cal.stall_fits if s["stage"] == "compare")["durations"][0]
    assert check["best_mean"] >= 4 and check["lr_statistic"] > 3.84
