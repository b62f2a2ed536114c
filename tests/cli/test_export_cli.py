"""`journeytui export` and `journeytui import-mermaid` through the real command line: formats, --out,
bundled names, the round trip through files, validation of the result, refusals and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from journeytui.cli import main

REPO = Path(__file__).resolve().parents[2]
SME = str(REPO / "journeys" / "sme-four-steps.toml")
CLI = [sys.executable, "-m", "journeytui"]


def test_export_mermaid_of_a_bundled_journey_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "sme-four-steps", "--format", "mermaid"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("---\ntitle: ") and "\nflowchart LR\n" in out
    assert 's1["認知：存在を知る"]' in out and "subgraph phase1" in out


def test_export_formats_follow_the_out_suffix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for suffix, start in [(".dot", "digraph journey {"), (".mmd", "---"), (".gv", "digraph journey {")]:
        target = tmp_path / f"j{suffix}"
        assert main(["export", SME, "--out", str(target)]) == 0
        assert target.read_text(encoding="utf-8").startswith(start)
    assert capsys.readouterr().out == ""


def test_export_maps_to_files(tmp_path: Path) -> None:
    md, page = tmp_path / "map.md", tmp_path / "map.html"
    assert main(["export", SME, "--format", "map-md", "--out", str(md), "--runs", "5", "--seed", "3"]) == 0
    assert main(["export", SME, "--out", str(page), "--runs", "5", "--seed", "3", "--weeks", "26"]) == 0
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Journey map: ") and "Monte Carlo means, 5 runs, seed 3" in text
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "end of week 26" in html and "認知" in html


def test_export_refuses_bad_input_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[journey\n", encoding="utf-8")
    for args, code, words in [
        (["export", str(bad)], 1, "E001"),
        (["export", str(tmp_path / "missing.toml")], 1, "E002"),
        (["export", SME, "--format", "png"], 2, "invalid choice"),
        (["export", SME, "--format", "map-md", "--weeks", "-3"], 2, "error"),
        (["export", SME, "--format", "map-md", "--runs", "0"], 2, "--runs must be at least 1"),
        (["export", SME, "--out", str(tmp_path / "no" / "dir" / "x.mmd")], 2, "cannot write"),
    ]:
        assert main(args) == code, args
        captured = capsys.readouterr()
        assert words in captured.out + captured.err, (args, captured)
    done = subprocess.run([*CLI, "export", str(bad)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "E001" in done.stdout and "Traceback" not in done.stderr


def test_export_then_import_gives_back_the_journey(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flow, back = tmp_path / "sme.mmd", tmp_path / "sme-back.toml"
    assert main(["export", SME, "--out", str(flow)]) == 0
    assert main(["import-mermaid", str(flow), "--out", str(back)]) == 0
    captured = capsys.readouterr()
    assert f"wrote {back}: 9 stages, 19 transitions; 1 warning above" in captured.out
    assert "placeholder" in captured.err  # the arrivals are made up, and it says so
    assert main(["validate", str(back)]) == 0
    from journeytui.model.load import load_journey

    a, b = load_journey(SME), load_journey(back)
    assert {(s.id, s.name, s.kind, s.phase) for s in a.stages} == {(s.id, s.name, s.kind, s.phase) for s in b.stages}
    assert {(t.from_, t.to, t.probability) for t in a.transitions} == {
        (t.from_, t.to, t.probability) for t in b.transitions
    }


def test_import_never_overwrites_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flow = tmp_path / "f.mmd"
    flow.write_text("flowchart LR\n  a[リード] -->|30%| b([受注]):::won\n", encoding="utf-8")
    out = tmp_path / "mine.toml"
    out.write_text("# my work\n", encoding="utf-8")
    assert main(["import-mermaid", str(flow), "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "# my work\n"
    assert main(["import-mermaid", str(flow), "--out", str(out), "--force"]) == 0
    assert 'name = "リード"' in out.read_text(encoding="utf-8")
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]  # written atomically, nothing left over


def test_import_errors_say_where_and_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = {
        "seq.mmd": (b"sequenceDiagram\n  A->>B: hi\n", "seq.mmd:1:1: error: not a Mermaid flowchart"),
        "open.mmd": (b'flowchart LR\n  a["x --> b\n', "open.mmd:2:5: error: this string is not closed"),
        "bin.mmd": (b"flowchart LR\n  a --> \xff\xfe\n", "bin.mmd:2:9: error: not UTF-8 text"),
        "big.mmd": (b"flowchart LR\n" + b"  a --> b\n" * 120_000, "too large to be a hand-written flowchart"),
        "esc.mmd": (b"flowchart\x1b]0;pwned\x07 LR\n", "found 'flowchart\\x1b]0'"),
    }
    for name, (data, words) in cases.items():
        (tmp_path / name).write_bytes(data)
        out = tmp_path / f"{name}.toml"
        assert main(["import-mermaid", str(tmp_path / name), "--out", str(out)]) == 1, name
        err = capsys.readouterr().err
        assert words in err, (name, err)
        assert "\x1b" not in err and "\x07" not in err
        assert not out.exists()
    assert main(["import-mermaid", str(tmp_path / "nope.mmd"), "--out", str(tmp_path / "n.toml")]) == 1
    assert "no such file" in capsys.readouterr().err
    usage = subprocess.run([*CLI, "import-mermaid", str(tmp_path / "seq.mmd")], capture_output=True, text=True)
    assert usage.returncode == 2 and "--out" in usage.stderr
