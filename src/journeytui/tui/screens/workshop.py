"""Workshop mode: a high-contrast presentation of the journey with live counts, played week by week.

For a projector: the graph with each stage's expected leads (and how many are on hold)
on its border, large digits for the week and the wins, and a line saying what happened
this week (moves, regressions, stalls). Playback steps through each scenario's full model
(exact where exact, else the mean weekly flows of a seeded Monte Carlo run);
switching scenario keeps the week, so the room sees both designs at the same moment.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Digits, Label, Static

from journeytui.model.types import Journey
from journeytui.sim import Forecast
from journeytui.sim.headline import full_forecast, playback
from journeytui.sim.weekly import WeeklyFlows
from journeytui.textsafe import visible
from journeytui.tui.widgets.footer import AppFooter
from journeytui.tui.widgets.forecast import model_label
from journeytui.tui.widgets.graph import JourneyGraph

SPEEDS = (1, 2, 4, 8)
"""Weeks per second."""


@dataclass
class Scenario:
    label: str
    journey: Journey
    forecast: Forecast
    flows: WeeklyFlows

    @classmethod
    def of(
        cls, label: str, journey: Journey, weeks: int, forecast: Forecast | None = None, runs: int = 20, seed: int = 0
    ) -> Scenario:
        """The scenario's full model over ``weeks`` (``forecast`` when one of those weeks is at hand):
        exact where exact, else a seeded Monte Carlo run whose mean weekly flows are played."""
        fc = forecast if forecast is not None and forecast.weeks == weeks else None
        fc = fc or full_forecast(journey, weeks=weeks, runs=runs, seed=seed)
        return cls(label, journey, fc, playback(journey, fc))


class WorkshopScreen(Screen[None]):
    """Week-by-week playback of one or more scenarios."""

    HELP = """\
## Workshop mode

A presentation view: each stage shows its expected leads at the current week
(⏸ how many are on hold). The board on the right lists every stage with its count,
won and lost included; in a small terminal (under 100 x 30) the board replaces the
graph (`g` switches). The line below says what moved this week.

- `space`: play / pause;  `right` / `.`: next week;  `left` / `,`: previous week
- `home`: rewind to week 0;  `+` / `-`: faster / slower (1, 2, 4, 8 weeks a second)
- `tab`: next scenario (the week stays)
- `g`: show the graph or the stage board (small terminals show one of them)
- `x`: save this week of this scenario as SVG in the current folder: the whole graph
  (not only the part on screen) with the counts; never overwrites an earlier export
