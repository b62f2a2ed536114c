"""The compare screen: two journeys' forecasts side by side and a KPI table with deltas.

Shows a :class:`journeytui.sim.compare.Comparison` computed by the app (the open
journey against its saved version or another file). Escape goes back.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from journeytui.sim.compare import Comparison, Row
from journeytui.textsafe import visible
from journeytui.tui.safe import plain, plain_cells, plain_lines
from journeytui.tui.widgets.footer import AppFooter
from journeytui.tui.widgets.forecast import Chart, stage_chart

BETTER_LOWER = {"lost", "lost_share", "stalls", "on_hold", "regressions", "half_wins_week"}


class CompareScreen(Screen[None]):
    """A on the left, B on the right; the KPI table below with B - A."""

    HELP = """\
## Compare

Both journeys are forecast with their full model over the same horizon: the exact
forecast where it is exact, else the means of a seeded Monte Carlo run (the title says
which). Two journeys' runs are not paired: the same seed draws its numbers in another
order for another journey (even a rename moves the means), so the note under the tables
gives the won difference with its Monte Carlo noise (three standard errors); a difference
within it is not evidence either way.
Charts: leads per open stage over the weeks, then cumulative won and lost. The table
gives B - A; green is better for the planner (more wins, fewer losses and stalls), red
worse.

- `escape`: back to the designer
"""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "app.pop_screen", "Back")]

    def __init__(self, comparison: Comparison) -> None:
        super().__init__()
        self.comparison = comparison

    def compose(self) -> ComposeResult:
        c = self.comparison
        yield Static(
            plain(f"Compare: {c.label_a}  vs  {c.label_b}   (full model: {c.how()}, {c.weeks} weeks)", style="bold"),
            id="cmp-title",
        )
        with VerticalScroll(id="cmp-body"):
            with Horizontal(id="cmp-charts"):
                for label, journey, fc, side in (
                    (c.label_a, c.journey_a, c.a, "a"),
                    (c.label_b, c.journey_b, c.b, "b"),
                ):
                    with Vertical(classes="cmp--side"):
                        yield Label(plain(f"{'A' if side == 'a' else 'B'}: {label}"), classes="section--title")
                        chart = Chart(id=f"cmp-chart-{side}")
                        chart.plot(stage_chart(journey, fc))
                        yield chart
            yield Label("KPIs (B - A)", classes="section--title")
            yield DataTable(id="cmp-kpis", cursor_type="row", zebra_stripes=True)
            yield Label("Stages at the horizon", classes="section--title")
            yield DataTable(id="cmp-stages", cursor_type="row", zebra_stripes=True)
            notes = c.notes()
            if notes:
                yield Static(plain_lines("\n".join(visible(n) for n in notes)), classes="fc--note")
        yield AppFooter(compact=True)  # f1 Help first: the keys of this screen do not all fit at 80 columns

    def on_mount(self) -> None:
        c = self.comparison
        for table_id, rows in (("#cmp-kpis", c.rows), ("#cmp-stages", c.stage_rows)):
            table = self.query_one(table_id, DataTable)
            table.add_columns("", *plain_cells(f"A: {c.label_a}", f"B: {c.label_b}"), "B - A")
            for r in rows:
                a, b, d = r.cells()
                table.add_row(plain(r.label), a, b, Text(d, style=delta_style(r)))
        # The keys go to the KPI table, but the screen opens at its top: the charts first (at 80x24
        # scrolling to the table hid them).
        self.query_one("#cmp-kpis", DataTable).focus(scroll_visible=False)


def delta_style(r: Row) -> str:
    d = r.delta
    if d is None or abs(d) < (5e-4 if r.kind == "share" else 0.05):
        return "dim"
    good = d < 0 if r.key in BETTER_LOWER else d > 0
    if r.key in ("leads", "in_play") or (r.kind == "count" and r.key not in {"won", *BETTER_LOWER}):
        return "bold"
    return "bold green" if good else "bold red"
