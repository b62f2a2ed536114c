"""`journeytui report`: stdout, --out, --compare, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeytui.cli import main

JOURNEYS = Path(__file__).resolve().parents[2] / "journeys"
SME = str(JOURNEYS / "sme-four-steps.toml")


def test_report_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", SME]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# 中小企業のリードナーチャリング")
    assert "| 成約 | 成約 |" in out and "## Comparison" not in out


def test_report_to_file_with_comparison(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.md"
    asis, tobe = str(JOURNEYS / "asis-example.toml"), str(JOURNEYS / "tobe-example.toml")
    assert main(["report", asis, "--compare", tobe, "--weeks", "52", "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    text = out.read_text(encoding="utf-8")
    assert "## Comparison: asis-example vs tobe-example (week 52)" in text
    assert "| week 0 | week 13 | week 26 | week 39 | week 52 |" in text


def test_report_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "missing.toml")]) == 1
    assert "E002" in capsys.readouterr().out
    assert main(["report", SME, "--compare", str(tmp_path / "missing.toml")]) == 1
    assert main(["report", SME, "--weeks", "-3"]) == 2
    assert main(["report", SME, "--out", str(tmp_path / "no" / "such" / "dir" / "r.md")]) == 2
