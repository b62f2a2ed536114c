"""docs/format.md embeds the generated field reference and the flagship journey verbatim.

Regenerate with ``JOURNEYTUI_UPDATE_DOCS=1 pytest tests/unit/test_docs.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from journeytui.bundled import flagship
from journeytui.model.reference import END, START, field_reference

ROOT = Path(__file__).resolve().parents[2]
FORMAT = ROOT / "docs" / "format.md"
EXAMPLE_START = "<!-- example:start (journeys/b2b-it-tool.toml) -->"
EXAMPLE_END = "<!-- example:end -->"


def _splice(text: str, start: str, end: str, body: str) -> str:
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    assert pattern.search(text), f"docs/format.md lacks the marker {start}"
    return pattern.sub(lambda _: body, text)


def expected_format_doc() -> str:
    text = FORMAT.read_text(encoding="utf-8")
    text = _splice(text, START, END, field_reference())
    example = flagship().read_text(encoding="utf-8")
    return _splice(text, EXAMPLE_START, EXAMPLE_END, f"{EXAMPLE_START}\n```toml\n{example}```\n{EXAMPLE_END}")


def test_format_doc_is_current() -> None:
    expected = expected_format_doc()
    if os.environ.get("JOURNEYTUI_UPDATE_DOCS"):
        FORMAT.write_text(expected, encoding="utf-8")
    assert FORMAT.read_text(encoding="utf-8") == expected, "docs/format.md is stale: see this module's docstring"


def test_every_field_is_in_the_reference() -> None:
    from journeytui.model.reference import SECTIONS, _classes
    from journeytui.model.structure import fields_of

    documented = {name for _, name in SECTIONS}
    assert documented == set(_classes()) - {"Journey"}
    reference = field_reference()
    for name in documented:
        for fi in fields_of(_classes()[name]):
            assert f"| `{fi.key}` |" in reference


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = next(line for line in ci.splitlines() if "python3 -m venv" in line)
    assert command.startswith(".ci/system-packages && ")
    assert command in readme.splitlines()
