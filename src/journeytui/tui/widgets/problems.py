"""The problems panel: the validator's diagnostics for the journey as it is now.

Refreshed after every edit. Choosing a problem (enter or a click) selects the
element it is about.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from journeytui.diagnostics import Diagnostic, Severity
from journeytui.model.structure import dotted
from journeytui.tui.safe import plain_cells

ICONS = {Severity.ERROR: ("✖", "bold red"), Severity.WARNING: ("▲", "yellow")}


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
        self._shown = shown
        self.diagnostics = list(diagnostics)
        row = self.cursor_row
        self.clear()
        for d in diagnostics:
            icon, style = ICONS.get(d.severity, ("·", "dim"))
            where = dotted(d.path) if d.path and (d.line, d.column) == (1, 1) else f"{d.line}:{d.column}"
            self.add_row(Text(icon, style=style), *plain_cells(d.code, where, d.message))
        errors = sum(1 for d in diagnostics if d.is_error)
        warnings = len(diagnostics) - errors
        self.border_title = f"Problems: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        self.set_class(not diagnostics, "-clean")
        if not diagnostics:
            self.add_row(Text("✓", style="green"), "", "", "No problems: every check passes.")
        if diagnostics:
            self.move_cursor(row=min(max(row, 0), len(diagnostics) - 1), animate=False)

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
        if 0 <= event.cursor_row < len(self.diagnostics):
            self.post_message(self.Chosen(self.diagnostics[event.cursor_row]))
