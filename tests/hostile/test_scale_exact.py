"""The sparse exact forecast and the one-pass sensitivity are the same numbers as before.

- The sparse chain with stalls as convolutions (sim/exact.py) equals the original dense,
  phase-expanded algorithm (sim/exact_dense.py) on every bundled journey and on journeys
  with every stall kind, personas with overrides, regressions and skips, arrivals.
- The adjoint derivatives (sensitivity.gradient) equal central finite differences of the
  forecast within 1e-6 relative; the ranking's top effects are real nudges.
- The chain's memory does not grow with a stall's hold length.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from journeytui.model import load_journey, load_text
from journeytui.model.types import Journey
from journeytui.sim import ResourceLimit
from journeytui.sim.compile import blocking_features
from journeytui.sim.exact import check_exact, estimate_exact, forecast
from journeytui.sim.exact_dense import forecast_dense
from journeytui.sim.live import live_forecast, weekly_flows
from journeytui.sim.sensitivity import Param, gradient, nudge, params, sensitivity

JOURNEYS = sorted((Path(__file__).resolve().parents[2] / "journeys").glob("*.toml"))

EVERY_STALL = """
[journey]
id = "every-stall"
title = "Every stall kind"
horizon = 40

[population.initial]
a = 800
b = 150

[population.arrivals]
a = 12.5

[population.mix]
x = 1.0
y = 3.0

[[personas]]
id = "x"
name = "X"
role = "decision_maker"

[[personas]]
id = "y"
name = "Y"
role = "user"

[[stages]]
id = "a"
name = "認知"
entry = true

[[stages]]
id = "b"
name = "比較"

[[stages]]
id = "c"
name = "検討"

[[stages]]
id = "won"
name = "受注"
kind = "won"

[[stages]]
id = "lost"
name = "失注"
kind = "lost"

[[transitions]]
from = "a"
to = "b"
probability = 0.3
by_persona = { x = 0.4 }

[[transitions]]
from = "a"
to = "c"
probability = 0.05
cause = "skip"

[[transitions]]
from = "b"
to = "c"
probability = 0.2

[[transitions]]
from = "b"
to = "a"
probability = 0.06
cause = "competitor launch"

[[transitions]]
from = "c"
to = "won"
probability = 0.15
by_persona = { y = 0.1 }

[[transitions]]
from = "c"
to = "lost"
probability = 0.05

[[transitions]]
from = "c"
to = "b"
probability = 0.04
cause = "re-evaluation"

[[stalls]]
stage = "a"
probability = 0.05
cause = "budget freeze"
duration = { kind = "fixed", weeks = 6 }

[[stalls]]
stage = "b"
probability = 0.04
cause = "reorganisation"
duration = { kind = "uniform", min = 2, max = 9 }

[[stalls]]
stage = "c"
probability = 0.03
cause = "results worsened"
duration = { kind = "geometric", mean = 4.0 }

