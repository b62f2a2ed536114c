"""Monte Carlo semantics on tiny journeys: one feature per test, hand-computed outcomes."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from sim_helpers import FOUR_STAGES, journey

from journeytui.model import Journey, load_file
from journeytui.sim import (
    ExactForecastUnavailable,
    SimulationCancelled,
    SimulationError,
    forecast,
    simulate,
)

STAGES = FOUR_STAGES


def test_a_lead_makes_at_most_one_move_per_week() -> None:
    j = journey(
        "[population.initial]\na = 50\n"
        + STAGES
        + """
[[transitions]]
from = "a"
to = "b"
probability = 1.0
[[transitions]]
from = "b"
to = "won"
probability = 1.0
"""
    )
    r = simulate(j, weeks=3, runs=2)
    assert r.mean[1].tolist() == [0, 50, 0, 0]
    assert r.mean[2].tolist() == [0, 0, 50, 0]


def test_same_seed_is_bit_identical_and_other_seeds_differ() -> None:
    j = load_file("journeys/b2b-it-tool.toml").journey
    assert j is not None
    a = simulate(j, leads=500, weeks=20, runs=3, seed=11)
    b = simulate(j, leads=500, weeks=20, runs=3, seed=11)
    c = simulate(j, leads=500, weeks=20, runs=3, seed=12)
    assert np.array_equal(a.runs_counts, b.runs_counts)
    assert a.kpis == b.kpis
    assert not np.array_equal(a.runs_counts, c.runs_counts)


def test_conservation_leads_only_come_from_arrivals() -> None:
    j = load_file("journeys/b2b-it-tool.toml").journey
    assert j is not None
    r = simulate(j, leads=400, weeks=30, runs=3, seed=2)
    totals = r.runs_counts.sum(axis=2)  # (weeks + 1, runs)
    assert np.all(totals[0] == 400)
    steps = np.diff(totals, axis=0)
    assert np.all(steps >= 0)
    # all the growth is arrivals (Poisson, mean 120 a week)
    assert abs(steps.mean() - 120) < 5 * np.sqrt(120 / steps.size)
    plain = journey(
        "[population.initial]\na = 300\n"
        + STAGES
        + """
[[transitions]]
from = "a"
to = "b"
probability = 0.3
[[transitions]]
from = "b"
to = "a"
probability = 0.3
[[transitions]]
from = "b"
to = "won"
probability = 0.1
"""
    )
    assert np.all(simulate(plain, weeks=15, runs=4).runs_counts.sum(axis=2) == 300)


def test_a_stalled_lead_does_not_move_until_released() -> None:
    j = journey(
        "[population.initial]\na = 1000\n"
        + STAGES
        + """
[[transitions]]
from = "a"
to = "won"
probability = 0.5
[[stalls]]
stage = "a"
probability = 0.5
duration.kind = "fixed"
duration.weeks = 3
cause = "freeze"
"""
    )
    r = simulate(j, weeks=6, runs=2, seed=3)
    won = r.runs_counts[:, :, 2]
    # the stalled half is on hold in weeks 2-4: nobody wins then; it draws again in week 5
    assert np.all(won[1] == won[4])
    assert np.all(won[5] > won[4])
    assert r.kpis["stalls"]["freeze"]["starts"] == pytest.approx(forecast(j, weeks=6).stall_starts["freeze"], rel=0.15)


def test_by_persona_probabilities_apply_to_that_persona_only() -> None:
    j = journey(
        "[population.initial]\na = 400\n[population.mix]\nx = 1.0\ny = 1.0\n"
        + STAGES
        + """
[[personas]]
id = "x"
name = "X"
role = "decision_maker"
[[personas]]
id = "y"
name = "Y"
role = "user"
[[transitions]]
from = "a"
to = "won"
probability = 0.0
by_persona.x = 1.0
"""
    )
    r = simulate(j, weeks=2, runs=3, seed=4)
    assert r.by_persona["y"][2][2] == 0
    assert r.by_persona["x"][2][2] == r.by_persona["x"][0][0]
    assert 120 < r.mean[2][2] < 280


TOUCH = """
[[channels]]
id = "mail"
name = "Mail"
cost = 2.0
"""


def test_touchpoint_schedules_send_on_the_documented_weeks() -> None:
    j = journey(
        "[population.initial]\na = 10\n"
        + STAGES
        + TOUCH
        + """
[[touchpoints]]
id = "steps"
name = "Step emails"
type = "step_email"
channel = "mail"
stages = ["a"]
schedule.days = [1, 3, 8]
engagement = 0.0
[[touchpoints]]
id = "news"
name = "News"
type = "newsletter"
channel = "mail"
stages = ["a"]
schedule.every_weeks = 2
schedule.start_week = 1
schedule.max_sends = 2
engagement = 0.0
"""
    )
    r = simulate(j, weeks=8, runs=2)
    assert r.kpis["touchpoints"]["steps"]["sends"] == 30  # two in week 1, one in week 2
    assert r.kpis["touchpoints"]["news"]["sends"] == 20  # weeks 2 and 4 only
    assert r.kpis["channels"]["mail"]["cost"] == 100.0


def test_channel_capacity_limits_touches_per_week() -> None:
    j = journey(
        "[population.initial]\na = 10\n"
        + STAGES
        + TOUCH.replace("cost = 2.0", "capacity = 3")
        + """
