"""Backtest on the flagship's own synthetic history: small errors and band coverage near the nominal 90%."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from calibrate_helpers import as_log

from journeytui.calibrate.backtest import backtest, origin_state
from journeytui.calibrate.fit import WEEK, apply, calibrate
from journeytui.calibrate.synth import sample_paths
from journeytui.model import load_journey
from journeytui.model.types import Journey
from journeytui.sim.compile import strip

FLAGSHIP = Path(__file__).resolve().parents[3] / "journeys" / "b2b-it-tool.toml"
FEATURES = ("scoring", "lifts", "gates", "capacity")


def plain_flagship() -> Journey:
    """The flagship's plain chain: the model synth's history comes from (its full model is itself)."""
    return strip(load_journey(FLAGSHIP), FEATURES)


def test_coverage_is_near_nominal_across_seeds() -> None:
    journey = plain_flagship()
    cover, wape = [], []
    for seed in (20, 21, 22):
        log = as_log(sample_paths(journey, 40, seed))
        data = backtest(journey, log, cutoff=29 * WEEK, weeks=4, folds=3, runs=200, seed=seed)
        assert len(data["folds"]) == 3 and data["cells"]["overall"] == 3 * 4 * len(data["stages"])
        cover.append(data["coverage"]["overall"])
        wape.append(data["wape"]["overall"])
    assert 0.8 <= float(np.mean(cover)) <= 0.99
    assert max(wape) < 0.05


def test_origin_state_puts_some_stalled_stage_leads_on_hold() -> None:
    """Leads that have waited long in a stage with a long stall are likelier to be on hold."""
    journey = plain_flagship()
    log = as_log(sample_paths(journey, 40, 4))
    cal = calibrate(journey, log, as_of=30 * WEEK)
    fitted = apply(journey, cal, initial=False)
    past = log
    keep = past.ts < 30 * WEEK
    past.lead, past.stage, past.ts, past.line = past.lead[keep], past.stage[keep], past.ts[keep], past.line[keep]
    stage, _persona, hold = origin_state(fitted, past, 30 * WEEK, np.random.default_rng(0))
    compare = [s.id for s in journey.stages].index("compare")
    aware = [s.id for s in journey.stages].index("aware")
    on_hold = hold[stage == compare] > 0
    assert 0.02 < on_hold.mean() < 0.5
    assert not (hold[stage == aware] > 0).any()  # no stalls there
