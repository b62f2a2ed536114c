"""What-if nudges and the sensitivity ranking (sim/sensitivity.py), on the exact forecast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from journeytui.model.load import load_journey
from journeytui.sim.live import live_forecast, stage_health, weakest, weekly_flows, won_share
from journeytui.sim.sensitivity import NudgeRefused, nudge, param_at, params, sensitivity

JOURNEYS = Path(__file__).resolve().parents[3] / "journeys"


@pytest.fixture(scope="module")
def flagship():  # type: ignore[no-untyped-def]
    return load_journey(JOURNEYS / "b2b-it-tool.toml")


def _index(j, a: str, b: str) -> int:  # type: ignore[no-untyped-def]
    return next(i for i, t in enumerate(j.transitions) if t.from_ == a and t.to == b)


def test_live_forecast_names_what_it_ignores(flagship) -> None:  # type: ignore[no-untyped-def]
    fc = live_forecast(flagship)
    assert set(fc.ignored) == {"scoring", "lifts", "gates", "capacity"}
    assert fc.won[-1] == pytest.approx(1134.63, abs=0.01)


def test_nudging_a_forward_transition_up_raises_wins(flagship) -> None:  # type: ignore[no-untyped-def]
    i = _index(flagship, "research", "compare")
    up = nudge(flagship, "transitions", i, 0.01)
    assert up.transitions[i].probability == pytest.approx(flagship.transitions[i].probability + 0.01)
    assert flagship.transitions[i].probability == pytest.approx(0.09)  # the original is untouched
    before, after = live_forecast(flagship), live_forecast(up)
    assert float(after.won[-1]) > float(before.won[-1])
    down = live_forecast(nudge(flagship, "transitions", i, -0.01))
    assert float(down.won[-1]) < float(before.won[-1])


def test_nudging_a_loss_transition_up_lowers_wins(flagship) -> None:  # type: ignore[no-untyped-def]
    i = _index(flagship, "research", "lost")
    assert won_share(live_forecast(nudge(flagship, "transitions", i, 0.01))) < won_share(live_forecast(flagship))


def test_nudge_moves_per_persona_overrides_too(flagship) -> None:  # type: ignore[no-untyped-def]
    i = next(i for i, t in enumerate(flagship.transitions) if t.by_persona)
    moved = nudge(flagship, "transitions", i, 0.01)
    for p, v in flagship.transitions[i].by_persona.items():
        assert moved.transitions[i].by_persona[p] == pytest.approx(v + 0.01)


def test_nudge_refuses_leaving_the_valid_range(flagship) -> None:  # type: ignore[no-untyped-def]
    i = _index(flagship, "research", "lost")
    with pytest.raises(NudgeRefused):
        nudge(flagship, "transitions", i, -1.0)
    with pytest.raises(NudgeRefused, match="sum to"):
        nudge(flagship, "transitions", i, 0.9)


def test_touchpoint_engagement_is_nudgeable(flagship) -> None:  # type: ignore[no-untyped-def]
    p = param_at(flagship, "touchpoints", 0)
    assert p is not None
    moved = nudge(flagship, "touchpoints", 0, 0.05)
    assert moved.touchpoints[0].engagement == pytest.approx(p.value + 0.05)
    assert param_at(flagship, "stages", 0) is None


def test_sensitivity_is_ranked_by_absolute_effect(flagship) -> None:  # type: ignore[no-untyped-def]
    effects = sensitivity(flagship)
    assert len(effects) == len(params(flagship))
    sizes = [abs(e.won_delta) for e in effects]
    assert sizes == sorted(sizes, reverse=True)
    top = effects[0]
    assert top.param.label == "transition research -> evaluate"
    assert top.won_delta == pytest.approx(118.4, abs=0.1)
    # each effect is what a single +1 point nudge does
    fc = live_forecast(nudge(flagship, "transitions", top.param.index, 0.01))
    assert float(fc.won[-1]) - float(live_forecast(flagship).won[-1]) == pytest.approx(top.won_delta)
    losses = [e for e in effects if e.param.label.endswith("-> lost")]
    assert losses and all(e.won_delta < 0 for e in losses)


def test_stage_health_finds_the_weakest_stage(flagship) -> None:  # type: ignore[no-untyped-def]
    fc = live_forecast(flagship)
    health = stage_health(flagship, fc)
    assert set(health) == {"aware", "research", "compare", "evaluate", "sales"}
    w = weakest(health)
    assert w is not None and w.stage == "compare" and w.score == pytest.approx(1.0)
    assert health["compare"].stall_share == pytest.approx(0.11, abs=0.01)
    assert health["sales"].drop_out == pytest.approx(0.22, abs=0.01)
    assert all(0 <= h.score <= 1 for h in health.values())


def test_weekly_flows_account_for_every_change(flagship) -> None:  # type: ignore[no-untyped-def]
    fc = live_forecast(flagship)
    flows = weekly_flows(flagship)
    change = fc.mean[1:] - fc.mean[:-1]
    assert np.allclose(flows.moved_in[1:] - flows.moved_out[1:], change, atol=1e-6)
    assert flows.regressed[1:].sum() > 0
