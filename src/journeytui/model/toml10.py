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

import tomllib
from collections.abc import Callable
from typing import Any

TOMLDecodeError: tuple[type[ValueError], ...] = (tomllib.TOMLDecodeError,)
"""What a syntax error raises (catch it as ``except TOMLDecodeError``)."""
loads: Callable[[str], dict[str, Any]] = tomllib.loads
PARSER = "tomllib"
"""Which parser :func:`loads` is ("tomli 2.2.1" or "tomllib"): benchmarks print it."""

try:
    import tomli as _tomli
except ImportError:  # not installed: the standard library parses
    pass
else:
    if getattr(_tomli, "__version__", "").startswith("2.2."):
        loads = _tomli.loads
        TOMLDecodeError = (_tomli.TOMLDecodeError, tomllib.TOMLDecodeError)
        PARSER = f"tomli {_tomli.__version__}"
