"""The parser journey files are read with is exactly TOML 1.0, as the standard library reads it."""

from __future__ import annotations

import tomllib

import pytest

from journeytui.bundled import bundled_journeys
from journeytui.model import toml10
from journeytui.model.load import load_text


def test_the_compiled_toml_10_parser_is_used_when_installed() -> None:
    # tomli 2.2.1 is a runtime dependency: a fresh install must get the fast parser.
    assert toml10.PARSER == "tomli 2.2.1"


@pytest.mark.parametrize("path", bundled_journeys(), ids=lambda p: p.stem)
def test_bundled_journeys_parse_as_the_standard_library_parses_them(path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    assert toml10.loads(text) == tomllib.loads(text)


TOML_11 = [
    'k = "\\e[2J"',  # \e escape
    'k = "\\x41"',  # \xHH escape
    "t = {\n  a = 1,\n}",  # multi-line inline table with a trailing comma
    "t = { a = 1, }",  # trailing comma in an inline table
    "when = 07:32",  # local time without seconds
]


@pytest.mark.parametrize("text", TOML_11)
def test_toml_11_syntax_is_refused_with_the_standard_librarys_message(text: str) -> None:
    with pytest.raises(tomllib.TOMLDecodeError) as expected:
        tomllib.loads(text)
    result = load_text('[journey]\nid = "j"\ntitle = "t"\n' + text)
    assert result.data is None
    (diag,) = result.diagnostics
    assert diag.code == "E001"
    # the same message and place as the standard library's
    message = str(expected.value)
    assert diag.message.removeprefix("invalid TOML: ").lower() in message.lower()
    assert f"line {diag.line - 3}, column {diag.column}" in message
