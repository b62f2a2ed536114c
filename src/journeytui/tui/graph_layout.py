"""Lay a journey out as boxes and edges on a character canvas (plain Python, no Textual).

Stages are boxes, one row band each, ordered and indented by layer
(:meth:`Journey.stage_order`), so phases read as a staircase and stages of one layer
sit together. Forward edges run in lanes on the right, regressions (dashed) in lanes
on the left. Every edge has its own port rows and its own lane, so edges never merge
and each probability label belongs to exactly one edge. Widths are measured in
terminal cells, so double-width (Japanese) names stay aligned.

Large journeys (thousands of stages): :func:`layout` computes only the geometry, with
numpy over all edge ends at once (one sort for every box's port rows) and one greedy pass
for the lanes (a bisection per lane tried), near-linear: 43, 93 and 210 ms of CPU for
10,000, 20,000 and 40,000 generated stages (the lanes' sorted lists, whose insertions move
memory, 9, 18 and 46 ms of it). Everything else is made when it is first asked for:
:class:`JourneyCanvas` draws the cells of a band of rows when it is first shown (and
keeps a few bands), and each element's region, each edge's :class:`Edge` and each box's
border label are computed on demand. So a 10,000-stage graph costs its geometry plus
what the screen shows. The geometry itself cannot be cut to the first screen and stay
exact: the number of regression lanes, decided by the whole journey, sets every box's
column. A stage that more than :data:`MAX_PORTS` edges end at on one side (a "hub",
typically "lost") does not get a lane per edge: each such edge is a short labelled stub
at its other end ("─1%─▶ lost"). An edge that would need a lane beyond :data:`MAX_LANES`
is drawn as stubs at both ends. Small journeys never meet either limit.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from rich.cells import cell_len, get_character_cell_size

from journeytui.diagnostics import Path
from journeytui.model.types import Journey, Stall
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

Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]


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
    lookup: Callable[[Path], int] | None = None
    """For a band of a :class:`JourneyCanvas`: the hit number of an element (its ``ids``)."""

    def __post_init__(self) -> None:
        self.chars = [[" "] * self.width for _ in range(self.height)]
        self.styles = [[""] * self.width for _ in range(self.height)]
        self.hits = [[-1] * self.width for _ in range(self.height)]

    def target_id(self, path: Path) -> int:
        if self.lookup is not None:
            return self.lookup(path)
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


def _cells(text: str) -> int:
    """``cell_len(visible(text))``, without the calls for plain ASCII (most names and ids)."""
    if text.isascii() and text.isprintable():
        return len(text)
    return cell_len(visible(text))


def _union(a: tuple[int, int, int, int] | None, x: int, y: int, w: int, h: int) -> tuple[int, int, int, int]:
    """The bounding box of ``a`` and (x, y, w, h): what :meth:`Canvas.grow` keeps."""
    if a is None:
        return x, y, w, h
    x0, y0, w0, h0 = a
    x1, y1 = max(x0 + w0, x + w), max(y0 + h0, y + h)
    x, y = min(x0, x), min(y0, y)
    return x, y, x1 - x, y1 - y


def _assign_lanes(src_y: Ints, dst_y: Ints, chosen: Ints, lane: Ints, stub: Flags) -> int:
    """Greedy interval colouring of the edges ``chosen``, shortest spans innermost (ties: file
    order); writes ``lane`` and returns the number of lanes.

    Each lane keeps its (disjoint) spans sorted, so testing a lane is a bisection. An edge
    that fits none of the first :data:`MAX_LANES` lanes becomes a stub at both ends.
    """
    lo_all, hi_all = np.minimum(src_y, dst_y), np.maximum(src_y, dst_y)
    order = chosen[np.lexsort((chosen, (hi_all - lo_all)[chosen]))]
    starts: list[list[int]] = []
    ends: list[list[int]] = []
    placed: list[int] = []
    overflow: list[int] = []
    for lo, hi in zip(lo_all[order].tolist(), hi_all[order].tolist(), strict=True):
        for n in range(len(starts)):
            k = bisect_right(starts[n], hi) - 1
            if k < 0 or ends[n][k] < lo:  # the span starting last at or before hi ends before lo
                starts[n].insert(k + 1, lo)
                ends[n].insert(k + 1, hi)
                placed.append(n)
                break
        else:
            if len(starts) >= MAX_LANES:
                placed.append(0)
                overflow.append(len(placed) - 1)
                continue
            starts.append([lo])
            ends.append([hi])
            placed.append(len(starts) - 1)
    lane[order] = placed
    stub[order[overflow]] = True
    return len(starts)


class _Edges:
    """Every drawn transition's geometry as arrays, in file order (``k``: position here);
    its :class:`Edge` is made when first asked for."""

    def __init__(
        self,
        index: Ints,
        src: Ints,
        dst: Ints,
        regression: Flags,
        labels: list[str],
        src_y: Ints,
        dst_y: Ints,
        lane: Ints,
        stub: Flags,
        at_src: Flags,
        at_dst: Flags,
        transitions: int,
        band_ids: list[str],
    ) -> None:
        self.count = len(index)
        self.src_y, self.dst_y = src_y, dst_y
        self.lo, self.hi = np.minimum(src_y, dst_y), np.maximum(src_y, dst_y)
        self.stub, self.at_src, self.at_dst = stub, at_src, at_dst
        self.labels = labels
        """Each edge's label now (:func:`relayout` changes them)."""
        self.labels0 = list(labels)
        """The labels when laid out: the regions are measured with these."""
        self.band_ids = band_ids
        self.k_of = np.full(transitions, -1, dtype=np.int64)
        self.k_of[index] = np.arange(self.count)
        self._rows = (
            index.tolist(),
            src.tolist(),
            dst.tolist(),
            regression.tolist(),
            src_y.tolist(),
            dst_y.tolist(),
            lane.tolist(),
            stub.tolist(),
            at_src.tolist(),
            at_dst.tolist(),
        )
        self._made: dict[int, Edge] = {}

    def edge(self, k: int) -> Edge:
        e = self._made.get(k)
        if e is None:
            ti, s, d, reg, sy, dy, lane, stub, at_s, at_d = (column[k] for column in self._rows)
            e = Edge(ti, s, d, reg, self.labels[k], sy, dy, lane, stub, at_s, at_d)
            if stub:
                e.src_text, e.dst_text = _stub_texts(e, self.band_ids[s], self.band_ids[d])
            self._made[k] = e
        return e

    def relabel(self, k: int, label: str) -> None:
        self.labels[k] = label
        self._made.pop(k, None)

    def hidden(self, k: int) -> bool:
        """A stub at two hubs: not drawn, not selectable in the graph."""
        rows = self._rows
        return bool(rows[7][k] and not rows[8][k] and not rows[9][k])

    def touching(self, top: int, bottom: int) -> list[int]:
        """The edges drawn on rows ``top`` to ``bottom`` (excluded), in file order."""
        src_in = self.at_src & (self.src_y >= top) & (self.src_y < bottom)
        dst_in = self.at_dst & (self.dst_y >= top) & (self.dst_y < bottom)
        lanes = ~self.stub & (self.lo < bottom) & (self.hi >= top)
        found: list[int] = np.flatnonzero(lanes | (self.stub & (src_in | dst_in))).tolist()
        return found

    def region(self, k: int, boxes: list[Box], lanes_x: int, left_x: int) -> tuple[int, int, int, int]:
        """The bounding box of edge ``k`` as laid out (labels as they were then)."""
        ti, s, d, reg, sy, dy, lane, stub, at_s, at_d = (column[k] for column in self._rows)
        e = Edge(ti, s, d, reg, self.labels0[k], sy, dy, lane, stub, at_s, at_d)
        found: tuple[int, int, int, int] | None = None
        if stub:
            e.src_text, e.dst_text = _stub_texts(e, self.band_ids[s], self.band_ids[d])
            for x, y, text in _stub_places(e, boxes):
                found = _union(found, x, y, cell_len(text), 1)
            assert found is not None  # hidden edges have no region
            return found
        src, dst = boxes[s], boxes[d]
        if reg:
            x_lo = left_x - LABEL_ROOM - LANE_STEP * lane
            x_hi = max(src.x, dst.x)
        else:
            x = lanes_x + LANE_STEP * lane
            x_lo = min(src.x + src.width, dst.x + dst.width)
            x_hi = x + 1
        lo, hi = sorted((sy, dy))
        return x_lo, lo, max(1, x_hi - x_lo), hi - lo + 1


