"""The forecast panels: the strip under the graph, the Forecast tab and the Sensitivity tab.

They only display what the app computed (:mod:`journeytui.tui.forecasting`): the live
forecast of the journey's full model, its change from the saved version, the bottlenecks, a Monte Carlo
result and the sensitivity ranking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Label, ProgressBar, Static

from journeytui.model.types import Journey
from journeytui.sim import Forecast, SimResult
from journeytui.sim.headline import noise_of_difference
from journeytui.sim.live import ignored_note, lost_share, weakest, won_share
from journeytui.sim.sensitivity import Effect
from journeytui.textsafe import visible
from journeytui.tui.charts import band_chart, placeholder, small_multiples
from journeytui.tui.safe import plain, plain_lines
from journeytui.tui.shown import Shown
from journeytui.tui.widgets.forecast_people import PeopleSection


class Chart(Widget):
    """Draws whatever ``draw(width)`` returns; a placeholder instead of a crash when it cannot."""

    DEFAULT_CSS = "Chart { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._draw: Callable[[int], Text] | None = None
        self._reason = "no forecast yet"

    def plot(self, draw: Callable[[int], Text] | None, reason: str = "") -> None:
        self._draw, self._reason = draw, reason
        self.refresh(layout=True)

    def render(self) -> Text:
        return self._text(self.content_size.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Measured at the width the layout offers: the chart's own size is not known yet (0 before
        # the first layout), and a height measured at another width left the chart blank or cut.
        return len(self._text(width).wrap(self.app.console, max(1, width)))

    def _text(self, width: int) -> Text:
        if self._draw is None:
            return placeholder(self._reason or "nothing to show")
        try:
            return self._draw(max(1, width))
        except Exception as exc:  # a chart must never take the app down: show why instead
            return placeholder(str(exc) or type(exc).__name__)


def stage_chart(journey: Journey, fc: Forecast) -> Callable[[int], Text]:
    names = {s.id: s.name for s in journey.stages}
    kinds = {s.id: s.kind for s in journey.stages}
    open_cols = [i for i, s in enumerate(fc.stages) if kinds.get(s) == "open"]
    labels = [f"{fc.stages[i]} {names.get(fc.stages[i], '')}".strip() for i in open_cols]
    # When "id name" does not fit (a narrow panel), the name alone: it is what the planner wrote.
    short = [names.get(fc.stages[i]) or fc.stages[i] for i in open_cols]

    def draw(width: int) -> Text:
        return small_multiples(
            labels,
            fc.mean[:, open_cols],
            width,
            extra=[("won (total)", fc.won, "bold green"), ("lost (total)", fc.lost, "bold red")],
            short_labels=short,
        )

    return draw


def change_line(fc: Forecast, baseline: Forecast | None) -> str:
    """``won 8.1% -> 9.4% (+112.0 leads)`` at the horizon against the saved version, or ``""`` when unchanged.

    For a Monte Carlo headline it says whether the change is within the runs' noise (three
    standard errors of the difference): a rename moves a seeded mean by noise alone."""
    now = won_share(fc)
    if baseline is None or baseline.weeks != fc.weeks:
        return ""
    before = won_share(baseline)
    if abs(now - before) < 5e-5 and abs(float(fc.won[-1] - baseline.won[-1])) < 0.05:
        return ""
    diff = float(fc.won[-1] - baseline.won[-1])
    noise = noise_of_difference(baseline, fc)
    if noise is None:
        return f"won {before:.1%} -> {now:.1%} ({diff:+,.1f} leads)"
    within = "within " if abs(diff) <= noise else ""
    return f"won {before:.1%} -> {now:.1%} ({diff:+,.1f} leads, {within}noise ±{noise:,.0f})"


def model_label(fc: Forecast) -> str:
    """What the headline is: ``full model: Monte Carlo, 20 runs, seed 0, band p05-p95`` or the exact forecast."""
    if fc.engine == "monte_carlo":
        s = fc.settings
        return f"full model: Monte Carlo means, {s.get('runs')} runs, seed {s.get('seed')}; band p05-p95 of runs"
    if fc.ignored:  # never the live view's: it forecasts the full model (kept for callers that ask for a part)
        return f"exact forecast of the plain chain; {ignored_note(fc)}"
    return "full model: exact forecast"


UPDATING = "updating… "
"""The marker shown while the forecast of the latest edit is being computed."""


class ForecastStrip(Static):
    """Two lines under the views: the headline of the live forecast and its change from the saved file."""

    # each line is cut with an ellipsis, never wrapped: a wrapped headline would push the
    # second line (what the figure is, or its change from the saved file) out of the strip
    DEFAULT_CSS = (
        "ForecastStrip { height: 2; padding: 0 1; background: $boost; text-wrap: nowrap; text-overflow: ellipsis; }"
    )

    def show(self, shown: Shown | None, error: str = "", updating: bool = False) -> None:
        self.set_class(updating, "-updating")
        if shown is None:
            text = Text(no_wrap=True, overflow="ellipsis")
            if updating:
                text.append(UPDATING, style="bold yellow")
            text.append(visible(error or "No forecast: the file did not open."), style="dim")
            self.update(text, layout=False)  # two lines, always: no new layout (on a large journey, a whole screen)
            return
        fc, h = shown.forecast, weakest(shown.health)
        line = Text(no_wrap=True, overflow="ellipsis")
        if updating:
            line.append(UPDATING, style="bold yellow")
        line.append(f"Week {fc.weeks}: ", style="bold")
        line.append(f"won {won_share(fc):.1%} ({float(fc.won[-1]):,.0f})", style="bold green")
        if fc.won_share_band is not None:
            low, high = fc.won_share_band
            line.append(f" {low:.1%}-{high:.1%}", style="green")
        line.append(f"  lost {lost_share(fc):.1%}", style="red")
        if h is not None:
            line.append("  weakest: ", style="dim")
            line.append(visible(f"{h.stage} {h.badge}"), style="bold red")
        change = change_line(fc, shown.baseline)
        second = Text(no_wrap=True, overflow="ellipsis")
        if change:
            second.append("vs saved: ", style="dim")
            second.append(visible(change), style="bold yellow")
        else:
            second.append(f"{model_label(fc)} (6: details)", style="dim")
        self.update(line + Text("\n") + second, layout=False)


class ForecastView(VerticalScroll, can_focus=True):
    """The Forecast tab: stage counts over the weeks, won/lost, KPIs, bottlenecks and Monte Carlo."""

    HELP = """\
