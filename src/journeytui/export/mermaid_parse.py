"""Read a Mermaid flowchart into nodes, edges and subgraphs, with positions: the first half of
:mod:`journeytui.export.mermaid_import`, which maps them to a journey.

A hand-written reader of the flowchart grammar (Mermaid's own is JavaScript): statements split at
line breaks and ``;`` outside quotes, ``%%`` comments, front matter, ``subgraph`` / ``end``,
``class``, node shapes (``[ ]``, ``( )``, ``{ }``, ``>``, ``@{ }`` and their doubled forms), every
link style with ``|label|`` or ``-- label -->``, chains and ``&`` groups. Every step is linear in
the text, and the number of nodes and edges is bounded. No Textual.
"""

from __future__ import annotations

import bisect
import html
import json
import re
from dataclasses import dataclass, field

from journeytui.model.structure import check_id

MAX_NODES = 1_000
MAX_EDGES = 5_000
"""Far beyond a drawn flowchart (Mermaid itself draws at most 500 edges by default); keeps the
validation of the result, which grows with the stages, within a second or two."""
ID_COMMENT = re.compile(r"^%%\s*journeytui:\s*(\S+)\s*=\s*(\S+)\s*$")
INVISIBLE = "\0invisible"
"""The label an invisible link (``~~~``) is given: it is not a move."""


@dataclass(frozen=True)
class Note:
    """A finding about the flowchart: what could not be mapped, or what was made up."""

    line: int
    column: int
    severity: str
    """``error`` (nothing is written) or ``warning`` (the journey is written; check this)."""
    message: str

    def format(self, file: str) -> str:
        return f"{file}:{self.line}:{self.column}: {self.severity}: {self.message}"


class ParseError(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset, self.message = offset, message


@dataclass
class Node:
    key: str
    offset: int
    lines: list[str] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)
    group: int | None = None
    """Index of the top-level subgraph it belongs to."""


@dataclass
class Edge:
    a: str
    b: str
    offset: int
    label: str | None


@dataclass
class Group:
    title: str
    offset: int


# -- text helpers --------------------------------------------------------------------------------
_ENTITY = re.compile(r"#(?:(\d{1,7})|([A-Za-z][A-Za-z0-9]{0,31}));")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _entity(m: re.Match[str]) -> str:
    if m.group(1):
        cp = int(m.group(1))
        return chr(cp) if 0 <= cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else m.group(0)
    decoded = html.unescape(f"&{m.group(2)};")
    return decoded if decoded != f"&{m.group(2)};" else m.group(0)


def label_lines(raw: str) -> list[str]:
    """The lines of a label as written in the flowchart: markdown backticks dropped, ``<br>``
    and line breaks split, entity codes decoded (after splitting: ``#10;`` is part of a name)."""
    text = raw
    if len(text) >= 2 and text[0] == "`" and text[-1] == "`":
        text = text[1:-1]
    parts = [p for chunk in _BR.split(text) for p in chunk.split("\n")]
    return [_ENTITY.sub(_entity, p.strip()) for p in parts]


