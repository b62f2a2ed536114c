"""Map key paths of a TOML document to line and column, for diagnostics.

tomllib and tomlkit parse TOML but neither reports where a key sits, and the
validator must say ``path:line:col`` for semantic problems too. This scanner
runs only on text that tomllib has already accepted, so it walks the lexical
structure (headers, keys, strings, arrays, inline tables) without re-checking
the grammar. Paths use table keys and array indices: ``("stages", 2, "id")``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from journeytui.diagnostics import Path

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_WS = " \t"


@dataclass
class Positions:
    """Where each key path starts: ``keys`` at the key, ``values`` at the value."""

    keys: dict[Path, int] = field(default_factory=dict)
    values: dict[Path, int] = field(default_factory=dict)
    comments: list[int] = field(default_factory=list)
    """Offsets of the comments (``#`` to the end of the line)."""
    inner_comments: list[int] = field(default_factory=list)
    """Offsets of the comments inside an array or inline table value (also in ``comments``)."""
    ends: dict[Path, int] = field(default_factory=dict)
    """Where each array or inline table value ends (just after its ``]`` or ``}``)."""
    anchors: list[tuple[int, Path]] = field(default_factory=list)
    """Where each top-level line item starts, in file order: table headers (``("stages", 2)``) and
    key/value pairs outside arrays and inline tables (their full dotted path)."""
    line_starts: list[int] = field(default_factory=lambda: [0])

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def find(self, path: Path, *, prefer_value: bool = True) -> tuple[int, int]:
        """The position of ``path``, or of its nearest located ancestor."""
        p = tuple(path)
        while True:
            if prefer_value and p in self.values:
                return self.line_col(self.values[p])
            if p in self.keys:
                return self.line_col(self.keys[p])
            if p in self.values:
                return self.line_col(self.values[p])
            if not p:
                return (1, 1)
            p = p[:-1]


_SIMPLE_LINE = re.compile(
    r"([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)[ \t]*=[ \t]*"
    r"(\"[^\"\\\n]*\"|'[^'\n]*'|[A-Za-z0-9_.:+-]+)[ \t]*(?=\r?\n|#|\Z)"
)
"""A line of bare (dotted) keys = a number, a boolean or a string without escapes: most of a file."""


class _Scanner:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.pos = Positions()
        self.pos.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.aot_count: dict[Path, int] = {}
        self.current: Path = ()
        self.depth = 0  # inside how many arrays / inline tables

    # -- low level -----------------------------------------------------
    def peek(self, n: int = 1) -> str:
        return self.s[self.i : self.i + n]

    def skip_ws(self, newlines: bool = False) -> None:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in _WS or (newlines and c in "\r\n"):
                self.i += 1
            elif c == "#" and newlines:
                self.skip_comment()
            else:
                break

    def skip_comment(self) -> None:
        self.pos.comments.append(self.i)
        if self.depth:
            self.pos.inner_comments.append(self.i)
        end = self.s.find("\n", self.i)
        self.i = len(self.s) if end < 0 else end

    def skip_string(self) -> None:
        s, i = self.s, self.i
        for quote in ('"""', "'''"):
            if s.startswith(quote, i):
                j = i + 3
                while True:
                    j = s.find(quote, j)
                    if j < 0:
                        self.i = len(s)
                        return
                    if quote == '"""' and _escaped(s, j):
                        j += 1
                        continue
                    # A closing delimiter may be followed by up to two more quotes.
                    end = j + 3
                    while end < len(s) and s[end] == quote[0] and end - j < 5:
                        end += 1
                    self.i = end
                    return
        q = s[i]
        j = i + 1
        while j < len(s) and s[j] != q:
            j += 2 if (q == '"' and s[j] == "\\") else 1
        self.i = j + 1

    def key(self) -> tuple[str, int]:
        start = self.i
        c = self.peek()
        if c in "\"'":
            self.skip_string()
            raw = self.s[start : self.i]
            import tomllib  # only for the odd value: start-up does not pay for it

            return tomllib.loads(f"k = {raw}")["k"], start
        m = _BARE_KEY.match(self.s, self.i)
        if not m:  # not reachable on valid TOML; stay safe
            self.i += 1
            return "", start
        self.i = m.end()
        return m.group(), start

    def dotted_key(self) -> list[tuple[str, int]]:
        parts = [self.key()]
        while True:
            self.skip_ws()
            if self.peek() != ".":
                return parts
            self.i += 1
            self.skip_ws()
            parts.append(self.key())

    # -- structure -----------------------------------------------------
    def resolve(self, names: list[str]) -> Path:
        """Turn header names into a path, entering the last element of arrays of tables."""
        path: Path = ()
        for name in names:
            path = (*path, name)
            if path in self.aot_count:
                path = (*path, self.aot_count[path] - 1)
        return path

    def run(self) -> Positions:
        s = self.s
        while True:
            self.skip_ws(newlines=True)
            if self.i >= len(s):
                return self.pos
            start = self.i
            if s.startswith("[[", self.i):
                self.i += 2
                self.skip_ws()
                names = [n for n, _ in self.dotted_key()]
                parent = self.resolve(names[:-1])
                base = (*parent, names[-1])
                index = self.aot_count.get(base, 0)
                self.aot_count[base] = index + 1
                self.current = (*base, index)
                self.pos.keys.setdefault(base, start)
                self.pos.keys[self.current] = start
                self.pos.anchors.append((start, self.current))
                self.i = s.find("]]", self.i) + 2
            elif s[self.i] == "[":
                self.i += 1
                self.skip_ws()
                parts = self.dotted_key()
                names = [n for n, _ in parts]
                # `[metadata.owner]` also says where `metadata` is: at its name in this header
                for k in range(1, len(parts)):
                    self.pos.keys.setdefault(self.resolve(names[:k]), parts[k - 1][1])
                self.current = self.resolve(names)
                self.pos.keys.setdefault(self.current, start)
                self.pos.anchors.append((start, self.current))
                self.i = s.find("]", self.i) + 1
            else:
                line = _SIMPLE_LINE.match(s, self.i)
                if line is not None:  # the common line, in one regular-expression call
                    self.pos.anchors.append((start, self.simple_line(line)))
                else:
                    self.pos.anchors.append((start, self.key_value(self.current)))
            self.skip_ws()
            if self.peek() == "#":
                self.skip_comment()

    def simple_line(self, m: re.Match[str]) -> Path:
        """``a.b = scalar`` with bare keys and no space around the dots: what :meth:`key_value` records."""
        path, offset = self.current, m.start()
        for name in m.group(1).split("."):
            path = (*path, name)
            self.pos.keys.setdefault(path, offset)
            offset += len(name) + 1
        self.pos.values[path] = m.start(2)
        self.i = m.end()
        return path

    def key_value(self, base: Path) -> Path:
        parts = self.dotted_key()
        path = base
        for name, offset in parts:
            path = (*path, name)
            self.pos.keys.setdefault(path, offset)
        self.skip_ws()
        if self.peek() == "=":
            self.i += 1
        self.skip_ws()
        self.value(path)
        return path

    def value(self, path: Path) -> None:
        self.pos.values[path] = self.i
        c = self.peek()
        if c in "[{":
            self.depth += 1
            try:
                self.container(path, c)
            finally:
                self.depth -= 1
        elif c in "\"'":
            self.skip_string()
        else:
            m = re.compile(r"[^,\]}\r\n#]*").match(self.s, self.i)
            self.i = m.end() if m else self.i + 1

    def container(self, path: Path, c: str) -> None:
        """An array (``[``) or inline table (``{``) value, its elements located too."""
        if c == "[":
            self.i += 1
            index = 0
            while True:
                self.skip_ws(newlines=True)
                if self.peek() in ("]", ""):
                    self.i += 1
                    self.pos.ends[path] = self.i
                    return
                if self.peek() == ",":
                    self.i += 1
                    continue
                self.pos.keys[(*path, index)] = self.i
                self.value((*path, index))
                index += 1
        elif c == "{":
            self.i += 1
            while True:
                self.skip_ws(newlines=True)
                if self.peek() in ("}", ""):
                    self.i += 1
                    self.pos.ends[path] = self.i
                    return
                if self.peek() == ",":
                    self.i += 1
                    continue
                self.key_value(path)


def _escaped(s: str, j: int) -> bool:
    backslashes = 0
    k = j - 1
    while k >= 0 and s[k] == "\\":
        backslashes += 1
        k -= 1
    return backslashes % 2 == 1


class _LazyPositions(Positions):
    """Positions scanned on first use: a file without findings never pays for the scan.

    The scan is a Python pass over the whole text, as costly as parsing it; a valid
    10,000-stage file needs no position at all.
    """

    _FIELDS = frozenset({"keys", "values", "comments", "inner_comments", "ends", "anchors", "line_starts"})

    def __init__(self, text: str) -> None:  # no dataclass __init__: the fields come from the scan
        self._text = text

    def __getattr__(self, name: str) -> object:
        # only called for attributes not set yet: the dataclass fields before the scan
        if name not in _LazyPositions._FIELDS or "_text" not in self.__dict__:
            raise AttributeError(name)
        try:
            scanned = _Scanner(self._text).run()
        except RecursionError:  # absurd nesting: no positions rather than a crash
            scanned = Positions()
        self.__dict__.update(scanned.__dict__)
        return self.__dict__[name]


def locate(text: str) -> Positions:
    """Positions of every key and value in ``text`` (which must be valid TOML), scanned when first asked."""
    return _LazyPositions(text)
