"""Lay a journey out as boxes and edges on a character canvas (plain Python, no Textual).

Stages are boxes, one row band each, ordered and indented by layer
(:meth:`Journey.stage_order`), so phases read as a staircase and stages of one layer
sit together. Forward edges run in lanes on the right, regressions (dashed) in lanes
on the left. Every edge has its own port rows and its own lane, so edges never merge
and each probability label belongs to exactly one edge. Widths are measured in
terminal cells, so double-width (Japanese) names stay aligned.

Large journeys (thousands of stages): :func:`layout` only computes the geometry, in
O(n log n); :class:`JourneyCanvas` draws the cells of a band of rows when it is first
shown (and keeps a few bands), so a 10,000-stage graph costs what the screen shows.
A stage that more than :data:`MAX_PORTS` edges end at on one side (a "hub", typically
"lost") does not get a lane per edge: each such edge is a short labelled stub at its
other end ("─1%─▶ lost"). An edge that would need a lane beyond :data:`MAX_LANES` is
drawn as stubs at both ends. Small journeys never meet either limit.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field

from rich.cells import cell_len, get_character_cell_size

from journeytui.diagnostics import Path
from journeytui.model.types import Journey, Stall, Transition
from journeytui.textsafe import visible

LABEL_ROOM = 8
"""Cells between the rightmost box and the first right lane (room for "─12.5%─")."""
LANE_STEP = 2
MIN_INNER, MAX_INNER = 12, 20
GAP = 1
"""Empty rows between two boxes."""
MAX_PORTS = 16
"""More edge ends than this on one side of a box make it a hub: those edges become stubs."""
MAX_LANES = 24
"""Lanes per side; an edge that would need more is drawn as stubs at both ends."""
BLOCK = 64
"""Rows drawn at once by :class:`JourneyCanvas`."""
CACHED_BLOCKS = 24
STUB_ID = 16
"""Cells of the other end's id written on a stub."""


@dataclass
class Edge:
    """One transition as drawn: endpoints, side and lane."""

    index: int
    src: int
    dst: int
    regression: bool
    label: str
    src_y: int = 0
    dst_y: int = 0
    lane: int = 0
    stub: bool = False
    """Drawn as short labelled stubs naming the other end, not in a lane."""
    at_src: bool = True
    """Has a port row (and, as a stub, a label) at its source box."""
    at_dst: bool = True
    src_text: str = ""
    dst_text: str = ""


@dataclass
class Box:
    """One stage as drawn."""

    index: int
    x: int
    y: int
    width: int
    height: int


