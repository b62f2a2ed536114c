"""Start a journey from a Mermaid flowchart: nodes become stages, edges transitions, subgraphs phases.

What maps, and how (docs/export.md, "Importing a Mermaid flowchart"):

* nodes -> stages: the first line of the label is the name (entity codes such as ``#quot;``
  decoded, ``<br>`` ends a line), further lines go to the stage's notes. The stage id is the
  one a ``%% journeytui: s1 = aware`` comment gives (what ``journeytui export`` writes), else
  the node id when it is a valid journey id, else ``stage_N``.
* edges -> transitions: a label that starts like ``0.3``, ``30%``, ``p=0.3`` (optionally
  ``/week``) is the weekly probability; text after a ``:`` is the cause; any other label goes
  to the notes. Chains (``a --> b --> c``), ``&`` groups and every link style are read; ``<-->``
  gives two transitions.
* top-level subgraphs -> phases (``Phase 3`` / ``フェーズ3`` in the title gives the number,
  else their order); classes ``won``, ``lost`` and ``entry`` (``:::won`` or ``class a won``) give
  the stage kind and entries.

Whatever cannot be mapped, or had to be made up so that the result validates (a missing
probability, an outcome for a dead end, an entry), is a :class:`Note` with the line and column.
The result always passes ``journeytui validate``; otherwise nothing is returned. Input is
bounded (size, nodes, edges) and every step is linear in it. No Textual.
"""

from __future__ import annotations

import bisect
import html
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from journeytui.model.save import dumps
from journeytui.model.structure import check_id
from journeytui.model.types import Journey, JourneyMeta, Population, Stage, Transition

MAX_BYTES = 1024 * 1024
"""A flowchart is hand-written; Mermaid itself refuses more than 50,000 characters by default."""
MAX_NODES = 1_000
MAX_EDGES = 5_000
"""Far beyond a drawn flowchart (Mermaid itself draws at most 500 edges by default); keeps the
validation of the result, which grows with the stages, within a second or two."""
DEFAULT_PROBABILITY = 0.1
PLACEHOLDER_ARRIVALS = 100.0
WON_WORDS = re.compile(
    r"\b(?:won|win|closed[ _-]?won|customers?|purchased?)\b|受注|成約|契約|購入|導入決定", re.IGNORECASE
)
LOST_WORDS = re.compile(
    r"\b(?:lost|lose|closed[ _-]?lost|churn(?:ed)?|dropped|drop[ _-]?out)\b|失注|離脱|失敗|見送り|他社", re.IGNORECASE
)
ID_COMMENT = re.compile(r"^%%\s*journeytui:\s*(\S+)\s*=\s*(\S+)\s*$")


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


@dataclass
class ImportResult:
    journey: Journey | None
    notes: list[Note] = field(default_factory=list)
    text: str = ""
    """The journey in canonical TOML (empty when there were errors)."""

    @property
    def ok(self) -> bool:
        return self.journey is not None and not any(n.severity == "error" for n in self.notes)


class _Fail(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset, self.message = offset, message


@dataclass
class _Node:
    key: str
    offset: int
    lines: list[str] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)
    group: int | None = None
    """Index of the top-level subgraph it belongs to."""


@dataclass
class _Edge:
    a: str
    b: str
    offset: int
    label: str | None


@dataclass
class _Group:
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


_PROB = re.compile(
    r"^\s*(?:p\s*=\s*)?(?P<num>\d+(?:\.\d+)?|\.\d+)\s*(?P<pct>%)?\s*(?:/\s*(?:week|wk|w|週))?\s*(?::\s?(?P<rest>.*))?$",
    re.IGNORECASE | re.DOTALL,
)


