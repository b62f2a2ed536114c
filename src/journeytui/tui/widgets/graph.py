"""The journey graph: the canvas of :mod:`journeytui.tui.graph_layout` in a scrolling widget.

Rendered line by line (Textual's line API): only the rows on screen are drawn (the
layout draws bands of rows on demand), so a 10,000-stage journey opens and scrolls
as fast as a small one. Keys move the selection over stages and edges; a click
selects what is under the mouse. The selection itself lives on the app.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from journeytui.diagnostics import Path
from journeytui.model.types import Journey
from journeytui.textsafe import visible_lines
from journeytui.tui.graph_layout import Canvas, JourneyCanvas, relayout

STYLE_KEYS = (
    "box",
    "entry",
    "won",
    "lost",
    "edge",
    "regression",
    "stall",
    "selected",
    "hint",
    "hot",
    "warm",
    "badge",
)


class JourneyGraph(ScrollView, can_focus=True):
    """Stages as boxes in layers, forward edges on the right, regressions dashed on the left."""

    HELP = """\
## Journey graph

Stages are boxes, one per row, indented by phase. **Forward** transitions run on the
right with their weekly probability (`*` = per-persona overrides); **regressions**
are dashed on the left. ⏸ marks a stall on a stage; outcomes (won/lost) have double borders.
The live forecast marks bottlenecks: the weakest stage is red, the next weak ones yellow,
and each open stage's bottom border reads mean weeks in stage, ⏸ stall share, ✗ drop-out.

