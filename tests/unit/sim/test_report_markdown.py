"""The Markdown report (sim/report.py): sections, tables and Japanese names."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len

from journeytui.model.load import load_journey
from journeytui.sim import simulate
from journeytui.sim.compare import compare
from journeytui.sim.headline import full_forecast, headline
from journeytui.sim.live import live_forecast, stage_health
from journeytui.sim.report import report

JOURNEYS = Path(__file__).resolve().parents[3] / "journeys"


def _tables(text: str) -> list[list[str]]:
    out: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            out.append(current)
            current = []
    return out + ([current] if current else [])


def test_report_sections_and_japanese_names() -> None:
    j = load_journey(JOURNEYS / "sme-four-steps.toml")
    text = report(j, source="sme-four-steps.toml", runs=4, seed=1)
    for heading in (
        "## Summary",
        "## Forecast (full model: Monte Carlo means, 4 runs, seed 1)",
        "## KPIs",
        "## Bottlenecks",
        "## Sensitivity (each probability +1 point alone; the 5 candidates",
    ):
        assert heading in text
    assert "| 認知 | 認知：存在を知る | 600.0 |" in text
    # every figure is the full model's: the headline of the same runs and seed
    h = headline(j, runs=4, seed=1)
    assert f"| won by week {h.week} | {h.won:,.1f} | {h.share:.1%} |" in text
    assert f"| won share, p05-p95 of runs |  | {h.low:.1%}-{h.high:.1%} |" in text
    health = stage_health(j, full_forecast(j, runs=4, seed=1))
    worst = max(health.values(), key=lambda x: x.score)
    assert f"Weakest stage: **{worst.stage}**" in text
    for table in _tables(text):
        cols = {line.count("|") - line.count("\\|") for line in table}
        assert len(cols) == 1, table  # every row has the same number of cells
        assert all(cell_len(line) >= len(line) for line in table)


def test_report_plain_chain_on_request() -> None:
    """``model="plain"`` (the CLI's --exact) is the exact forecast of the plain chain, and says so."""
    j = load_journey(JOURNEYS / "sme-four-steps.toml")
    text = report(j, model="plain")
    assert "## Forecast (plain chain, exact; ignores touchpoint lifts, channel capacity)" in text
    assert f"| won by week 104 | {float(live_forecast(j).won[-1]):,.1f} |" in text
    assert "p05-p95" not in text


def test_report_with_comparison_and_monte_carlo() -> None:
    a, b = load_journey(JOURNEYS / "asis-example.toml"), load_journey(JOURNEYS / "tobe-example.toml")
    sim = simulate(a, runs=2, seed=0, weeks=10)
    text = report(a, comparison=compare(a, b, runs=4), sim=sim, runs=4)
    assert "## Comparison: asis-example vs tobe-example (week 104)" in text
    assert "## Monte Carlo (2 runs, seed 0, week 10)" in text
    assert text.endswith("\n") and not text.endswith("\n\n")
