"""A linear pre-scan that refuses absurdly nested TOML before it is parsed.

tomllib spends time quadratic in the depth of a dotted key or table header
(a 40 KB key 20,000 parts deep takes seconds and gigabytes), and recursion on
deep inline tables and arrays. Journey files need a handful of levels, so text
nested deeper than :data:`MAX_DEPTH` is refused first, at the line and column of
the key or bracket that goes too deep.

Depth counts the levels a value is written under: each part of a table header
or of a dotted key (also inside inline tables) counts one, each array level one,
and an array-of-tables header (``[[x]]``) one more for its entry. ``[[stages]]``
then ``schedule.days = [1, 3]`` is 5 levels deep. This is the length of the
value's key path, except that an array of tables nested in another (``[[a]]``
then ``[[a.b]]``) does not count the outer entry again: the limit bounds what
the parser does per key, which is what matters.

The scan follows the lexical structure only (headers, keys, strings, arrays,
inline tables, comments). It is never stricter than TOML: when it meets
something it does not expect it stops and lets tomllib report the syntax error,
which tomllib finds no later than the point where the scan stopped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 32
"""Deepest nesting a journey file may use (documented in docs/format.md, "Limits")."""

_SPACE = re.compile(r"[ \t]*")
_BLANK = re.compile(r"(?:[ \t\r\n]+|#[^\n]*)*")
"""Whitespace, newlines and comments: what may separate statements and array items."""
_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_-]+|\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'")
_DOT = re.compile(r"[ \t]*\.[ \t]*")
_BASIC = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"")
_LITERAL = re.compile(r"'[^'\n]*'")
_ML_BASIC = re.compile(r'"""(?>[^"\\]+|\\[\s\S]|"(?!""))*+"""(?:"{1,2})?')
_SCALAR = re.compile(r"[^\s,\[\]{}#\"'=]+")
_K = r"(?:[A-Za-z0-9_-]++|\"[^\"\\\n]*+\"|'[^'\n]*+')"
_S = r"(?:\"[^\"\\\n]*+\"|'[^'\n]*+'|[A-Za-z0-9_.:+-]++)"
_FLAT_VALUE = (
    rf"(?:{_S}|\[[ \t]*+(?:{_S}[ \t]*+(?:,[ \t]*+{_S}[ \t]*+)*+,?[ \t]*+)?\]"
    rf"|\{{[ \t]*+(?:{_K}[ \t]*+=[ \t]*+{_S}[ \t]*+(?:,[ \t]*+{_K}[ \t]*+=[ \t]*+{_S}[ \t]*+)*+)?\}})"
)
_FLAT_LINE = re.compile(
    rf"[ \t]*+{_K}(?:[ \t]*+\.[ \t]*+{_K}){{0,3}}+[ \t]*+=[ \t]*+{_FLAT_VALUE}[ \t]*+(?:#[^\n]*+)?\r?(?:\n|\Z)"
)
_FLAT_DEPTH = 5
"""The common line: a key of up to 4 parts = a scalar, a flat array or a flat inline table: at most
:data:`_FLAT_DEPTH` levels below the current table. Matching it whole keeps the scan fast."""
_FLAT_HEADER = rf"\[\[?[ \t]*+{_K}(?:[ \t]*+\.[ \t]*+{_K}){{0,3}}+[ \t]*+\]\]?[ \t]*+(?:#[^\n]*+)?\r?(?:\n|\Z)"
_FLAT_RUN = re.compile(rf"(?:(?:[ \t\r\n]++|#[^\n]*+)*+(?:{_FLAT_LINE.pattern}|(?P<header>{_FLAT_HEADER})))*+")
"""Many statements at once: flat lines and table headers of up to 4 parts (at most
:data:`_FLAT_DEPTH` levels with ``[[...]]``), with blank lines and comments between. One
regular-expression call for a run of them instead of a few per line; the last header
matched (a repeated group keeps its last match) sets the table depth after the run."""


@dataclass(frozen=True)
class TooDeep:
    """Where the text first nests deeper than the limit, and what does it."""

    offset: int
    what: str


class _Stop(Exception):
    """The scan met text it does not understand: tomllib will report it."""


class _Scan:
    def __init__(self, text: str, limit: int) -> None:
        self.s = text
        self.i = 0
        self.limit = limit

    # -- small readers ----------------------------------------------------------------
    def skip(self, pattern: re.Pattern[str]) -> None:
        m = pattern.match(self.s, self.i)
        if m:
            self.i = m.end()

    def peek(self, n: int = 1) -> str:
        return self.s[self.i : self.i + n]

    def key(self, base: int, what: str) -> int:
        """Read a dotted key at depth ``base``; the depth of its last part. Raises at the first part too deep."""
        start = self.i
        depth = base
        while True:
            m = _SIMPLE_KEY.match(self.s, self.i)
            if m is None:
                raise _Stop
            depth += 1
            if depth > self.limit:
                raise _TooDeepError(TooDeep(start, what))
            self.i = m.end()
            dot = _DOT.match(self.s, self.i)
            if dot is None:
                return depth
            self.i = dot.end()

    # -- statements -------------------------------------------------------------------
    def run(self) -> None:
        table_depth = 0
        s = self.s
        while True:
            self.skip(_BLANK)
            if self.i >= len(s):
                return
            if table_depth + _FLAT_DEPTH <= self.limit and self.limit >= 2 * _FLAT_DEPTH:
                run = _FLAT_RUN.match(s, self.i)
                if run is not None and run.end() > self.i:  # it always matches, maybe empty
                    if run.start("header") >= 0:  # the run's last header sets the table depth
                        self.i = run.start("header")
                        table_depth = self.header()
                    self.i = run.end()
                    continue
            plain = _FLAT_LINE.match(s, self.i)
            if plain is not None and table_depth + _FLAT_DEPTH <= self.limit:
                self.i = plain.end()
                continue
            if s[self.i] == "[":
                table_depth = self.header()
            else:
                depth = self.key(table_depth, "key")
                self.skip(_SPACE)
                if self.peek() != "=":
                    raise _Stop
                self.i += 1
                self.value(depth)
                self.skip(_SPACE)
                if self.peek() == "#":
                    self.skip(_BLANK)

    def header(self) -> int:
        start = self.i
        aot = self.peek(2) == "[["
        self.i += 2 if aot else 1
        self.skip(_SPACE)
        try:
            depth = self.key(0, "table header")
        except _TooDeepError as exc:
            raise _TooDeepError(TooDeep(start, exc.found.what)) from None
        if aot:
            depth += 1
            if depth > self.limit:
                raise _TooDeepError(TooDeep(start, "table header"))
        self.skip(_SPACE)
        close = "]]" if aot else "]"
        if self.peek(len(close)) != close:
            raise _Stop
        self.i += len(close)
        return depth

    # -- values -------------------------------------------------------------------------
    def value(self, depth: int) -> None:
        """Read one value whose path is ``depth`` long (arrays and inline tables with an explicit stack)."""
        # Each open container: ("[", depth of its items) or ("{", depth of its keys' table).
        stack: list[tuple[str, int]] = []
        while True:
            self.skip(_SPACE)
            c = self.peek()
            if c == "[":
                if depth + 1 > self.limit:
                    raise _TooDeepError(TooDeep(self.i, "array"))
                self.i += 1
                stack.append(("[", depth + 1))
                depth += 1
                self.skip(_BLANK)
                if self.peek() == "]":  # empty array: it is itself the value just read
                    self.i += 1
                    stack.pop()
                else:
                    continue
            elif c == "{":
                self.i += 1
                stack.append(("{", depth))
                self.skip(_SPACE)
                if self.peek() == "}":
                    self.i += 1
                    stack.pop()
                else:
                    depth = self.inline_key(depth)
                    continue
            else:
                self.scalar()
            # A value is complete: close what it completes, then find where the next one starts.
            while True:
                if not stack:
                    return
                kind, level = stack[-1]
                self.skip(_BLANK if kind == "[" else _SPACE)
                c = self.peek()
                if c == ",":
                    self.i += 1
                    if kind == "[":
                        self.skip(_BLANK)
                        if self.peek() == "]":  # trailing comma
                            self.i += 1
                            stack.pop()
                            continue
                        depth = level
                    else:
                        self.skip(_SPACE)
                        depth = self.inline_key(level)
                    break
                if c == ("]" if kind == "[" else "}"):
                    self.i += 1
                    stack.pop()
                    continue
                raise _Stop

    def inline_key(self, table_depth: int) -> int:
        """Read ``key =`` inside an inline table; the depth of the value that follows."""
        depth = self.key(table_depth, "inline table")
        self.skip(_SPACE)
        if self.peek() != "=":
            raise _Stop
        self.i += 1
        return depth

    def scalar(self) -> None:
        s, i = self.s, self.i
        if s.startswith('"""', i):
            m = _ML_BASIC.match(s, i)
            if m is None:
                raise _Stop
            self.i = m.end()
        elif s.startswith("'''", i):
            end = s.find("'''", i + 3)
            if end < 0:
                raise _Stop
            self.i = end + 3
            while self.peek() == "'" and self.i < end + 5:  # up to two quotes may end the content
                self.i += 1
        elif s.startswith('"', i) or s.startswith("'", i):
            m = (_BASIC if s[i] == '"' else _LITERAL).match(s, i)
            if m is None:
                raise _Stop
            self.i = m.end()
        else:
            m = _SCALAR.match(s, i)
            if m is None:
                raise _Stop
            self.i = m.end()
            # A date-time may have a space before its time: "1979-05-27 07:32:00".
            more = re.match(r" [0-9][^\s,\[\]{}#\"'=]*", s[self.i : self.i + 64])
            if more is not None:
                self.i += more.end()


class _TooDeepError(Exception):
    def __init__(self, found: TooDeep) -> None:
        super().__init__(found.what)
        self.found = found


def too_deep(text: str, limit: int = MAX_DEPTH) -> TooDeep | None:
    """The first place ``text`` nests deeper than ``limit``, or None. Time linear in the text."""
    try:
        _Scan(text, limit).run()
    except _TooDeepError as exc:
        return exc.found
    except _Stop:
        return None
    return None
