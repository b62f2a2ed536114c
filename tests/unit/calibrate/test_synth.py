"""The path sampler behind `synth` follows the simulator's semantics: its mean occupancy is the exact forecast's."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from journeytui.calibrate.synth import occupancy_by_week, sample_paths
from journeytui.model import load_journey
from journeytui.model.edit import set_field
from journeytui.sim import FEATURES, forecast

FLAGSHIP = Path(__file__).resolve().parents[3] / "journeys" / "b2b-it-tool.toml"


def test_mean_occupancy_matches_the_exact_forecast() -> None:
    """Flagship (skips, regressions, three stall kinds, per-persona chances, arrivals), plain chain:
    the mean over seeds of each week x stage cell is within 5 standard errors of the exact forecast."""
    journey = set_field(load_journey(FLAGSHIP), ("population", "accounts"), 0)
    weeks = 20
    exact = forecast(journey, weeks=weeks, ignore=FEATURES).mean
    runs = np.array([occupancy_by_week(sample_paths(journey, weeks, seed)) for seed in range(12)])
    mean = runs.mean(axis=0)
    se = runs.std(axis=0, ddof=1) / np.sqrt(runs.shape[0])
    z = np.abs(mean - exact) / np.maximum(se, 1.0)
    assert z.max() <= 5, f"worst |z| {z.max():.1f}"
    assert np.allclose(mean[0], exact[0])  # the initial cohort is the file's


def test_same_seed_same_paths_other_seed_other_paths() -> None:
    journey = load_journey(FLAGSHIP)
    a, b, c = (sample_paths(journey, 8, s, leads=300) for s in (1, 1, 2))
    assert np.array_equal(a.lead, b.lead) and np.array_equal(a.week, b.week) and np.array_equal(a.stage, b.stage)
    assert not (a.lead.size == c.lead.size and np.array_equal(a.stage, c.stage))
