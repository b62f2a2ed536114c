"""The Forecast tab's "Personas & accounts" section: the forecast per persona and per account.

Per persona, the stage distribution at a chosen week with won and lost (the live forecast's
``by_persona``, and the last Monte Carlo run's when there is one). Per account, the accounts won
and, per consensus gate, the accounts it held back and for want of what (the Monte Carlo
``gates`` KPI, docs/simulation.md); those need a Monte Carlo run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label, Static

from journeytui.model.types import Journey
from journeytui.sim import Forecast, SimResult
from journeytui.tui.safe import plain, plain_cells
from journeytui.tui.shown import Shown

NEEDS_RUN = "Accounts held at a gate, and by whom, need a Monte Carlo run: press r in the Forecast tab."


def shown_week(shown: Shown) -> int:
    """The week the persona table shows: the chosen one, kept inside the forecast (default: the horizon)."""
    weeks = shown.forecast.weeks
    return weeks if shown.persona_week is None else max(0, min(weeks, shown.persona_week))


def persona_cells(journey: Journey, result: Forecast | SimResult, persona: str, week: int) -> list[float]:
    """One persona's leads at ``week``: each open stage in file order, then won and lost (cumulative)."""
    kinds = {s.id: s.kind for s in journey.stages}
    row = result.by_persona[persona][week]
    cells = [float(row[i]) for i, s in enumerate(result.stages) if kinds.get(s) == "open"]
    for kind in ("won", "lost"):
        cells.append(float(sum(row[i] for i, s in enumerate(result.stages) if kinds.get(s) == kind)))
    return cells


def gate_rows(journey: Journey, sim: SimResult, week: int) -> list[tuple[str, str, str]]:
    """Per gate, one row per measure: (gate label or "", what, accounts as text), from the ``gates`` KPI."""
    rows: list[tuple[str, str, str]] = []
    gates = sim.kpis.get("gates", {})
    for g in journey.gates:
        k: dict[str, Any] = gates.get(g.id, {})
        if not k:
            continue
        per_week = k.get("held_accounts_per_week", [])
        now = per_week[week - 1] if 1 <= week <= len(per_week) else 0.0
        measures = [
            ("held at least once", k.get("held_accounts", 0.0)),
            (f"held in week {week}", now),
            *((f"no ready {role}", n) for role, n in k.get("missing_roles", {}).items()),
            (f"ready share below {g.min_share:.0%}", k.get("share_short", 0.0)),
        ]
        for i, (what, n) in enumerate(measures):
            rows.append((f"{g.id} (at {g.stage})" if i == 0 else "", what, f"{float(n):,.1f}"))
    return rows


class PeopleSection(Vertical):
    """Per persona and per account; shown (and rebuilt) with the rest of the Forecast tab."""

    DEFAULT_CSS = "PeopleSection { height: auto; }"

    def compose(self) -> ComposeResult:
        yield Label("Personas & accounts", id="fcp-title", classes="section--title")
        yield Static(id="fcp-note", classes="fc--note")
        yield DataTable(id="fcp-personas", cursor_type="row", zebra_stripes=True)
        yield Label("Accounts at the gates (Monte Carlo)", classes="section--title")
        yield Static(id="fcp-accounts", classes="fc--note")
        yield DataTable(id="fcp-gates", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#fcp-gates", DataTable).add_columns("gate", "accounts", "per run")

    def show(self, shown: Shown | None) -> None:
        table = self.query_one("#fcp-personas", DataTable)
        gates = self.query_one("#fcp-gates", DataTable)
        table.clear(columns=True)
        gates.clear()
        note, accounts = self.query_one("#fcp-note", Static), self.query_one("#fcp-accounts", Static)
        if shown is None:
            note.update("")
            accounts.update("")
            return
        j, fc, sim = shown.journey, shown.forecast, shown.sim
        week = shown_week(shown)
        self.query_one("#fcp-title", Label).update(f"Personas & accounts at week {week}  (, and . change the week)")
        stale = " (run before the last edit)" if shown.sim_stale else ""
        note.update(
            f"Leads per persona at week {week}; won and lost are cumulative. Rows: the live forecast (full model)"
            + (f", then the Monte Carlo mean{stale}." if sim is not None else "; r adds the Monte Carlo mean.")
        )
        open_ids = [s.id for s in j.stages if s.kind == "open" and s.id in fc.stages]
        table.add_columns("persona", "", *plain_cells(*open_ids), "won", "lost")
        sim_ok = sim is not None and sim.weeks >= week
        for persona in fc.by_persona:
            table.add_row(plain(persona), "live", *_cells(persona_cells(j, fc, persona, week)))
            if sim_ok and sim is not None and persona in sim.by_persona:
                table.add_row("", Text("MC", style="cyan"), *_cells(persona_cells(j, sim, persona, week)))
        self._show_accounts(j, sim, week, stale)

    def _show_accounts(self, j: Journey, sim: SimResult | None, week: int, stale: str) -> None:
        accounts = self.query_one("#fcp-accounts", Static)
        gates = self.query_one("#fcp-gates", DataTable)
        if sim is None:
            accounts.update(Text(NEEDS_RUN, style="yellow"))
            return
        lines = []
        won = sim.kpis.get("accounts_won")
        if won is None:
            lines.append("No accounts in the population: each lead is its own committee at a gate.")
        else:
            lines.append(f"Accounts won by week {sim.weeks}: {won:,.1f} (mean per run){stale}.")
        rows = gate_rows(j, sim, week)
        if not j.gates:
            lines.append("The journey has no consensus gates.")
        elif rows:
            lines.append("Held: a member drew the gated move and had to stay. Means per run.")
        accounts.update("\n".join(lines))
        for row in rows:
            gates.add_row(*plain_cells(*row))


def _cells(values: list[float]) -> list[str]:
    return [f"{v:,.1f}" for v in np.asarray(values, dtype=float)]
