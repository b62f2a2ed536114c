"""Output formats: ruff-style text, JSON, GitHub annotations (escaped), SARIF 2.1.0 (structural check)."""

from __future__ import annotations

import json
import os

import pytest

from journeytui import __version__
from journeytui.diagnostics import CODES, Diagnostic
from journeytui.validate import report

DIAGS = sorted(
    [
        Diagnostic("W102", "regression b -> a has no `cause`", "j/b.toml", 30, 1),
        Diagnostic(
            "E301", "`transitions[0].probability` is 1.5; a probability must be between 0 and 1", "j/a.toml", 12, 15
        ),
        Diagnostic("E202", 'unknown stage "wno"; did you mean "won"?', "j/a.toml", 3, 6),
        Diagnostic("E202", 'unknown stage "x"', "j/a.toml", 12, 2),
    ],
    key=Diagnostic.sort_key,
)


def test_text_is_path_line_col_code_message_sorted_with_a_summary() -> None:
    assert report.text(DIAGS, 2).splitlines() == [
        'j/a.toml:3:6: E202 unknown stage "wno"; did you mean "won"?',
        'j/a.toml:12:2: E202 unknown stage "x"',
        "j/a.toml:12:15: E301 `transitions[0].probability` is 1.5; a probability must be between 0 and 1",
        "j/b.toml:30:1: W102 regression b -> a has no `cause`",
        "Found 3 errors and 1 warning in 2 files.",
    ]


def test_sort_key_orders_lines_numerically() -> None:
    a = Diagnostic("E101", "m", "f", 10, 1)
    b = Diagnostic("E101", "m", "f", 9, 1)
    assert sorted([a, b], key=Diagnostic.sort_key) == [b, a]


@pytest.mark.parametrize(
    ("diags", "files", "line"),
    [
        ([], 1, "All checks passed (1 file)."),
        ([], 3, "All checks passed (3 files)."),
        ([Diagnostic("E101", "m", "f")], 1, "Found 1 error and 0 warnings in 1 file."),
        ([Diagnostic("W101", "m", "f")] * 2, 1, "Found 0 errors and 2 warnings in 1 file."),
    ],
)
def test_summary(diags, files: int, line: str) -> None:
    assert report.summary(diags, files) == line
    assert report.text(diags, files).splitlines() == [f"f:1:1: {d.code} m" for d in diags] + [line]


def test_json_is_a_list_of_objects_with_the_fields() -> None:
    rows = json.loads(report.as_json(DIAGS))
    assert isinstance(rows, list) and len(rows) == 4
    assert rows[0] == {
        "file": "j/a.toml",
        "line": 3,
        "column": 6,
        "end_line": None,  # no source text given: where the token ends is unknown
        "end_column": None,
        "code": "E202",
        "name": "unknown-stage",
        "severity": "error",
        "message": 'unknown stage "wno"; did you mean "won"?',
    }
    assert [r["severity"] for r in rows] == ["error", "error", "error", "warning"]
    assert json.loads(report.as_json([])) == []


def test_json_keeps_unicode_and_has_no_colour() -> None:
    out = report.as_json([Diagnostic("E202", 'unknown stage "認知x"', "ジャーニー.toml", 1, 1)])
    assert "認知x" in out and "ジャーニー.toml" in out and "\x1b[" not in out


def test_github_annotations() -> None:
    lines = report.github(DIAGS).splitlines()
    assert (
        lines[0]
        == '::error file=j/a.toml,line=3,col=6,title=E202 unknown-stage::E202 unknown stage "wno"; did you mean "won"?'
    )
    assert lines[-1].startswith("::warning file=j/b.toml,line=30,col=1,title=W102 regression-without-cause::W102 ")
    assert report.github([]) == ""


def test_github_escapes_data_and_properties() -> None:
    d = Diagnostic("E101", "100% wrong\r\nsecond line: a, b", "C:/dir,with:odd%name.toml", 2, 3)
    [line] = report.github([d]).splitlines()
    assert line == (
        "::error file=C%3A/dir%2Cwith%3Aodd%25name.toml,line=2,col=3,title=E101 unknown-key"
        "::E101 100%25 wrong%0D%0Asecond line: a, b"
    )


def test_sarif_structure() -> None:
    log = json.loads(report.sarif(DIAGS))
    assert log["version"] == "2.1.0"
    assert "sarif" in log["$schema"]
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "journeytui" and driver["version"] == __version__
    rule_ids = [r["id"] for r in driver["rules"]]
    assert rule_ids == sorted(set(rule_ids)) == ["E202", "E301", "W102"]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] == CODES[rule["id"]].summary
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")
    assert len(run["results"]) == len(DIAGS)
    for result, d in zip(run["results"], DIAGS, strict=True):
        assert result["ruleId"] == d.code
        assert rule_ids[result["ruleIndex"]] == d.code
        assert result["level"] == ("error" if d.is_error else "warning")
        assert result["message"]["text"] == d.message
        [loc] = result["locations"]
        phys = loc["physicalLocation"]
        assert phys["artifactLocation"]["uri"] == d.file
        assert phys["region"] == {"startLine": d.line, "startColumn": d.column}
        assert d.line >= 1 and d.column >= 1


def test_sarif_with_no_findings() -> None:
    log = json.loads(report.sarif([]))
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_sarif_uris_use_forward_slashes() -> None:
    """Folders are separated by / in a URI whatever the platform's separator; off Windows a
    backslash is part of a file's name and is percent-encoded, not taken for a folder."""
    log = json.loads(report.sarif([Diagnostic("E001", "m", os.path.join("dir", "sub", "a.toml"))]))
    assert (
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dir/sub/a.toml"
    )
    if os.sep == "/":
        log = json.loads(report.sarif([Diagnostic("E001", "m", "dir/a\\b.toml")]))
        uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "dir/a%5Cb.toml"


@pytest.mark.parametrize("fmt", report.FORMATS)
def test_render_dispatches(fmt: str) -> None:
    out = report.render(DIAGS, fmt, 2)
    assert out.endswith("\n")
    assert ("Found 3 errors" in out) == (fmt in ("text", "concise", "full"))
