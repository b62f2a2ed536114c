"""Personas and the DMU: who is in the buying committee, how many per account, and the gates.

Three tables: personas (role, authority, influence, channels, members per account),
the account composition in one line, and the consensus gates. Choosing a row
selects that persona or gate everywhere.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from journeytui.diagnostics import Path
from journeytui.model.types import Journey
from journeytui.tui.forms import to_text
from journeytui.tui.safe import plain, plain_cells


class PersonasView(VerticalScroll, can_focus=False):
    """The DMU tab."""

    HELP = """\
## Personas and DMU

The buying committee: each persona's DMU role, decision authority, influence
weight in consensus gates, preferred channels and members per account
(the `[dmu]` composition). Below, the consensus gates that transitions can require.

- `up` / `down`: move in a table; `enter`: select the persona or gate
- `tab`: next table; `a` adds a persona (or a gate, in the gates table)
"""

    class Selected(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def compose(self) -> ComposeResult:
        yield Static("Personas", classes="section--title")
        yield DataTable(id="persona-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="composition", markup=False)
        yield Static("Consensus gates", classes="section--title")
        yield DataTable(id="gate-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        # The figures first: at 80 columns the table is wider than its pane, and the viewport cut
        # influence to its first digit when it came fourth ("0" for 0.4).
        self.query_one("#persona-table", DataTable).add_columns(
            "id", "influence", "members", "role", "authority", "channels", "name"
        )
        self.query_one("#gate-table", DataTable).add_columns("id", "name", "stage", "roles", "min share", "used by")

    def show(self, journey: Journey | None) -> None:
        personas = self.query_one("#persona-table", DataTable)
        gates = self.query_one("#gate-table", DataTable)
        pr, gr = personas.cursor_row, gates.cursor_row
        personas.clear()
        gates.clear()
        if journey is None:
            return
        composition = journey.dmu.composition if journey.dmu else {}
        for i, p in enumerate(journey.personas):
            members = composition.get(p.id, 0)
            personas.add_row(
                *plain_cells(
                    p.id,
                    to_text(p.influence),
                    str(members),
                    p.role,
                    p.authority,
                    ", ".join(p.channels),
                    p.name,
                ),
                key=f"personas:{i}",
            )
        total = sum(composition.values())
        if composition:
            parts = " + ".join(f"{n} {pid}" for pid, n in composition.items())
            text = f"Account composition: {parts} = {total} people per account"
        else:
            text = "No [dmu] composition: every lead is one person (DMU: add from the command palette)."
        if journey.population.accounts:
            text += f"; {journey.population.accounts} accounts"
        self.query_one("#composition", Static).update(plain(text))
        for i, g in enumerate(journey.gates):
            used = sum(1 for t in journey.transitions if t.gate == g.id)
            gates.add_row(
                *plain_cells(
                    g.id,
                    g.name,
                    g.stage,
                    ", ".join(g.require_roles),
                    f"{g.min_share:.0%}",
                    f"{used} transition{'s' * (used != 1)}",
                ),
                key=f"gates:{i}",
            )
        if journey.personas:
            personas.move_cursor(row=min(max(pr, 0), len(journey.personas) - 1), animate=False)
        if journey.gates:
            gates.move_cursor(row=min(max(gr, 0), len(journey.gates) - 1), animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = event.row_key.value or ""
        kind, _, index = key.partition(":")
        if index.isdigit():
            self.post_message(self.Selected((kind, int(index))))
