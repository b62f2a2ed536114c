"""Every diagnostic code has a failing fixture that produces it, and docs/diagnostics.md shows that output.

The fixtures live in tests/fixtures/diagnostics/<CODE>.toml (E003: a folder).
docs/diagnostics.md is generated from them: run
``JOURNEYTUI_UPDATE_DOCS=1 pytest tests/unit/validate/test_codes.py`` after changing
a message, and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from journeytui.diagnostics import CODES, Severity
from journeytui.validate import validate_paths

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "diagnostics"
DOC = ROOT / "docs" / "diagnostics.md"


def fixture_for(code: str) -> Path:
    folder = FIXTURES / code
    return folder if folder.is_dir() else FIXTURES / f"{code}.toml"


def output_for(code: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(FIXTURES)
    results = validate_paths([fixture_for(code).name])
    return [f"{d.file}:{d.line}:{d.column}: {d.code} {d.message}" for r in results for d in r.diagnostics]


@pytest.mark.parametrize("code", sorted(CODES))
def test_fixture_produces_its_code(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = output_for(code, monkeypatch)
    assert any(f": {code} " in line for line in lines), lines


def test_codes_are_stable() -> None:
    """Codes are never renumbered: this list only grows."""
    assert sorted(CODES) == [
        "E001", "E002", "E003", "E004", "E101", "E102", "E103", "E104", "E105",
        "E201", "E202", "E203", "E204", "E205", "E206", "E207", "E301", "E302",
        "E401", "E402", "E403", "E404", "E405", "E406", "E501", "E502",
        "W101", "W102", "W103", "W104", "W105", "W106", "W107", "W108",
        "W901",
    ]  # fmt: skip
    assert all((c.severity is Severity.WARNING) == c.code.startswith("W") for c in CODES.values())
    assert len({c.name for c in CODES.values()}) == len(CODES)


def _excerpt(path: Path, lines: list[str]) -> str:
    if path.is_dir():
        return f"{path.name}/ holds only: " + ", ".join(sorted(p.name for p in path.iterdir()))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return repr(path.read_bytes())
    first = lines[0].split(":")
    line = int(first[1]) if len(first) > 2 and first[1].isdigit() else 1
    rows = text.splitlines()
    lo, hi = max(0, line - 4), min(len(rows), line + 3)
    return "\n".join(rows[lo:hi])


def render_doc(monkeypatch: pytest.MonkeyPatch) -> str:
    out = [
        "# Diagnostics",
        "",
        "`journeytui validate` (and the app's problems panel) report findings as",
        "`path:line:col: CODE message`. Codes are stable: they are never renumbered, and a",
        "retired code stays reserved. `E` codes are errors (exit 1); `W` codes are warnings",
        "(exit 0 unless `--strict`). Each example below is a real file from",
        "`tests/fixtures/diagnostics/` and the exact output it produces; a test keeps them in step.",
        "",
        "| code | name | severity | what it means |",
        "|---|---|---|---|",
    ]
    out += [f"| [{c.code}](#{c.code.lower()}) | {c.name} | {c.severity.value} | {c.summary} |" for c in CODES.values()]
    for c in CODES.values():
        lines = output_for(c.code, monkeypatch)
        shown = [line for line in lines if f": {c.code} " in line][:1] + [
            line for line in lines if f": {c.code} " not in line
        ]
        out += [
            "",
            f"## {c.code}",
            "",
            f"**{c.name}** ({c.severity.value}). {c.summary}",
            "",
            f"Example, `{fixture_for(c.code).name}`:",
            "",
            "```toml",
            _excerpt(fixture_for(c.code), [line for line in lines if f": {c.code} " in line]),
            "```",
            "",
            "Output:",
            "",
            "```text",
            *shown,
            "```",
        ]
        if len(shown) > 1:
            out += [
                "",
                "The other lines follow from the first: an element that fails to load is left out of the checks.",
            ]
        out += ["", f"How to fix: {c.fix}"]
    return "\n".join(out) + "\n"


def test_docs_show_real_output(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = render_doc(monkeypatch)
    if os.environ.get("JOURNEYTUI_UPDATE_DOCS"):
        DOC.write_text(expected, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == expected, "docs/diagnostics.md is stale: see this module's docstring"
