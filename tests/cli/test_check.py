"""`journeytui check`: validation, then expectations, CI-style lines and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeytui.cli import main

ROOT = Path(__file__).resolve().parents[2]

BASE = """
[journey]
id = "c"
title = "check"
horizon = 4

[population.initial]
a = 100

[[stages]]
id = "a"
name = "A"
entry = true

[[stages]]
id = "won"
name = "W"
kind = "won"

[[stages]]
id = "lost"
name = "L"
kind = "lost"

[[transitions]]
from = "a"
to = "won"
probability = 0.5

[[transitions]]
from = "a"
to = "lost"
probability = 0.1
"""


def test_passing_and_failing_expectations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "j.toml"
    # exact: won share after week 1 = 0.5; count after week 2 = 50 + 20 = 70
    f.write_text(
        BASE
        + '\n[[expectations]]\nstage = "won"\nweek = 1\nmin = 0.45\nmax = 0.55\n'
        + '\n[[expectations]]\nstage = "won"\nweek = 2\nmetric = "count"\nmin = 80.0\n',
        encoding="utf-8",
    )
    assert main(["check", str(f)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{f}: PASS won@1 share 0.5000 in [0.45, 0.55] [exact]"
    assert lines[1] == f"{f}: FAIL won@2 count 70.0 in [80, inf] [exact]"
    assert lines[-1] == "2 expectations checked in 1 file: 1 failed"


def test_file_with_errors_prints_diagnostics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(BASE.replace('to = "won"', 'to = "nowhere"'), encoding="utf-8")
    assert main(["check", str(f)]) == 1
    out = capsys.readouterr().out
    assert f"{f}:" in out and "E202" in out
    assert out.splitlines()[-1].endswith("1 file with errors")


def test_flagship_expectations_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(ROOT / "journeys" / "b2b-it-tool.toml")]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "FAIL" not in out and "[monte_carlo]" in out
