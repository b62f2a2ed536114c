"""`journeytui validate` as ruff users drive it: settings files, selectors, excludes, .gitignore,
inline suppression, stdin, --exit-zero/--quiet/--statistics/--output-file, more formats, `rule`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from journeytui.cli import main

WARNED = "horizon = 5"  # the minimal journey's lead stage then stays longer than the horizon: W103


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository: two journeys (one with a warning, one broken), a pyproject.toml, a .gitignore."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "journeys").mkdir()
    (tmp_path / "journeys" / "ok.toml").write_text(minimal_text, encoding="utf-8")
    (tmp_path / "journeys" / "warned.toml").write_text(minimal_text.replace("horizon = 52", WARNED), encoding="utf-8")
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "broken.toml").write_text(minimal_text.replace("0.1", "1.5"), encoding="utf-8")
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "junk.toml").write_text("not = [toml", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("scratch/\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_folder_walk_skips_other_tools_toml_and_gitignored_files(project: Path, capsys) -> None:
    code, out, _ = run(["validate", "."], capsys)
    assert "pyproject.toml" not in out and "junk.toml" not in out
    assert "drafts/broken.toml" in out and "in 3 files" in out
    assert code == 1
    code, out, _ = run(["validate", ".", "--no-respect-gitignore"], capsys)
    assert "scratch/junk.toml" in out and "in 4 files" in out


def test_the_same_file_named_twice_is_checked_once(project: Path, capsys) -> None:
    code, out, _ = run(["validate", "journeys/ok.toml", "./journeys/ok.toml", "journeys"], capsys)
    assert code == 0
    assert out.splitlines()[-1] == "Found 0 errors and 1 warning in 2 files."


def test_settings_in_pyproject_select_ignore_per_file_and_exclude(project: Path, capsys) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.journeytui]\nextend-exclude = ["drafts"]\n'
        'per-file-ignores = { "journeys/warned.toml" = ["W103"] }\n',
        encoding="utf-8",
    )
    sub = project / "journeys"
    code, out, _ = run(["validate", "."], capsys)
    assert code == 0 and out.strip() == "All checks passed (2 files)."
    # Found from a subfolder too, with patterns relative to the settings file's folder.
    import os

    os.chdir(sub)
    code, out, _ = run(["validate", "."], capsys)
    assert code == 0 and out.strip() == "All checks passed (2 files)."
    # A file named explicitly is checked although excluded, unless --force-exclude.
    os.chdir(project)
    code, out, _ = run(["validate", "drafts/broken.toml"], capsys)
    assert code == 1 and "E301" in out
    code, out, _ = run(["validate", "drafts/broken.toml", "--force-exclude"], capsys)
    assert code == 0 and "0 files" in out


def test_command_line_selectors_override(project: Path, capsys) -> None:
    code, out, _ = run(["validate", "journeys", "--select", "E"], capsys)
    assert code == 0 and "W103" not in out
    code, out, _ = run(["validate", "journeys", "--ignore", "W1", "--strict"], capsys)
    assert code == 0
    code, out, _ = run(["validate", "journeys", "--select", "E", "--extend-select", "W103", "--strict"], capsys)
    assert code == 1 and "W103" in out
    code, out, _ = run(["validate", "journeys", "--per-file-ignores", "*/warned.toml:W", "--strict"], capsys)
    assert code == 0


def test_bad_settings_are_usage_errors_with_a_hint(project: Path, capsys) -> None:
    (project / "journeytui.toml").write_text('selct = ["E"]\n', encoding="utf-8")
    code, _, err = run(["validate", "journeys"], capsys)
    assert code == 2 and "unknown setting 'selct'" in err and "did you mean 'select'" in err
    code, _, err = run(["validate", "journeys", "--isolated"], capsys)
    assert code == 0
    code, _, err = run(["validate", "journeys", "--isolated", "--select", "X9"], capsys)
    assert code == 2 and "unknown code or prefix 'X9'" in err


def test_exit_zero_quiet_statistics_and_output_file(project: Path, capsys) -> None:
    code, out, _ = run(["validate", ".", "--exit-zero"], capsys)
    assert code == 0 and "E301" in out
    code, out, _ = run(["validate", ".", "--quiet"], capsys)
    assert code == 1 and "Found" not in out and out.count("\n") == len([ln for ln in out.splitlines() if ": " in ln])
    code, out, _ = run(["validate", "."], capsys)
    rows = [ln for ln in out.splitlines() if ": E" in ln or ": W" in ln]
    code, out, _ = run(["validate", ".", "--statistics"], capsys)
    counts = {line.split("\t")[1]: int(line.split("\t")[0]) for line in out.splitlines()}
    assert sum(counts.values()) == len(rows) and counts["W103"] == 1
    code, out, _ = run(["validate", ".", "--format", "json", "--output-file", "report.json"], capsys)
    assert code == 1 and out == ""
    assert {d["code"] for d in json.loads((project / "report.json").read_text(encoding="utf-8"))} >= {"E301", "W103"}


def test_stdin_with_a_filename(project: Path, minimal_text: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(minimal_text.replace("0.1", "2.0").encode())))
    code, out, _ = run(["validate", "-", "--stdin-filename", "journeys/piped.toml"], capsys)
    assert code == 1
    assert out.startswith("journeys/piped.toml:") and "E301" in out


def test_inline_suppression_silences_one_element_and_reports_unused_ones(project: Path, capsys) -> None:
    path = project / "journeys" / "warned.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('[[stages]]\nid = "lead"', '[[stages]]  # journeytui: ignore[W103]\nid = "lead"'))
    code, out, _ = run(["validate", str(path), "--strict"], capsys)
    assert code == 0, out
    path.write_text(text.replace('id = "won"', 'id = "won"  # journeytui: ignore[W101, E999]'))
    code, out, _ = run(["validate", str(path)], capsys)
    w901 = [ln for ln in out.splitlines() if "W901" in ln]
    assert any("unknown code E999" in ln for ln in w901) and any("W101 not reported here" in ln for ln in w901)
    assert "W103" in out  # that one was not suppressed


def test_gitlab_junit_full_and_end_positions(project: Path, capsys) -> None:
    _, out, _ = run(["validate", "drafts/broken.toml", "--format", "gitlab"], capsys)
    [row] = [r for r in json.loads(out) if r["check_name"] == "E301"]
    assert row["severity"] == "major" and len(row["fingerprint"]) == 32
    begin, end = row["location"]["positions"]["begin"], row["location"]["positions"]["end"]
    assert end["column"] - begin["column"] == len("1.5")  # the whole number is underlined
    _, out, _ = run(["validate", "drafts/broken.toml", "journeys/ok.toml", "--format", "junit"], capsys)
    root = ET.fromstring(out)
    assert root.tag == "testsuites" and int(root.get("failures", "0")) == len(root.findall(".//failure")) >= 1
    assert [s.get("name") for s in root.findall("testsuite")] == ["drafts/broken.toml"]
    _code, out, _ = run(["validate", "drafts/broken.toml", "--format", "full"], capsys)
    assert "probability = 1.5" in out and "^^^" in out and "= help:" in out
    _, out, _ = run(["validate", "drafts/broken.toml", "--format", "json"], capsys)
    e301 = next(d for d in json.loads(out) if d["code"] == "E301")
    assert e301["end_column"] == e301["column"] + 3
    _, out, _ = run(["validate", "drafts/broken.toml", "--format", "github"], capsys)
    assert f"endColumn={e301['column'] + 3}" in out


def test_full_format_underlines_japanese_by_terminal_cells(tmp_path: Path, minimal_text: str, capsys) -> None:
    path = tmp_path / "jp.toml"
    path.write_text(minimal_text.replace('to = "won"', 'to = "受注済み"'), encoding="utf-8")
    _, out, _ = run(["validate", str(path), "--format", "full"], capsys)
    lines = out.splitlines()
    i = next(i for i, ln in enumerate(lines) if ln.endswith('| to = "受注済み"'))
    caret = lines[i + 1]
    # 4 wide characters + 2 quotes = 10 cells, under the value that starts after `to = `.
    assert caret.split("| ", 1)[1] == " " * len("to = ") + "^" * 10


def test_rule_explains_a_code(capsys) -> None:
    code, out, _ = run(["rule", "w101"], capsys)
    assert code == 0 and out.startswith("# W101 content-gap (warning)") and "ignore[W101]" in out
    code, out, _ = run(["rule", "--all", "--format", "json"], capsys)
    assert code == 0 and {r["code"] for r in json.loads(out)} >= {"E001", "W901"}
    code, _, err = run(["rule", "W1O1"], capsys)
    assert code == 2 and "did you mean W101" in err


def test_validate_reads_stdin_through_the_console_script(minimal_text: str, tmp_path: Path) -> None:
    """The real door: a pre-commit-style pipe into the installed command."""
    exe = Path(sys.executable).parent / "journeytui"
    done = subprocess.run(
        [str(exe), "validate", "-", "--stdin-filename", "piped.toml", "--format", "concise"],
        input=minimal_text.replace("0.1", "-1").encode(),
        capture_output=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 1 and done.stdout.decode().startswith("piped.toml:")