- `escape`: back to the designer
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        # The footer shows them in this order and cuts the last at 80 columns: leaving first.
        Binding("escape", "leave", "Leave"),
        Binding("space", "toggle_play", "Play/pause"),
        Binding("right,full_stop", "step(1)", "Step"),
        Binding("left,comma", "step(-1)", "Back"),
        Binding("x", "export_svg", "Export SVG"),
        Binding("tab", "next_scenario", "Scenario", priority=True),
        Binding("home", "rewind", "Rewind"),
        Binding("plus,equals_sign", "speed(1)", "Faster", show=False),
        Binding("minus", "speed(-1)", "Slower", show=False),
        Binding("g", "toggle_graph", "Graph/board", show=False),
    ]

    DEFAULT_CSS = """
    WorkshopScreen {
        background: black;
        color: white;
        layers: base;
    }
    WorkshopScreen #ws-top { height: 5; background: black; }
    WorkshopScreen .ws--cell { width: auto; padding: 0 2; }
    WorkshopScreen .ws--label { color: $text-muted; text-style: bold; }
    WorkshopScreen Digits { color: white; text-style: bold; width: auto; }
    WorkshopScreen #ws-won Digits { color: $success; }
    WorkshopScreen #ws-lost Digits { color: $error; }
    WorkshopScreen #ws-body { height: 1fr; }
    WorkshopScreen StageBoard { width: 44; height: 1fr; border: heavy white; padding: 0 1; background: black; }
    WorkshopScreen.-small JourneyGraph { display: none; }
    WorkshopScreen.-small StageBoard { width: 1fr; }
    WorkshopScreen.-small.-graph JourneyGraph { display: block; }
    WorkshopScreen.-small.-graph StageBoard { display: none; }
    WorkshopScreen #ws-status { width: 1fr; padding: 1 2; color: white; }
    WorkshopScreen JourneyGraph { background: black; height: 1fr; border: heavy white; }
    WorkshopScreen #ws-ticker { height: 2; padding: 0 2; background: $primary-darken-3; color: white;
        text-style: bold; }
    """

    week: reactive[int] = reactive(0)
    playing: reactive[bool] = reactive(False)

    def __init__(self, scenarios: list[Scenario]) -> None:
        """``scenarios`` built by :meth:`Scenario.of` over the same weeks (slow: the app builds them in a worker)."""
        super().__init__()
        self.scenarios = scenarios
        self.weeks = scenarios[0].forecast.weeks
        self.current = 0
        self.speed = 1
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="ws-top"):
            with Vertical(classes="ws--cell"):
                yield Label("WEEK", classes="ws--label")
                yield Digits("0", id="ws-week")
            with Vertical(classes="ws--cell", id="ws-won"):
                yield Label("WON", classes="ws--label")
                yield Digits("0", id="ws-won-digits")
            with Vertical(classes="ws--cell", id="ws-lost"):
                yield Label("LOST", classes="ws--label")
                yield Digits("0", id="ws-lost-digits")
            yield Static(id="ws-status")
        with Horizontal(id="ws-body"):
            graph = JourneyGraph(id="ws-graph")
            graph.can_focus = False
            yield graph
            yield StageBoard(id="ws-board")
        yield Static(id="ws-ticker")
        yield AppFooter(compact=True)  # f1 Help first: the keys of this screen do not all fit at 80 columns

    def on_mount(self) -> None:
        self._timer = self.set_interval(1.0, self._tick, pause=True)
        self._fit(self.app.size.width, self.app.size.height)
        self.show_week()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width, event.size.height)

    def _fit(self, width: int, height: int) -> None:
        """A small terminal (80 x 24) cannot show the graph and the board: the board, with every
        stage, replaces the graph (`g` switches)."""
        self.set_class(width < SMALL[0] or height < SMALL[1], "-small")

    def action_toggle_graph(self) -> None:
        self.toggle_class("-graph")

    @property
    def scenario(self) -> Scenario:
        return self.scenarios[self.current]

    def show_week(self) -> None:
        sc, t = self.scenario, self.week
        fc, flows = sc.forecast, sc.flows
        self.query_one("#ws-week", Digits).update(f"{t}")
        self.query_one("#ws-won-digits", Digits).update(f"{float(fc.won[t]):,.0f}")
        self.query_one("#ws-lost-digits", Digits).update(f"{float(fc.lost[t]):,.0f}")
        ids = {s.id for s in sc.journey.stages}
        marks = {}
        for col, sid in enumerate(fc.stages):
            if sid not in ids:
                continue
            count = float(fc.mean[t, col])
            held = float(fc.on_hold[t, col]) if fc.on_hold.size else 0.0
            badge = f"{count:,.0f}" + (f" ⏸{held:,.0f}" if held >= 0.5 else "")
            level = "hot" if t and float(flows.moved_in[t, col] - flows.moved_out[t, col]) < -0.5 else ""
            marks[sid] = (badge, level)
        graph = self.query_one(JourneyGraph)
        if graph.journey is not sc.journey:
            graph.show(sc.journey)
        graph.set_marks(marks)
        self.query_one(StageBoard).show(board_rows(sc.journey, fc, t))
        state = "▶ playing" if self.playing else "⏸ paused"
        status = Text()
        status.append(visible(sc.label), style="bold white")
        status.append(f"   scenario {self.current + 1}/{len(self.scenarios)} (tab)\n", style="grey70")
        status.append(f"{state} · {self.speed} week{'s' * (self.speed > 1)}/s · week {t} of {self.weeks}\n")
        status.append(
            f"leads so far {float(fc.total[t]):,.0f} · {model_label(fc)}",
            style="grey70",
        )
        self.query_one("#ws-status", Static).update(status)
        self.query_one("#ws-ticker", Static).update(self.ticker())

    def ticker(self) -> Text:
        sc, t = self.scenario, self.week
        if t == 0:
            return Text("Week 0: the initial leads. Press space to play, right to step.")
        flows, fc = sc.flows, sc.forecast
        moved = float(flows.moved_out[t].sum())
        won, lost = float(fc.won[t] - fc.won[t - 1]), float(fc.lost[t] - fc.lost[t - 1])
        arrived = float(fc.total[t] - fc.total[t - 1])
        return Text(
            f"Week {t}: {_leads(moved)} moved, {_leads(float(flows.regressed[t]))} went back (regressed), "
            f"{_leads(float(flows.stalled[t].sum()))} stalled\n"
            f"+{_leads(won)} won, +{_leads(lost)} lost, {_leads(arrived)} arrived"
        )

    def watch_week(self) -> None:
        if self.is_mounted:
            self.show_week()

    def watch_playing(self, playing: bool) -> None:
        if self._timer is not None:
            (self._timer.resume if playing else self._timer.pause)()
        if self.is_mounted:
            self.show_week()

    def _tick(self) -> None:
        if self.week >= self.weeks:
            self.playing = False
            return
        self.week += 1

    def action_toggle_play(self) -> None:
        if not self.playing and self.week >= self.weeks:
            self.week = 0
        self.playing = not self.playing

    def action_step(self, delta: int) -> None:
        self.playing = False
        self.week = max(0, min(self.weeks, self.week + delta))

    def action_rewind(self) -> None:
        self.week = 0

    def action_speed(self, delta: int) -> None:
        i = max(0, min(len(SPEEDS) - 1, SPEEDS.index(self.speed) + delta))
        self.speed = SPEEDS[i]
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(1.0 / self.speed, self._tick, pause=not self.playing)
        self.show_week()

    def action_next_scenario(self) -> None:
        self.current = (self.current + 1) % len(self.scenarios)
        self.show_week()
        self.notify(f"Scenario: {self.scenario.label}", timeout=2)

    def action_export_svg(self) -> None:
        """Save this week of this scenario as SVG: the counts and the whole graph, not the part on screen."""
        sc = self.scenario
        label = sc.label.replace(".toml", "")
        stem = re.sub(r"[^\w.]+", "-", f"{sc.journey.journey.id or 'journey'}-{label}-week{self.week}").strip("-")
        try:
            svg = self.svg()
            path = write_new(Path.cwd(), stem, svg)
        except OSError as exc:
            self.notify(f"Could not write the SVG: {exc.strerror or exc}", title="Not exported", severity="error")
            return
        if self.app.is_web:  # served to a browser (journeytui serve): the facilitator's browser downloads it too
            self.app.deliver_text(io.StringIO(svg), save_filename=path.name, mime_type="image/svg+xml")
        self.notify(f"Saved {path}", title="Exported")

    def svg(self) -> str:
        """This week of this scenario as an SVG document: a header with the counts and the ticker,
        then the graph at its full size (every stage and outcome), as :meth:`JourneyGraph.whole` draws it."""
        graph = self.query_one(JourneyGraph)
        rows = graph.whole()
        board = board_rows(self.scenario.journey, self.scenario.forecast, self.week)
        width = max(100, graph.canvas.width + 2)
        console = Console(
            record=True,
            width=width,
            file=io.StringIO(),
            force_terminal=True,
            color_system="truecolor",
            legacy_windows=False,
        )
        console.print(self._header_text(), soft_wrap=False, crop=True)
        console.print(self.ticker(), soft_wrap=False, crop=True)
        console.print()
        for strip in rows:
            line = Text(no_wrap=True)
            for seg in strip:
                if not seg.control:
                    line.append(seg.text, seg.style)
            console.print(line, crop=False, soft_wrap=True)
        console.print()
        console.print(board_text(board, width))
        title = visible(f"{self.scenario.label}: week {self.week}")
        return console.export_svg(title=title)

    def _header_text(self) -> Text:
        sc, t = self.scenario, self.week
        fc = sc.forecast
        text = Text()
        text.append(visible(f"{sc.journey.journey.title or sc.journey.journey.id}"), style="bold")
        text.append(f"  ({visible(sc.label)})\n", style="grey50")
        text.append(f"Week {t} of {self.weeks}   ", style="bold")
        text.append(f"WON {float(fc.won[t]):,.0f}", style="bold green")
        text.append("   ")
        text.append(f"LOST {float(fc.lost[t]):,.0f}", style="bold red")
        text.append(f"   leads so far {float(fc.total[t]):,.0f}")
        return text

    def action_leave(self) -> None:
        self.playing = False
        self.app.pop_screen()