# -- the parser ----------------------------------------------------------------------------------
_ID_CHARS = r"[^\s\[\]\(\)\{\}<>&\"'`|;:,=~.@\-]"
_NODE_ID = re.compile(rf"{_ID_CHARS}+(?:[.\-](?=[^\s\-.>=~ox])(?:{_ID_CHARS})*)*")
"""A node id: Mermaid's NODE_STRING, short of the characters that start a shape or a link."""
_LINK = re.compile(
    r"\s*(?P<head><)?(?:(?P<body>-{2,}|={2,}|-\.+-|~{3,})(?P<tail>[>ox])?)(?=[\s\w|\"'\u0080-\U0010ffff]|$)"
)
_TEXT_LINK_OPEN = re.compile(r"\s*(?P<head><)?(?P<open>--|==|-\.)(?=\s)")
_TEXT_LINK_CLOSE = re.compile(r"\s(?P<body>-{2,}|={2,}|\.+-)(?P<tail>[>ox])?(?=[\s\w\"'\u0080-\U0010ffff]|$)")
_OPENERS = [
    ("(((", ")))"),
    ("((", "))"),
    ("([", "])"),
    ("[[", "]]"),
    ("[(", ")]"),
    ("[/", "]"),
    ("[\\", "]"),
    ("{{", "}}"),
    ("[", "]"),
    ("(", ")"),
    ("{", "}"),
    (">", "]"),
]
_IGNORED = frozenset({"direction", "classDef", "style", "linkStyle", "click", "callback", "link"})
"""Statements about looks and interaction: nothing in them is part of the journey."""
_SPACE = re.compile(r"\s*")
_CLASS = re.compile(r":::([\w-]+)")
_QUOTE = re.compile(r'\s*"')
_PIPE_LABEL = re.compile(r'\s*\|\s*"([^"]*)"\s*\||\s*\|([^|]*)\|')
TEXT_LINK_MAX = 2_000
"""How far a ``-- text -->`` link's text may reach: the search for its end stays linear."""
_AMP = re.compile(r"\s*&\s*")
_SHAPE_LABEL = re.compile(r"""label\s*:\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^,}]*))""")


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.notes: list[Note] = []
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.groups: list[Group] = []
        self.stack: list[int] = []
        """Open subgraphs: index into groups for a top-level one, -1 for a nested one."""
        self.id_map: dict[str, str] = {}
        self.journey_id = ""
        self.title = ""
        self.header = False

    # positions
    def where(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1

    def note(self, offset: int, message: str, severity: str = "warning") -> None:
        line, col = self.where(offset)
        self.notes.append(Note(line, col, severity, message))

    # statements
    def run(self) -> None:
        start = self._frontmatter()
        for offset, stmt in self._statements(start):
            self._statement(offset, stmt)
        if not self.header:
            raise ParseError(len(self.text), "no flowchart: the file must start with `flowchart LR` or `graph TD`")
        if self.stack:
            self.note(len(self.text), "a subgraph is not closed with `end`")

    def _frontmatter(self) -> int:
        """Skip a leading ``---`` YAML block, reading its ``title:``; the offset after it."""
        m = re.match(r"\s*---[ \t]*\n", self.text)
        if not m:
            return 0
        end = re.compile(r"^---[ \t]*$", re.MULTILINE).search(self.text, m.end())
        if end is None:
            raise ParseError(m.start(), "the front matter (---) is not closed")
        block = self.text[m.end() : end.start()]
        t = re.search(r"^title:[ \t]*(.*?)[ \t]*$", block, re.MULTILINE)
        if t:
            raw = t.group(1)
            try:
                self.title = json.loads(raw) if raw.startswith('"') else raw.strip("'")
            except ValueError:
                self.title = raw.strip('"')
            if not isinstance(self.title, str):
                self.title = str(self.title)
        return end.end()

    def _statements(self, start: int) -> list[tuple[int, str]]:
        """Split the text into statements at line breaks and ``;`` outside quotes; comments go to
        :meth:`_comment`. Quoted strings may span lines (Markdown strings)."""
        out: list[tuple[int, str]] = []
        text, n = self.text, len(self.text)
        i, begin, blank = start, start, True
        quote = -1
        while i < n:
            c = text[i]
            if quote >= 0:
                if c == '"':
                    quote = -1
                i += 1
                continue
            if c == '"':
                quote = i
                blank = False
            elif c == "\n" or c == ";":
                out.append((begin, text[begin:i]))
                begin, blank = i + 1, True
            elif c == "%" and blank and text.startswith("%%", i):
                j = text.find("\n", i)
                j = n if j < 0 else j
                self._comment(i, text[i:j].strip())
                begin, i, blank = j + 1, j + 1, True
                continue
            elif not c.isspace():
                blank = False
            i += 1
        if quote >= 0:
            raise ParseError(quote, 'this string is not closed with a `"`')
        out.append((begin, text[begin:n]))
        return out

    def _comment(self, offset: int, comment: str) -> None:
        m = ID_COMMENT.match(comment)
        if not m:
            return
        key, value = m.groups()
        if key == "journey":
            if check_id(value) is None:
                self.journey_id = value
        elif check_id(value) is None:
            self.id_map[key] = value
        else:
            self.note(offset, f"ignored: {value!r} is not a valid stage id")

    def _statement(self, offset: int, raw: str) -> None:
        s = raw.strip()
        if not s:
            return
        at = offset + (len(raw) - len(raw.lstrip()))
        word = s.split(None, 1)[0]
        if not self.header:
            if word in ("flowchart", "graph", "flowchart-elk"):
                self.header = True
                return
            raise ParseError(at, f"not a Mermaid flowchart: expected `flowchart LR` or `graph TD`, found {s[:40]!r}")
        if word == "subgraph":
            self._subgraph(at, s[len("subgraph") :].strip())
        elif s == "end":
            if not self.stack:
                self.note(at, "`end` without a subgraph: ignored")
            else:
                self.stack.pop()
        elif word in _IGNORED or word.startswith(("accTitle", "accDescr")):
            return
        elif word == "class":
            self._class(at, s[len("class") :].strip())
        else:
            self._chain(at, s)

    def _subgraph(self, at: int, rest: str) -> None:
        title = rest
        m = re.match(r'^([^\s\["]+)\s*\[\s*"(.*)"\s*\]$|^([^\s\["]+)\s*\[(.*)\]$|^"(.*)"$', rest, re.DOTALL)
        if m:
            title = next((g for g in (m.group(2), m.group(4), m.group(5)) if g is not None), rest)
        title = " ".join(label_lines(title))
        if self.stack:
            self.note(at, "nested subgraph: its stages keep the phase of the outer subgraph")
            self.stack.append(-1)
            return
        self.groups.append(Group(title, at))
        self.stack.append(len(self.groups) - 1)

    def _class(self, at: int, rest: str) -> None:
        parts = rest.split()
        if len(parts) < 2:
            self.note(at, "a `class` statement needs node ids and a class name: ignored")
            return
        for key in parts[0].split(","):
            if key in self.nodes:
                self.nodes[key].classes.add(parts[1])
            else:
                self._node_at(key, at).classes.add(parts[1])

    def _node_at(self, key: str, offset: int) -> Node:
        node = self.nodes.get(key)
        if node is None:
            if len(self.nodes) >= MAX_NODES:
                raise ParseError(offset, f"more than {MAX_NODES:,} nodes: too large to import")
            node = Node(key, offset)
            self.nodes[key] = node
        if node.group is None and self.stack and self.stack[0] >= 0:
            node.group = self.stack[0]
        return node

    # node and link grammar
    def _chain(self, at: int, s: str) -> None:
        pos = 0
        left = self._group_at(at, s, pos)
        if left is None:
            self.note(at, f"not understood, ignored: {s[:60]!r}")
            return
        keys, pos = left
        while True:
            gap = _SPACE.match(s, pos)
            link_at = at + (gap.end() if gap else pos)
            if gap is None or gap.end() == len(s):
                return
            link = self._link(link_at, s, pos)
            if link is None:
                self.note(link_at, f"not understood, ignored: {s[gap.end() : gap.end() + 60]!r}")
                return
            pos, label, both = link
            right = self._group_at(at, s, pos)
            if right is None:
                self.note(at + pos, "a link needs a node on its right: ignored")
                return
            targets, pos = right
            for a in keys:
                for b in targets:
                    self._edge(a, b, link_at, label)
                    if both:
                        self._edge(b, a, link_at, label)
            keys = targets

    def _edge(self, a: str, b: str, offset: int, label: str | None) -> None:
        if len(self.edges) >= MAX_EDGES:
            raise ParseError(offset, f"more than {MAX_EDGES:,} edges: too large to import")
        self.edges.append(Edge(a, b, offset, label))

    def _group_at(self, at: int, s: str, pos: int) -> tuple[list[str], int] | None:
        """``a & b["x"]:::won`` at ``pos``: the node keys and the position after them."""
        keys = []
        while True:
            got = self._node(at, s, pos)
            if got is None:
                return None
            key, pos = got
            keys.append(key)
            m = _AMP.match(s, pos)
            if not m:
                return keys, pos
            pos = m.end()

    def _node(self, at: int, s: str, pos: int) -> tuple[str, int] | None:
        m = _SPACE.match(s, pos)
        pos = m.end() if m else pos
        idm = _NODE_ID.match(s, pos)
        if not idm:
            return None
        key = idm.group(0)
        pos = idm.end()
        node = self._node_at(key, at + idm.start())
        text, pos = self._shape(at, s, pos)
        if text is not None:
            node.lines = label_lines(text)
        while s.startswith(":::", pos):
            cm = _CLASS.match(s, pos)
            if not cm:
                break
            node.classes.add(cm.group(1))
            pos = cm.end()
        return key, pos

    def _shape(self, at: int, s: str, pos: int) -> tuple[str | None, int]:
        """The label of a shape at ``pos`` (``["x"]``, ``(x)``, ``{{x}}``, ``@{ label: "x" }``…)."""
        if s.startswith("@{", pos):
            close = s.find("}", pos)
            if close < 0:
                raise ParseError(at + pos, "this `@{` shape is not closed with `}`")
            lm = _SHAPE_LABEL.search(s, pos, close)
            text = next((g for g in lm.groups() if g is not None), "").strip() if lm else None
            return text, close + 1
        for opener, closer in _OPENERS:
            if not s.startswith(opener, pos):
                continue
            start = pos + len(opener)
            qm = _QUOTE.match(s, start)
            if qm:
                q_end = s.find('"', qm.end())
                if q_end < 0:
                    raise ParseError(at + qm.end() - 1, 'this string is not closed with a `"`')
                text = s[qm.end() : q_end]
                after = re.compile(r"\s*[/\\]?" + re.escape(closer)).match(s, q_end + 1)
                if not after:
                    raise ParseError(at + q_end + 1, f"expected `{closer}` after the label")
                return text, after.end()
            end = s.find(closer, start)
            if end < 0:
                raise ParseError(at + pos, f"this shape is not closed with `{closer}`")
            text = s[start:end]
            if opener in ("[/", "[\\") and text[-1:] in "/\\":
                text = text[:-1]
            return text.strip(), end + len(closer)
        return None, pos

    def _link(self, at: int, s: str, pos: int) -> tuple[int, str | None, bool] | None:
        """A link at ``pos``: (position after it and its ``|label|``, the label, bidirectional)."""
        tm = _TEXT_LINK_OPEN.match(s, pos)
        if tm:
            close = _TEXT_LINK_CLOSE.search(s, tm.end(), tm.end() + TEXT_LINK_MAX)
            if close:
                text = s[tm.end() : close.start()].strip()
                if len(text) >= 2 and text[0] == text[-1] == '"':
                    text = text[1:-1]
                return close.end(), text, bool(tm.group("head")) and close.group("tail") == ">"
        m = _LINK.match(s, pos)
        if not m:
            return None
        both = bool(m.group("head")) and m.group("tail") == ">"
        if m.group("body").startswith("~"):
            self.note(at, "an invisible link (~~~) is not a move: ignored")
        pos = m.end()
        label = None
        lm = _PIPE_LABEL.match(s, pos)
        if lm:
            label = lm.group(1) if lm.group(1) is not None else lm.group(2).strip()
            pos = lm.end()
        if m.group("body").startswith("~"):
            return pos, INVISIBLE, both
        return pos, label, both
