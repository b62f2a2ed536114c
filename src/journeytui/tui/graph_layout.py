"""Lay a journey out as boxes and edges on a character canvas (plain Python, no Textual).

Stages are boxes, one row band each, ordered and indented by layer
(:meth:`Journey.stage_order`), so phases read as a staircase and stages of one layer
sit together. Forward edges run in lanes on the right, regressions (dashed) in lanes
on the left. Every edge has its own port rows and its own lane, so edges never merge
and each probability label belongs to exactly one edge. Widths are measured in
terminal cells, so double-width (Japanese) names stay aligned.
"""

from __future__ import annotations

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
    styles: list[list[str]] = field(default_factory=list)
    hits: list[list[int]] = field(default_factory=list)
    targets: list[Path] = field(default_factory=list)
    """hits[y][x] is an index into targets, or -1."""
    regions: dict[Path, tuple[int, int, int, int]] = field(default_factory=dict)
    """Bounding box (x, y, width, height) of each selectable element."""
    stage_order: list[int] = field(default_factory=list)
    """Stage indices top to bottom, for keyboard navigation."""

    def __post_init__(self) -> None:
        self.chars = [[" "] * self.width for _ in range(self.height)]
        self.styles = [[""] * self.width for _ in range(self.height)]
        self.hits = [[-1] * self.width for _ in range(self.height)]

    def target_id(self, path: Path) -> int:
        try:
            return self.targets.index(path)
        except ValueError:
            self.targets.append(path)
            return len(self.targets) - 1

    def put(self, x: int, y: int, text: str, style: str, hit: int = -1) -> int:
        """Write ``text`` at (x, y); returns the cell after it. Wide characters take two cells.

        The canvas goes to the terminal as it is, so ``text`` is made :func:`visible` here too
        (callers measure visible text already; this only guards).
        """
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
            i = self.hits[y][x]
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


def _ports(edges: list[Edge], box: int, regression: bool) -> list[Edge]:
    """The edges on one side of a box, top to bottom: upward ones nearest first, then downward farthest first."""
    mine = [e for e in edges if e.regression == regression and box in (e.src, e.dst)]

    def dist(e: Edge) -> int:
        return (e.dst if e.src == box else e.src) - box

    up = sorted((e for e in mine if dist(e) < 0), key=lambda e: (-dist(e), e.index))
    down = sorted((e for e in mine if dist(e) > 0), key=lambda e: (-dist(e), e.index))
    return up + down


def _assign_lanes(edges: list[Edge]) -> int:
    """Greedy interval colouring, shortest spans innermost; returns the number of lanes."""
    lanes: list[list[tuple[int, int]]] = []
    for e in sorted(edges, key=lambda e: (abs(e.dst_y - e.src_y), e.index)):
        lo, hi = sorted((e.src_y, e.dst_y))
        for n, taken in enumerate(lanes):
            if all(hi < a or lo > b for a, b in taken):
                taken.append((lo, hi))
                e.lane = n
                break
        else:
            lanes.append([(lo, hi)])
            e.lane = len(lanes) - 1
    return len(lanes)


def layout(j: Journey) -> Canvas:
    """Draw ``j``. Transitions whose ends are unknown stages, and self-loops, are left out."""
    order = j.stage_order()
    first_index: dict[str, int] = {}
    for i, s in enumerate(j.stages):
        first_index.setdefault(s.id, i)
    rank = sorted(range(len(j.stages)), key=lambda i: (order.get(j.stages[i].id, i + 1), i))
    if not rank:
        canvas = Canvas(44, 3)
        canvas.put(1, 1, "No stages yet: press a to add the first one.", "hint")
        return canvas
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
        edges.append(Edge(ti, row_of[a], row_of[b], _is_regression(j, t, order), label))

    stalls: dict[str, list[int]] = {}
    for si, st in enumerate(j.stalls):
        stalls.setdefault(st.stage, []).append(si)

    labels = {i: _border_label(j, i, order.get(j.stages[i].id, i + 1)) for i in rank}
    wanted = [cell_len(visible(j.stages[i].name)) for i in rank] + [cell_len(v) + 4 for v in labels.values()]
    wanted += [cell_len(stall_text(st)) for st in j.stalls]
    inner = max(MIN_INNER, min(MAX_INNER, max(wanted)))
    width = inner + 4

    # Heights first: a box is tall enough for its content and for one port row per edge end.
    heights, ports_l, ports_r = [], [], []
    for r, i in enumerate(rank):
        pl, pr = _ports(edges, r, True), _ports(edges, r, False)
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
    left = [e for e in edges if e.regression]
    right = [e for e in edges if not e.regression]
    n_left, n_right = _assign_lanes(left), _assign_lanes(right)

    x0 = (LANE_STEP * n_left + LABEL_ROOM) if n_left else 1
    stair = max(layer_rank.values()) * step
    lanes_x = x0 + stair + width + LABEL_ROOM
    canvas = Canvas(lanes_x + LANE_STEP * n_right + 1, y - GAP)
    canvas.stage_order = list(rank)
    boxes = []
    for r, i in enumerate(rank):
        layer = order.get(j.stages[i].id, i + 1)
        boxes.append(Box(i, x0 + layer_rank[layer] * step, ys[r], width, heights[r]))

    for e in edges:
        _draw_edge(canvas, e, boxes, lanes_x)
    for box in boxes:
        _draw_box(canvas, j, box, labels[box.index], stalls.get(j.stages[box.index].id, []))
    return canvas


