"""The KPI and result definitions docs/simulation.md states: conversion rates are shares of
entries (never above 1), cost per win is total cost over total wins, `by_persona` lists every
persona (or `"(all)"`), JSON numbers are rounded to 6 decimals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sim_helpers import CHAIN, FOUR_STAGES, journey

from journeytui.cli import main
from journeytui.sim import forecast, simulate

# leads bounce between a and b often, so many enter a (and b) more than once
BOUNCING = (
    "[population.initial]\na = 500\n"
    + FOUR_STAGES
    + """
[[transitions]]
from = "a"
to = "b"
probability = 0.6
[[transitions]]
from = "b"
to = "a"
probability = 0.6
cause = "back"
[[transitions]]
from = "b"
to = "won"
probability = 0.05
"""
)


def test_conversion_rate_is_moves_per_entry_and_never_above_one() -> None:
    r = simulate(journey(BOUNCING, horizon=30), runs=4, seed=1)
    conv = r.kpis["conversion"]
    # moves a -> b far exceed the 500 leads that were ever in a: re-entries count as entries
    assert conv["a->b"]["moves"] > 500
    entries_a = 500 + conv["b->a"]["moves"]
    assert conv["a->b"]["rate"] == round(conv["a->b"]["moves"] / entries_a, 6)
    entries_b = conv["a->b"]["moves"]
    assert conv["b->won"]["rate"] == round(conv["b->won"]["moves"] / entries_b, 6)
    assert all(0 <= v["rate"] <= 1 for v in conv.values())
    assert r.kpis["reached"]["a"] == 1.0  # reached counts leads, not entries


CHANNELLED = (
    CHAIN
    + """
[[channels]]
id = "mail"
name = "Mail"
cost = 3.0
[[touchpoints]]
id = "news"
name = "News"
type = "newsletter"
channel = "mail"
stages = ["a", "b"]
schedule.every_weeks = 1
"""
)


def test_cost_per_win_is_total_cost_over_total_wins() -> None:
    r = simulate(journey(CHANNELLED, horizon=8), runs=5, seed=3)
    ch = r.kpis["channels"]["mail"]
    wins = float(r.won[-1] - r.won[0])
    assert ch["cost"] == round(ch["touches"] * 3.0, 6)
    assert ch["cost_per_win"] == round(ch["cost"] / wins, 6)


PERSONAS = """
[[personas]]
id = "x"
name = "X"
role = "decision_maker"
[[personas]]
id = "unused"
name = "Unused"
role = "user"
[[personas]]
id = "y"
name = "Y"
role = "user"
[population.mix]
y = 1.0
x = 3.0
unused = 0.0
"""


def test_by_persona_lists_every_persona_in_file_order_with_zero_rows_for_unused_ones() -> None:
    j = journey(CHAIN + PERSONAS, horizon=5)
    for result in (forecast(j), simulate(j, runs=2)):
        assert list(result.by_persona) == ["x", "unused", "y"]
        assert not result.by_persona["unused"].any()
        total = sum(result.by_persona.values())
        assert np.allclose(total, result.mean)
    personas = simulate(j, runs=2).kpis["personas"]
    assert list(personas) == ["x", "unused", "y"] and personas["unused"] == {"leads": 0.0, "won": 0.0, "lost": 0.0}


def test_without_personas_by_persona_has_one_all_entry() -> None:
    j = journey(CHAIN, horizon=3)
    for result in (forecast(j), simulate(j, runs=2)):
        assert list(result.by_persona) == ["(all)"]
        assert np.array_equal(result.by_persona["(all)"], result.mean)


def test_json_numbers_are_rounded_to_six_decimals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "j.toml"
    path.write_text(
        '[journey]\nid = "t"\ntitle = "t"\nhorizon = 3\n' + CHAIN.replace("a = 1000", "a = 7"), encoding="utf-8"
    )
    assert main(["simulate", str(path), "--exact", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    cells = [x for row in data["mean"] for x in row]
    assert any(x != int(x) for x in cells)
    assert all(x == round(x, 6) for x in cells)
    assert data["mean"][1][0] == round(7 * 0.4, 6)  # stays in a with 1 - 0.5 - 0.1