KINDS = ("transitions", "stages", "stalls")
"""Hit numbers of a :class:`JourneyCanvas`: ``3 * index + KINDS.index(kind)``."""


class _Regions(Mapping[Path, tuple[int, int, int, int]]):
    """Bounding box (x, y, width, height) of each selectable element, computed when asked."""

    def __init__(self, canvas: JourneyCanvas) -> None:
        self._canvas = canvas
        self._found: dict[Path, tuple[int, int, int, int]] = {}
        self._keys: list[Path] | None = None
        self._by_id: dict[str, list[int]] | None = None

    def __getitem__(self, path: Path) -> tuple[int, int, int, int]:
        try:
            found = self._found.get(path)
        except TypeError:  # not a path
            raise KeyError(path) from None
        if found is None:
            found = self._found[path] = self._compute(path)
        return found

    def _compute(self, path: Path) -> tuple[int, int, int, int]:
        c = self._canvas
        if not isinstance(path, tuple) or len(path) != 2 or not isinstance(path[1], int):
            raise KeyError(path)
        kind, i = path[0], path[1]
        if kind == "stages" and 0 <= i < len(c.row_of):
            b = c.boxes[c.row_of[i]]
            return b.x, b.y, b.width, b.height
        if kind == "transitions" and 0 <= i < len(c.edge_rows.k_of):
            k = int(c.edge_rows.k_of[i])
            if k >= 0 and not c.edge_rows.hidden(k):
                return c.edge_rows.region(k, c.boxes, c.lanes_x, c.left_x)
        if kind == "stalls" and 0 <= i < len(c.stall_stages):
            stage = c.stall_stages[i]
            shown = _shown_stalls(c.stalls.get(stage, []))
            if i in shown:
                n = shown.index(i)
                found: tuple[int, int, int, int] | None = None
                for s in self._stages_with_id().get(stage, []):
                    b = c.boxes[c.row_of[s]]
                    found = _union(found, b.x + 2, b.y + 2 + n, b.width - 4, 1)
                if found is not None:
                    return found
        raise KeyError(path)

    def _stages_with_id(self) -> dict[str, list[int]]:
        if self._by_id is None:
            self._by_id = {}
            for i, s in enumerate(self._canvas.laid_out.stages):
                self._by_id.setdefault(s.id, []).append(i)
        return self._by_id

    def keys_list(self) -> list[Path]:
        if self._keys is None:
            c = self._canvas
            edges = c.edge_rows
            keys: list[Path] = [("transitions", ti) for k, ti in enumerate(edges._rows[0]) if not edges.hidden(k)]
            keys += [("stages", i) for i in range(len(c.row_of))]
            by_id = self._stages_with_id()
            keys += [
                ("stalls", si)
                for si, stage in enumerate(c.stall_stages)
                if stage in by_id and si in _shown_stalls(c.stalls.get(stage, []))
            ]
            self._keys = keys
        return self._keys

    def __iter__(self) -> Iterator[Path]:
        return iter(self.keys_list())

    def __len__(self) -> int:
        return len(self.keys_list())


