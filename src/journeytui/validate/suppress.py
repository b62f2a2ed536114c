"""Inline suppression: ``# journeytui: ignore[W101]`` silences one finding where it stands.

A suppression comment applies to findings on its own line; on a table header line
(``[[stages]]``, ``[scoring]``) it applies to every finding inside that table, up to the
next header, so one comment covers one element. ``ignore[W101, E205]`` names several
codes; a bare ``# journeytui: ignore`` silences every code. A suppression that silences
nothing, or names a code that does not exist, is itself reported (W901), as ruff reports
an unused ``noqa``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from journeytui.diagnostics import CODES, Diagnostic

_DIRECTIVE = re.compile(r"journeytui\s*:\s*ignore(?:\s*\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)


@dataclass
class Suppression:
    """One ``# journeytui: ignore[...]`` comment."""

    line: int
    column: int
    codes: tuple[str, ...]
    """Empty: every code."""
    first: int
    last: int
    """The lines it covers (its own, or its table's)."""
    used: set[str] = field(default_factory=set)

    def covers(self, d: Diagnostic) -> bool:
        return self.first <= d.line <= self.last and (not self.codes or d.code in self.codes)


def scan(text: str) -> tuple[list[tuple[int, int, str]], list[int]]:
    """The comments ``(line, column, text after #)`` and the table-header lines of a TOML text.

    A small scanner that knows TOML's four string kinds, so a ``#`` or a ``[`` inside a
    string is neither a comment nor a header. Linear in the text.
    """
    comments: list[tuple[int, int, str]] = []
    headers: list[int] = []
    line, line_start, i, n = 1, 0, 0, len(text)
    quote: str | None = None  # the open string's delimiter, one of " ' """ '''
    at_line_start = True
    while i < n:
        ch = text[i]
        if ch == "\n":
            line, line_start, at_line_start = line + 1, i + 1, True
            if quote in ('"', "'"):
                quote = None  # an unterminated one-line string (tomllib reports it) ends at the line break
            i += 1
            continue
        if quote is not None:
            if quote in ('"', '"""') and ch == "\\":
                i += 2
            elif text.startswith(quote, i):
                i += len(quote)
                quote = None
            else:
                i += 1
            continue
        if at_line_start and ch not in " \t":
            at_line_start = False
            if ch == "[":
                headers.append(line)
        if text.startswith(('"""', "'''"), i):
            quote = text[i : i + 3]
            i += 3
        elif ch in ('"', "'"):
            quote = ch
            i += 1
        elif ch == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            comments.append((line, i - line_start + 1, text[i + 1 : end]))
            i = end
        else:
            i += 1
    return comments, headers


def find(text: str) -> list[Suppression]:
    """Every suppression comment in ``text`` with the lines it covers."""
    comments, headers = scan(text)
    header_set = set(headers)
    total = text.count("\n") + 1
    found = []
    for line, column, comment in comments:
        m = _DIRECTIVE.search(comment)
        if not m:
            continue
        raw = m.group("codes")
        codes = tuple(c.strip().upper() for c in raw.split(",") if c.strip()) if raw is not None else ()
        last = line
        if line in header_set:
            later = bisect.bisect_right(headers, line)
            last = headers[later] - 1 if later < len(headers) else total
        found.append(Suppression(line, column, codes, line, last))
    return found


def apply(diagnostics: Sequence[Diagnostic], text: str | None, file: str) -> list[Diagnostic]:
    """The findings no suppression covers, plus a W901 for each suppression (or code) left unused."""
    if not text or "journeytui" not in text.lower():
        return list(diagnostics)
    suppressions = find(text)
    if not suppressions:
        return list(diagnostics)
    kept = []
    for d in diagnostics:
        hit = next((s for s in suppressions if s.covers(d)), None)
        if hit is None:
            kept.append(d)
        else:
            hit.used.add(d.code)
    for s in suppressions:
        for c in s.codes:
            if c not in CODES:
                kept.append(Diagnostic("W901", f"suppression names unknown code {c}", file, s.line, s.column))
        unused = [c for c in s.codes if c in CODES and c not in s.used]
        if not s.codes and not s.used:
            kept.append(Diagnostic("W901", "unused suppression: nothing is reported here", file, s.line, s.column))
        elif unused:
            names = ", ".join(unused)
            kept.append(Diagnostic("W901", f"unused suppression: {names} not reported here", file, s.line, s.column))
    return kept
