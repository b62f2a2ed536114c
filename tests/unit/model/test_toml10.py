"""The parser journey files are read with is exactly TOML 1.0, as the standard library reads it."""

from __future__ import annotations

import datetime
import math
import random
import tomllib
from typing import Any

import pytest

from journeytui.bundled import bundled_journeys
from journeytui.model import toml10
from journeytui.model.load import load_text


def test_the_fast_parser_and_the_compiled_reference_are_used_when_installed() -> None:
    # toml-rs 0.4.3 and tomli 2.2.1 are runtime dependencies: a fresh install must get both.
    assert toml10.parser_name() == "toml-rs 0.4.3, else tomli 2.2.1"


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


# -- the fast parser never decides anything the reference parser would not ---------------


def _typed(x: Any) -> Any:
    """``x`` with every type, float sign and table key order made visible to ``==``."""
    if isinstance(x, dict):
        return ("table", [(k, _typed(v)) for k, v in x.items()])
    if isinstance(x, list):
        return ("array", [_typed(v) for v in x])
    if isinstance(x, float):
        return ("float", "nan" if math.isnan(x) else x, math.copysign(1.0, x))
    if isinstance(x, datetime.datetime | datetime.time):
        return (type(x).__name__, x, x.tzinfo is not None and x.utcoffset())
    return (type(x).__name__, x)


def _verdict(parse: Any, text: str) -> Any:
    try:
        return _typed(parse(text))
    except (tomllib.TOMLDecodeError, toml10.TOMLDecodeError) as exc:
        return ("error", str(exc))
    except ValueError as exc:  # a number of thousands of digits
        return ("error", type(exc).__name__)


PIECES = [*"[]{}\"'=.,#\n\r\t \\-+_:0123456789eExaznitfuTZ", '"""', "'''", "\\u00e9", "\\U0001F600", "é"]
PIECES += ["1979-05-27T07:32:00Z", "07:32:00", "1979-05-27", "inf", "nan", "\x7f", "\x1b", "0x_1", "1__0", "9" * 25]


def _mutants(count: int, seed: int) -> list[str]:
    """Bundled journeys with one to three random insertions, deletions and copies each."""
    texts = [p.read_text(encoding="utf-8") for p in bundled_journeys()]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        t = rng.choice(texts)
        for _ in range(rng.randint(1, 3)):
            i, op = rng.randrange(len(t) + 1), rng.random()
            if op < 0.4:
                t = t[:i] + rng.choice(PIECES) + t[i:]
            elif op < 0.7:
                t = t[:i] + t[i + rng.randint(1, 4) :]
            else:
                j = rng.randrange(len(t) + 1)
                t = t[:i] + t[j : j + rng.randint(1, 20)] + t[i:]
        out.append(t)
    return out


def test_the_fast_parser_gives_the_reference_parsers_answer_on_mutated_journeys() -> None:
    """Accepted or refused, the same values (types, key order, float signs) and the same error.

    A mutation fuzz over the bundled journeys (about a third stay valid TOML); offline, the
    two parsers also agreed on every case of the TOML 1.0 compliance suite (toml-test).
    """
    mutants = _mutants(120, seed=10)
    accepted = 0
    for text in mutants:
        expected = _verdict(toml10.reference_loads, text)
        assert _verdict(toml10.loads, text) == expected, text
        accepted += expected[0] != "error"
    assert 10 < accepted < 110  # both kinds of answer were exercised


@pytest.mark.parametrize(
    "text",
    [
        "n = 9223372036854775808",  # one past 64 bits: TOML lets a parser refuse it, Python reads it
        "n = -9223372036854775809",
        "n = 0x7fffffffffffffffff",
        "n = " + "9" * 4299,  # Python reads an integer of up to 4,299 digits ...
        "n = " + "9" * 4300,  # ... and refuses more (toml-rs would read it)
        "s = '" + "1" * 5000 + "'",
        "f = 1." + "0" * 500 + "1",
        "f = -0.0\ng = -nan\nh = +inf",
        "when = 1979-05-27T07:32:00.999999999+09:00",
        "k = '\u2028'",
    ],
)
def test_edge_values_load_as_the_reference_parser_reads_them(text: str) -> None:
    assert _verdict(toml10.loads, text) == _verdict(toml10.reference_loads, text) == _verdict(tomllib.loads, text)
