"""The exact forecast on hand-computed journeys, its refusals and `ignore`."""

from __future__ import annotations

import numpy as np
import pytest
from sim_helpers import CHAIN, journey

from journeytui.model import Duration, Journey, JourneyMeta, Population, Stage, Stall, Transition
from journeytui.sim import ExactForecastUnavailable, SimulationError, forecast


def test_plain_chain_is_p0_times_P_power_t() -> None:
    f = forecast(journey(CHAIN), weeks=5)
    P = np.array([[0.4, 0.5, 0, 0.1], [0.1, 0.7, 0.2, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    p = np.array([1000.0, 0, 0, 0])
    for t in range(6):
        assert np.allclose(f.mean[t], p)
        p = p @ P
    assert f.mean[1].tolist() == pytest.approx([400, 500, 0, 100])
    assert np.allclose(f.total, 1000)
    assert f.won[2] == pytest.approx(100.0)


def _stalled(kind: str, **dur: float) -> Journey:
    return journey(
        CHAIN
        + f"""
[[stalls]]
stage = "a"
probability = 0.4
duration.kind = "{kind}"
"""
        + "".join(f"duration.{k} = {v}\n" for k, v in dur.items())
        + 'cause = "freeze"\n'
    )


def test_fixed_stall_holds_exactly_k_weeks() -> None:
    f = forecast(_stalled("fixed", weeks=3), weeks=6)
    # week 1: 400 stall, 500 -> b, 100 lost; the 400 are on hold in a during weeks 2-4
    assert f.on_hold[1][0] == pytest.approx(400)
    # week 3: the 50 that came back from b in week 2 draw; 40% of them stall
    assert f.on_hold[3][0] == pytest.approx(400 + 20)
    # the first 400 are released at the end of week 4
    assert f.on_hold[4][0] < 100
    assert f.mean[1].tolist() == pytest.approx([400, 500, 0, 100])
    # week 2: a has 0 free leads (the 10% back from b arrive free): b->a = 50
    assert f.mean[2][0] == pytest.approx(400 + 50)
    assert f.stall_starts["freeze"] > 400


def test_uniform_and_geometric_stalls_release_on_schedule() -> None:
    u = forecast(_stalled("uniform", min=1, max=2), weeks=4)
    assert u.on_hold[1][0] == pytest.approx(400)
    assert u.on_hold[2][0] == pytest.approx(200)  # half of them hold 2 weeks
    g = forecast(_stalled("geometric", mean=4.0), weeks=3)
    assert g.on_hold[2][0] == pytest.approx(400 * 0.75)


def test_personas_run_one_chain_each_weighted_by_the_mix() -> None:
    text = (
        CHAIN.replace("probability = 0.2\n", "probability = 0.2\nby_persona.x = 0.6\n")
        + """
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
"""
    )
    f = forecast(journey(text), weeks=3)
    # week 2 wins: 500 in b after week 1, of which 1/4 are x (0.6) and 3/4 y (0.2)
    assert f.won[2] == pytest.approx(125 * 0.6 + 375 * 0.2)
    assert f.by_persona["x"][2][2] == pytest.approx(75)
    assert np.allclose(f.by_persona["x"] + f.by_persona["y"], f.mean)


def test_arrivals_are_added_at_the_end_of_each_week() -> None:
    f = forecast(journey(CHAIN + "[population.arrivals]\na = 10.0\n"), weeks=3)
    assert f.total.tolist() == pytest.approx([1000, 1010, 1020, 1030])
    assert f.mean[1][0] == pytest.approx(410)


def test_refuses_non_markov_features_by_name_and_ignore_drops_them() -> None:
    j = journey(
        CHAIN
        + """
[scoring]
mql_threshold = 10.0
handoff_to = "b"
handoff_from = ["a"]
[scoring.behaviours]
open = 5.0
[[channels]]
id = "mail"
name = "Mail"
[[touchpoints]]
id = "news"
name = "News"
type = "newsletter"
channel = "mail"
stages = ["a"]
behaviour = "open"
lift.b = 2.0
"""
    )
    with pytest.raises(ExactForecastUnavailable) as exc:
        forecast(j)
    assert set(exc.value.features) == {"scoring", "lifts"}
    assert "score thresholds" in str(exc.value) and "news" in str(exc.value)
    plain = forecast(j, weeks=3, ignore=["scoring", "lifts"])
    assert np.allclose(plain.mean, forecast(journey(CHAIN), weeks=3).mean)
    assert plain.ignored == ("scoring", "lifts")
    with pytest.raises(SimulationError, match="cannot ignore 'colour'"):
        forecast(j, ignore=["colour"])


def test_leads_scales_the_initial_cohort() -> None:
    f = forecast(journey(CHAIN.replace("a = 1000", "a = 3\nb = 1")), weeks=1, leads=1000)
    assert f.mean[0].tolist() == [750, 250, 0, 0]
    with pytest.raises(SimulationError, match="leads"):
        forecast(journey(CHAIN), leads=-1)
    with pytest.raises(SimulationError, match="weeks"):
        forecast(journey(CHAIN), weeks=0)


def test_fifty_stage_journey_with_stalls() -> None:
    n = 50
    stages = [Stage(id=f"s{i}", name=f"段階{i}", entry=i == 0) for i in range(n)]
    stages += [Stage(id="won", name="受注", kind="won"), Stage(id="lost", name="失注", kind="lost")]
    trans = [Transition(from_=f"s{i}", to=f"s{i + 1}" if i + 1 < n else "won", probability=0.3) for i in range(n)]
    trans += [Transition(from_=f"s{i}", to="lost", probability=0.02) for i in range(n)]
    trans += [Transition(from_=f"s{i}", to=f"s{i - 1}", probability=0.05, cause="c") for i in range(1, n)]
    stalls = [
        Stall(stage=f"s{i}", probability=0.03, duration=Duration(kind="fixed", weeks=6), cause="hold")
        for i in range(0, n, 2)
    ]
    j = Journey(
        journey=JourneyMeta(id="big", title="big", horizon=104),
        population=Population(initial={"s0": 10000}),
        stages=stages,
        transitions=trans,
        stalls=stalls,
    )
    f = forecast(j)
    assert f.mean.shape == (105, n + 2)
    assert np.allclose(f.total, 10000)
    assert 0 < f.won[-1] < 10000