class _Ids(Mapping[Path, int]):
    """The hit number of each selectable element (see :data:`KINDS`)."""

    def __init__(self, regions: _Regions) -> None:
        self._regions = regions

    @staticmethod
    def code(path: Path) -> int:
        return 3 * int(path[1]) + KINDS.index(str(path[0]))

    def __getitem__(self, path: Path) -> int:
        if path not in self._regions:
            raise KeyError(path)
        return self.code(path)

    def __iter__(self) -> Iterator[Path]:
        return iter(self._regions)

    def __len__(self) -> int:
        return len(self._regions)


class _Targets:
    """The element of each hit number (see :data:`KINDS`)."""

    def __getitem__(self, hit: int) -> Path:
        return (KINDS[hit % 3], hit // 3)


class JourneyCanvas:
    """A laid-out journey whose cells are drawn a band of :data:`BLOCK` rows at a time, when shown.

    Same reading interface as :class:`Canvas` (``row``, ``hit_at``, ``regions``, ``ids``,
    ``targets``, ``stage_order``), so the widget does not care how large the journey is.
    """

    def __init__(self, j: Journey, width: int, height: int, boxes: list[Box], edges: _Edges, row_of: list[int]) -> None:
        self.journey = j
        """The journey drawn (:func:`relayout` replaces it by an edit of the same shape)."""
        self.laid_out = j
        """The journey laid out."""
        self.width, self.height = width, height
        self.boxes = boxes
        self.edge_rows = edges
        self.row_of = row_of
        """Stage index -> its band (box)."""
        self.stage_order: list[int] = [b.index for b in boxes]
        self.marks: dict[int, tuple[str, str]] = {}
        """Stage index -> (badge, level): see :func:`mark_box`."""
        self.lanes_x = 0
        self.left_x = 0
        self.layers: list[int] = []
        self.stalls: dict[str, list[int]] = {}
        self.stall_stages = [st.stage for st in j.stalls]
        self.regions = _Regions(self)
        self.ids = _Ids(self.regions)
        self.targets = _Targets()
        self._labels: dict[int, str] = {}
        self._ys = [b.y for b in boxes]
        self._blocks: OrderedDict[int, Canvas] = OrderedDict()

    # -- the Canvas reading interface -------------------------------------------------------
    def row(self, y: int) -> tuple[list[str], list[str], list[int]]:
        block = self._block(y // BLOCK)
        local = y - block.top
        return block.chars[local], block.styles[local], block.hits[local]

    def hit_at(self, x: int, y: int) -> Path | None:
        if 0 <= y < self.height and 0 <= x < self.width:
            i = self.row(y)[2][x]
            return self.targets[i] if i >= 0 else None
        return None

    @property
    def chars(self) -> list[list[str]]:
        """Every row's characters (draws the whole journey: for tests and small journeys)."""
        return [self.row(y)[0] for y in range(self.height)]

    @property
    def edges(self) -> list[Edge]:
        """Every drawn transition as an :class:`Edge` (makes them all: for tests)."""
        return [self.edge_rows.edge(k) for k in range(self.edge_rows.count)]

    def label(self, i: int) -> str:
        """The border label of stage ``i``'s box ("id P3 entry")."""
        found = self._labels.get(i)
        if found is None:
            found = self._labels[i] = _border_label(self.laid_out, i, self.layers[i])
        return found

    def set_marks(self, marks: dict[int, tuple[str, str]]) -> None:
        if marks != self.marks:
            self.marks = marks
            self._blocks.clear()

    # -- drawing on demand ------------------------------------------------------------------
    def _block(self, n: int) -> Canvas:
        block = self._blocks.get(n)
        if block is not None:
            self._blocks.move_to_end(n)
            return block
        top = n * BLOCK
        block = Canvas(self.width, max(0, min(BLOCK, self.height - top)), top=top, lookup=_Ids.code)
        edges = self.edge_rows
        for k in edges.touching(top, top + BLOCK):
            _draw_edge(block, edges.edge(k), self.boxes, self.lanes_x, self.left_x)
        first = max(0, bisect_right(self._ys, top) - 1)
        last = bisect_left(self._ys, top + BLOCK)
        j = self.journey
        for box in self.boxes[first:last]:
            if box.y + box.height <= top:
                continue
            _draw_box(block, j, box, self.label(box.index), self.stalls.get(j.stages[box.index].id, []))
            if box.index in self.marks:
                badge, level = self.marks[box.index]
                mark_box(block, box, badge, level)
        self._blocks[n] = block
        while len(self._blocks) > CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        return block


def _label_of(probability: Any, by_persona: Any) -> str:
    return percent(probability) + ("*" if by_persona else "")


def relayout(canvas: Canvas | JourneyCanvas, j: Journey) -> Canvas | JourneyCanvas:
    """``j`` laid out, reusing ``canvas``'s geometry when only transition probabilities changed
    (the common edit: a nudge, a probability typed in the inspector), so such an edit on a
    10,000-stage journey costs a pass over the transitions, not a new layout."""
    if not isinstance(canvas, JourneyCanvas) or not _same_shape(canvas.journey, j):
        return layout(j)
    before = canvas.journey.transitions
    edges = canvas.edge_rows
    # edits share what they leave alone (model/edit.py): only the other transitions can have changed
    for ti in [i for i, (x, y) in enumerate(zip(before, j.transitions, strict=True)) if x is not y]:
        k = int(edges.k_of[ti])
        if k >= 0:
            t = j.transitions[ti]
            label = _label_of(t.probability, t.by_persona)
            if label != edges.labels[k]:
                edges.relabel(k, label)
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


STUB_FRAMES = {
    (True, True): (" ◀┄", "┄"),
    (True, False): (" ┄", "┄▶"),
    (False, True): ("─", "─▶ "),
    (False, False): ("◀─", "─ "),
}
"""(regression, at the source): the text around a stub's label (see :func:`_stub_texts`)."""


def layout(j: Journey) -> Canvas | JourneyCanvas:
    """Lay ``j`` out. Transitions whose ends are unknown stages, and self-loops, are left out."""
    stages = j.stages
    n = len(stages)
    if not n:
        empty = Canvas(44, 3)
        empty.put(1, 1, "No stages yet: press a to add the first one.", "hint")
        return empty
    order = j.stage_order()
    ids = [s.id for s in stages]
    layer_of = [order[sid] for sid in ids]
    rank = sorted(range(n), key=layer_of.__getitem__)  # stable: by (layer, file position)
    layers = sorted(set(layer_of))
    layer_rank = {v: r for r, v in enumerate(layers)}
    lrank = np.array([layer_rank[v] for v in layer_of], dtype=np.int64)
    step = 2 if len(layers) <= 9 else max(0, 16 // max(1, len(layers) - 1))
    rank_a = np.array(rank, dtype=np.int64)
    row_of = np.empty(n, dtype=np.int64)
    row_of[rank_a] = np.arange(n)
    first_index = dict(zip(reversed(ids), range(n - 1, -1, -1), strict=True))  # id -> its first stage

    # The edges: transitions between two known, different stages, in file order.
    ts = j.transitions
    get = first_index.get
    a_all = np.array([get(t.from_, -1) for t in ts], dtype=np.int64)
    b_all = np.array([get(t.to, -1) for t in ts], dtype=np.int64)
    index = np.flatnonzero((a_all >= 0) & (b_all >= 0) & (a_all != b_all))
    a, b = a_all[index], b_all[index]
    src, dst = row_of[a], row_of[b]
    is_open = np.array([s.kind == "open" for s in stages], dtype=bool)
    regression = (lrank[b] < lrank[a]) & is_open[b]  # back to an earlier layer's open stage
    kept = [ts[ti] for ti in index.tolist()]
    probabilities = [t.probability for t in kept]
    shown = {p: percent(p) for p in set(probabilities) if p}  # zero: -0.0 and 0 read differently
    labels = [
        (shown[p] if p else percent(p)) + ("*" if t.by_persona else "")
        for p, t in zip(probabilities, kept, strict=True)
    ]
    m = len(kept)

    # The edge ends on each side of each band (0: right, forward; 1: left, regressions); a side
    # with too many makes the box a hub, and the edges ending there stubs.
    side = regression.astype(np.int64)
    at_s_side, at_d_side = src * 2 + side, dst * 2 + side
    ends = np.bincount(at_s_side, minlength=2 * n) + np.bincount(at_d_side, minlength=2 * n)
    hub = ends > MAX_PORTS
    at_src, at_dst = ~hub[at_s_side], ~hub[at_d_side]
    stub = ~(at_src & at_dst)

    # Port rows: on each side of each box, upward edges nearest first, then downward ones
    # farthest first (ties in file order): one sort of every port at once.
    from_src = np.flatnonzero(at_src)
    port_edge = np.concatenate((from_src, np.flatnonzero(at_dst)))
    port_band = np.concatenate((src[at_src], dst[at_dst]))
    port_side = np.concatenate((at_s_side[at_src], at_d_side[at_dst]))
    toward = port_band - np.concatenate((dst[at_src], src[at_dst]))  # > 0: the other end is above
    sort = np.lexsort((port_edge, toward, toward < 0, port_side))
    per_side = np.bincount(port_side, minlength=2 * n)

    stalls: dict[str, list[int]] = {}
    for si, st in enumerate(j.stalls):
        stalls.setdefault(st.stage, []).append(si)
    content = np.array([1 + min(2, len(stalls.get(ids[i], ()))) for i in rank], dtype=np.int64)
    heights = 2 + np.maximum(content, np.maximum(per_side[0::2], per_side[1::2]))
    ys = np.zeros(n, dtype=np.int64)
    ys[1:] = np.cumsum(heights + GAP)[:-1]
    sorted_side = port_side[sort]
    port_y = ys[port_band[sort]] + 1 + np.arange(len(sort)) - np.searchsorted(sorted_side, sorted_side)
    src_y = np.zeros(m, dtype=np.int64)
    dst_y = np.zeros(m, dtype=np.int64)
    at_source = sort < len(from_src)
    src_y[port_edge[sort[at_source]]] = port_y[at_source]
    dst_y[port_edge[sort[~at_source]]] = port_y[~at_source]

    lane = np.zeros(m, dtype=np.int64)
    n_left = _assign_lanes(src_y, dst_y, np.flatnonzero(regression & ~stub), lane, stub)
    n_right = _assign_lanes(src_y, dst_y, np.flatnonzero(~regression & ~stub), lane, stub)

    # Widths. A box fits the longest name, border label and stall text (within the limits).
    names = [s.name for s in stages]
    wanted = max(map(len if _plain("".join(names)) else _cells, names))
    if wanted < MAX_INNER:
        if _plain("".join(ids)):  # "id P3 entry": the id, the layer, and "entry" on entry stages
            layer_cells = {v: len(f"P{v}") for v in layers}
            cells = np.fromiter(map(len, ids), dtype=np.int64, count=n)
            cells += np.array([layer_cells[v] for v in layer_of], dtype=np.int64)
            cells += 6 * np.fromiter((s.entry for s in stages), dtype=bool, count=n)
            wanted = max(wanted, int(cells.max()) + 1 + 4)
        else:
            wanted = max(wanted, *(cell_len(_border_label(j, i, layer_of[i])) + 4 for i in range(n)))
    if wanted < MAX_INNER and j.stalls:
        # each different text once (zero probabilities apart: 0.0 and -0.0 are equal keys)
        texts = {(st.probability, st.cause): st for st in j.stalls if st.probability}
        distinct = [*texts.values(), *(st for st in j.stalls if not st.probability)]
        wanted = max(wanted, *(cell_len(stall_text(st)) for st in distinct))
    inner = max(MIN_INNER, min(MAX_INNER, wanted))
    width = inner + 4

    band_ids = [ids[i] for i in rank]
    left_room, right_room = _stub_rooms(regression, stub, at_src, src, dst, labels, band_ids)
    x0 = (LANE_STEP * n_left + LABEL_ROOM) if n_left else 1
    x0 = max(x0, left_room + 1)
    stair = (len(layers) - 1) * step
    lanes_x = x0 + stair + width + LABEL_ROOM
    canvas_width = max(lanes_x + LANE_STEP * n_right + 1, x0 + stair + width + right_room + 1)
    xs = x0 + lrank[rank_a] * step
    boxes = [
        Box(i, x, y, width, h) for i, x, y, h in zip(rank, xs.tolist(), ys.tolist(), heights.tolist(), strict=True)
    ]
    edges = _Edges(index, src, dst, regression, labels, src_y, dst_y, lane, stub, at_src, at_dst, len(ts), band_ids)
    canvas = JourneyCanvas(j, canvas_width, int(ys[-1] + heights[-1]), boxes, edges, row_of.tolist())
    canvas.lanes_x, canvas.left_x = lanes_x, int(xs.min())
    canvas.layers, canvas.stalls = layer_of, stalls
    return canvas


def _stub_rooms(
    regression: Flags, stub: Flags, at_src: Flags, src: Ints, dst: Ints, labels: list[str], band_ids: list[str]
) -> tuple[int, int]:
    """The cells the widest stub text takes on the left (regressions) and on the right: each
    stub measured at its source when it has a port there, else at its destination."""
    stubs = np.flatnonzero(stub)
    if not len(stubs):
        return 0, 0
    named = np.where(at_src, dst, src)[stubs]  # the other end, written on the stub
    reg, here = regression[stubs], at_src[stubs]
    texts = [labels[k] for k in stubs.tolist()]
    ends, which = np.unique(named, return_inverse=True)
    end_ids = [band_ids[band] for band in ends.tolist()]
    fits = np.array([cell_len(fit(sid, STUB_ID)) if _plain(sid) else -1 for sid in end_ids], dtype=np.int64)
    frames = np.array(
        [
            cell_len(before) + cell_len(after)
            for before, after in (STUB_FRAMES[r, h] for r in (False, True) for h in (False, True))
        ],
        dtype=np.int64,
    )
    cells = frames[reg * 2 + here] + np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + fits[which]
    exact = fits[which] < 0
    if not "".join(texts).isascii():
        exact |= np.array([not t.isascii() for t in texts])
    for q in np.flatnonzero(exact).tolist():  # measured whole: joiners and selectors go with what they follow
        sid, label = band_ids[int(named[q])], texts[q]
        before, after = STUB_FRAMES[bool(reg[q]), bool(here[q])]
        framed = f"{before}{label}{after}"
        cells[q] = cell_len(f"{fit(sid, STUB_ID)}{framed}" if reg[q] else f"{framed}{fit(sid, STUB_ID)}")
    return int(cells[reg].max(initial=0)), int(cells[~reg].max(initial=0))


def _plain(text: str) -> bool:
    """Printable ASCII only: one cell a character, and shown as it is."""
    return text.isascii() and text.isprintable()


def _stub_texts(e: Edge, src_id: str, dst_id: str) -> tuple[str, str]:
    """What a stub edge shows at its source and at its destination (naming the other end)."""
    to, frm = fit(dst_id, STUB_ID), fit(src_id, STUB_ID)
    if e.regression:
        return f"{to} ◀┄{e.label}┄", f"{frm} ┄{e.label}┄▶"
    return f"─{e.label}─▶ {to}", f"◀─{e.label}─ {frm}"


def _shown_stalls(stall_indices: list[int]) -> list[int]:
    return stall_indices[:2] if len(stall_indices) <= 2 else stall_indices[:1]


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