def _leads(x: float) -> str:
    """Expected leads as a room reads them: whole leads (``154 leads``), ``under 1 lead`` for a trace."""
    if 0 < x < 0.5:
        return "under 1 lead"
    n = round(x)
    return f"{n:,} lead" if n == 1 else f"{n:,} leads"


SMALL = (100, 30)
"""Below this width or height the stage board replaces the graph."""


@dataclass(frozen=True)
class BoardRow:
    """One stage on the board: its name, expected leads at the week, and how many are on hold."""

    label: str
    kind: str
    count: float
    held: float


def board_rows(journey: Journey, fc: Forecast, t: int) -> list[BoardRow]:
    """Every stage of ``journey`` in the forecast, in graph order (by layer, then file order)."""
    order = journey.stage_order()
    cols = {sid: c for c, sid in enumerate(fc.stages)}
    stages = sorted(
        (s for s in journey.stages if s.id in cols),
        key=lambda s: (s.kind != "open", order.get(s.id, 0), journey.stages.index(s)),
    )
    rows = []
    for s in stages:
        col = cols[s.id]
        held = float(fc.on_hold[t, col]) if fc.on_hold.size else 0.0
        rows.append(BoardRow(visible(s.name or s.id), s.kind, float(fc.mean[t, col]), held))
    return rows


