"""The problems panel: the validator's diagnostics for the journey as it is now.

Refreshed after every edit. Choosing a problem (enter or a click) selects the
element it is about. An edit usually changes a few problems: when the number of
rows stays the same only the rows that changed are rewritten, and at most
:data:`MAX_ROWS` rows are shown (a journey with 9,000 problems says how many more
there are), so a large journey's edits never rebuild thousands of rows.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from journeytui.diagnostics import Diagnostic, Severity
from journeytui.model.structure import dotted
from journeytui.tui.safe import plain_cells

ICONS = {Severity.ERROR: ("✖", "bold red"), Severity.WARNING: ("▲", "yellow")}
MAX_ROWS = 500
"""Rows shown at most; beyond them one row says how many more problems there are."""
INCREMENTAL_FROM = 50
"""From this many problems an unchanged row count updates rows in place (below it the table is
rebuilt, which also fits the columns to the new text: cheap for a few rows)."""


def _cells(d: Diagnostic) -> list[Text | str]:
    icon, style = ICONS.get(d.severity, ("·", "dim"))
    where = dotted(d.path) if d.path and (d.line, d.column) == (1, 1) else f"{d.line}:{d.column}"
    return [Text(icon, style=style), *plain_cells(d.code, where, d.message)]


def _more(hidden: int) -> list[Text | str]:
    return [Text("…", style="dim"), "", "", f"{hidden:,} more problems (journeytui validate lists them all)"]


class ProblemsPanel(DataTable[Text | str]):
    """One row per diagnostic: severity, code, where, message."""

    HELP = """\
## Problems

The same checks as `journeytui validate`, re-run after every edit. Errors (✖)
make a journey unusable for forecasts; warnings (▲) point at likely mistakes.
The location is `line:col` in the file as loaded, or the element's path after edits.

- `enter` or a click: select the element the problem is about
- `f8`: jump to the next problem from anywhere
"""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Go to problem", show=False)]

    class Chosen(Message):
        def __init__(self, diagnostic: Diagnostic) -> None:
            super().__init__()
            self.diagnostic = diagnostic

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_header=False)
        self.diagnostics: list[Diagnostic] = []
        self._shown: list[tuple[Diagnostic, object]] | None = None

    def on_mount(self) -> None:
        self.add_columns("", "code", "where", "message")

    def show(self, diagnostics: list[Diagnostic]) -> None:
        shown: list[tuple[Diagnostic, object]] = [(d, d.path) for d in diagnostics]
        if shown == self._shown:
            return
        before, self._shown = self._shown, shown
        self.diagnostics = list(diagnostics)
        row = self.cursor_row
        rows = min(len(shown), MAX_ROWS) + (len(shown) > MAX_ROWS)
        if before and len(shown) > INCREMENTAL_FROM and self.row_count == rows:
            self._update_rows(before, shown)
        else:
            self._rebuild()
        errors = sum(1 for d in diagnostics if d.is_error)
        warnings = len(diagnostics) - errors
        self.border_title = f"Problems: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        self.set_class(not diagnostics, "-clean")
        if diagnostics:
            self.move_cursor(row=min(max(row, 0), self.row_count - 1), animate=False)

    def _rebuild(self) -> None:
        self.clear()
        for d in self.diagnostics[:MAX_ROWS]:
            self.add_row(*_cells(d))
        if len(self.diagnostics) > MAX_ROWS:
            self.add_row(*_more(len(self.diagnostics) - MAX_ROWS))
        if not self.diagnostics:
            self.add_row(Text("✓", style="green"), "", "", "No problems: every check passes.")

    def _update_rows(self, before: list[tuple[Diagnostic, object]], shown: list[tuple[Diagnostic, object]]) -> None:
        """Rewrite only the rows whose problem changed (the row count is the same)."""
        for i in range(min(len(shown), MAX_ROWS)):
            if i >= len(before) or before[i] != shown[i]:
                for column, cell in enumerate(_cells(shown[i][0])):
                    self.update_cell_at(Coordinate(i, column), cell, update_width=True)
        if len(shown) > MAX_ROWS:
            self.update_cell_at(Coordinate(MAX_ROWS, 3), _more(len(shown) - MAX_ROWS)[3], update_width=True)

    def checking(self) -> None:
        """Mark the rows as those of an earlier version while the checks run in the background."""
        self.border_title = "Problems: checking…"

    def failed(self, message: str) -> None:
        self._shown = None
        self.diagnostics = []
        self.clear()
        self.border_title = "Problems: not checked"
        self.add_row(Text("✖", style="bold red"), "", "", message)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < min(len(self.diagnostics), MAX_ROWS):
            self.post_message(self.Chosen(self.diagnostics[event.cursor_row]))