[[stalls]]
stage = "c"
probability = 0.02
cause = "long hold"
duration = { kind = "fixed", weeks = 35 }
"""


def every_stall() -> Journey:
    result = load_text(EVERY_STALL)
    assert result.journey is not None and result.ok, result.diagnostics
    return result.journey


def cases() -> list[tuple[str, Journey]]:
    return [(p.stem, load_journey(p)) for p in JOURNEYS] + [("every-stall", every_stall())]


@pytest.mark.parametrize("name,journey", cases(), ids=[n for n, _ in cases()])
def test_sparse_forecast_equals_the_dense_original(name: str, journey: Journey) -> None:
    ignore = tuple(blocking_features(journey))
    new, old = forecast(journey, ignore=ignore), forecast_dense(journey, ignore=ignore)
    scale = max(1.0, float(np.abs(old.mean).max()))
    assert np.allclose(new.mean, old.mean, rtol=0, atol=1e-9 * scale)
    assert np.allclose(new.on_hold, old.on_hold, rtol=0, atol=1e-9 * scale)
    assert set(new.by_persona) == set(old.by_persona)
    for p in old.by_persona:
        assert np.allclose(new.by_persona[p], old.by_persona[p], rtol=0, atol=1e-9 * scale)
    assert list(new.flows) == list(old.flows) and list(new.stall_starts) == list(old.stall_starts)
    assert np.allclose(list(new.flows.values()), list(old.flows.values()), rtol=0, atol=1e-9 * scale)
    assert np.allclose(list(new.stall_starts.values()), list(old.stall_starts.values()), rtol=0, atol=1e-9 * scale)


def test_sparse_forecast_equals_the_dense_one_with_leads_and_a_longer_horizon() -> None:
    j = every_stall()
    new, old = forecast(j, weeks=120, leads=5000), forecast_dense(j, weeks=120, leads=5000)
    assert np.allclose(new.mean, old.mean, rtol=0, atol=1e-8)
    assert float(new.on_hold[36].sum()) > 0  # the 35-week hold is still running


def test_weekly_flows_add_up_to_the_forecast_with_every_stall_kind() -> None:
    j = every_stall()
    fc, flows = live_forecast(j), weekly_flows(j)
    # leads on hold stay in their stage's count: moves in and out are the whole change
    assert np.allclose(flows.moved_in[1:] - flows.moved_out[1:], fc.mean[1:] - fc.mean[:-1], atol=1e-9)
    assert flows.stalled.sum() == pytest.approx(sum(fc.stall_starts.values()), rel=1e-12)
    assert flows.regressed[1:].sum() > 0


def test_a_long_hold_costs_no_more_memory_than_a_short_one() -> None:
    j = every_stall()
    short = estimate_exact(j).bytes
    j.stalls[0].duration.weeks = 10_000
    assert estimate_exact(j).bytes == short
    fc = forecast(j)
    assert fc.on_hold[-1, 0] > 0 and np.isfinite(fc.mean).all()


def test_check_exact_refuses_before_allocating() -> None:
    j = every_stall()
    with pytest.raises(ResourceLimit) as info:
        check_exact(j, weeks=10_000, memory=1 << 20)
    err = info.value
    assert err.needed > err.limit == 1 << 20
    assert "5 stages x 2 personas x 10,001 weeks" in str(err)
    assert err.suggestion.startswith("forecast fewer weeks")
    with pytest.raises(ResourceLimit):
        forecast(j, weeks=10_000, memory=1 << 20)
    assert check_exact(j).bytes < 1 << 20  # the journey's own horizon fits


FD_STEP = 1e-6
FD_TOLERANCE = 1e-6
"""Relative tolerance (of max(1, |derivative|)) between the adjoint and central differences."""


def _fd(journey: Journey, p: Param) -> float:
    up = live_forecast(nudge(journey, p.kind, p.index, FD_STEP))
    down = live_forecast(nudge(journey, p.kind, p.index, -FD_STEP))
    return (float(up.won[-1]) - float(down.won[-1])) / (2 * FD_STEP)


@pytest.mark.parametrize("name", ["every-stall", "b2b-it-tool", "aisas"])
def test_one_pass_derivatives_equal_finite_differences(name: str) -> None:
    j = every_stall() if name == "every-stall" else load_journey(next(p for p in JOURNEYS if p.stem == name))
    g = gradient(j)
    checked = 0
    for p in params(j):
        if p.value < FD_STEP or p.value > 1 - FD_STEP:
            continue
        try:
            fd = _fd(j, p)
        except ValueError:  # no headroom for the central difference
            continue
        d = float((g.transitions if p.kind == "transitions" else g.stalls)[p.index])
        assert abs(d - fd) <= FD_TOLERANCE * max(1.0, abs(fd)), (p.label, d, fd)
        checked += 1
    assert checked >= 8


def test_the_ranking_recomputes_its_top_with_real_nudges() -> None:
    j = every_stall()
    base = float(live_forecast(j).won[-1])
    effects = sensitivity(j, exact_top=3)
    assert len(effects) == len(params(j))
    exact = [e for e in effects if e.exact]
    assert len(exact) == 3
    for e in exact:
        moved = live_forecast(nudge(j, e.param.kind, e.param.index, e.step))
        assert e.won_delta == pytest.approx(float(moved.won[-1]) - base, rel=1e-9)
    # the first-order estimates of the others are within 10% of what a nudge does (second-order terms)
    for e in effects[3:]:
        moved = live_forecast(nudge(j, e.param.kind, e.param.index, e.step))
        assert e.won_delta == pytest.approx(float(moved.won[-1]) - base, rel=0.1, abs=0.05)
