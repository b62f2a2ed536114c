"""`journeytui validate`: exit codes 0/1/2, --strict, and every --format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journeytui import __version__
from journeytui.cli import main

WARN_ONLY_HORIZON = "horizon = 5"  # expected stay in `lead` is 1/0.15 = 6.7 weeks: W103


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors and --version
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clean(write, minimal_text: str) -> Path:
    return write("clean.toml", minimal_text)


@pytest.fixture
def warned(write, minimal_text: str) -> Path:
    return write("warned.toml", minimal_text.replace("horizon = 52", WARN_ONLY_HORIZON))


@pytest.fixture
def broken(write, minimal_text: str) -> Path:
    return write("broken.toml", minimal_text.replace('name = "Won"', 'name = "Won"\nnotes = 5'))


def test_clean_file_exits_0(clean: Path, capsys) -> None:
    code, out, err = run(["validate", str(clean)], capsys)
    assert (code, out, err) == (0, "All checks passed (1 file).\n", "")


def test_warnings_exit_0(warned: Path, capsys) -> None:
    code, out, _ = run(["validate", str(warned)], capsys)
    assert code == 0
    assert out.splitlines() == [
        f"{warned}:7:6: W103 leads stay in `lead` 7 weeks on average, longer than the 5-week horizon",
        "Found 0 errors and 1 warning in 1 file.",
    ]


def test_strict_makes_warnings_fail(warned: Path, clean: Path, capsys) -> None:
    assert run(["validate", "--strict", str(warned)], capsys)[0] == 1
    assert run(["validate", "--strict", str(clean)], capsys)[0] == 0


def test_errors_exit_1(broken: Path, clean: Path, capsys) -> None:
    code, out, _ = run(["validate", str(clean), str(broken)], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{broken}:14:9: E102 `stages[1].notes` must be a string, not an integer"
    assert lines[-1] == "Found 1 error and 0 warnings in 2 files."


def test_output_is_sorted_across_files(write, minimal_text: str, capsys) -> None:
    b = write("b.toml", minimal_text.replace('to = "won"', 'to = "wno"'))
    a = write("a.toml", minimal_text.replace('id = "mini"', 'id = "mini"\nbogus = 1'))
    code, out, _ = run(["validate", str(b), str(a)], capsys)
    files = [line.split(":")[0] for line in out.splitlines()[:-1]]
    assert code == 1 and files == sorted(files) and files[0] == str(a)


def test_missing_file_and_empty_folder_exit_1(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    code, out, _ = run(["validate", str(tmp_path / "missing.toml"), str(tmp_path / "empty")], capsys)
    assert code == 1
    assert " E002 no such file" in out and " E003 folder" in out


def test_a_folder_of_journeys(write, minimal_text: str, tmp_path: Path, capsys) -> None:
    write("js/one.toml", minimal_text)
    write("js/nested/two.toml", minimal_text)
    code, out, _ = run(["validate", str(tmp_path / "js")], capsys)
    assert (code, out) == (0, "All checks passed (2 files).\n")


def test_no_paths_is_a_usage_error(capsys) -> None:
    code, out, err = run(["validate"], capsys)
    assert code == 2 and out == "" and "usage:" in err


def test_an_unknown_format_is_a_usage_error(clean: Path, capsys) -> None:
    code, _, err = run(["validate", "--format", "xml", str(clean)], capsys)
    assert code == 2 and "invalid choice: 'xml'" in err


def test_an_unknown_command_is_a_usage_error(capsys) -> None:
    assert run(["frobnicate"], capsys)[0] == 2


def test_version(capsys) -> None:
    code, out, _ = run(["--version"], capsys)
    assert (code, out) == (0, f"journeytui {__version__}\n")


@pytest.mark.parametrize("strict", [False, True])
def test_json_format(warned: Path, broken: Path, capsys, strict: bool) -> None:
    code, out, _ = run(
        ["validate", "--format", "json", *(["--strict"] if strict else []), str(warned), str(broken)], capsys
    )
    rows = json.loads(out)  # nothing but JSON on stdout
    assert code == 1
    assert [(Path(r["file"]).name, r["code"], r["severity"]) for r in rows] == [
        ("broken.toml", "E102", "error"),
        ("warned.toml", "W103", "warning"),
    ]
    assert all({"file", "line", "column", "code", "severity", "message"} <= set(r) for r in rows)


def test_json_format_exit_0_with_warnings(warned: Path, capsys) -> None:
    code, out, _ = run(["validate", "--format", "json", str(warned)], capsys)
    assert code == 0 and [r["code"] for r in json.loads(out)] == ["W103"]


def test_github_format(broken: Path, capsys) -> None:
    code, out, _ = run(["validate", "--format", "github", str(broken)], capsys)
    assert code == 1
    [line] = out.splitlines()
    assert line.startswith("::error file=")
    assert ",line=14,endLine=14,col=9,endColumn=10,title=E102 wrong-type::E102 " in line


def test_sarif_format(broken: Path, warned: Path, capsys) -> None:
    code, out, _ = run(["validate", "--format", "sarif", str(broken), str(warned)], capsys)
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    run0 = log["runs"][0]
    assert [r["id"] for r in run0["tool"]["driver"]["rules"]] == ["E102", "W103"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]) for r in run0["results"]] == [
        ("E102", {"startLine": 14, "startColumn": 9, "endLine": 14, "endColumn": 10}),
        ("W103", {"startLine": 7, "startColumn": 6, "endLine": 7, "endColumn": 12}),
    ]


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_every_format_on_a_clean_file_exits_0(clean: Path, capsys, fmt: str) -> None:
    code, out, err = run(["validate", "--format", fmt, str(clean)], capsys)
    assert code == 0 and err == ""
    if fmt in ("json", "sarif"):
        json.loads(out)
    if fmt == "github":
        assert out == ""


def test_the_bundled_journeys_folder_is_clean_in_strict_mode(repo_root: Path, capsys) -> None:
    code, out, _ = run(["validate", "--strict", str(repo_root / "journeys")], capsys)
    assert code == 0, out
    assert out.startswith("All checks passed (")