def board_text(rows: list[BoardRow], width: int) -> Text:
    """The board as text ``width`` cells wide: name, a bar scaled to the largest open stage, count, ⏸ held.
    Names are measured in cells (Japanese takes two) and end in "…" when cut."""
    out = Text(no_wrap=True, overflow="crop")
    if not rows:
        return Text("(no stages)", style="dim")
    count_w, held_w = 8, 7
    name_w = max(4, min(max(cell_len(r.label) for r in rows), max(4, width // 3)))
    bar_w = max(0, width - name_w - count_w - held_w - 3)
    peak = max((r.count for r in rows if r.kind == "open"), default=0.0) or 1.0
    for r in rows:
        name = Text(r.label, style="bold" if r.kind == "open" else ("bold green" if r.kind == "won" else "bold red"))
        name.truncate(name_w, overflow="ellipsis", pad=True)
        out.append_text(name)
        out.append(" ")
        filled = 0 if r.kind != "open" else round(min(1.0, r.count / peak) * bar_w)
        out.append("█" * filled + " " * (bar_w - filled), style="cyan")
        out.append(f" {r.count:>{count_w},.0f}", style="bold")
        out.append(f" ⏸{r.held:>{held_w - 2},.0f}" if r.held >= 0.5 else " " * (held_w + 1), style="yellow")
        out.append("\n")
    out.rstrip()
    return out


def write_new(folder: Path, stem: str, text: str) -> Path:
    """Write ``text`` to ``folder/stem.svg``, or ``stem-2.svg``, ``stem-3.svg``… when taken: the file
    is created exclusively, so an export never overwrites anything (another export included)."""
    n = 1
    while True:
        path = folder / (f"{stem}.svg" if n == 1 else f"{stem}-{n}.svg")
        try:
            with path.open("x", encoding="utf-8") as f:
                f.write(text)
        except FileExistsError:
            n += 1
            continue
        return path


class StageBoard(Widget):
    """Every stage with its count at the week, sized to the widget (the workshop's compact view)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[BoardRow] = []

    def show(self, rows: list[BoardRow]) -> None:
        self.rows = rows
        self.refresh()

    def render(self) -> Text:
        return board_text(self.rows, max(20, self.content_region.width))
