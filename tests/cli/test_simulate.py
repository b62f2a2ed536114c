"""`journeytui simulate`: formats, settings, errors and exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rich.cells import cell_len as wcswidth

from journeytui.cli import main

FLAGSHIP = str(Path(__file__).resolve().parents[2] / "journeys" / "b2b-it-tool.toml")
PLAIN = ["--ignore", "scoring", "--ignore", "lifts", "--ignore", "gates", "--ignore", "capacity"]


def test_json_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["simulate", FLAGSHIP, "--leads", "300", "--weeks", "6", "--runs", "3", "--seed", "4", "--format", "json"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["stages"] == ["aware", "research", "compare", "evaluate", "sales", "won", "lost"]
    assert data["weeks"] == 6
    for key in ("mean", "p05", "p50", "p95"):
        assert len(data[key]) == 7 and all(len(row) == 7 for row in data[key])
    assert sum(data["mean"][0]) == 300
    assert data["settings"] == {"leads": 300, "weeks": 6, "runs": 3, "seed": 4, "ignore": []}
    assert {"conversion", "time_to_won", "stalls", "channels", "accounts_won"} <= set(data["kpis"])


def test_exact_json_and_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["simulate", FLAGSHIP, "--exact", *PLAIN, "--weeks", "3", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["engine"] == "exact" and data["p05"] == data["mean"]
    out = tmp_path / "f.csv"
    assert main(["simulate", FLAGSHIP, "--exact", *PLAIN, "--weeks", "3", "--format", "csv", "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 4 * 7 and rows[0]["week"] == "0" and rows[0]["stage"] == "aware"
    assert float(rows[0]["mean"]) == 2000


def test_table_aligns_double_width_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", FLAGSHIP, "--leads", "200", "--weeks", "4", "--runs", "2"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.strip().startswith(("aware", "research", "compare", "lost"))]
    assert len(rows) == 4 and "情報収集" in out
    assert len({wcswidth(r) for r in rows}) == 1
    assert "won by week 4" in out and "time to won" in out


def test_exact_refusal_and_bad_settings_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", FLAGSHIP, "--exact"]) == 2
    err = capsys.readouterr().err
    assert "no exact forecast" in err and "gates" in err and "Traceback" not in err
    assert main(["simulate", FLAGSHIP, "--leads", "-5"]) == 2
    assert "leads must be" in capsys.readouterr().err
    assert main(["simulate", FLAGSHIP, "--weeks", "0"]) == 2
    assert main(["simulate", FLAGSHIP, "--runs", "100000"]) == 2


def test_broken_file_prints_diagnostics_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[journey\n", encoding="utf-8")
    assert main(["simulate", str(bad)]) == 1
    assert f"{bad}:1:" in capsys.readouterr().out


def test_same_seed_same_output(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", FLAGSHIP, "--leads", "200", "--weeks", "5", "--runs", "2", "--format", "json"]
    main(args)
    first = capsys.readouterr().out
    main(args)
    assert capsys.readouterr().out == first


@pytest.mark.parametrize("name", ["sme-four-steps.toml", "b2b-it-tool.toml"])
def test_table_fits_80_columns_with_japanese_names(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The stage table is at most 80 cells wide (it was 112 and wrapped at 80); the numbers are whole,
    long ids and names end in "…" measured in cells (Japanese characters take two)."""
    path = str(Path(FLAGSHIP).parent / name)
    assert main(["simulate", path, "--runs", "3", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("stage"))
    table = lines[lines.index(header) : next(i for i, line in enumerate(lines) if line.startswith("total")) + 1]
    assert max(wcswidth(line) for line in table) <= 80, max(table, key=wcswidth)
    assert header.rstrip().endswith("p05..p95 @" + ("104" if name.startswith("sme") else "52"))
    rows = lines[lines.index(header) + 2 :]
    total = next(line for line in rows if line.startswith("total"))
    assert total.split()[-1].replace(",", "").replace(".", "").isdigit()  # the last week's total, uncut
    if name.startswith("sme"):
        assert any("…" in line for line in rows)  # long names are cut, visibly
        assert any(line.startswith("認知") and "認知：" in line for line in rows)
