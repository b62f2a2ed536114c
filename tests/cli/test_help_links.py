"""An installed journeytui carries no docs/ folder: every help text, rule explanation and fix hint
that sends the reader to the documentation names it by its published address, never by a path
relative to a source checkout."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from journeytui import DOCS_URL
from journeytui.cli import COMMANDS, main
from journeytui.diagnostics import CODES

BARE = re.compile(r"(?<![/\w])docs/[\w-]+\.md")
"""``docs/format.md`` on its own; inside ``https://.../docs/format.md`` it follows a slash."""


def _output(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), contextlib.suppress(SystemExit):
        main(argv)
    return out.getvalue()


@pytest.mark.parametrize("command", COMMANDS)
def test_help_links_to_the_published_docs(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one line per paragraph: a link is never wrapped
    text = _output([command, "--help"])
    assert "usage: journeytui" in text
    assert not BARE.findall(text), BARE.findall(text)


def test_rule_explanations_and_fix_hints_link_to_the_published_docs() -> None:
    text = _output(["rule", "--all"]) if "--all" in _output(["rule", "--help"]) else _output(["rule"])
    for code in CODES:
        text += _output(["rule", code])
    assert "E101" in text and not BARE.findall(text), BARE.findall(text)
    assert f"{DOCS_URL}/format.md lists every key" in text
