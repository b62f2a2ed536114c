"""Comparing two journeys (sim/compare.py): KPI deltas, stage rows and the output formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journeytui.model.load import load_journey
from journeytui.sim.compare import compare
from journeytui.sim.live import live_forecast
from journeytui.sim.sensitivity import nudge

JOURNEYS = Path(__file__).resolve().parents[3] / "journeys"


def test_asis_vs_tobe_deltas_of_the_plain_chains() -> None:
    a, b = load_journey(JOURNEYS / "asis-example.toml"), load_journey(JOURNEYS / "tobe-example.toml")
    c = compare(a, b, model="plain")
    rows = {r.key: r for r in c.rows}
    assert c.weeks == 104
    assert rows["won"].a == pytest.approx(359.7, abs=0.05)
    assert rows["won"].b == pytest.approx(608.8, abs=0.05)
    assert rows["won"].delta == pytest.approx(rows["won"].b - rows["won"].a)
    assert rows["won_share"].cells()[2] == "+4.3 pt"
    assert rows["leads"].cells()[2] == "+0.0"  # no "-0.0"
    stages = {r.key: r for r in c.stage_rows}
    assert stages["dormant"].delta == pytest.approx(-927.0, abs=0.1)
    assert any("ignores scoring" in n for n in c.notes())


def test_compare_with_itself_is_all_zero() -> None:
    j = load_journey(JOURNEYS / "b2b-it-tool.toml")
    c = compare(j, j)
    assert all(r.delta == pytest.approx(0) for r in c.rows if r.delta is not None)
    assert c.label_a != c.label_b


def test_compare_an_edit_with_the_saved_version() -> None:
    j = load_journey(JOURNEYS / "b2b-it-tool.toml")
    i = next(i for i, t in enumerate(j.transitions) if (t.from_, t.to) == ("research", "compare"))
    c = compare(j, nudge(j, "transitions", i, 0.02), labels=("saved", "now"), model="plain")
    won = next(r for r in c.rows if r.key == "won")
    assert won.delta is not None and won.delta > 0
    assert won.a == pytest.approx(float(live_forecast(j).won[-1]))


def test_the_full_model_is_the_default_and_names_its_engine(minimal_text: str) -> None:
    """Journeys with gates, scoring and capacity: seeded Monte Carlo means, nothing ignored, no plain-chain figure."""
    a, b = load_journey(JOURNEYS / "asis-example.toml"), load_journey(JOURNEYS / "tobe-example.toml")
    c = compare(a, b, weeks=52, runs=10, seed=3)
    assert c.a.engine == c.b.engine == "monte_carlo"
    [note] = c.notes()  # nothing left out: only the noise of the won difference
    assert note.startswith("won ") and "Monte Carlo noise ±" in note
    assert c.how() == "Monte Carlo means (10 runs, seed 3)"
    from journeytui.sim.montecarlo import simulate

    won = next(r for r in c.rows if r.key == "won")
    mc = simulate(b, weeks=52, runs=10, seed=3)
    assert won.b == pytest.approx(float(mc.won[-1]))
    assert won.b != pytest.approx(float(live_forecast(b, weeks=52).won[-1]), rel=0.01)
    on_hold = next(r for r in c.rows if r.key == "on_hold")
    # recorded by the Monte Carlo run itself (stalls and the sales queue), never taken from the chain
    assert on_hold.b == pytest.approx(float(mc.on_hold[-1].sum()))
    # (a mean of 10 runs' whole counts is a multiple of 0.1; the chain's expectation is not, so
    # equality would mean the chain's figure; how close the two are depends on the seed's draws)
    chain = float(live_forecast(b, weeks=52).on_hold[-1].sum())
    assert on_hold.b != pytest.approx(chain, rel=1e-6) and round(chain * 10) != chain * 10
    # A journey the exact forecast models exactly keeps the exact forecast.
    from journeytui.model.load import load_text

    plain = load_text(minimal_text + "\n[population.initial]\nlead = 1000\n").journey
    assert plain is not None
    assert compare(plain, plain).a.engine == "exact" and compare(plain, plain).how() == "exact forecast"


def test_formats() -> None:
    a, b = load_journey(JOURNEYS / "asis-example.toml"), load_journey(JOURNEYS / "tobe-example.toml")
    c = compare(a, b, weeks=26)
    data = json.loads(json.dumps(c.to_json()))
    assert data["weeks"] == 26 and len(data["won"]["a"]) == 27
    assert {k["key"] for k in data["kpis"]} >= {"won", "lost", "won_share"}
    md = c.to_markdown()
    assert md.startswith("## Comparison: asis-example vs tobe-example (week 26)")
    assert "| gathering (情報収集) |" in md
    table = c.to_table()
    assert "won by week 26" in table and "B - A" not in table