## Forecast

The journey's full model as it is now, recomputed after every edit: the exact forecast
when the journey has no Monte Carlo-only features, otherwise a seeded Monte Carlo run
(20 runs, seed 0, started 0.3 s after the last edit and stopped by the next one) whose
means are shown with the won share's p05-p95 band. The status line says which;
"updating…" marks figures of the journey before the last edit.

Each chart row is one open stage over the weeks, scaled to its own peak, with its count
at the horizon; the last rows are cumulative won and lost. The KPI table shows the
change from the saved version; the bottleneck table ranks stages by mean time in
stage, stall share and drop-out (the weakest is red in the graph).

- `r`: run Monte Carlo in the background (the palette: "Forecast: run Monte Carlo")
- `escape`: cancel the run
- `[` / `]`: the stage whose p05-p95 band the Monte Carlo chart shows
- `,` / `.`: the week of the persona table one week earlier / later (`<` / `>`: ten weeks)

**Personas & accounts** (at the bottom): per persona, the leads in each open stage at the
chosen week with cumulative won and lost, from the live forecast and, after a Monte Carlo
run (`r`), its mean. Per account: the accounts won, and per consensus gate the accounts it held
back (a member drew the gated move and had to stay), with how many lacked a ready member
of each required role and how many fell short of the gate's share. Those account numbers
come from a Monte Carlo run (`r`).
- `+` / `-` (in the graph): nudge the selected probability (what-if)
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "app.run_simulation", "Run Monte Carlo"),
        Binding("escape", "app.cancel_simulation", "Cancel run", show=False),
        Binding("left_square_bracket", "app.band_stage(-1)", "Band stage", show=False),
        Binding("right_square_bracket", "app.band_stage(1)", "Band stage", show=False),
        Binding("comma", "app.persona_week(-1)", "Persona week", show=False),
        Binding("full_stop", "app.persona_week(1)", "Persona week", show=False),
        Binding("less_than_sign", "app.persona_week(-10)", "Persona week", show=False),
        Binding("greater_than_sign", "app.persona_week(10)", "Persona week", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="fc-note", classes="fc--note")
        yield Label("Leads per stage over the weeks", classes="section--title")
        yield Chart(id="fc-stages")
        with Vertical(id="fc-run"):
            yield Static(id="fc-run-status", classes="fc--note")
            yield ProgressBar(id="fc-progress", total=1, show_eta=False)
        yield Label("Monte Carlo band", id="fc-band-title", classes="section--title")
        yield Chart(id="fc-band")
        yield Label("KPIs", classes="section--title")
        yield DataTable(id="fc-kpis", cursor_type="row", zebra_stripes=True)
        yield Label("Bottlenecks", classes="section--title")
        yield DataTable(id="fc-health", cursor_type="row", zebra_stripes=True)
        yield PeopleSection(id="fc-people")

    def on_mount(self) -> None:
        self.query_one("#fc-kpis", DataTable).add_columns("KPI", "now", "saved", "change")
        self.query_one("#fc-health", DataTable).add_columns("stage", "weeks in stage", "stalled", "drop-out", "score")
        self.query_one("#fc-progress").display = False

    def show(self, shown: Shown | None, error: str = "") -> None:
        note = self.query_one("#fc-note", Static)
        stages_chart = self.query_one("#fc-stages", Chart)
        kpis = self.query_one("#fc-kpis", DataTable)
        health = self.query_one("#fc-health", DataTable)
        kpis.clear()
        health.clear()
        if shown is None:
            note.update(plain(error or "No forecast: the file did not open.", style="bold red"))
            stages_chart.plot(None, error or "no journey")
            self._show_band(None)
            self.query_one(PeopleSection).show(None)
            return
        fc, base = shown.forecast, shown.baseline
        text = Text()
        if shown.updating:
            text.append("Updating after the last edit… ", style="bold yellow")
        label = model_label(fc)
        text.append(f"{label[0].upper()}{label[1:]}, {fc.weeks} weeks. ", style="bold")
        if fc.won_share_band is not None:
            low, high = fc.won_share_band
            text.append(f"Won {won_share(fc):.1%} ({low:.1%}-{high:.1%}).", style="green")
        else:
            text.append("Exact: every feature of the journey is modelled.", style="green")
        change = change_line(fc, base)
        if change:
            text.append(f"\nvs saved: {visible(change)}", style="bold yellow")
        note.update(text)
        stages_chart.plot(stage_chart(shown.journey, fc))
        self._fill_kpis(kpis, shown)
        names = {s.id: s.name for s in shown.journey.stages}
        for h in sorted(shown.health.values(), key=lambda h: -h.score):
            mark = Text("■ ", style="bold red" if h.score >= 0.999 else "yellow" if h.score >= 0.75 else "dim")
            health.add_row(
                mark + plain(f"{h.stage} {names.get(h.stage, '')}".strip()),
                f"{h.mean_weeks:.1f}",
                f"{h.stall_share:.0%}",
                f"{h.drop_out:.0%}",
                f"{h.score:.2f}",
            )
        self._show_band(shown)
        self.query_one(PeopleSection).show(shown)

    def _fill_kpis(self, table: DataTable[str | Text], shown: Shown) -> None:
        fc, base = shown.forecast, shown.baseline

        def row(label: str, now: float, before: float | None, share: bool = False) -> None:
            f = (lambda x: f"{x:.1%}") if share else (lambda x: f"{x:,.1f}")
            if before is None:
                table.add_row(plain(label), f(now), "", "")
                return
            d = now - before
            delta = f"{d * 100:+.1f} pt" if share else f"{d:+,.1f}"
            style = "" if abs(d) < (5e-5 if share else 0.05) else "green" if d > 0 else "red"
            if "lost" in label and style:
                style = "red" if d > 0 else "green"
            table.add_row(plain(label), f(now), f(before), Text(delta if style else "", style=style))

        row(f"won by week {fc.weeks}", float(fc.won[-1]), float(base.won[-1]) if base else None)
        row("won share", won_share(fc), won_share(base) if base else None, share=True)
        row(f"lost by week {fc.weeks}", float(fc.lost[-1]), float(base.lost[-1]) if base else None)
        row("lost share", lost_share(fc), lost_share(base) if base else None, share=True)
        row("leads so far", float(fc.total[-1]), float(base.total[-1]) if base else None)
        for cause, x in fc.stall_starts.items():
            row(f"stalls: {cause}", x, base.stall_starts.get(cause) if base else None)
        sim = shown.sim
        if sim is not None:
            stale = " (before the last edit)" if shown.sim_stale else ""
            s = sim.settings
            table.add_row(
                f"MC won p05..p95{stale}",
                f"{float(sim.won[-1]):,.1f}",
                "",
                f"{won_band(sim, shown.journey)} ({s.get('runs')} runs)",
            )
            ttw = sim.kpis.get("time_to_won", {})
            table.add_row("MC time to won (median, p90)", f"{ttw.get('median')} w", "", f"p90 {ttw.get('p90')} w")
            if sim.kpis.get("accounts_won") is not None:
                table.add_row("MC accounts won", f"{sim.kpis['accounts_won']:,.1f}", "", "")

    def _show_band(self, shown: Shown | None) -> None:
        chart = self.query_one("#fc-band", Chart)
        title = self.query_one("#fc-band-title", Label)
        sim = shown.sim if shown else None
        if shown is None or sim is None:
            title.update("Monte Carlo band")
            chart.plot(None, "press r to run Monte Carlo; the p05-p95 band of one stage appears here")
            return
        stage = shown.band_stage if shown.band_stage in sim.stages else sim.stages[0]
        i = sim.stages.index(stage)
        exact = shown.forecast.mean[:, shown.forecast.stages.index(stage)] if stage in shown.forecast.stages else None
        if exact is not None and len(exact) != len(sim.mean):
            exact = None
        stale = "  (run before the last edit)" if shown.sim_stale else ""
        title.update(f"Monte Carlo: {stage} ([ ] stage)  ░ p05-p95 ━ mean • live forecast{stale}")
        chart.plot(lambda w: band_chart(sim.mean[:, i], sim.p05[:, i], sim.p95[:, i], w, 8, exact))

    # -- the Monte Carlo run ---------------------------------------------------------------
    def run_started(self, runs: int, weeks: int) -> None:
        bar = self.query_one("#fc-progress", ProgressBar)
        bar.display = True
        bar.update(total=weeks, progress=0)
        self.query_one("#fc-run-status", Static).update(f"Monte Carlo: {runs} runs… (escape cancels)")

    def run_progress(self, week: int, weeks: int) -> None:
        self.query_one("#fc-progress", ProgressBar).update(total=weeks, progress=week)

    def run_finished(self, status: str) -> None:
        self.query_one("#fc-progress", ProgressBar).display = False
        self.query_one("#fc-run-status", Static).update(plain_lines(status))


