"""Workshop mode: a high-contrast presentation of the journey with live counts, played week by week.

For a projector: the graph with each stage's expected leads (and how many are on hold)
on its border, large digits for the week and the wins, and a line saying what happened
this week (moves, regressions, stalls). Playback steps through each scenario's full model
(exact where exact, else the mean weekly flows of a seeded Monte Carlo run);
switching scenario keeps the week, so the room sees both designs at the same moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Digits, Footer, Label, Static

from journeytui.model.types import Journey
from journeytui.sim import Forecast
from journeytui.sim.headline import full_forecast, playback
from journeytui.sim.weekly import WeeklyFlows
from journeytui.textsafe import visible
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
(⏸ how many are on hold). The line below says what moved this week.

- `space`: play / pause;  `right` / `.`: next week;  `left` / `,`: previous week
- `home`: rewind to week 0;  `+` / `-`: faster / slower (1, 2, 4, 8 weeks a second)
- `tab`: next scenario (the week stays)
- `x`: save the current view as SVG in the current folder
- `escape`: back to the designer
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_play", "Play/pause"),
        Binding("right,full_stop", "step(1)", "Step"),
        Binding("left,comma", "step(-1)", "Back"),
        Binding("home", "rewind", "Rewind"),
        Binding("plus,equals_sign", "speed(1)", "Faster", show=False),
        Binding("minus", "speed(-1)", "Slower", show=False),
        Binding("tab", "next_scenario", "Scenario", priority=True),
        Binding("x", "export_svg", "Export SVG"),
        Binding("escape", "leave", "Back"),
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
            yield Static(id="ws-status")
        graph = JourneyGraph(id="ws-graph")
        graph.can_focus = False
        yield graph
        yield Static(id="ws-ticker")
        yield Footer()

    def on_mount(self) -> None:
        self._timer = self.set_interval(1.0, self._tick, pause=True)
        self.show_week()

    @property
    def scenario(self) -> Scenario:
        return self.scenarios[self.current]

    def show_week(self) -> None:
        sc, t = self.scenario, self.week
        fc, flows = sc.forecast, sc.flows
        self.query_one("#ws-week", Digits).update(f"{t}")
        self.query_one("#ws-won-digits", Digits).update(f"{float(fc.won[t]):,.0f}")
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
        state = "▶ playing" if self.playing else "⏸ paused"
        status = Text()
        status.append(visible(sc.label), style="bold white")
        status.append(f"   scenario {self.current + 1}/{len(self.scenarios)} (tab)\n", style="grey70")
        status.append(f"{state} · {self.speed} week{'s' * (self.speed > 1)}/s · week {t} of {self.weeks}\n")
        status.append(
            f"lost {float(fc.lost[t]):,.0f} · leads so far {float(fc.total[t]):,.0f} · {model_label(fc)}",
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
        name = re.sub(r"[^\w.-]+", "-", f"{self.scenario.journey.journey.id or 'journey'}-week{self.week}")
        path = self.app.save_screenshot(f"{name}.svg", str(Path.cwd()))
        self.notify(f"Saved {path}", title="Exported")

    def action_leave(self) -> None:
        self.playing = False
        self.app.pop_screen()


def _leads(x: float) -> str:
    """Expected leads as a room reads them: whole leads (``154 leads``), ``under 1 lead`` for a trace."""
    if 0 < x < 0.5:
        return "under 1 lead"
    n = round(x)
    return f"{n:,} lead" if n == 1 else f"{n:,} leads"