@dataclass
class Canvas:
    """Characters, a style key and a hit (what a click selects) for every cell."""

    width: int
    height: int
    chars: list[list[str]] = field(default_factory=list)
    top: int = 0
    """The canvas row of this grid's first row (a band of a larger canvas)."""
    styles: list[list[str]] = field(default_factory=list)
    hits: list[list[int]] = field(default_factory=list)
    targets: list[Path] = field(default_factory=list)
    """hits[y][x] is an index into targets, or -1."""
    regions: dict[Path, tuple[int, int, int, int]] = field(default_factory=dict)
    """Bounding box (x, y, width, height) of each selectable element."""
    stage_order: list[int] = field(default_factory=list)
    """Stage indices top to bottom, for keyboard navigation."""

    ids: dict[Path, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.chars = [[" "] * self.width for _ in range(self.height)]
        self.styles = [[""] * self.width for _ in range(self.height)]
        self.hits = [[-1] * self.width for _ in range(self.height)]

    def target_id(self, path: Path) -> int:
        found = self.ids.get(path)
        if found is None:
            found = self.ids[path] = len(self.targets)
            self.targets.append(path)
        return found

    def row(self, y: int) -> tuple[list[str], list[str], list[int]]:
        """Characters, styles and hits of canvas row ``y``."""
        return self.chars[y], self.styles[y], self.hits[y]

    def put(self, x: int, y: int, text: str, style: str, hit: int = -1) -> int:
        """Write ``text`` at (x, y); returns the cell after it. Wide characters take two cells.

        The canvas goes to the terminal as it is, so ``text`` is made :func:`visible` here too
        (callers measure visible text already; this only guards).
        """
        y -= self.top
        if not 0 <= y < self.height:
            return x
        text = visible(text)
        n = len(text)
        if x >= 0 and x + n <= self.width and cell_len(text) == n:  # all narrow: write the run at once
            self.chars[y][x : x + n] = list(text)
            self.styles[y][x : x + n] = [style] * n
            if hit >= 0:
                self.hits[y][x : x + n] = [hit] * n
            return x + n
        for ch in text:
            w = get_character_cell_size(ch)
            if x + w > self.width:
                break
            if x >= 0:
                self.chars[y][x] = ch
                self.styles[y][x] = style
                if hit >= 0:
                    self.hits[y][x] = hit
                if w == 2:
                    self.chars[y][x + 1] = ""  # covered by the wide character on its left
                    self.styles[y][x + 1] = style
                    if hit >= 0:
                        self.hits[y][x + 1] = hit
            x += w
        return x

    def hit_at(self, x: int, y: int) -> Path | None:
        if 0 <= y < self.height and 0 <= x < self.width:
            i = self.row(y)[2][x]
            return self.targets[i] if i >= 0 else None
        return None

    def grow(self, path: Path, x: int, y: int, w: int = 1, h: int = 1) -> None:
        if path in self.regions:
            x0, y0, w0, h0 = self.regions[path]
            x1, y1 = max(x0 + w0, x + w), max(y0 + h0, y + h)
            x, y = min(x0, x), min(y0, y)
            w, h = x1 - x, y1 - y
        self.regions[path] = (x, y, w, h)


def fit(text: str, width: int) -> str:
    """``text`` made :func:`visible` and cut to at most ``width`` cells, with an ellipsis when cut."""
    text = visible(text)
    if cell_len(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        w = get_character_cell_size(ch)
        if used + w > width - 1:
            break
        out += ch
        used += w
    return out + "…"


def percent(p: float) -> str:
    return f"{p * 100:.3g}%"


def stall_text(s: Stall) -> str:
    return visible(f"⏸ {percent(s.probability)} {s.cause}".rstrip())


def _border_label(j: Journey, i: int, layer: int) -> str:
    s = j.stages[i]
    tags = [visible(s.id), f"P{layer}"]
    if s.entry:
        tags.append("entry")
    return " ".join(tags)


def _ports(mine: list[Edge], box: int) -> list[Edge]:
    """The edges ending on one side of a box, top to bottom: upward ones nearest first, then downward farthest first."""

    def dist(e: Edge) -> int:
        return (e.dst if e.src == box else e.src) - box

    up = sorted((e for e in mine if dist(e) < 0), key=lambda e: (-dist(e), e.index))
    down = sorted((e for e in mine if dist(e) > 0), key=lambda e: (-dist(e), e.index))
    return up + down


def _assign_lanes(edges: list[Edge]) -> int:
    """Greedy interval colouring, shortest spans innermost; returns the number of lanes.

    Each lane keeps its (disjoint) spans sorted, so testing a lane is a bisection. An edge
    that fits none of the first :data:`MAX_LANES` lanes becomes a stub at both ends.
    """
    starts: list[list[int]] = []
    ends: list[list[int]] = []
    for e in sorted(edges, key=lambda e: (abs(e.dst_y - e.src_y), e.index)):
        lo, hi = sorted((e.src_y, e.dst_y))
        for n in range(len(starts)):
            k = bisect_right(starts[n], hi) - 1
            if k < 0 or ends[n][k] < lo:  # the span starting last at or before hi ends before lo
                starts[n].insert(k + 1, lo)
                ends[n].insert(k + 1, hi)
                e.lane = n
                break
        else:
            if len(starts) >= MAX_LANES:
                e.stub = True
                continue
            starts.append([lo])
            ends.append([hi])
            e.lane = len(starts) - 1
    return len(starts)


class JourneyCanvas:
    """A laid-out journey whose cells are drawn a band of :data:`BLOCK` rows at a time, when shown.

    Same reading interface as :class:`Canvas` (``row``, ``hit_at``, ``regions``, ``targets``,
    ``stage_order``), so the widget does not care how large the journey is.
    """

    def __init__(self, j: Journey, width: int, height: int, boxes: list[Box], edges: list[Edge]) -> None:
        self.journey = j
        self.width, self.height = width, height
        self.boxes = boxes
        self.edges = edges
        self.targets: list[Path] = []
        self.ids: dict[Path, int] = {}
        self.regions: dict[Path, tuple[int, int, int, int]] = {}
        self.stage_order: list[int] = [b.index for b in boxes]
        self.marks: dict[int, tuple[str, str]] = {}
        """Stage index -> (badge, level): see :func:`mark_box`."""
        self.lanes_x = 0
        self.left_x = 0
        self.labels: dict[int, str] = {}
        self.stalls: dict[str, list[int]] = {}
        self._ys = [b.y for b in boxes]
        self._by_block: dict[int, list[Edge]] = {}
        self._blocks: OrderedDict[int, Canvas] = OrderedDict()

    # -- the Canvas reading interface -------------------------------------------------------
    def target_id(self, path: Path) -> int:
        found = self.ids.get(path)
        if found is None:
            found = self.ids[path] = len(self.targets)
            self.targets.append(path)
        return found

    def grow(self, path: Path, x: int, y: int, w: int = 1, h: int = 1) -> None:
        Canvas.grow(self, path, x, y, w, h)  # type: ignore[arg-type]

    def row(self, y: int) -> tuple[list[str], list[str], list[int]]:
        block = self._block(y // BLOCK)
        local = y - block.top
        return block.chars[local], block.styles[local], block.hits[local]

    def hit_at(self, x: int, y: int) -> Path | None:
        return Canvas.hit_at(self, x, y)  # type: ignore[arg-type]

    @property
    def chars(self) -> list[list[str]]:
        """Every row's characters (draws the whole journey: for tests and small journeys)."""
        return [self.row(y)[0] for y in range(self.height)]

    def set_marks(self, marks: dict[int, tuple[str, str]]) -> None:
        if marks != self.marks:
            self.marks = marks
            self._blocks.clear()

    # -- drawing on demand ------------------------------------------------------------------
    def index(self) -> None:
        """Note which edges touch which band of rows (after the geometry is known)."""
        for e in self.edges:
            if e.stub:
                rows = ([e.src_y] if e.at_src else []) + ([e.dst_y] if e.at_dst else [])
                blocks = sorted({y // BLOCK for y in rows})
            else:
                lo, hi = sorted((e.src_y, e.dst_y))
                blocks = list(range(lo // BLOCK, hi // BLOCK + 1))
            for b in blocks:
                self._by_block.setdefault(b, []).append(e)

    def _block(self, n: int) -> Canvas:
        block = self._blocks.get(n)
        if block is not None:
            self._blocks.move_to_end(n)
            return block
        top = n * BLOCK
        block = Canvas(self.width, max(0, min(BLOCK, self.height - top)), top=top)
        block.targets, block.ids = self.targets, self.ids
        for e in self._by_block.get(n, []):
            _draw_edge(block, e, self.boxes, self.lanes_x, self.left_x)
        first = max(0, bisect_right(self._ys, top) - 1)
        last = bisect_left(self._ys, top + BLOCK)
        j = self.journey
        for box in self.boxes[first:last]:
            if box.y + box.height <= top:
                continue
            _draw_box(block, j, box, self.labels[box.index], self.stalls.get(j.stages[box.index].id, []))
            if box.index in self.marks:
                badge, level = self.marks[box.index]
                mark_box(block, box, badge, level)
        self._blocks[n] = block
        while len(self._blocks) > CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        return block


def relayout(canvas: Canvas | JourneyCanvas, j: Journey) -> Canvas | JourneyCanvas:
    """``j`` laid out, reusing ``canvas``'s geometry when only transition probabilities changed
    (the common edit: a nudge, a probability typed in the inspector), so such an edit on a
    10,000-stage journey costs a pass over the transitions, not a new layout."""
    if not isinstance(canvas, JourneyCanvas) or not _same_shape(canvas.journey, j):
        return layout(j)
    before = canvas.journey.transitions
    for e in canvas.edges:
        t = j.transitions[e.index]
        if t is before[e.index]:  # edits share what they leave alone (model/edit.py): unchanged
            continue
        label = percent(t.probability) + ("*" if t.by_persona else "")
        if label != e.label:
            e.label = label
            if e.stub:
                b = canvas.boxes
                e.src_text, e.dst_text = _stub_texts(e, j.stages[b[e.src].index].id, j.stages[b[e.dst].index].id)
    canvas.journey = j
    canvas._blocks.clear()
    return canvas


def _same_shape(a: Journey, b: Journey) -> bool:
    """True when ``a`` and ``b`` differ at most in transition probabilities and overrides."""
    if a is b:
        return True
    if a.stages != b.stages or a.stalls != b.stalls or len(a.transitions) != len(b.transitions):
        return False
    return all(
        x is y or (x.from_ == y.from_ and x.to == y.to and bool(x.by_persona) == bool(y.by_persona))
        for x, y in zip(a.transitions, b.transitions, strict=True)
    )


def mark_box(canvas: Canvas, box: Box, badge: str, level: str) -> None:
    """Recolour ``box`` for ``level`` (``hot``, ``warm``) and write ``badge`` on its bottom border."""
    x, y, w, h = box.x, box.y, box.width, box.height
    if level:
        for row in range(max(y, canvas.top), min(y + h, canvas.top + canvas.height)):
            styles = canvas.styles[row - canvas.top]
            for col in range(x, min(x + w, canvas.width)):
                if styles[col] in ("box", "entry", "box-name", "entry-name"):
                    styles[col] = level + ("-name" if styles[col].endswith("-name") else "")
    if badge:
        canvas.put(x + 2, y + h - 1, " " + fit(badge, w - 6) + " ", "badge", canvas.target_id(("stages", box.index)))


def layout(j: Journey) -> Canvas | JourneyCanvas:
    """Lay ``j`` out. Transitions whose ends are unknown stages, and self-loops, are left out."""
    order = j.stage_order()
    first_index: dict[str, int] = {}
    for i, s in enumerate(j.stages):
        first_index.setdefault(s.id, i)
    kinds: dict[str, str] = {sid: j.stages[i].kind for sid, i in first_index.items()}
    rank = sorted(range(len(j.stages)), key=lambda i: (order.get(j.stages[i].id, i + 1), i))
    if not rank:
        empty = Canvas(44, 3)
        empty.put(1, 1, "No stages yet: press a to add the first one.", "hint")
        return empty
    row_of = {i: r for r, i in enumerate(rank)}  # stage index -> band
    layers = sorted({order.get(j.stages[i].id, i + 1) for i in rank})
    layer_rank = {v: n for n, v in enumerate(layers)}
    step = 2 if len(layers) <= 9 else max(0, 16 // max(1, len(layers) - 1))

    edges: list[Edge] = []
    for ti, t in enumerate(j.transitions):
        a, b = first_index.get(t.from_), first_index.get(t.to)
        if a is None or b is None or a == b:
            continue
        label = percent(t.probability) + ("*" if t.by_persona else "")
        edges.append(Edge(ti, row_of[a], row_of[b], _is_regression(t, order, kinds), label))

    stalls: dict[str, list[int]] = {}
    for si, st in enumerate(j.stalls):
        stalls.setdefault(st.stage, []).append(si)

    labels = {i: _border_label(j, i, order.get(j.stages[i].id, i + 1)) for i in rank}
    wanted = [cell_len(visible(j.stages[i].name)) for i in rank] + [cell_len(v) + 4 for v in labels.values()]
    wanted += [cell_len(stall_text(st)) for st in j.stalls]
    inner = max(MIN_INNER, min(MAX_INNER, max(wanted)))
    width = inner + 4

    # The edges ending on each side of each box; a side with too many makes the box a hub.
    sides: list[tuple[list[Edge], list[Edge]]] = [([], []) for _ in rank]
    for e in edges:
        side = 1 if e.regression else 0
        sides[e.src][side].append(e)
        sides[e.dst][side].append(e)
    for band, pair in enumerate(sides):
        for mine in pair:
            if len(mine) > MAX_PORTS:
                for e in mine:
                    e.stub = True
                    if e.src == band:
                        e.at_src = False
                    else:
                        e.at_dst = False

    def has_port(e: Edge, band: int) -> bool:
        return e.at_src if e.src == band else e.at_dst

    # Heights first: a box is tall enough for its content and for one port row per edge end.
    heights, ports_l, ports_r = [], [], []
    for r, i in enumerate(rank):
        right, left = sides[r]
        pl = _ports([e for e in left if has_port(e, r)], r)
        pr = _ports([e for e in right if has_port(e, r)], r)
        content = 1 + min(2, len(stalls.get(j.stages[i].id, [])))
        heights.append(2 + max(content, len(pl), len(pr)))
        ports_l.append(pl)
        ports_r.append(pr)
    ys = []
    y = 0
    for h in heights:
        ys.append(y)
        y += h + GAP
    for r in range(len(rank)):
        for k, e in enumerate(ports_l[r]):
            _set_end(e, r, ys[r] + 1 + k)
        for k, e in enumerate(ports_r[r]):
            _set_end(e, r, ys[r] + 1 + k)
    n_left = _assign_lanes([e for e in edges if e.regression and not e.stub])
    n_right = _assign_lanes([e for e in edges if not e.regression and not e.stub])

    ids = [j.stages[i].id for i in rank]
    for e in edges:
        if e.stub:
            e.src_text, e.dst_text = _stub_texts(e, ids[e.src], ids[e.dst])
    left_room = max(
        (cell_len(e.src_text if e.at_src else e.dst_text) for e in edges if e.stub and e.regression), default=0
    )
    x0 = (LANE_STEP * n_left + LABEL_ROOM) if n_left else 1
    x0 = max(x0, left_room + 1)
    stair = max(layer_rank.values()) * step
    lanes_x = x0 + stair + width + LABEL_ROOM
    right_room = max(
        (cell_len(e.src_text if e.at_src else e.dst_text) for e in edges if e.stub and not e.regression), default=0
    )
    canvas_width = max(lanes_x + LANE_STEP * n_right + 1, x0 + stair + width + right_room + 1)
    boxes = []
    for r, i in enumerate(rank):
        layer = order.get(j.stages[i].id, i + 1)
        boxes.append(Box(i, x0 + layer_rank[layer] * step, ys[r], width, heights[r]))

    canvas = JourneyCanvas(j, canvas_width, y - GAP, boxes, edges)
    canvas.lanes_x, canvas.left_x = lanes_x, min(b.x for b in boxes)
    canvas.labels, canvas.stalls = labels, stalls
    for e in edges:
        if e.stub and not (e.at_src or e.at_dst):
            continue
        canvas.target_id(("transitions", e.index))
        _edge_region(canvas, e, boxes, lanes_x, canvas.left_x)
    for box in boxes:
        canvas.target_id(("stages", box.index))
        shown = _shown_stalls(stalls.get(j.stages[box.index].id, []))
        for n, si in enumerate(shown):
            canvas.target_id(("stalls", si))
            canvas.grow(("stalls", si), box.x + 2, box.y + 2 + n, box.width - 4, 1)
        canvas.grow(("stages", box.index), box.x, box.y, box.width, box.height)
    canvas.index()
    return canvas


def _is_regression(t: Transition, order: dict[str, int], kinds: dict[str, str]) -> bool:
    """:meth:`Journey.is_regression`, with the stage kinds looked up once for all transitions."""
    try:
        a, b = order.get(t.from_), order.get(t.to)
        return a is not None and b is not None and b < a and kinds.get(t.to) == "open"
    except (KeyError, TypeError):
        return False


def _stub_texts(e: Edge, src_id: str, dst_id: str) -> tuple[str, str]:
    """What a stub edge shows at its source and at its destination (naming the other end)."""
    to, frm = fit(dst_id, STUB_ID), fit(src_id, STUB_ID)
    if e.regression:
        return f"{to} ◀┄{e.label}┄", f"{frm} ┄{e.label}┄▶"
    return f"─{e.label}─▶ {to}", f"◀─{e.label}─ {frm}"


def _shown_stalls(stall_indices: list[int]) -> list[int]:
    return stall_indices[:2] if len(stall_indices) <= 2 else stall_indices[:1]


def _set_end(e: Edge, band: int, y: int) -> None:
    if e.src == band:
        e.src_y = y
    if e.dst == band:
        e.dst_y = y


def _stub_places(e: Edge, boxes: list[Box]) -> list[tuple[int, int, str]]:
    """(x, y, text) of each drawn end of a stub edge."""
    out = []
    for at, band, y, text in ((e.at_src, e.src, e.src_y, e.src_text), (e.at_dst, e.dst, e.dst_y, e.dst_text)):
        if not at:
            continue
        box = boxes[band]
        x = box.x - 1 - cell_len(text) if e.regression else box.x + box.width
        out.append((x, y, text))
    return out


def _edge_region(canvas: JourneyCanvas, e: Edge, boxes: list[Box], lanes_x: int, left_x: int) -> None:
    path: Path = ("transitions", e.index)
    if e.stub:
        for x, y, text in _stub_places(e, boxes):
            canvas.grow(path, x, y, cell_len(text), 1)
        return
    src, dst = boxes[e.src], boxes[e.dst]
    if e.regression:
        x_lo = left_x - LABEL_ROOM - LANE_STEP * e.lane
        x_hi = max(src.x, dst.x)
    else:
        x = lanes_x + LANE_STEP * e.lane
        x_lo = min(src.x + src.width, dst.x + dst.width)
        x_hi = x + 1
    lo, hi = sorted((e.src_y, e.dst_y))
    canvas.grow(path, x_lo, lo, max(1, x_hi - x_lo), hi - lo + 1)


def _draw_edge(canvas: Canvas, e: Edge, boxes: list[Box], lanes_x: int, left_x: int) -> None:
    path: Path = ("transitions", e.index)
    hit = canvas.target_id(path)
    style = "regression" if e.regression else "edge"
    if e.stub:
        for x, y, text in _stub_places(e, boxes):
            canvas.put(x, y, text, style + "-label", hit)
        return
    src, dst = boxes[e.src], boxes[e.dst]
    down = e.dst_y > e.src_y
    if e.regression:
        # Lane 0 (the shortest spans) sits next to the boxes; outer lanes further left.
        x = left_x - LABEL_ROOM - LANE_STEP * e.lane
        h, v = "┄", "┆"
        _hline(canvas, x + 1, src.x - 1, e.src_y, h, style, hit)
        label = f" {e.label} "
        canvas.put(src.x - 1 - cell_len(label), e.src_y, label, style + "-label", hit)
        _hline(canvas, x + 1, dst.x - 2, e.dst_y, h, style, hit)
        canvas.put(dst.x - 1, e.dst_y, "▶", style, hit)
        canvas.put(x, e.src_y, "╭" if down else "╰", style, hit)
        canvas.put(x, e.dst_y, "╰" if down else "╭", style, hit)
    else:
        x = lanes_x + LANE_STEP * e.lane
        h, v = "─", "│"
        _hline(canvas, src.x + src.width, x - 1, e.src_y, h, style, hit)
        canvas.put(src.x + src.width + 1, e.src_y, e.label, style + "-label", hit)
        _hline(canvas, dst.x + dst.width + 1, x - 1, e.dst_y, h, style, hit)
        canvas.put(dst.x + dst.width, e.dst_y, "◀", style, hit)
        canvas.put(x, e.src_y, "┐" if down else "┘", style, hit)
        canvas.put(x, e.dst_y, "┘" if down else "┐", style, hit)
    lo, hi = sorted((e.src_y, e.dst_y))
    top = canvas.top
    if 0 <= x < canvas.width:
        for y in range(max(top, lo + 1), min(top + canvas.height, hi)):
            row = y - top
            canvas.chars[row][x] = "┼" if canvas.chars[row][x] in ("─", "┄") else v
            canvas.styles[row][x] = style
            canvas.hits[row][x] = hit


def _hline(canvas: Canvas, x_from: int, x_to: int, y: int, ch: str, style: str, hit: int) -> None:
    """A horizontal run of ``ch`` (one cell wide), crossing vertical lanes with ``┼``."""
    y -= canvas.top
    if not 0 <= y < canvas.height:
        return
    chars, styles, hits = canvas.chars[y], canvas.styles[y], canvas.hits[y]
    for x in range(max(0, x_from), min(canvas.width - 1, x_to) + 1):
        chars[x] = "┼" if chars[x] in ("│", "┆") else ch
        styles[x] = style
        if hit >= 0:
            hits[x] = hit


def _draw_box(canvas: Canvas, j: Journey, box: Box, label: str, stall_indices: list[int]) -> None:
    stage = j.stages[box.index]
    path: Path = ("stages", box.index)
    hit = canvas.target_id(path)
    style = {"won": "won", "lost": "lost"}.get(stage.kind, "entry" if stage.entry else "box")
    tl, tr, bl, br, hz, vt = ("╔", "╗", "╚", "╝", "═", "║") if stage.kind != "open" else ("┌", "┐", "└", "┘", "─", "│")
    x, y, w, h = box.x, box.y, box.width, box.height
    inner = w - 4
    top = f"{tl}{hz} {fit(label, inner)} "
    top += hz * (w - 1 - cell_len(top)) + tr
    canvas.put(x, y, top, style, hit)
    middle = vt + " " * (w - 2) + vt
    for row in range(max(y + 1, canvas.top), min(y + h - 1, canvas.top + canvas.height)):
        canvas.put(x, row, middle, style, hit)
    canvas.put(x, y + h - 1, bl + hz * (w - 2) + br, style, hit)
    canvas.put(x + 2, y + 1, fit(stage.name, inner), style + "-name", hit)
    for n, si in enumerate(_shown_stalls(stall_indices)):
        st = j.stalls[si]
        canvas.put(x + 2, y + 2 + n, fit(stall_text(st), inner), "stall", canvas.target_id(("stalls", si)))
    if len(stall_indices) > 2:
        canvas.put(x + 2, y + 3, fit(f"⏸ +{len(stall_indices) - 1} more stalls", inner), "stall", hit)
