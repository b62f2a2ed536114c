"""The full model's week-by-week flows and holds (sim/weekly.py, recorded by the per-lead engine).

They feed the app's workshop playback and bottleneck figures, so they must be the same
quantities the exact forecast gives for a plain chain, and must account for every lead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sim_helpers import CHAIN, journey

from journeytui.model.load import load_file
from journeytui.model.types import Journey
from journeytui.sim.compile import blocking_features
from journeytui.sim.exact import forecast
from journeytui.sim.headline import full_forecast, playback
from journeytui.sim.live import stage_health, weekly_flows
from journeytui.sim.montecarlo import simulate

JOURNEYS = Path(__file__).resolve().parents[3] / "journeys"


def _load(name: str) -> Journey:
    j = load_file(JOURNEYS / f"{name}.toml").journey
    assert j is not None
    return j


@pytest.mark.parametrize("name", ["b2b-it-tool", "scoring-handoff", "tobe-example"])
def test_flows_account_for_every_lead(name: str) -> None:
    """Occupancy changes only by moves, hand-offs and arrivals: the cumulative net flow of each
    stage equals its change in mean count, in every week (to rounding)."""
    fc = full_forecast(_load(name), runs=4, seed=3)
    w = fc.weekly
    assert fc.engine == "monte_carlo" and w is not None
    assert w.stages == fc.stages
    net = np.cumsum(w.moved_in - w.moved_out, axis=0)
    np.testing.assert_allclose(net, fc.mean - fc.mean[0], atol=1e-6)
    assert fc.on_hold.shape == fc.mean.shape
    assert (fc.on_hold <= fc.mean + 1e-9).all(), "a stage cannot hold more leads on hold than it has"


def test_full_forecast_flows_include_hand_offs() -> None:
    """Scoring hands leads to sales without a transition: the forecast's flows count those moves,
    so the bottleneck figures see the sales stage's real entries."""
    j = _load("scoring-handoff")
    assert "scoring" in blocking_features(j)
    fc = full_forecast(j, runs=4, seed=0)
    edges = {f"{t.from_}->{t.to}" for t in j.transitions}
    hand_offs = [k for k in fc.flows if k not in edges]
    assert hand_offs, "no hand-off flow recorded"
    assert sum(fc.flows[k] for k in hand_offs) > 0
    assert stage_health(j, fc), "no bottleneck figures from the full model"


def test_plain_chain_matches_the_exact_forecast() -> None:
    """Monte Carlo means of the weekly flows and holds agree with the exact chain's, cell by cell.

    Tolerance: each cell within 6 standard errors, taking the per-run variance of a count of
    expected size m as at most m (Poisson-like) plus 1 (so near-empty cells are not over-tight):
    SE = sqrt((m + 1) / runs). Max over ~1,500 cells of a normal is about 3.5 SE.
    """
    j = _load("b2b-it-tool")
    ignore = tuple(blocking_features(j))
    runs = 120
    exact = forecast(j, ignore=ignore)
    flows = weekly_flows(j)
    res = simulate(j, runs=runs, seed=11, ignore=ignore, engine="leads")
    assert res.weekly is not None and res.weekly.stages == flows.stages == exact.stages

    def agree(mc: np.ndarray, ex: np.ndarray, what: str) -> None:
        se = np.sqrt((np.abs(ex) + 1.0) / runs)
        z = np.abs(mc - ex) / se
        assert z.max() < 6, f"{what}: worst cell {np.unravel_index(z.argmax(), z.shape)} z={z.max():.1f}"

    agree(res.on_hold, exact.on_hold, "on hold")
    agree(res.weekly.moved_in, flows.moved_in, "moved in")
    agree(res.weekly.moved_out, flows.moved_out, "moved out")
    agree(res.weekly.stalled, flows.stalled, "stalled")
    agree(res.weekly.regressed, flows.regressed, "regressed")


def test_playback_uses_the_forecast_it_is_given() -> None:
    j = _load("b2b-it-tool")
    fc = full_forecast(j, runs=2, seed=0)
    assert playback(j, fc) is fc.weekly
    plain = forecast(j, ignore=tuple(blocking_features(j)))
    np.testing.assert_allclose(playback(j, plain).moved_in, weekly_flows(j).moved_in)


def test_the_count_engine_records_no_weekly_flows() -> None:
    """The count engine keeps no week-by-week record; its result says so (None), never zeros."""
    res = simulate(journey(CHAIN), runs=2, seed=0, engine="counts")
    assert res.mc_engine == "counts"
    assert res.weekly is None and res.on_hold.size == 0
