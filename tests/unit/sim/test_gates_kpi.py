"""The `gates` KPI: accounts held back at each consensus gate, per week, and by which requirement.

Tiny journeys where every lead in `b` draws the gated move every week (probability 1), so which
accounts are held follows from the layout alone.
"""

from __future__ import annotations

import pytest
from sim_helpers import FOUR_STAGES, journey

from journeytui.sim import simulate

STAGES = (
    FOUR_STAGES
    + """
[[transitions]]
from = "a"
to = "lost"
probability = 0.0
[[transitions]]
from = "b"
to = "won"
probability = 1.0
gate = "g"
"""
)

PERSONAS = """
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
"""

GATE = """
[[gates]]
id = "g"
stage = "b"
require_roles = {roles}
min_share = {share}
"""


def gated(population: str, composition: str, boss: float, roles: str, share: float, horizon: int = 4):
    return journey(
        population + composition + STAGES + PERSONAS.format(boss=boss) + GATE.format(roles=roles, share=share),
        horizon=horizon,
    )


def test_accounts_without_a_decision_maker_are_all_held_for_want_of_one() -> None:
    # three accounts of two users each, all in b: nobody can ever be a decision maker
    j = gated(
        "[population]\naccounts = 3\n[population.initial]\nb = 6\n",
        "[dmu.composition]\nuser = 2\n",
        boss=1.0,
        roles='["decision_maker"]',
        share=0.5,
    )
    g = simulate(j, runs=2, seed=3).kpis["gates"]["g"]
    assert g["held_accounts_per_week"] == [3, 3, 3, 3]
    assert g["held_accounts"] == 3
    assert g["missing_roles"] == {"decision_maker": 3}
    assert g["share_short"] == 0  # every member is ready: the share is met


def test_a_gate_whose_requirements_are_met_holds_nobody() -> None:
    # two accounts, boss and user each, all in b: everyone passes in week 1
    j = gated(
        "[population]\naccounts = 2\n[population.initial]\nb = 4\n",
        "[dmu.composition]\nboss = 1\nuser = 1\n",
        boss=0.5,
        roles='["decision_maker"]',
        share=0.5,
    )
    r = simulate(j, runs=2, seed=3)
    g = r.kpis["gates"]["g"]
    assert r.mean[1].tolist() == [0, 0, 4, 0]
    assert g == {
        "held_accounts_per_week": [0, 0, 0, 0],
        "held_accounts": 0,
        "missing_roles": {"decision_maker": 0},
        "share_short": 0,
    }


# account 0: one member in a, the other in b; account 1: boss and user in b. An account's
# members appear in random order, so in each run the boss of account 0 is in a (not ready)
# or in b (ready) by chance: over 40 runs both happen (all alike: chance 2 ** -39).
SPLIT = "[population]\naccounts = 2\n[population.initial]\na = 1\nb = 3\n"
BOSS_AND_USER = "[dmu.composition]\nboss = 1\nuser = 1\n"
RUNS = 40


def test_held_for_the_missing_role_only() -> None:
    # boss in a: the boss is not ready; ready share 0.5 / 1.0 meets min_share 0.5.
    # user in a: boss ready, share 0.5 / 1.0 met: the account passes.
    j = gated(SPLIT, BOSS_AND_USER, boss=0.5, roles='["decision_maker"]', share=0.5)
    g = simulate(j, runs=RUNS).kpis["gates"]["g"]
    held = g["held_accounts"]
    assert 0 < held < 1  # the share of runs in which the boss landed in a
    assert g["held_accounts_per_week"] == [held] * 4
    assert g["missing_roles"] == {"decision_maker": held}
    assert g["share_short"] == 0


def test_held_for_the_share_only() -> None:
    # boss (influence 1.5) in a: ready share 0.5 / 2.0 is below min_share 0.5; no role is required.
    # user in a: ready share 1.5 / 2.0 is enough.
    j = gated(SPLIT, BOSS_AND_USER, boss=1.5, roles="[]", share=0.5)
    g = simulate(j, runs=RUNS).kpis["gates"]["g"]
    held = g["held_accounts"]
    assert 0 < held < 1
    assert g["held_accounts_per_week"] == [held] * 4
    assert g["missing_roles"] == {}
    assert g["share_short"] == held


def test_without_accounts_each_lead_is_a_committee_of_one() -> None:
    # no personas at all: no lead is ever a decision maker, so each of the 7 leads is held alone
    j = journey("[population.initial]\nb = 7\n" + STAGES + GATE.format(roles='["decision_maker"]', share=0.0), 3)
    g = simulate(j, runs=3, seed=1).kpis["gates"]["g"]
    assert g["held_accounts_per_week"] == [7, 7, 7]
    assert g["held_accounts"] == 7
    assert g["missing_roles"] == {"decision_maker": 7}


def test_ignoring_gates_holds_nobody_and_the_kpi_is_in_the_json() -> None:
    j = gated(SPLIT, BOSS_AND_USER, boss=0.5, roles='["decision_maker"]', share=0.5)
    r = simulate(j, runs=1, ignore=["gates"])
    assert r.kpis["gates"]["g"]["held_accounts"] == 0
    assert r.to_json()["kpis"]["gates"]["g"]["held_accounts_per_week"] == [0, 0, 0, 0]


def test_held_accounts_only_count_leads_that_draw_the_gated_move() -> None:
    # with a weekly chance of 0.3 not every held account attempts every week; counts stay
    # between 0 and the number of accounts, and the same seed gives the same numbers
    j = gated(
        "[population]\naccounts = 50\n[population.initial]\nb = 100\n",
        "[dmu.composition]\nuser = 2\n",
        boss=1.0,
        roles='["decision_maker"]',
        share=0.5,
        horizon=6,
    )
    for t in j.transitions:
        if t.gate:
            t.probability = 0.3
    a = simulate(j, runs=4, seed=9).kpis["gates"]["g"]
    assert a == simulate(j, runs=4, seed=9).kpis["gates"]["g"]
    assert all(0 < x < 50 for x in a["held_accounts_per_week"])
    assert a["held_accounts_per_week"][0] == pytest.approx(50 * (1 - 0.7**2), abs=8)
    assert a["held_accounts"] == a["missing_roles"]["decision_maker"] <= 50
