"""`journeytui calibrate`, `synth` and `backtest` through the real CLI: round trips, writes, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from journeytui.cli import main

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "journeys" / "b2b-it-tool.toml"
AS_OF = "2025-07-06"  # synth --weeks 25 from 2025-01-06


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("history")
    out = {}
    # the flagship's full model in both layouts, and its plain chain (synth --plain-chain)
    for name, extra in (("long", []), ("wide", ["--layout", "wide"]), ("plain", ["--plain-chain"])):
        path = folder / f"{name}.csv"
        assert main(["synth", str(FLAGSHIP), "--weeks", "25", "--seed", "3", *extra, "--out", str(path)]) == 0
        out[name] = path
    return out


def test_dry_run_json_recovers_the_journey_and_writes_nothing(
    history: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """synth -> calibrate with the full model (the defaults of both), and synth --plain-chain ->
    calibrate --plain-chain: each recovers the file's values."""
    before = FLAGSHIP.read_bytes()
    capsys.readouterr()
    keys = {"from", "to", "before", "after", "low", "high", "moves", "at_risk"}
    for name, extra in (("long", []), ("plain", ["--plain-chain"])):
        args = ["calibrate", str(FLAGSHIP), str(history[name]), "--as-of", AS_OF, "--format", "json", *extra]
        assert main(args) == 0
        data = json.loads(capsys.readouterr().out)
        assert FLAGSHIP.read_bytes() == before
        assert data["wrote"] is None
        assert data["transitions"] and all(keys <= set(t) for t in data["transitions"])
        inside = [t["low"] <= t["before"] <= t["high"] for t in data["transitions"]]
        assert sum(inside) >= 0.8 * len(inside), name
        assert data["arrivals"]["aware"]["weeks"] == 25
        assert 100 < data["arrivals"]["aware"]["after"] < 140
        assert {s["stage"] for s in data["stalls"]} == {"compare", "evaluate", "sales"}
        assert data["unseen_transitions"] == []
        if extra:
            assert data["full_model"] is None and data["missing_transitions"] == []
        else:
            assert data["full_model"]["features"] == ["capacity", "gates", "lifts", "scoring"]
            assert data["full_model"]["converged"], data["warnings"]
            gated = next(
                t for t in data["transitions"] if (t["from"], t["to"], t["persona"]) == ("evaluate", "sales", None)
            )
            assert gated["after"] > 3 * gated["observed"]  # the consensus gate holds most moves back
            # MQLs handed from compare to sales: the hand-off's moves, not a transition to add
            assert [(m["from"], m["to"]) for m in data["handoff_moves"]] == [("compare", "sales")]
            assert data["handoff_moves"][0]["moves"] > 0
            assert all(m["to"] != "sales" for m in data["missing_transitions"]), data["missing_transitions"]
    # the observed rates of the default fit are the --plain-chain fit's values
    args = ["calibrate", str(FLAGSHIP), str(history["long"]), "--as-of", AS_OF, "--format", "json"]
    assert main([*args, "--plain-chain"]) == 0
    chain = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    full = json.loads(capsys.readouterr().out)
    assert [t["observed"] for t in full["transitions"]] == [t["after"] for t in chain["transitions"]]
    # the plain chain has no hand-off: the same moves are a transition the journey lacks
    assert ("compare", "sales") in {(m["from"], m["to"]) for m in chain["missing_transitions"]}
    assert chain["handoff_moves"] == []


