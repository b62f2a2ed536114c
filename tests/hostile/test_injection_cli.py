"""Every command's output stays clean when the journey file is hostile (issue 8, point 3).

The journeys are generated at run time (injection_journeys.py): escape sequences, BEL, CR and
LF, C1 controls, bidi and zero-width characters, markup, HTML and workflow commands in every
free-text field, in keys and ids (for the error paths) and in the file name. Each test runs the
real command line and checks the output a person or a CI log would see.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from injection_journeys import (
    HOSTILE_NAME,
    OSC52,
    PAYLOAD,
    assert_clean,
    write_hostile,
    write_invalid,
    write_unparsable,
)

from journeytui.cli import main

Capture = pytest.CaptureFixture[str]


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "hostile": write_hostile(tmp_path),
        "named": write_hostile(tmp_path, HOSTILE_NAME),
        "invalid": write_invalid(tmp_path),
        "broken": write_unparsable(tmp_path),
        "invalid_named": write_invalid(tmp_path, "bad " + HOSTILE_NAME),
    }


def test_validate_text_shows_escapes_and_one_line_per_finding(files: dict[str, Path], capsys: Capture) -> None:
    code, out, err = run(capsys, "validate", *map(str, files.values()))
    assert code == 1 and err == ""
    assert_clean(out)
    lines = out.splitlines()
    # every finding is one line that starts with its (escaped) path; the summary closes
    assert lines[-1].startswith("Found ")
    for line in lines[:-1]:
        assert line.startswith(str(files["hostile"].parent)), line
    assert "\\x1b]52;c;cHduZWQ=\\x07" in out  # the key with OSC 52 is quoted, visibly
    assert "\\x1b]0;pwned title\\x07" in out and "\\u202e" in out and "\\x9b31m" in out
    assert "\\n::error::to" in out  # the line break in the bad reference is shown, not made


def test_validate_github_annotations_are_one_command_each(files: dict[str, Path], capsys: Capture) -> None:
    code, out, _ = run(capsys, "validate", "--format", "github", *map(str, files.values()))
    assert code == 1
    assert_clean(out, workflow_lines=True)
    lines = out.splitlines()
    n = json.loads(run(capsys, "validate", "--format", "json", *map(str, files.values()))[1])
    assert len(lines) == len(n)  # no finding became two lines
    # GitHub's own escapes carry the line breaks of the quoted key
    assert any("unknown%0A::error file=x.toml" in line for line in lines)
    for line in lines:
        props = line.split("::", 2)[1]
        assert "\n" not in props and props.count("file=") == 1


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_validate_machine_formats_keep_the_data_exactly(fmt: str, files: dict[str, Path], capsys: Capture) -> None:
    code, out, _ = run(capsys, "validate", "--format", fmt, str(files["invalid"]), str(files["invalid_named"]))
    assert code == 1
    assert_clean(out)
    strings = set(_strings(json.loads(out)))
    # SARIF artifact URIs are percent-encoded (RFC 3986): decoded, they are the file name too
    strings |= {unquote(s) for s in strings}
    # the escaping is JSON's: parsed back, the hostile text is exactly what the file holds
    assert any("junk" + OSC52 in s for s in strings)
    assert any(s.endswith("bad " + HOSTILE_NAME) for s in strings)  # the file name too


def _strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return []


def test_check_lines_are_clean_and_one_per_expectation(files: dict[str, Path], capsys: Capture) -> None:
    code, out, _ = run(capsys, "check", str(files["hostile"]), str(files["named"]), str(files["invalid"]))
    assert code == 1
    assert_clean(out)
    verdicts = [line for line in out.splitlines() if ": PASS " in line or ": FAIL " in line]
    assert len(verdicts) == 4  # two expectations in each of the two valid files, none split
    assert all("(expect " in v or "(fails " in v for v in verdicts)
    assert "\\n::error file=x.toml" in out and "[@click=app.quit]" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "--exact"],
        ["simulate", "--runs", "2", "--weeks", "4"],
        ["simulate", "--exact", "--format", "csv"],
        ["simulate", "--exact", "--format", "json"],
        ["report"],
    ],
    ids=["table-exact", "table-mc", "csv", "json", "report"],
)
def test_simulate_and_report_outputs_are_clean(argv: list[str], files: dict[str, Path], capsys: Capture) -> None:
    code, out, err = run(capsys, *argv, str(files["named"]))
    assert code == 0, err
    assert_clean(out)
    assert_clean(err)
    if "json" in argv:
        data = json.loads(out)
        assert data  # still valid JSON
    elif "csv" not in argv:
        assert "\\x1b]52" in out or "\\\\x1b\\]52" in out  # the title is there, as visible escapes


@pytest.mark.parametrize("fmt", ["mermaid", "dot", "map-md", "map-html"])
def test_export_outputs_are_clean(fmt: str, files: dict[str, Path], capsys: Capture) -> None:
    """Diagrams and maps printed to a terminal or a CI log: escaped for their language, nothing raw."""
    code, out, err = run(capsys, "export", str(files["named"]), "--format", fmt, "--runs", "2")
    assert code == 0, err
    assert_clean(out)
    assert_clean(err)
    assert "##[" not in out and "<script" not in out.lower()


def test_simulate_table_wrapping_never_starts_a_workflow_command(tmp_path: Path, capsys: Capture) -> None:
    """A long name wraps in the table: a word that starts a wrapped line must not be a command."""
    words = " ".join(["::add-mask::secret ##[add-mask]secret"] * 12)
    path = write_hostile(tmp_path, payload=words)
    for argv in (["simulate", "--exact"], ["compare", str(path)], ["compare", str(path), "--format", "markdown"]):
        code, out, _ = run(capsys, *argv, str(path))
        assert code == 0
        assert_clean(out)
        assert "##[" not in out
        assert "add-mask" in out  # the text is shown, only defused


def test_compare_table_markdown_and_json(files: dict[str, Path], capsys: Capture) -> None:
    a, b = str(files["hostile"]), str(files["named"])
    for fmt in ("table", "markdown", "json"):
        code, out, _ = run(capsys, "compare", a, b, "--format", fmt)
        assert code == 0
        assert_clean(out)
    assert json.loads(out)["stages"][0]["label"].startswith("a (Stage A \x1b]52")  # data kept in JSON


def test_markdown_escapes_html_and_keeps_tables_whole(files: dict[str, Path], capsys: Capture) -> None:
    code, out, _ = run(capsys, "report", str(files["hostile"]), "--compare", str(files["named"]))
    assert code == 0
    assert_clean(out)
    assert "<img" not in out and "<script" not in out and "&lt;img src=x" in out
    assert "](https://evil.example" not in out.replace("\\](", "")  # no link or image is formed
    assert "[@click" not in out.replace("\\[@click", "")
    for line in out.splitlines():
        assert not re.match(r"\s*(#{1,6}\s|[-+*]\s|>|::|<)", line) or line.startswith(("#", "- ")), line
    # every table row has as many cell separators as its header
    block: list[str] = []
    for line in [*out.splitlines(), ""]:
        if line.startswith("|"):
            block.append(line)
        elif block:
            counts = {len(re.findall(r"(?<!\\)\|", row)) for row in block}
            assert len(counts) == 1, block
            block = []
    # the description's lines stay lines, but none of them starts a heading or a command
    description = out.split("\n\n")[1]
    assert description.startswith("Line one\n") and "\n\\::error file=x.toml" in description


def test_error_messages_quoting_the_file_are_clean(tmp_path: Path, capsys: Capture) -> None:
    named = write_hostile(tmp_path, HOSTILE_NAME)
    for argv in (
        ["simulate", str(named), "--ignore", "nonsense"],
        ["report", str(write_invalid(tmp_path))],
        ["compare", str(named), str(write_unparsable(tmp_path))],
        ["fmt", "--check", str(write_invalid(tmp_path, "x.toml")), str(named)],
        ["fmt", "--diff", str(named)],
    ):
        code, out, err = run(capsys, *argv)
        assert code in (1, 2), argv
        assert out + err, argv  # something was said
        assert_clean(out)
        assert_clean(err)


def test_a_real_terminal_never_sees_the_sequences(files: dict[str, Path]) -> None:
    """The installed command, as a subprocess: the bytes on stdout hold no ESC, BEL or C1 byte."""
    proc = subprocess.run(
        [sys.executable, "-m", "journeytui", "validate", str(files["invalid"]), str(files["named"])],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 1
    for byte in (b"\x1b", b"\x07", b"\r", b"\xc2\x9b", "\u202e".encode()):
        assert byte not in proc.stdout + proc.stderr
    assert PAYLOAD not in proc.stdout.decode()