def won_band(sim: SimResult, journey: Journey) -> str:
    """p05..p95 across runs of the won leads at the horizon."""
    won = {s.id for s in journey.stages if s.kind == "won"}
    cols = [i for i, s in enumerate(sim.stages) if s in won]
    if not cols or not sim.runs_counts.size:
        return "-"
    per_run = sim.runs_counts[-1][:, cols].sum(axis=1)
    lo, hi = np.percentile(per_run, [5, 95])
    return f"{lo:,.0f}..{hi:,.0f}"


class SensitivityView(Vertical):
    """The Sensitivity tab: every transition and stall moved by one point alone, ranked by the change in wins."""

    HELP = """\
## Sensitivity

At the top, the KPI tree: the wins at the horizon decomposed into each open stage's
conversion (of the leads that entered a stage, the share that moved on, went back,
dropped out or was still there), with the weakest link marked.

Below, each transition probability and stall chance is moved by +1 point (0.01) on its
own and the forecast recomputed; the table lists them by how much the wins at the
horizon change, largest first. A parameter without headroom is moved down instead and
its effect read per +1 point. For a journey with Monte Carlo-only features, the five
candidates the plain chain's gradient ranks highest are each re-forecast with the full
model with the base's seed (a small effect may be Monte Carlo noise: the runs of the nudged
journey are not paired with the base's).

- `enter`: select that transition or stall (then `+` / `-` in the graph to try it)
"""

    class Pick(Message):
        def __init__(self, path: tuple[str, int]) -> None:
            super().__init__()
            self.path = path

    def compose(self) -> ComposeResult:
        yield Static("", id="kpi-tree", markup=False)
        yield Static("Computing…", id="sens-note", classes="fc--note")
        yield DataTable(id="sens-table", cursor_type="row", zebra_stripes=True)

    def show_tree(self, lines: list[str]) -> None:
        """The KPI tree: wins decomposed into each stage's conversion (see sim/kpi_tree.py)."""
        shown = "\n".join(["KPI tree", *(visible(line) for line in lines), ""]) if lines else ""  # one line each
        self.query_one("#kpi-tree", Static).update(Text(shown))

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("#", "parameter", "now", "won", "won share")
        self._paths: list[tuple[str, int]] = []

    def show(self, effects: list[Effect] | None, weeks: int = 0, error: str = "", how: str = "exact forecast") -> None:
        table = self.query_one(DataTable)
        table.clear()
        self._paths = []
        note = self.query_one("#sens-note", Static)
        if effects is None:
            note.update(plain(error or "Computing…", style="dim"))
            return
        note.update(f"Each probability +1 point alone; change in won leads at week {weeks} ({how}), largest first.")
        for n, e in enumerate(effects, 1):
            style = "green" if e.won_delta > 0 else "red" if e.won_delta < 0 else "dim"
            table.add_row(
                str(n),
                plain(e.param.label),
                f"{e.param.value:.1%}",
                Text(f"{e.won_delta:+,.1f}", style=style),
                Text(f"{e.share_delta * 100:+.2f} pt", style=style),
            )
            self._paths.append(e.param.path)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self._paths):
            self.post_message(self.Pick(self._paths[event.cursor_row]))