def _is_regression(j: Journey, t: Transition, order: dict[str, int]) -> bool:
    try:
        return j.is_regression(t, order)
    except (KeyError, TypeError):
        return False


def _set_end(e: Edge, band: int, y: int) -> None:
    if e.src == band:
        e.src_y = y
    if e.dst == band:
        e.dst_y = y


def _draw_edge(canvas: Canvas, e: Edge, boxes: list[Box], lanes_x: int) -> None:
    path: Path = ("transitions", e.index)
    hit = canvas.target_id(path)
    style = "regression" if e.regression else "edge"
    src, dst = boxes[e.src], boxes[e.dst]
    down = e.dst_y > e.src_y
    if e.regression:
        x = _left_lane_x(e, boxes)
        h, v = "┄", "┆"
        _hline(canvas, x + 1, src.x - 1, e.src_y, h, style, hit)
        label = f" {e.label} "
        canvas.put(src.x - 1 - cell_len(label), e.src_y, label, style + "-label", hit)
        _hline(canvas, x + 1, dst.x - 2, e.dst_y, h, style, hit)
        canvas.put(dst.x - 1, e.dst_y, "▶", style, hit)
        canvas.put(x, e.src_y, "╭" if down else "╰", style, hit)
        canvas.put(x, e.dst_y, "╰" if down else "╭", style, hit)
        x_lo = x
        x_hi = max(src.x, dst.x)
    else:
        x = lanes_x + LANE_STEP * e.lane
        h, v = "─", "│"
        _hline(canvas, src.x + src.width, x - 1, e.src_y, h, style, hit)
        canvas.put(src.x + src.width + 1, e.src_y, e.label, style + "-label", hit)
        _hline(canvas, dst.x + dst.width + 1, x - 1, e.dst_y, h, style, hit)
        canvas.put(dst.x + dst.width, e.dst_y, "◀", style, hit)
        canvas.put(x, e.src_y, "┐" if down else "┘", style, hit)
        canvas.put(x, e.dst_y, "┘" if down else "┐", style, hit)
        x_lo = min(src.x + src.width, dst.x + dst.width)
        x_hi = x + 1
    lo, hi = sorted((e.src_y, e.dst_y))
    if 0 <= x < canvas.width:
        for y in range(max(0, lo + 1), min(canvas.height, hi)):
            canvas.chars[y][x] = "┼" if canvas.chars[y][x] in ("─", "┄") else v
            canvas.styles[y][x] = style
            canvas.hits[y][x] = hit
    canvas.grow(path, x_lo, lo, max(1, x_hi - x_lo), hi - lo + 1)


def _left_lane_x(e: Edge, boxes: list[Box]) -> int:
    # Lane 0 (the shortest spans) sits next to the boxes; outer lanes further left.
    leftmost = min(b.x for b in boxes)
    return leftmost - LABEL_ROOM - LANE_STEP * e.lane


def _hline(canvas: Canvas, x_from: int, x_to: int, y: int, ch: str, style: str, hit: int) -> None:
    """A horizontal run of ``ch`` (one cell wide), crossing vertical lanes with ``┼``."""
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
    for row in range(y + 1, y + h - 1):
        canvas.put(x, row, vt + " " * (w - 2) + vt, style, hit)
    canvas.put(x, y + h - 1, bl + hz * (w - 2) + br, style, hit)
    canvas.put(x + 2, y + 1, fit(stage.name, inner), style + "-name", hit)
    shown = stall_indices[:2] if len(stall_indices) <= 2 else stall_indices[:1]
    for n, si in enumerate(shown):
        st = j.stalls[si]
        canvas.put(x + 2, y + 2 + n, fit(stall_text(st), inner), "stall", canvas.target_id(("stalls", si)))
        canvas.grow(("stalls", si), x + 2, y + 2 + n, inner, 1)
    if len(stall_indices) > 2:
        canvas.put(x + 2, y + 3, fit(f"⏸ +{len(stall_indices) - 1} more stalls", inner), "stall", hit)
    canvas.grow(path, x, y, w, h)
