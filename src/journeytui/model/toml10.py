"""The TOML 1.0 parser journey files are read with: tomli 2.2 when installed, else tomllib.

tomli 2.2.x is the standard library's ``tomllib`` (TOML 1.0: the same grammar, results
and error messages "... (at line L, column C)") compiled with mypyc, so it parses about
twice as fast; a 10,000-stage file spends most of its validation here. Later tomli
releases accept TOML 1.1 syntax (multi-line inline tables, ``\\e``) that the
comment-preserving save (tomlkit) and editors reject, so only the 2.2 series is used:
with any other version, or none, the standard library parses. Deep nesting is refused
before parsing (model/depth.py), so the compiled build's nesting limit is never reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_parser: Any
try:
    import tomli as _parser
except ImportError:  # not installed: the standard library parses
    _parser = None

if _parser is not None and getattr(_parser, "__version__", "").startswith("2.2."):
    loads: Callable[[str], dict[str, Any]] = _parser.loads
    TOMLDecodeError: type[ValueError] = _parser.TOMLDecodeError
    """What a syntax error raises."""
    PARSER = f"tomli {_parser.__version__}"  # which parser loads() is: the benchmarks print it
else:  # imported only here: the standard library's copy costs start-up time when tomli parses
    import tomllib

    loads = tomllib.loads
    TOMLDecodeError = tomllib.TOMLDecodeError
    PARSER = "tomllib"