def parse_probability(text: str) -> tuple[float | None, str, str | None]:
    """``"30%"`` / ``"0.3"`` / ``"p=0.3"`` / ``"12%/week: cause"`` -> (probability, cause, why not).

    The probability is None when the text does not start with one (then ``why`` says why when it
    looked like one: above 100%).
    """
    m = _PROB.match(text)
    if not m:
        return None, "", None
    try:
        value = Decimal(m.group("num"))
    except InvalidOperation:
        return None, "", None
    if m.group("pct"):
        value = value.scaleb(-2)
    if value > 1:
        return None, "", f"{text.strip()!r} is not a weekly probability (more than 100%)"
    return float(value), m.group("rest") or "", None


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


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.notes: list[Note] = []
        self.nodes: dict[str, _Node] = {}
        self.edges: list[_Edge] = []
        self.groups: list[_Group] = []
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
            raise _Fail(len(self.text), "no flowchart: the file must start with `flowchart LR` or `graph TD`")
        if self.stack:
            self.note(len(self.text), "a subgraph is not closed with `end`")

    def _frontmatter(self) -> int:
        """Skip a leading ``---`` YAML block, reading its ``title:``; the offset after it."""
        m = re.match(r"\s*---[ \t]*\n", self.text)
        if not m:
            return 0
        end = re.compile(r"^---[ \t]*$", re.MULTILINE).search(self.text, m.end())
        if end is None:
            raise _Fail(m.start(), "the front matter (---) is not closed")
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
            raise _Fail(quote, 'this string is not closed with a `"`')
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
            raise _Fail(at, f"not a Mermaid flowchart: expected `flowchart LR` or `graph TD`, found {s[:40]!r}")
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
        self.groups.append(_Group(title, at))
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

    def _node_at(self, key: str, offset: int) -> _Node:
        node = self.nodes.get(key)
        if node is None:
            if len(self.nodes) >= MAX_NODES:
                raise _Fail(offset, f"more than {MAX_NODES:,} nodes: too large to import")
            node = _Node(key, offset)
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
            raise _Fail(offset, f"more than {MAX_EDGES:,} edges: too large to import")
        self.edges.append(_Edge(a, b, offset, label))

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
                raise _Fail(at + pos, "this `@{` shape is not closed with `}`")
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
                    raise _Fail(at + qm.end() - 1, 'this string is not closed with a `"`')
                text = s[qm.end() : q_end]
                after = re.compile(r"\s*[/\\]?" + re.escape(closer)).match(s, q_end + 1)
                if not after:
                    raise _Fail(at + q_end + 1, f"expected `{closer}` after the label")
                return text, after.end()
            end = s.find(closer, start)
            if end < 0:
                raise _Fail(at + pos, f"this shape is not closed with `{closer}`")
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
            return pos, "\0invisible", both
        return pos, label, both


# -- from the parse to a journey -----------------------------------------------------------------
_PHASE_TITLE = re.compile(r"^\s*(?:phase|フェーズ|step|ステップ|段階)\s*(\d{1,4})\b", re.IGNORECASE)


def _phase_numbers(groups: list[_Group], p: _Parser) -> list[int]:
    numbers: list[int] = []
    for n, g in enumerate(groups, start=1):
        m = _PHASE_TITLE.match(g.title)
        number = int(m.group(1)) if m else n
        if number > 1000 or number in numbers:
            p.note(g.offset, f"subgraph {g.title!r}: phase {number} cannot be used; numbered by position instead")
            number = max([0, *numbers]) + 1
        numbers.append(number)
    return numbers


def _kind_of(node: _Node) -> str | None:
    if "won" in node.classes:
        return "won"
    if "lost" in node.classes:
        return "lost"
    return None


def _word_kind(name: str, key: str) -> str | None:
    text = f"{name} {key}"
    if LOST_WORDS.search(text):
        return "lost"
    if WON_WORDS.search(text):
        return "won"
    return None


