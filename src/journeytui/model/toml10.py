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
any other version, or none, the standard library parses. The reference parser is imported
only when a file needs it. toml-rs is used only in its 0.4 series (pinned), else everything
goes to the reference parser. Deep nesting is refused
before parsing (model/depth.py), so neither parser's nesting limit is ever reached.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

_fast: Any
try:
    import toml_rs as _fast
except ImportError:  # not installed: the reference parser does all the work
    _fast = None
if _fast is not None and not getattr(_fast, "__version__", "").startswith("0.4."):
    _fast = None  # another series may read TOML differently: not trusted unchecked


class TOMLDecodeError(ValueError):
    """A syntax error, with the reference parser's message ("... (at line L, column C)")."""


_reference: Callable[[str], dict[str, Any]] | None = None
_reference_error: type[ValueError] = ValueError


def _load_reference() -> Callable[[str], dict[str, Any]]:
    """The reference parser, imported on first need: most runs never need it (tomli costs
    a tenth of ``journeytui validate``'s start), and the standard library's copy only when
    tomli 2.2 is missing."""
    global _reference, _reference_error
    if _reference is None:
        parser: Any
        try:
            import tomli as parser
        except ImportError:  # not installed: the standard library parses
            parser = None
        if parser is None or not getattr(parser, "__version__", "").startswith("2.2."):
            import tomllib

            parser = tomllib
        _reference, _reference_error = parser.loads, parser.TOMLDecodeError
    return _reference


def reference_name() -> str:
    """Which reference parser is used: "tomli 2.2.1", or "tomllib"."""
    reference = _load_reference()
    module = sys.modules[reference.__module__.partition(".")[0]]
    return f"tomli {module.__version__}" if module.__name__ == "tomli" else "tomllib"


def reference_loads(text: str) -> dict[str, Any]:
    """Parse with the reference parser alone; a syntax error raises :class:`TOMLDecodeError`."""
    parse = _load_reference()
    try:
        return parse(text)
    except _reference_error as exc:
        raise TOMLDecodeError(str(exc)) from None


def parser_name() -> str:
    """Which parsers :func:`loads` uses: the benchmarks print it."""
    return f"toml-rs {_fast.__version__}, else {reference_name()}" if _fast is not None else reference_name()


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


def loads(text: str, *, depth_checked: bool = False) -> dict[str, Any]:
    """Parse TOML 1.0 ``text`` as the reference parser does (same values, same errors), faster.

    Text nesting deeper than :data:`~journeytui.model.depth.MAX_DEPTH` levels is refused with a
    TOMLDecodeError before any parser sees it (toml-rs overflows its stack, and the process dies,
    at a few thousand levels); ``depth_checked``: the caller has checked that already.
    """
    if not depth_checked:
        from journeytui.model.depth import MAX_DEPTH, too_deep

        deep = too_deep(text)
        if deep is not None:
            line = text.count("\n", 0, deep.offset) + 1
            column = deep.offset - (text.rfind("\n", 0, deep.offset) + 1) + 1
            raise TOMLDecodeError(
                f"{deep.what} nested more than {MAX_DEPTH} levels deep (at line {line}, column {column})"
            )
    if _fast is not None and not _long_digit_run(text):
        try:
            return _fast.loads(text, toml_version="1.0.0")  # type: ignore[no-any-return]
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # also a Rust panic (a BaseException): the reference parser says why
            pass
    return reference_loads(text)