- `up` / `down`: previous / next stage
- `left` / `right`: previous / next transition of the selected stage
- `enter`: edit the selection in the inspector
- `+` / `-`: what-if: nudge the selected transition, stall or touchpoint (one point; engagement 5)
- mouse: click a box, an edge or a stall to select it
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "next_stage", "Next stage", show=False),
        Binding("up,k", "previous_stage", "Previous stage", show=False),
        Binding("right,l", "next_edge", "Next edge", show=False),
        Binding("left,h", "previous_edge", "Previous edge", show=False),
        Binding("enter", "inspect", "Inspect", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"graph--{k}" for k in STYLE_KEYS}

    DEFAULT_CSS = """
    JourneyGraph {
        background: $surface;
        & > .graph--box { color: $foreground; }
        & > .graph--entry { color: $accent; }
        & > .graph--won { color: $success; text-style: bold; }
        & > .graph--lost { color: $error; }
        & > .graph--edge { color: $primary-lighten-1; }
        & > .graph--regression { color: $warning; }
        & > .graph--stall { color: $warning; text-style: italic; }
        & > .graph--selected { background: $accent 40%; text-style: bold; }
        & > .graph--hint { color: $text-muted; }
        & > .graph--hot { color: $error; text-style: bold; }
        & > .graph--warm { color: $warning; }
        & > .graph--badge { color: $text; background: $boost; text-style: bold; }
    }
    """

    selection: reactive[Path | None] = reactive(None, always_update=True, repaint=False)  # watch_selection repaints

    class Selected(Message):
        """The user picked an element in the graph."""

        def __init__(self, path: Path | None) -> None:
            super().__init__()
            self.path = path

    class Inspect(Message):
        """The user asked to edit the selection."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.journey: Journey | None = None
        self.canvas: Canvas | JourneyCanvas = Canvas(1, 1)
        self._marks: dict[str, tuple[str, str]] = {}
        self._styles: dict[str, Style] = {}
        self._anchor: str | None = None

    # -- data ----------------------------------------------------------------------------
    def show(self, journey: Journey | None, message: str = "") -> None:
        """Lay out ``journey`` (or show ``message`` when there is none), keeping the marks."""
        self.journey = journey
        if journey is None:
            lines = visible_lines(message).split("\n")  # the message quotes the file: escapes, not controls
            self.canvas = Canvas(max(len(x) for x in lines) + 2, len(lines) + 2)
            for n, line in enumerate(lines):
                self.canvas.put(1, 1 + n, line, "hint")
        else:
            self.canvas = relayout(self.canvas, journey)
            self._apply_marks()
        self.virtual_size = Size(self.canvas.width, self.canvas.height)
        self.refresh()

    def set_marks(self, marks: dict[str, tuple[str, str]]) -> None:
        """Bottleneck marks, stage id -> (badge, level). The badge is written on the box's bottom
        border; level ``hot`` or ``warm`` recolours the box, ``""`` keeps it."""
        if marks != self._marks:
            self._marks = marks
            self._apply_marks()
            self.refresh()

    def _apply_marks(self) -> None:
        j, canvas = self.journey, self.canvas
        if j is None or not isinstance(canvas, JourneyCanvas):
            return
        index: dict[str, int] = {}
        for i, s in enumerate(j.stages):
            index.setdefault(s.id, i)
        canvas.set_marks({index[sid]: mark for sid, mark in self._marks.items() if sid in index})

    def watch_selection(self, old: Path | None, path: Path | None) -> None:
        self._update_anchor(path)
        # Only the rows of the element losing and the one gaining the highlight are redrawn
        # (an arrow key repaints a few rows, not the screen); scrolling repaints what it must.
        rows = [self.canvas.regions[p] for p in (old, path) if p is not None and p in self.canvas.regions]
        for _x, y, _w, h in rows:
            self.refresh_lines(y, h)
        if not rows:
            self.refresh()
        self.call_after_refresh(self._scroll_to_selection)

    def _scroll_to_selection(self) -> None:
        path = self.selection
        if path is None or path not in self.canvas.regions or not self.size.width:
            return
        x, y, w, h = self.canvas.regions[path]
        width, height = self.scrollable_content_region.size
        self.scroll_to_region(Region(x, y, min(w, width), min(h, height)), animate=False, force=True)

    def on_mount(self) -> None:
        self._styles = {}

    def notify_style_update(self) -> None:
        self._styles = {}
        super().notify_style_update()

    def _style(self, key: str) -> Style:
        """The style for a canvas key: "edge", "edge-label", "box-name"...; "": the widget's own
        (computing it walks every ancestor, so it is cached too, until the styles change)."""
        if key not in self._styles:
            if key.endswith("+selected"):  # a cell of the selection: its own style, then the highlight
                highlight = self.get_component_rich_style("graph--selected")
                self._styles[key] = self._style(key.removesuffix("+selected")) + highlight
                return self._styles[key]
            name = key.removesuffix("-label").removesuffix("-name")
            style = self.rich_style
            if name in STYLE_KEYS:
                style += self.get_component_rich_style(f"graph--{name}")
            if key.endswith(("-label", "-name")):
                style += Style(bold=True)
            self._styles[key] = style
        return self._styles[key]

    # -- drawing -------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = y + scroll_y
        width = self.size.width
        base = self._style("")
        if row >= self.canvas.height:
            return Strip.blank(width, base)
        return self.canvas_row(row).crop_extend(scroll_x, scroll_x + width, base)

    def canvas_row(self, row: int) -> Strip:
        """Canvas row ``row`` at the canvas's full width, styled as on screen (not scrolled)."""
        canvas = self.canvas
        selected = self._selected_id()
        chars, styles, hits = canvas.row(row)
        segments: list[Segment] = []
        run, run_key = "", ("", False)
        for x in range(canvas.width):
            ch = chars[x]
            if ch == "":
                continue
            key = (styles[x], selected >= 0 and hits[x] == selected)
            if key != run_key and run:
                segments.append(self._segment(run, run_key))
                run = ""
            run_key = key
            run += ch
        if run:
            segments.append(self._segment(run, run_key))
        return Strip(segments, canvas.width)

    def whole(self, max_rows: int = 4000) -> list[Strip]:
        """Every row of the graph (up to ``max_rows``), uncropped: what an export shows, whatever
        part of the graph is on screen."""
        return [self.canvas_row(row) for row in range(min(self.canvas.height, max_rows))]

    def _segment(self, text: str, key: tuple[str, bool]) -> Segment:
        style_key, is_selected = key
        return Segment(text, self._style(f"{style_key}+selected" if is_selected else style_key))

    def _selected_id(self) -> int:
        if self.selection is None:
            return -1
        return self.canvas.ids.get(self.selection, -1)

    # -- mouse and keys ------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:  # on the border or a scrollbar
            return
        path = self.canvas.hit_at(offset.x + int(self.scroll_x), offset.y + int(self.scroll_y))
        if path is not None:
            self.post_message(self.Selected(path))
            if event.chain == 2:
                self.post_message(self.Inspect())

    def _update_anchor(self, sel: Path | None) -> None:
        """Remember the stage that edge cycling goes around."""
        j = self.journey
        if j is None or not sel or len(sel) != 2 or not isinstance(sel[1], int):
            return
        kind, i = sel[0], int(sel[1])
        if kind == "stages" and 0 <= i < len(j.stages):
            self._anchor = j.stages[i].id
        elif kind == "transitions" and 0 <= i < len(j.transitions):
            t = j.transitions[i]
            if self._anchor not in (t.from_, t.to):
                self._anchor = t.from_
        elif kind == "stalls" and 0 <= i < len(j.stalls):
            self._anchor = j.stalls[i].stage

    def _stage_band(self) -> int:
        j = self.journey
        if j is None or self._anchor is None:
            return -1
        return self._bands().get(self._anchor, -1)

    def _bands(self) -> dict[str, int]:
        """Stage id -> its band (row order), cached per layout."""
        canvas, j = self.canvas, self.journey
        cached = getattr(canvas, "_bands", None)
        if cached is None and j is not None:
            cached = {}
            for band, i in enumerate(canvas.stage_order):
                cached.setdefault(j.stages[i].id, band)
            canvas._bands = cached  # type: ignore[union-attr]
        return cached or {}

    def _move_stage(self, delta: int) -> None:
        order = self.canvas.stage_order
        if not order:
            return
        band = self._stage_band()
        if self.selection is None or self.selection[0] not in ("stages", "transitions", "stalls"):
            band = -1
        band = 0 if band < 0 and delta > 0 else (len(order) - 1 if band < 0 else (band + delta) % len(order))
        self.post_message(self.Selected(("stages", order[band])))

    def action_next_stage(self) -> None:
        self._move_stage(1)

    def action_previous_stage(self) -> None:
        self._move_stage(-1)

    def _edges_here(self) -> list[int]:
        j = self.journey
        band = self._stage_band()
        if j is None or band < 0:
            return []
        stage_id = j.stages[self.canvas.stage_order[band]].id
        ids = self.canvas.ids
        out = [i for i, t in enumerate(j.transitions) if t.from_ == stage_id and ("transitions", i) in ids]
        return out + [
            i for i, t in enumerate(j.transitions) if t.to == stage_id and ("transitions", i) in ids and i not in out
        ]

    def _move_edge(self, delta: int) -> None:
        edges = self._edges_here()
        if not edges:
            return
        sel = self.selection
        if sel and sel[0] == "transitions" and sel[1] in edges:
            n = (edges.index(int(sel[1])) + delta) % len(edges)
        else:
            n = 0 if delta > 0 else len(edges) - 1
        self.post_message(self.Selected(("transitions", edges[n])))

    def action_next_edge(self) -> None:
        self._move_edge(1)

    def action_previous_edge(self) -> None:
        self._move_edge(-1)

    def action_inspect(self) -> None:
        self.post_message(self.Inspect())
