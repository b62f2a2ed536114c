"""The TOML 1.0 parser journey files are read with: toml-rs for speed, tomli or tomllib for the verdict.

A file is parsed first by toml-rs 0.4 (the Rust ``toml`` crate, held to TOML 1.0 with
``toml_version="1.0.0"``), about 8x faster than tomli and 14x on small files: a 10,000-stage
file spent most of its validation parsing, and pre-commit validates every commit. Only a
file toml-rs *accepts* is taken from it; anything it refuses (a syntax error, an integer
beyond 64 bits that Python reads whole, a surrogate in text from the app) is parsed again
by the reference parser, whose result or error stands. So the grammar, the values and every
message are the standard library's (tests/unit/model/test_toml10.py holds the two parsers to
the same answers on mutated journeys, and to TOML 1.1 being refused).

The reference parser is tomli 2.2.x: the standard library's ``tomllib`` (TOML 1.0: the same
grammar, results and error messages "... (at line L, column C)") compiled with mypyc. Later
tomli releases accept TOML 1.1 syntax (multi-line inline tables, ``\\e``) that the
comment-preserving save (tomlkit) and editors reject, so only the 2.2 series is used: with
any other version, or none, the standard library parses. toml-rs is used only in its 0.4
series (pinned), else everything goes to the reference parser. Deep nesting is refused
before parsing (model/depth.py), so neither parser's nesting limit is ever reached.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

_parser: Any
try:
    import tomli as _parser
except ImportError:  # not installed: the standard library parses
    _parser = None

_fast: Any
try:
    import toml_rs as _fast
except ImportError:  # not installed: the reference parser does all the work
    _fast = None
if _fast is not None and not getattr(_fast, "__version__", "").startswith("0.4."):
    _fast = None  # another series may read TOML differently: not trusted unchecked

reference_loads: Callable[[str], dict[str, Any]]
"""The parser whose verdict stands: what :func:`loads` returns or raises is what this does."""
if _parser is not None and getattr(_parser, "__version__", "").startswith("2.2."):
    reference_loads = _parser.loads
    TOMLDecodeError: type[ValueError] = _parser.TOMLDecodeError
    """What a syntax error raises."""
    _REFERENCE = f"tomli {_parser.__version__}"
else:  # imported only here: the standard library's copy costs start-up time when tomli parses
    import tomllib

    reference_loads = tomllib.loads
    TOMLDecodeError = tomllib.TOMLDecodeError
    _REFERENCE = "tomllib"

PARSER = f"toml-rs {_fast.__version__}, else {_REFERENCE}" if _fast is not None else _REFERENCE
"""Which parsers :func:`loads` uses: the benchmarks print it."""


_DIGITS = frozenset("0123456789_")


def _long_digit_run(text: str) -> bool:
    """Whether ``text`` holds a run of digits and underscores as long as Python's limit on
    reading an integer (``sys.get_int_max_str_digits()``): the reference parser refuses such
    a number (a ValueError), toml-rs reads it whole. Linear in the runs, not in the text: a run
    of ``limit`` characters covers a multiple of ``limit``, so only those offsets are looked at.
    """
    limit = sys.get_int_max_str_digits()
    if limit == 0:  # no limit: both read any integer
        return False
    for at in range(limit - 1, len(text), limit):
        if text[at] not in _DIGITS:
            continue
        start, end = at, at + 1  # widened while shorter than the limit: each offset costs at most that
        while end - start < limit and start > 0 and text[start - 1] in _DIGITS:
            start -= 1
        while end - start < limit and end < len(text) and text[end] in _DIGITS:
            end += 1
        if end - start >= limit:
            return True
    return False


def loads(text: str) -> dict[str, Any]:
    """Parse TOML 1.0 ``text`` as the reference parser does (same values, same errors), faster."""
    if _fast is not None and not _long_digit_run(text):
        try:
            return _fast.loads(text, toml_version="1.0.0")  # type: ignore[no-any-return]
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # also a Rust panic (a BaseException): the reference parser says why
            pass
    return reference_loads(text)
