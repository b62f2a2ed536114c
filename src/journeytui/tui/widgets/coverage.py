"""Content coverage: a stage x persona matrix of touchpoint counts, gaps highlighted.

The seeds' content-per-phase plan as a table. A touchpoint with no personas
reaches everyone in its stages. Outcome stages are left out (nothing is sent
to won or lost leads). Enter on a cell lists the touchpoints there.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from journeytui.model.types import Journey
from journeytui.tui.safe import plain

EVERYONE = "(everyone)"


class CoverageView(Vertical, can_focus=False):
    """The coverage tab."""

    HELP = """\
## Content coverage

How many touchpoints reach each persona in each open stage. A red `0` is a gap:
nobody sends that persona anything while they are in that stage.

- arrows: move between cells
- `enter`: list the touchpoints in the cell and select one
"""

    class Pick(Message):
        """The user opened a cell."""

        def __init__(self, stage_id: str, persona_id: str | None, touchpoints: list[int]) -> None:
            super().__init__()
            self.stage_id, self.persona_id, self.touchpoints = stage_id, persona_id, touchpoints

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.journey: Journey | None = None
        self._rows: list[str] = []
        self._cols: list[str | None] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="coverage-summary", markup=False)
        yield DataTable(id="coverage-table", cursor_type="cell", zebra_stripes=False)

    def show(self, journey: Journey | None) -> None:
        self.journey = journey
        table = self.query_one(DataTable)
        cursor = table.cursor_coordinate
        table.clear(columns=True)
        if journey is None:
            return
        stages = [s for s in journey.stages if s.kind == "open"]
        self._rows = [s.id for s in stages]
        self._cols = [p.id for p in journey.personas] or [None]
        table.add_column("stage")
        for pid in self._cols:
            table.add_column(plain(pid or EVERYONE))
        gaps = 0
        for s in stages:
            cells: list[Text | str] = [plain(s.name)]
            for pid in self._cols:
                n = len(journey.touchpoints_at(s.id, pid))
                gaps += n == 0
                cells.append(Text(f"{n:^3}", style="bold white on dark_red") if n == 0 else Text(f"{n:^3}"))
            table.add_row(*cells)
        self.query_one("#coverage-summary", Static).update(
            f"Touchpoints per stage and persona: {gaps} gap{'s' * (gaps != 1)} (red). Enter on a cell lists them."
        )
        if self._rows:
            table.move_cursor(
                row=min(cursor.row, len(self._rows) - 1),
                column=max(1, min(cursor.column, len(self._cols))),
                animate=False,
            )

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        row, col = event.coordinate.row, event.coordinate.column
        if self.journey is None or col == 0 or not 0 <= row < len(self._rows):
            return
        stage_id, persona_id = self._rows[row], self._cols[col - 1]
        self.post_message(self.Pick(stage_id, persona_id, self.journey.touchpoints_at(stage_id, persona_id)))
