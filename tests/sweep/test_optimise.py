"""`journeytui optimise`: exhaustive or seeded TPE search under the budget, the confirmation with
intervals and the paired difference, and --apply writing a comment-preserving journey."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sweep_helpers import JOURNEY, SWEEP

from journeytui.cli import main
from journeytui.model.load import load_file


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    j = tmp_path / "mini.toml"
    j.write_text("# planning copy, reviewed by ops\n" + JOURNEY, encoding="utf-8")
    s = tmp_path / "mini.sweep.toml"
    s.write_text(SWEEP, encoding="utf-8")
    return str(j), str(s)


def _winner_cost(report: str) -> float:
    m = re.search(r"  1\. [\d.,]+ \(95% interval [\d.,]+ to [\d.,]+\), cost ([\d,]+):", report)
    assert m, report
    return float(m.group(1).replace(",", ""))


def test_exhaustive_search_respects_the_budget_and_applies_the_winner(
    files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "winner.toml"
    argv = ["optimise", *files, "--budget", "600", "--runs", "5", "--confirm-runs", "60", "--apply", str(out)]
    assert main(argv) == 0
    report = capsys.readouterr().out
    assert "exhaustive: all 6 scenarios" in report
    assert "3 within the budget of 600" in report  # costs 0, 300, 500 (800, 1000, 1300 are over)
    assert _winner_cost(report) <= 600
    assert "Winner minus runner-up, run by run:" in report and "distinguishable" in report
    # the winner within 600 is more nurture (0.25, cost 500): the file says so, with the comment kept
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# planning copy, reviewed by ops\n")
    written = load_file(out).journey
    assert written is not None and written.transitions[0].probability == 0.25
    assert Path(files[0]).read_text(encoding="utf-8").count("probability = 0.2\n") == 1  # input untouched
    # --apply never overwrites without --force
    before = out.read_bytes()
    assert main(argv) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert out.read_bytes() == before


def test_tpe_search_is_seeded_and_a_budget_no_scenario_meets_is_refused(
    files: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["optimise", *files, "--budget", "900", "--runs", "3", "--trials", "4", "--confirm-runs", "20"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert "Optuna TPE, 4 trials (seed 0); the grid has 6 scenarios" in first
    assert _winner_cost(first) <= 900
    assert main(argv) == 0
    assert capsys.readouterr().out == first  # the same proposals and numbers for the same seed
    Path(files[1]).write_text(SWEEP.replace("costs = [0, 300]", "costs = [400, 300]"), encoding="utf-8")
    assert main(["optimise", *files, "--budget", "100"]) == 2
    assert "no scenario meets the budget 100: the cheapest costs 300" in capsys.readouterr().err