def _stage_ids(p: _Parser) -> dict[str, str]:
    """Journey ids for the node keys: the ``%% journeytui:`` map, the key itself, or ``stage_N``."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for n, key in enumerate(p.nodes, start=1):
        for candidate in (p.id_map.get(key), key, f"stage_{n}"):
            if candidate and check_id(candidate) is None and candidate not in used:
                break
        else:
            candidate = f"stage_{n}_{len(used)}"
        ids[key] = candidate
        used.add(candidate)
    return ids


@dataclass
class _Link:
    """An edge that can be a transition, with what its label says."""

    edge: _Edge
    probability: float | None
    cause: str
    notes: str


def _links(p: _Parser) -> list[_Link]:
    """The edges that can be transitions (not to itself, one per pair, not invisible), labels read."""
    pairs: set[tuple[str, str]] = set()
    out: list[_Link] = []
    for e in p.edges:
        if e.label == "\0invisible":
            continue
        if e.a == e.b:
            p.note(e.offset, f"a link from {e.a!r} to itself is not a move (staying is what is left over): ignored")
            continue
        if (e.a, e.b) in pairs:
            p.note(e.offset, f"a second link from {e.a!r} to {e.b!r}: ignored (one transition per pair)")
            continue
        pairs.add((e.a, e.b))
        lines = label_lines(e.label) if e.label else []
        prob, cause, why = parse_probability(lines[0]) if lines else (None, "", None)
        notes = "\n".join(x for x in lines[1:] if x)
        if prob is None and lines and lines[0]:
            if why:
                p.note(e.offset, why)
            notes = "\n".join(x for x in lines if x)  # not a probability: the whole label is a note
        out.append(_Link(e, prob, cause, notes))
    return out


def _stages(p: _Parser, links: list[_Link], ids: dict[str, str]) -> list[Stage]:
    """A stage per linked node: name and notes from the label, kind from classes or, for a node
    with no way out, from its name; phase from its subgraph."""
    phases = _phase_numbers(p.groups, p)
    leaving = {lk.edge.a for lk in links}
    linked = leaving | {lk.edge.b for lk in links}
    stages: list[Stage] = []
    for key, node in p.nodes.items():
        if key not in linked:
            p.note(node.offset, f"node {key!r} has no links: left out")
            continue
        name = next((x for x in node.lines if x), "") if node.lines else key
        kind = _kind_of(node)
        if kind is None and key not in leaving:
            kind = _word_kind(name, key)
            if kind is None:
                kind = "won"
                p.note(node.offset, f"node {key!r} has no way out: made a won outcome (add :::lost for a lost one)")
        stage = Stage(id=ids[key], name=name or key, kind=kind or "open")  # type: ignore[arg-type]
        stage.phase = phases[node.group] if node.group is not None else None
        stage.notes = "\n".join(x.removeprefix("⏸ ") for x in node.lines[1:] if x)
        stage.entry = "entry" in node.classes and stage.kind == "open"
        stages.append(stage)
    return stages


def _transitions(p: _Parser, links: list[_Link], ids: dict[str, str], stages: list[Stage]) -> list[Transition]:
    """A transition per link between two stages that leaves an open stage; placeholders where the
    label gave no probability, and stages over 100% a week scaled down."""
    kinds = {s.id: s.kind for s in stages}
    transitions: list[Transition] = []
    unlabelled: dict[str, list[Transition]] = {}
    for lk in links:
        e = lk.edge
        a, b = ids[e.a], ids[e.b]
        if a not in kinds or b not in kinds:
            continue
        if kinds[a] != "open":
            p.note(e.offset, f"{e.a!r} is an outcome: an outcome has no way out, this link is ignored")
            continue
        prob = lk.probability
        t = Transition(from_=a, to=b, probability=prob if prob is not None else 0.0, cause=lk.cause, notes=lk.notes)
        if prob is None:
            unlabelled.setdefault(a, []).append(t)
            p.note(e.offset, f"no probability on the link {e.a} -> {e.b}: set to a placeholder (write 10% or 0.1)")
        transitions.append(t)
    where = {ids[k]: n.offset for k, n in p.nodes.items()}
    for sid in _fill_probabilities(transitions, unlabelled):
        p.note(where[sid], f"the links out of {sid!r} add up to more than 100% a week: scaled down to 100%")
    return transitions


def _build(p: _Parser, journey_id: str, title: str) -> Journey:
    ids = _stage_ids(p)
    links = _links(p)
    stages = _stages(p, links, ids)
    journey = Journey(
        journey=JourneyMeta(id=journey_id, title=title or journey_id),
        stages=stages,
        transitions=_transitions(p, links, ids, stages),
    )
    _make_it_flow(journey, p, {ids[k]: n.offset for k, n in p.nodes.items()})
    return journey


def _fill_probabilities(transitions: list[Transition], unlabelled: dict[str, list[Transition]]) -> list[str]:
    """Give unlabelled links a share of what the labelled ones leave (at most 10%), and scale a
    stage whose probabilities add up to more than 1 down to 1; the stages scaled."""
    total: dict[str, Decimal] = {}
    for t in transitions:
        total[t.from_] = total.get(t.from_, Decimal(0)) + Decimal(repr(t.probability))
    for stage, ts in unlabelled.items():
        left = max(Decimal(0), Decimal(1) - total.get(stage, Decimal(0)))
        share = min(Decimal(str(DEFAULT_PROBABILITY)), (left / (len(ts) + 1)).quantize(Decimal("0.0001"), "ROUND_DOWN"))
        for t in ts:
            t.probability = float(share)
        total[stage] = total.get(stage, Decimal(0)) + share * len(ts)
    scaled = [stage for stage, sum_ in total.items() if sum_ > 1]
    for t in transitions:
        if t.from_ in scaled:
            share = Decimal(repr(t.probability)) / total[t.from_]
            t.probability = float(share.quantize(Decimal("0.0001"), "ROUND_DOWN"))
    return scaled


def _make_it_flow(journey: Journey, p: _Parser, where: dict[str, int]) -> None:
    """Entries, outcomes and arrivals so that the journey validates: entries where leads can start,
    a lost outcome for stages that cannot finish, and placeholder arrivals."""
    stages = journey.stages
    nexts: dict[str, list[str]] = {s.id: [] for s in stages}
    incoming = {s.id: 0 for s in stages}
    for t in journey.transitions:
        if t.probability > 0:
            nexts[t.from_].append(t.to)
            incoming[t.to] += 1
    open_ = [s for s in stages if s.kind == "open"]
    if open_ and not any(s.entry for s in open_):
        for s in open_:
            s.entry = incoming[s.id] == 0
        if not any(s.entry for s in open_):
            open_[0].entry = True
    reach = _reach([s.id for s in stages if s.entry], nexts)
    for s in open_:  # a loop nothing leads into: its first stage becomes an entry
        if s.id not in reach:
            s.entry = True
            p.note(where[s.id], f"stage {s.id!r} cannot be reached from an entry: made an entry")
            reach |= _reach([s.id], nexts)
    for s in stages:
        if s.kind != "open" and s.id not in reach:
            p.note(where[s.id], f"outcome {s.id!r} cannot be reached: left out")
    journey.stages = stages = [s for s in stages if s.kind == "open" or s.id in reach]
    if not any(s.kind != "open" for s in stages) or _dead_ends(journey, nexts):
        lost = next((s for s in stages if s.kind == "lost"), None)
        if lost is None:
            lost_id = next(x for x in ("lost", "lost_1", "lost_2", "lost_import") if journey.stage(x) is None)
            lost = Stage(id=lost_id, name="Lost", kind="lost")
            stages.append(lost)
            p.note(0, f"added a lost outcome {lost_id!r} so that every stage can finish")
        for sid in _dead_ends(journey, nexts) or [s.id for s in stages if s.kind == "open"][:1]:
            outgoing = [t for t in journey.transitions if t.from_ == sid]
            room = 1 - sum(t.probability for t in outgoing)
            prob = 0.01 if room >= 0.01 else 0.0
            if prob == 0.0:
                for t in outgoing:
                    t.probability = float(Decimal(repr(t.probability * 0.99)).quantize(Decimal("0.0001"), "ROUND_DOWN"))
                prob = 0.01
            journey.transitions.append(Transition(from_=sid, to=lost.id, probability=prob, notes="added by import"))
            nexts[sid].append(lost.id)
            p.note(where.get(sid, 0), f"stage {sid!r} could never finish: added a 1% weekly move to {lost.id!r}")
    entries = [s for s in stages if s.entry]
    if entries:
        journey.population = Population(arrivals={entries[0].id: PLACEHOLDER_ARRIVALS})
        p.note(
            where.get(entries[0].id, 0),
            f"{PLACEHOLDER_ARRIVALS:g} new leads a week arrive at {entries[0].id!r}: a placeholder, set your own",
        )


def _reach(starts: list[str], nexts: dict[str, list[str]]) -> set[str]:
    seen = set(starts)
    todo = list(starts)
    while todo:
        for b in nexts.get(todo.pop(), []):
            if b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


def _dead_ends(journey: Journey, nexts: dict[str, list[str]]) -> list[str]:
    """Open stages from which no outcome can be reached (walking backwards from the outcomes)."""
    back: dict[str, list[str]] = {s.id: [] for s in journey.stages}
    for a, bs in nexts.items():
        for b in bs:
            if b in back and a in back:
                back[b].append(a)
    done = _reach([s.id for s in journey.stages if s.kind != "open"], back)
    return [s.id for s in journey.stages if s.kind == "open" and s.id not in done]


def import_text(text: str, journey_id: str = "imported", title: str = "") -> ImportResult:
    """Read a Mermaid flowchart; the journey (and its canonical TOML) when it validates."""
    from journeytui.validate import validate_text

    p = _Parser(text.removeprefix("\ufeff"))
    try:
        p.run()
    except _Fail as exc:
        line, col = p.where(exc.offset)
        return ImportResult(None, [*p.notes, Note(line, col, "error", exc.message)])
    if not p.nodes:
        return ImportResult(None, [*p.notes, Note(1, 1, "error", "the flowchart has no nodes")])
    jid = p.journey_id or (journey_id if check_id(journey_id) is None else "imported")
    journey = _build(p, jid, p.title or title)
    if not any(s.kind == "open" for s in journey.stages):
        return ImportResult(None, [*p.notes, Note(1, 1, "error", "the flowchart has no stage a lead can be in")])
    toml = dumps(journey)
    checked = validate_text(toml, "<imported>")
    errors = [d for d in checked.diagnostics if d.is_error]
    notes = sorted(p.notes, key=lambda n: (n.line, n.column))
    if errors:  # a flowchart this module could not make valid: say what, write nothing
        return ImportResult(None, [*notes, *(Note(1, 1, "error", f"{d.code} {d.message}") for d in errors)])
    return ImportResult(journey, notes, toml)


def read_flowchart(path: str) -> tuple[str | None, Note | None]:
    """The text of a flowchart file (bounded, UTF-8), or why it cannot be read."""
    from journeytui.model.load import Unreadable, read_bytes

    try:
        data = read_bytes(path, limit=MAX_BYTES)
    except Unreadable as exc:
        message = str(exc)
        if "larger" in message or "too large" in message or "MB" in message:
            message = f"{path} is larger than {MAX_BYTES // 1024} KiB: too large to be a hand-written flowchart"
        return None, Note(1, 1, "error", message)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, Note(line, col, "error", f"not UTF-8 text ({exc.reason})")
