"""The Markdown report (sim/report.py): sections, tables and Japanese names."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len

from journeytui.model.load import load_journey
from journeytui.sim import simulate
from journeytui.sim.compare import compare
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
    text = report(j, source="sme-four-steps.toml")
    for heading in ("## Summary", "## Forecast (exact, ignores", "## KPIs", "## Bottlenecks", "## Sensitivity"):
        assert heading in text
    assert "| 認知 | 認知：存在を知る | 600.0 |" in text
    assert "Weakest stage: **放置**" in text
    for table in _tables(text):
        cols = {line.count("|") - line.count("\\|") for line in table}
        assert len(cols) == 1, table  # every row has the same number of cells
        assert all(cell_len(line) >= len(line) for line in table)


def test_report_with_comparison_and_monte_carlo() -> None:
    a, b = load_journey(JOURNEYS / "asis-example.toml"), load_journey(JOURNEYS / "tobe-example.toml")
    sim = simulate(a, runs=2, seed=0, weeks=10)
    text = report(a, comparison=compare(a, b), sim=sim)
    assert "## Comparison: asis-example vs tobe-example (week 104)" in text
    assert "## Monte Carlo (2 runs, seed 0, week 10)" in text
    assert text.endswith("\n") and not text.endswith("\n\n")
