"""`journeytui compare`: every format, exit codes and diagnostics for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journeytui.cli import main

JOURNEYS = Path(__file__).resolve().parents[2] / "journeys"
ASIS, TOBE = str(JOURNEYS / "asis-example.toml"), str(JOURNEYS / "tobe-example.toml")


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", ASIS, TOBE]) == 0
    out = capsys.readouterr().out
    assert "asis-example vs tobe-example: exact forecast, week 104" in out
    assert "+249.1" in out and "+4.3 pt" in out
    assert "dormant (放置 (休眠))" in out


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", ASIS, TOBE, "--format", "json", "--weeks", "52"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["weeks"] == 52
    won = next(r for r in data["kpis"] if r["key"] == "won")
    assert won["delta"] == pytest.approx(won["b"] - won["a"], abs=1e-5)


def test_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", ASIS, TOBE, "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Comparison: asis-example vs tobe-example")
    assert "|:---|---:|---:|---:|" in out


def test_bad_file_prints_diagnostics_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[journey]\nid = \n", encoding="utf-8")
    assert main(["compare", ASIS, str(bad)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{bad}:2:") and " E0" in out


def test_bad_settings_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", ASIS, TOBE, "--weeks", "0"]) == 2
    assert "weeks" in capsys.readouterr().err
    assert main(["compare", ASIS, TOBE, "--format", "csv"]) == 2
