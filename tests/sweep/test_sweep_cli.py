"""`journeytui sweep`: full-model rows, common random numbers, resume, stale files, size refusals."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sweep_helpers import JOURNEY, SWEEP

from journeytui.cli import main
from journeytui.model.load import load_text
from journeytui.sim.montecarlo import simulate


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    j = tmp_path / "mini.toml"
    j.write_text(JOURNEY, encoding="utf-8")
    s = tmp_path / "mini.sweep.toml"
    s.write_text(SWEEP, encoding="utf-8")
    return str(j), str(s)


def test_rows_are_the_full_model_under_common_random_numbers(
    files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.jsonl"
    assert main(["sweep", *files, "--runs", "5", "--seed", "3", "--out", str(out)]) == 0
    report = capsys.readouterr().out
    assert "Ranking" in report and "Pareto front" in report and "What each lever contributes" in report
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["index"] for r in rows] == list(range(6))
    over = [r for r in rows if r["status"] == "over_budget"]
    assert [r["levers"] for r in over] == [{"nurture": 0.3, "freeze": 0.0}]  # 1000 + 300 > 1000
    # the baseline scenario (nothing changed) is exactly `simulate --seed 3`: common random numbers
    base = next(r for r in rows if r["levers"] == {"nurture": 0.2, "freeze": 0.05})
    journey = load_text(JOURNEY).journey
    assert journey is not None
    res = simulate(journey, runs=5, seed=3)
    assert base["won"] == pytest.approx(float(res.won[-1]))
    assert base["won_runs"] == [float(x) for x in res.runs_counts[-1][:, 2]]
    # more nurture means more wins, and under CRN the paired runs move together
    better = next(r for r in rows if r["levers"] == {"nurture": 0.3, "freeze": 0.05})
    assert better["won"] > base["won"]
    assert all(b >= a - 15 for a, b in zip(base["won_runs"], better["won_runs"], strict=True))


def test_resume_skips_done_rows_and_ends_byte_identical(
    files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = tmp_path / "full.csv"
    assert main(["sweep", *files, "--runs", "3", "--out", str(full)]) == 0
    complete = full.read_bytes()
    lines = complete.decode().splitlines(keepends=True)
    assert len(lines) == 7 and lines[0].startswith("index,scenario,lever:nurture,lever:freeze,")
    # an interrupted sweep: three rows written, the fourth cut off mid-line
    part = tmp_path / "part.csv"
    part.write_text("".join(lines[:4]) + lines[4][:10], encoding="utf-8")
    capsys.readouterr()
    assert main(["sweep", *files, "--runs", "3", "--out", str(part)]) == 0
    assert "resuming: 3 of 6 scenarios" in capsys.readouterr().err
    assert part.read_bytes() == complete


def test_a_changed_input_never_reuses_stale_rows(
    files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.csv"
    assert main(["sweep", *files, "--runs", "3", "--out", str(out)]) == 0
    before = out.read_bytes()
    Path(files[0]).write_text(JOURNEY.replace("probability = 0.15", "probability = 0.16"), encoding="utf-8")
    capsys.readouterr()
    assert main(["sweep", *files, "--runs", "3", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "different journey, sweep file or settings" in err
    assert out.read_bytes() == before  # nothing the user had is lost
    assert main(["sweep", *files, "--runs", "4", "--out", str(out)]) == 2


def test_sweeps_too_large_are_refused_with_a_suggestion(
    files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = SWEEP.replace("values = [0.2, 0.25, 0.3]", "min = 0.01\nmax = 0.3\nstep = 0.0001")
    huge = huge.replace("values = [0.05, 0.0]\ncosts = [0, 300]", "min = 0.0\nmax = 0.05\nstep = 0.0001")
    Path(files[1]).write_text(huge.replace("budget = 1000", "budget = 1e12"), encoding="utf-8")
    assert main(["sweep", *files]) == 2
    err = capsys.readouterr().err
    assert "1,453,401 scenarios (limit 1,000,000)" in err and "--sample lhs" in err
    # a sample that fits the grid's limit but not the time budget: estimated first, nothing run (the
    # fast path costs about 1 ms a scenario of this journey: 5,000 take over the 1 s budget)
    monkeypatch.setenv("JOURNEYTUI_TIME_BUDGET", "1")
    out = tmp_path / "r.csv"
    assert main(["sweep", *files, "--sample", "random", "5000", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "would take about" in err and "--sample lhs" in err and "fits" in err
    assert not out.exists()


def test_capacity_constraint_hostile_name_and_local_workers(
    files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SWEEP.replace('name = "mini"', 'name = "mini\\u001b]52;c;ZXZpbA==\\u0007"').replace(
        "budget = 1000", "budget = 1000\nmax_in_stage.opp = 120"
    )
    Path(files[1]).write_text(text, encoding="utf-8")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert main(["sweep", *files, "--runs", "3", "--out", str(one)]) == 0
    out = capsys.readouterr()
    assert "\x1b" not in out.out and "mini\\x1b]52" in out.out  # the name is shown, escaped
    assert "sweeping [" not in out.err  # no progress bar when stderr is not a terminal
    rows = [json.loads(line) for line in one.read_text().splitlines()]
    capped = [r for r in rows if r["status"] == "ok" and not r["feasible"]]
    assert capped and all(r["message"].startswith("over capacity in opp (peak ") for r in capped)
    assert any(r["feasible"] for r in rows)
    assert "infeasible" in out.out
    # a pool of two local worker processes writes the same bytes
    assert main(["sweep", *files, "--runs", "3", "--workers", "2", "--out", str(two)]) == 0
    assert two.read_bytes() == one.read_bytes()


def test_csv_report_markdown_and_bad_sample(
    files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.md"
    assert (
        main(["sweep", *files, "--runs", "2", "--sample", "lhs", "3", "--format", "markdown", "--report", str(report)])
        == 0
    )
    text = report.read_text()
    assert text.startswith("# mini\n") and "| # | scenario | levers |" in text
    assert main(["sweep", *files, "--sample", "lhs"]) == 2
    assert "--sample takes" in capsys.readouterr().err
    assert main(["sweep", *files, "--out", str(tmp_path / "no" / "such" / "r.csv")]) == 2
    assert "cannot write" in capsys.readouterr().err
    assert main(["sweep", *files, "--out", str(tmp_path / "r.parquet")]) == 2
    assert "use a .csv or .jsonl file name" in capsys.readouterr().err
    out = tmp_path / "r.csv"
    assert main(["sweep", *files, "--runs", "2", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 6 and {r["status"] for r in rows} == {"ok", "over_budget"}


def test_exact_sweeps_give_the_expected_counts_and_refuse_journeys_they_cannot_model(
    files: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from journeytui.sim import forecast

    out = tmp_path / "exact.jsonl"
    assert main(["sweep", *files, "--exact", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    base = next(r for r in rows if r["levers"] == {"nurture": 0.2, "freeze": 0.05})
    journey = load_text(JOURNEY).journey
    assert journey is not None
    assert base["won"] == round(float(forecast(journey).won[-1]), 6)
    assert base["engine"] == "exact" and base["won_p05"] is None and "won_runs" not in base
    example = Path(__file__).resolve().parents[2] / "journeys" / "examples" / "b2b-it-tool.sweep.toml"
    assert main(["sweep", "b2b-it-tool", str(example), "--exact"]) == 2
    assert "--exact: the journey uses scoring" in capsys.readouterr().err
