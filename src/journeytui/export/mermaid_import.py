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

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from journeytui.export.mermaid_parse import (
    INVISIBLE,
    MAX_EDGES,
    MAX_NODES,
    Edge,
    Group,
    Node,
    Note,
    ParseError,
    Parser,
    label_lines,
)
from journeytui.model.save import dumps
from journeytui.model.structure import check_id
from journeytui.model.types import Journey, JourneyMeta, Population, Stage, Transition

__all__ = [
    "MAX_BYTES",
    "MAX_EDGES",
    "MAX_NODES",
    "ImportResult",
    "Note",
    "import_text",
    "label_lines",
    "parse_probability",
    "read_flowchart",
]

MAX_BYTES = 1024 * 1024
"""A flowchart is hand-written; Mermaid itself refuses more than 50,000 characters by default."""
DEFAULT_PROBABILITY = 0.1
PLACEHOLDER_ARRIVALS = 100.0
WON_WORDS = re.compile(
    r"\b(?:won|win|closed[ _-]?won|customers?|purchased?)\b|受注|成約|契約|購入|導入決定", re.IGNORECASE
)
LOST_WORDS = re.compile(
    r"\b(?:lost|lose|closed[ _-]?lost|churn(?:ed)?|dropped|drop[ _-]?out)\b|失注|離脱|失敗|見送り|他社", re.IGNORECASE
)


@dataclass
class ImportResult:
    journey: Journey | None
    notes: list[Note] = field(default_factory=list)
    text: str = ""
    """The journey in canonical TOML (empty when there were errors)."""

    @property
    def ok(self) -> bool:
        return self.journey is not None and not any(n.severity == "error" for n in self.notes)


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


# -- from the parse to a journey -----------------------------------------------------------------
_PHASE_TITLE = re.compile(r"^\s*(?:phase|フェーズ|step|ステップ|段階)\s*(\d{1,4})\b", re.IGNORECASE)


def _phase_numbers(groups: list[Group], p: Parser) -> list[int]:
    numbers: list[int] = []
    for n, g in enumerate(groups, start=1):
        m = _PHASE_TITLE.match(g.title)
        number = int(m.group(1)) if m else n
        if number > 1000 or number in numbers:
            p.note(g.offset, f"subgraph {g.title!r}: phase {number} cannot be used; numbered by position instead")
            number = max([0, *numbers]) + 1
        numbers.append(number)
    return numbers


def _kind_of(node: Node) -> str | None:
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


def _stage_ids(p: Parser) -> dict[str, str]:
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

    edge: Edge
    probability: float | None
    cause: str
    notes: str


def _links(p: Parser) -> list[_Link]:
    """The edges that can be transitions (not to itself, one per pair, not invisible), labels read."""
    pairs: set[tuple[str, str]] = set()
    out: list[_Link] = []
    for e in p.edges:
        if e.label == INVISIBLE:
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


def _stages(p: Parser, links: list[_Link], ids: dict[str, str]) -> list[Stage]:
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


def _transitions(p: Parser, links: list[_Link], ids: dict[str, str], stages: list[Stage]) -> list[Transition]:
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


def _build(p: Parser, journey_id: str, title: str) -> Journey:
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


def _make_it_flow(journey: Journey, p: Parser, where: dict[str, int]) -> None:
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

    p = Parser(text.removeprefix("\ufeff"))
    try:
        p.run()
    except ParseError as exc:
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
