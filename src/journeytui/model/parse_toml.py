"""The TOML parser the loader uses: tomli's compiled build when installed, else the standard library's.

tomllib is tomli's pure-Python code copied into the standard library; tomli's wheels are
compiled with mypyc and parse about three times faster (a 3 MB, 10,000-stage journey), with
the same results and the same error messages ("... (at line N, column M)"). The compiled
parser gives up earlier on absurdly deep nesting (RecursionError); the standard library's
then parses the text, so what a file means never depends on which parser is installed.
"""

from __future__ import annotations

import tomllib as _stdlib
from typing import Any

try:
    import tomli as _fast
except ImportError:  # pragma: no cover - tomli is a dependency; the standard library is the fallback
    _fast = None  # type: ignore[assignment]

TOMLDecodeError: tuple[type[ValueError], ...] = (
    (_stdlib.TOMLDecodeError, _fast.TOMLDecodeError) if _fast is not None else (_stdlib.TOMLDecodeError,)
)
"""Catch this tuple: either parser's decode error."""


def loads(text: str) -> dict[str, Any]:
    """Parse TOML text (raises one of :data:`TOMLDecodeError`, RecursionError or ValueError like tomllib)."""
    if _fast is not None:
        try:
            return _fast.loads(text)
        except RecursionError:
            pass
    return _stdlib.loads(text)
