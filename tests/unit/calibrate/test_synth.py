"""`synth`'s paths are one run of the per-lead Monte Carlo engine: the journey's full model by default,
the plain chain with ``plain_chain=True``. Their mean occupancy is the engine's and the forecasts'."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from journeytui.calibrate.synth import _run, occupancy_by_week, sample_paths
from journeytui.model import load_journey
from journeytui.sim import FEATURES, forecast
from journeytui.sim.montecarlo import simulate

FLAGSHIP = Path(__file__).resolve().parents[3] / "journeys" / "b2b-it-tool.toml"
WEEKS = 20
SEEDS = range(16)


def _z(runs: np.ndarray, mean: np.ndarray, ref_runs: int = 0) -> float:
    """The largest |z| over the week x stage cells of the runs' mean against ``mean``: exact, or the mean
    of ``ref_runs`` runs of the same process (the same spread per run). The standard error has a floor
    of 1 lead (cells that hardly vary)."""
    sd = runs.std(axis=0, ddof=1)
    se = sd * np.sqrt(1 / runs.shape[0] + (1 / ref_runs if ref_runs else 0.0))
    return float((np.abs(runs.mean(axis=0) - mean) / np.maximum(se, 1.0)).max())


@pytest.mark.parametrize("plain_chain", [False, True])
def test_the_paths_are_the_engines_own_run(plain_chain: bool) -> None:
    """Same run, two views: the recorded entries rebuild the engine's weekly counts exactly, and
    every entry after the initial cohort is an arrival or one of the engine's moves (hand-offs
    included): none is lost when a lead moves, stalls, waits at a gate or is handed to sales."""
    journey = load_journey(FLAGSHIP)
    paths, res = _run(journey, WEEKS, 5, None, plain_chain)
    assert np.array_equal(occupancy_by_week(paths), res.mean)
    moves = sum(v["moves"] for v in res.kpis["conversion"].values())
    handoffs = sum(v["moves"] for k, v in res.kpis["conversion"].items() if k.endswith("(hand-off)"))
    assert (handoffs > 0) is not plain_chain  # the full model hands leads to sales; the plain chain cannot
    n0 = int((paths.week == 0).sum())
    arrivals = int(paths.lead.max()) + 1 - n0
    assert paths.lead.size == n0 + arrivals + moves
    assert n0 == sum(journey.population.initial.values())
    # personas: every lead has one of the committee's, in about the composition's shares (5 seats: 1, 1, 2, 1)
    shares = np.bincount(paths.persona, minlength=4) / paths.persona.size
    expected = {"dept_head": 0.2, "section_mgr": 0.2, "team_lead": 0.4, "it_staff": 0.2}
    assert shares == pytest.approx([expected[p] for p in paths.personas], abs=0.02)


def test_mean_occupancy_matches_the_full_model() -> None:
    """Flagship, full model (scoring hand-offs, lifts, the committee gate, capacity, accounts): the mean
    over 16 seeds of each week x stage cell is within 5 standard errors of an independent 100-run
    forecast of the per-lead engine (the app's Monte Carlo forecast). Plain-chain paths (what synth
    wrote before) are about 50 standard errors off it (47 and 55 measured), the full model's about 3."""
    journey = load_journey(FLAGSHIP)
    runs = np.array([occupancy_by_week(sample_paths(journey, WEEKS, seed)) for seed in SEEDS])
    ref = simulate(journey, weeks=WEEKS, runs=100, seed=10_000, engine="leads")
    assert _z(runs, ref.mean, 100) <= 5
    assert np.array_equal(runs[:, 0], np.broadcast_to(ref.mean[0], runs[:, 0].shape))  # the file's cohort
    plain = forecast(journey, weeks=WEEKS, ignore=FEATURES).mean
    assert _z(runs, plain) > 10  # and the full model is not the plain chain


def test_plain_chain_mean_occupancy_matches_the_exact_forecast() -> None:
    """Flagship (skips, regressions, three stall kinds, per-persona chances, arrivals), plain chain:
    the mean over 16 seeds of each week x stage cell is within 5 standard errors of the exact forecast."""
    journey = load_journey(FLAGSHIP)
    exact = forecast(journey, weeks=WEEKS, ignore=FEATURES).mean
    runs = np.array([occupancy_by_week(sample_paths(journey, WEEKS, seed, plain_chain=True)) for seed in SEEDS])
    assert _z(runs, exact) <= 5
    assert np.allclose(runs.mean(axis=0)[0], exact[0])  # the initial cohort is the file's


def test_same_seed_same_paths_other_seed_other_paths() -> None:
    journey = load_journey(FLAGSHIP)
    a, b, c = (sample_paths(journey, 8, s, leads=300) for s in (1, 1, 2))
    assert np.array_equal(a.lead, b.lead) and np.array_equal(a.week, b.week) and np.array_equal(a.stage, b.stage)
    assert np.array_equal(a.persona, b.persona)
    assert not (a.lead.size == c.lead.size and np.array_equal(a.stage, c.stage))
    assert int((a.week == 0).sum()) == 300  # --leads scales the initial cohort


def test_bad_settings_are_clear_errors() -> None:
    journey = load_journey(FLAGSHIP)
    for kwargs, message in (
        ({"weeks": 0}, "weeks must be"),
        ({"weeks": 5, "leads": -1}, "leads must be"),
        ({"weeks": 5, "leads": 10**9}, "leads must be"),
        ({"weeks": 5, "seed": -3}, "seed must be"),
    ):
        with pytest.raises(ValueError, match=message):
            sample_paths(journey, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="more than 5,000,000"):
        sample_paths(journey, 10_000, leads=4_000_000)