[[touchpoints]]
id = "news"
name = "News"
type = "newsletter"
channel = "mail"
stages = ["a"]
engagement = 0.5
"""
    )
    r = simulate(j, weeks=5, runs=3, seed=1)
    assert r.kpis["touchpoints"]["news"]["sends"] == 15


SCORING = """
[scoring]
mql_threshold = 20.0
handoff_to = "b"
handoff_from = ["a"]
handoff_channel = "calls"
decay = {decay}
[scoring.behaviours]
open = 10.0
[scoring.roles]
decision_maker = 15.0
[[channels]]
id = "calls"
name = "Calls"
capacity = {capacity}
[[channels]]
id = "mail"
name = "Mail"
[[touchpoints]]
id = "news"
name = "News"
type = "newsletter"
channel = "mail"
stages = ["a"]
engagement = 1.0
behaviour = "open"
"""


def test_mql_threshold_hands_off_through_a_limited_queue() -> None:
    j = journey("[population.initial]\na = 20\n" + STAGES + SCORING.format(decay=0.0, capacity=5))
    r = simulate(j, weeks=8, runs=2)
    k = r.kpis
    # score 10 after week 1, 20 after week 2: MQL at the start of week 3, 5 hand-offs a week
    assert k["mqls_per_week"][:4] == [0, 0, 20, 0]
    assert k["handoffs_per_week"][:7] == [0, 0, 5, 5, 5, 5, 0]
    assert k["queue_length"][:7] == [0, 0, 15, 10, 5, 0, 0]
    assert k["stalls"]["sales queue"] == {"starts": 15.0, "lead_weeks": 30.0}
    assert r.mean[6].tolist() == [0, 20, 0, 0]
    assert k["channels"]["calls"]["touches"] == 20


def test_score_decay_and_role_points() -> None:
    decayed = journey("[population.initial]\na = 20\n" + STAGES + SCORING.format(decay=0.5, capacity=100))
    # 10, 15, 17.5, ... never reaches 20
    assert sum(simulate(decayed, weeks=10, runs=1).kpis["mqls_per_week"]) == 0
    roles = journey(
        "[population.initial]\na = 20\n[population.mix]\nboss = 1.0\nuser = 1.0\n"
        + STAGES
        + SCORING.format(decay=0.0, capacity=100)
        + '[[personas]]\nid = "boss"\nname = "B"\nrole = "decision_maker"\n'
        + '[[personas]]\nid = "user"\nname = "U"\nrole = "user"\n'
    )
    r = simulate(roles, weeks=4, runs=3, seed=9)
    boss = r.kpis["personas"]["boss"]["leads"]
    # decision makers need 5 points more after 15 role points: MQL at week 2, users at week 3
    assert r.kpis["mqls_per_week"][1] == pytest.approx(boss)
    assert r.kpis["mqls_per_week"][2] == pytest.approx(20 - boss)


LIFT = """
[[transitions]]
from = "a"
to = "won"
probability = 0.1
[[channels]]
id = "mail"
name = "Mail"
[[touchpoints]]
id = "offer"
name = "Offer"
type = "newsletter"
channel = "mail"
stages = ["a"]
schedule.days = [{day}]
engagement = 1.0
lift.won = {factor}
lift_weeks = {weeks}
"""


def test_lift_multiplies_and_is_capped_at_one() -> None:
    capped = journey("[population.initial]\na = 200\n" + STAGES + LIFT.format(day=1, factor=50.0, weeks=1))
    r = simulate(capped, weeks=2, runs=2)
    assert r.mean[1].tolist() == [0, 0, 200, 0]
    later = journey("[population.initial]\na = 200\n" + STAGES + LIFT.format(day=8, factor=10.0, weeks=1))
    r = simulate(later, weeks=2, runs=2, seed=3)
    assert 0 < r.mean[1][2] < 60  # week 1 unlifted (10%), week 2 lifted to 100%
    assert r.mean[2].tolist() == [0, 0, 200, 0]


def test_lift_expires_after_lift_weeks() -> None:
    j = journey("[population.initial]\na = 2000\n" + STAGES + LIFT.format(day=1, factor=3.0, weeks=2))
    r = simulate(j, weeks=4, runs=2, seed=5)
    won = r.mean[:, 2]
    rate = np.diff(won) / (2000 - won[:-1])
    assert rate[0] == pytest.approx(0.3, abs=0.05) and rate[1] == pytest.approx(0.3, abs=0.05)
    assert rate[2] == pytest.approx(0.1, abs=0.05)


GATED = """
[population]
accounts = 2
[population.initial]
a = 1
b = 3
[dmu.composition]
boss = 1
user = 1
[[personas]]
id = "boss"
name = "Boss"
role = "decision_maker"
influence = {boss}
[[personas]]
id = "user"
name = "User"
role = "user"
influence = 0.5
[[gates]]
id = "g"
stage = "b"
require_roles = {roles}
min_share = {share}
[[transitions]]
from = "b"
to = "won"
probability = 1.0
gate = "g"
[[transitions]]
from = "a"
to = "lost"
probability = 0.0
"""


def _gated_runs(j: Journey, weeks: int) -> list[tuple[bool, list[float], float | None]]:
    """Per seed (one run each): whether account 0's boss is the member in a, the counts at the
    horizon, and the accounts won. Account 0 has one member in a and one in b; an account's
    members appear in random order, so over 16 seeds both happen (all alike: 2 ** -15)."""
    out = []
    for seed in range(16):
        r = simulate(j, weeks=weeks, runs=1, seed=seed)
        out.append((r.by_persona["boss"][0, 0] == 1, r.mean[weeks].tolist(), r.kpis["accounts_won"]))
    assert {boss_in_a for boss_in_a, _, _ in out} == {True, False}
    return out


def test_gate_needs_the_required_role_ready_in_the_account() -> None:
    # account 0: one member in a, the other in b; account 1: both in b
    j = journey(STAGES + GATED.format(boss=0.5, roles='["decision_maker"]', share=0.5))
    with pytest.raises(ExactForecastUnavailable, match="gates"):
        forecast(j)
    for boss_in_a, final, won in _gated_runs(j, 3):
        if boss_in_a:  # the user in b waits for the boss: held every week
            assert final == [1, 1, 2, 0] and won == 1
        else:  # the boss in b is ready and has half the influence: both accounts win
            assert final == [1, 0, 3, 0] and won == 2


def test_gate_needs_the_influence_weighted_share() -> None:
    low = journey(STAGES + GATED.format(boss=1.5, roles="[]", share=0.5))
    for boss_in_a, final, _ in _gated_runs(low, 2):
        # boss in a: 0.5 / 2.0 ready, held; user in a: 1.5 / 2.0 ready, passes
        assert final == ([1, 1, 2, 0] if boss_in_a else [1, 0, 3, 0])
    high = journey(STAGES + GATED.format(boss=0.1, roles="[]", share=0.8))
    for boss_in_a, final, _ in _gated_runs(high, 2):
        # boss in a: 0.5 / 0.6 ready, passes; user in a: 0.1 / 0.6 ready, held
        assert final == ([1, 0, 3, 0] if boss_in_a else [1, 1, 2, 0])


def test_progress_and_cancel() -> None:
    j = journey("[population.initial]\na = 10\n" + STAGES + LIFT.format(day=1, factor=1.0, weeks=1))
    seen: list[tuple[int, int]] = []
    simulate(j, weeks=4, runs=1, progress=lambda w, n: seen.append((w, n)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    stop = threading.Event()
    stop.set()
    with pytest.raises(SimulationCancelled):
        simulate(j, weeks=4, runs=1, cancel=stop)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"leads": -1}, "leads must be a whole number >= 0"),
        ({"weeks": 0}, "weeks must be a whole number from 1"),
        ({"weeks": 10_001}, "weeks must be"),
        ({"runs": 0}, "runs must be"),
        ({"seed": -3}, "seed must be"),
        ({"leads": 10**9}, "leads must be at most"),
        ({"ignore": ["nope"]}, "cannot ignore"),
        ({"leads": 10**7, "runs": 5000}, "needs about .* GiB .* use at most"),
        ({"leads": 1000, "memory_limit": 1000}, "needs about"),
    ],
)
def test_bad_settings_are_clear_errors(kwargs: dict, message: str) -> None:
    j = journey("[population.initial]\na = 10\n" + STAGES + LIFT.format(day=1, factor=1.0, weeks=1))
    with pytest.raises(SimulationError, match=message):
        simulate(j, **kwargs)


def test_no_leads_at_all_is_refused() -> None:
    j = journey(STAGES + '[[transitions]]\nfrom = "a"\nto = "won"\nprobability = 0.1\n')
    with pytest.raises(SimulationError, match="no leads"):
        simulate(j)
    assert simulate(j, leads=10, weeks=1, runs=1).total[0] == 10


JOURNEYS = sorted(Path(__file__).resolve().parents[3].joinpath("journeys").glob("*.toml"))


@pytest.mark.parametrize("path", JOURNEYS, ids=[p.name for p in JOURNEYS])
def test_every_bundled_journey_simulates(path: Path) -> None:
    result = load_file(path)
    assert result.journey is not None and result.ok, result.diagnostics
    j = result.journey
    r = simulate(j, leads=300, weeks=12, runs=2, seed=1)
    assert r.mean.shape == (13, len(j.stages))
    assert np.all(r.runs_counts[0].sum(axis=1) == 300)
    try:
        f = forecast(j, weeks=12, leads=300)
    except ExactForecastUnavailable as exc:
        assert exc.features
        f = forecast(j, weeks=12, leads=300, ignore=list(exc.features))
    assert np.allclose(f.total[0], 300)