def test_out_writes_fitted_values_and_keeps_comments(history: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "j.toml"
    shutil.copy(FLAGSHIP, target)
    original = target.read_text(encoding="utf-8").replace(
        "[[transitions]]", "# planner's guess, to be checked\n[[transitions]]", 1
    )
    original = original.replace("[population]", "# as of the spring plan\n[population]", 1)
    target.write_text(original, encoding="utf-8")
    assert main(["calibrate", str(target), str(history["long"]), "--as-of", AS_OF, "--out", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert text != original
    comments = [ln for ln in original.splitlines() if ln.lstrip().startswith("#")]
    assert comments and all(c in text for c in comments)
    assert main(["validate", str(target)]) == 0


def test_wide_hubspot_preset_reads_the_synthetic_export(
    history: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = main(
        [
            "calibrate",
            str(FLAGSHIP),
            str(history["wide"]),
            "--preset",
            "hubspot",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    fwd = next(t for t in data["transitions"] if t["from"] == "aware" and t["to"] == "research")
    assert fwd["low"] <= 0.12 <= fwd["high"]


def test_backtest_json_shape(history: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    args = ["backtest", str(FLAGSHIP), str(history["plain"]), "--cutoff", "2025-05-11", "--weeks", "6", "--plain-chain"]
    assert main([*args, "--runs", "50", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("stages", "weeks", "actual", "mean", "p05", "p95", "coverage", "wape"):
        assert key in data
    assert len(data["actual"]) == 6 and len(data["actual"][0]) == len(data["stages"])
    assert data["wape"]["overall"] < 0.2
    assert 0.5 <= data["coverage"]["overall"] <= 1.0
    assert main([*args, "--runs", "20", "--folds", "2", "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert "## Forecast vs actual" in md and "`*` what happened" in md


def _bad(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary", "binary file"),
        (b"id,stage,timestamp\nL1,aware,2025-01-01\n", ":1: no column 'lead_id'"),
        (b"lead_id,stage,timestamp\nL1,aware,2025-01-01\nL1,research,01/02/2025\n", ":3: cannot read the date"),
        (b"lead_id,stage,timestamp\nL1,aware,2025-01-01T00:00Z\nL1,research,2025-02-01\n", ":3: the date"),
        (b"lead_id,stage,timestamp\nL1,aware,2025-01-01\nL2,Nurture,2025-01-02\n", ":3: stage name 'Nurture'"),
        (b"lead_id,stage,timestamp\nL1,aware\n", ":2: expected 3 fields"),
        (b"lead_id,stage,timestamp\nL1,aware,2025-01-01\n\xff\xfe,aware,2025-01-01\n", "not UTF-8"),
        (
            b"lead_id,stage,timestamp\nL1,aware,2025-01-01\nL2,aware,1900-01-01\nL1,research,2025-02-01\n",
            ":3: the history starts 1900-01-01",
        ),
    ],
)
def test_bad_input_is_a_clear_message_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    events = _bad(tmp_path, "e.csv", content)
    out = tmp_path / "out.toml"
    assert main(["calibrate", str(FLAGSHIP), str(events), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not out.exists()


def test_size_cap_refuses_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = _bad(tmp_path, "e.csv", b"lead_id,stage,timestamp\n" + b"L1,aware,2025-01-01\n" * 100)
    assert main(["calibrate", str(FLAGSHIP), str(events), "--max-bytes", "1000"]) == 2
    assert "over the" in capsys.readouterr().err


def test_duplicates_out_of_order_and_stage_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    smap = tmp_path / "map.toml"
    smap.write_text(
        '# CRM names\nwon = ["Closed Won"]\nlost = ["Closed Lost"]\nignore = ["Junk"]\n'
        '[stages]\n"Prospecting" = "aware"\n"Qualification" = "research"\n',
        encoding="utf-8",
    )
    rows = [
        "OpportunityId,StageName,CreatedDate",
        "O2,Qualification,2025-01-20T10:00:00Z",
        "O1,Prospecting,2025-01-06T10:00:00Z",
        "O2,Prospecting,2025-01-06T09:00:00Z",
        "O1,Prospecting,2025-01-06T10:00:00Z",
        "O1,Junk,2025-01-07T10:00:00Z",
        "O1,Closed Won,2025-02-03T10:00:00Z",
        "O3,Prospecting,2025-02-10T10:00:00Z",
    ]
    events = _bad(tmp_path, "sf.csv", ("\n".join(rows) + "\n").encode())
    capsys.readouterr()
    code = main(
        ["calibrate", str(FLAGSHIP), str(events), "--preset", "salesforce", "--map", str(smap), "--format", "json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    text = " ".join(data["warnings"])
    assert "1 duplicate rows" in text and "out of time order" in text and "ignored stage names" in text
    assert data["missing_transitions"][0]["from"] == "aware" and data["missing_transitions"][0]["to"] == "won"
    assert data["initial"]["research"]["after"] == 1 and data["initial"]["aware"]["after"] == 1


def test_stage_map_naming_an_unknown_stage_points_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    smap = tmp_path / "map.toml"
    smap.write_text('[stages]\n"Prospecting" = "aware"\n"Demo" = "demo"\n', encoding="utf-8")
    events = _bad(tmp_path, "e.csv", b"lead_id,stage,timestamp\nL1,aware,2025-01-01\n")
    assert main(["calibrate", str(FLAGSHIP), str(events), "--map", str(smap)]) == 2
    err = capsys.readouterr().err
    assert f"{smap}:3:" in err and "'demo'" in err


def test_marketo_preset_reads_status_progression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        "Lead ID,Old Status,New Status,Activity Date",
        "101,,Aware,2025-01-06",
        "101,Aware,Research,2025-01-27",
        "102,,Aware,2025-01-13",
        "103,,Aware,2025-02-03",
    ]
    events = _bad(tmp_path, "mk.csv", ("\n".join(rows) + "\n").encode())
    capsys.readouterr()
    code = main(
        ["calibrate", str(FLAGSHIP), str(events), "--preset", "marketo", "--as-of", "2025-02-23", "--format", "json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    fwd = next(t for t in data["transitions"] if t["from"] == "aware" and t["to"] == "research")
    # weeks end at the as-of date: 101 waits 3 weeks then moves; 102 (5 weeks) and 103 (2) are censored
    assert fwd["moves"] == 1 and fwd["at_risk"] == 3 + 5 + 2
    assert data["initial"]["aware"]["after"] == 2 and data["initial"]["research"]["after"] == 1
    assert any("not seen" in w or "never" in w for w in data["warnings"]) or data["unseen_transitions"]


def test_quoted_fields_and_zone_offsets_are_read_like_plain_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The csv-module path (quotes) and the split path give the same fit; offsets are converted to UTC."""
    smap = tmp_path / "map.toml"
    smap.write_text('[stages]\n"Research, desk" = "research"\n', encoding="utf-8")
    quoted = [
        "lead_id,stage,timestamp",
        "L1,aware,2025-01-06T09:00:00+09:00",
        'L1,"Research, desk",2025-01-26T19:00:00-05:00',
        "L2,aware,2025-01-07T00:00:00Z",
    ]
    plain = [
        "lead_id,stage,timestamp",
        "L1,aware,2025-01-06T00:00:00Z",
        "L1,research,2025-01-27T00:00:00Z",
        "L2,aware,2025-01-07T00:00:00Z",
    ]
    results = []
    for name, rows in (("q.csv", quoted), ("p.csv", plain)):
        events = _bad(tmp_path, name, ("\n".join(rows) + "\n").encode())
        args = [
            "calibrate",
            str(FLAGSHIP),
            str(events),
            "--map",
            str(smap),
            "--as-of",
            "2025-02-09",
            "--format",
            "json",
        ]
        assert main(args) == 0
        results.append(json.loads(capsys.readouterr().out))
    q, p = results
    assert q["transitions"] == p["transitions"] and q["initial"] == p["initial"]
    fwd = next(t for t in q["transitions"] if t["from"] == "aware" and t["to"] == "research")
    assert fwd["moves"] == 1 and fwd["at_risk"] == 3 + 4


def test_add_missing_writes_the_moves_the_journey_lacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["lead_id,stage,timestamp"]
    for i in range(12):  # aware -> won directly: a skip the flagship does not have
        rows += [f"L{i},aware,2025-01-06", f"L{i},won,2025-01-{13 + i:02d}"]
    rows += [f"M{i},aware,2025-01-06" for i in range(40)]
    events = _bad(tmp_path, "e.csv", ("\n".join(rows) + "\n").encode())
    target = tmp_path / "j.toml"
    shutil.copy(FLAGSHIP, target)
    capsys.readouterr()
    base = ["calibrate", str(target), str(events), "--as-of", "2025-03-02", "--out", str(target)]
    assert main([*base, "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert [(m["from"], m["to"], m["moves"]) for m in first["missing_transitions"]] == [("aware", "won", 12)]
    assert "aware -> won" not in target.read_text(encoding="utf-8").replace('"', "")
    assert main([*base, "--add-missing"]) == 0
    text = target.read_text(encoding="utf-8")
    assert 'from = "aware"\nto = "won"' in text and "added by calibrate" in text
    assert main(["validate", str(target)]) == 0


def test_wide_layout_without_stage_date_columns_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = _bad(tmp_path, "w.csv", b"Record ID,Email\n1,a@example.com\n")
    assert main(["calibrate", str(FLAGSHIP), str(events), "--preset", "hubspot"]) == 2
    err = capsys.readouterr().err
    assert "w.csv:1: no stage-date columns" in err and "Became a Lead Date" in err


def test_markdown_change_table(history: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["calibrate", str(FLAGSHIP), str(history["long"]), "--as-of", AS_OF, "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# calibration of b2b-it-tool")
    assert "| value | before | after | 95% interval | evidence | flag |" in out
    assert "| aware -> research | 0.1200 |" in out
    assert "dry run: nothing written" in out


def test_synth_bad_settings_exit_2_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.toml"
    text = FLAGSHIP.read_text(encoding="utf-8")
    start = text.index("[population]")
    end = text.index("[dmu", start)
    empty.write_text(text[:start] + text[end:], encoding="utf-8")  # no initial leads, no arrivals
    cases = [
        ([str(FLAGSHIP), "--leads", "999999999"], "leads must be 0..5,000,000"),
        ([str(FLAGSHIP), "--weeks", "0"], "weeks must be"),
        ([str(FLAGSHIP), "--seed", "-1"], "seed must be"),
        ([str(FLAGSHIP), "--weeks", "10000", "--leads", "4000000"], "more than 5,000,000"),
        ([str(empty)], "no leads"),
    ]
    for args, message in cases:
        out = tmp_path / "out.csv"
        capsys.readouterr()
        assert main(["synth", *args, "--out", str(out)]) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("journeytui synth: error: ") and message in err and "Traceback" not in err
        assert not out.exists()
