"""The app's "Sweep: apply a scenario from results…": open a sweep's results, apply one scenario as one edit.

Asks for the sweep file and the results file ``journeytui sweep --out`` wrote, lists the best
feasible scenarios (ranked by the sweep's objective), previews each lever's change on the
open journey, and on "Apply" makes one undoable edit with :func:`journeytui.sweep.levers.apply`
(the same code as ``journeytui optimise --apply``). Bad input is a notification naming the
file (and line), and nothing changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from journeytui.model.types import Journey
from journeytui.sweep.levers import ScenarioError, apply, baseline_value
from journeytui.sweep.report import ranking
from journeytui.sweep.results import ResultsError, read_rows
from journeytui.sweep.spec import SweepFile, load_sweep
from journeytui.tui.base import AppBase
from journeytui.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, PromptScreen

SHOWN = 10
"""Scenarios offered: the best ten by the sweep's objective."""


def _is_file(text: str) -> str | None:
    return None if Path(text.strip()).expanduser().is_file() else "no such file"


def scenario_label(rank: int, row: dict[str, Any], metric: str) -> str:
    levers = ", ".join(f"{k}={v:g}" for k, v in row["levers"].items())
    return f"{rank}. {metric} {float(row['objective']):,.1f}, cost {float(row['cost']):,.0f}: {levers}"


def change_lines(journey: Journey, sweep: SweepFile, values: tuple[float, ...]) -> list[str]:
    """One line per lever: what it changes, from the journey's value to the scenario's."""
    lines = []
    for lv, v in zip(sweep.levers, values, strict=True):
        before = baseline_value(journey, lv)
        mark = "" if abs(before - v) > 1e-12 else "  (unchanged)"
        lines.append(f"{lv.id} ({lv.kind}): {before:g} -> {v:g}{mark}")
    return lines


class SweepMixin(AppBase):
    """The apply-a-sweep-scenario action. Mixed into :class:`JourneyApp`."""

    def action_apply_sweep_scenario(self) -> None:
        if self.journey is None:
            self.notify("Nothing to change: the file did not open.", severity="error")
            return

        def sweep_chosen(text: str | None) -> None:
            if text:
                sweep_path = str(Path(text.strip()).expanduser())
                self.push_screen(
                    PromptScreen(
                        "Results of that sweep (.csv or .jsonl)", check=_is_file, hint="journeytui sweep --out"
                    ),
                    lambda results: self._sweep_results(sweep_path, results),
                )

        self.push_screen(
            PromptScreen("Apply a sweep scenario: sweep file", check=_is_file, hint="a *.sweep.toml file"),
            sweep_chosen,
        )

    def _sweep_results(self, sweep_path: str, results: str | None) -> None:
        j = self.journey
        if not results or j is None:
            return
        results = str(Path(results.strip()).expanduser())
        loaded = load_sweep(sweep_path, j)
        if not loaded.ok or loaded.sweep is None:
            first = next((d for d in loaded.diagnostics if d.is_error), None)
            where = f"{first.file}:{first.line}:{first.column}: {first.code} {first.message}" if first else sweep_path
            self.notify(where, title="Not a sweep file for this journey", severity="error", markup=False)
            return
        sweep = loaded.sweep
        try:
            rows = read_rows(results, sweep)
        except ResultsError as exc:
            self.notify(str(exc), title="Not applied", severity="error", markup=False)
            return
        best = ranking(rows, sweep.objective.metric)[:SHOWN]
        if not best:
            self.notify(f"{Path(results).name} has no feasible scenario to apply.", severity="warning", markup=False)
            return
        choices = [(str(r["scenario"]), scenario_label(k, r, sweep.objective.metric)) for k, r in enumerate(best, 1)]
        by_key = {str(r["scenario"]): r for r in best}
        self.push_screen(
            ChoiceScreen(f"Scenarios of {Path(results).name}, best first", choices),
            lambda key: self._preview_scenario(sweep, by_key.get(key or "")),
        )

    def _preview_scenario(self, sweep: SweepFile, row: dict[str, Any] | None) -> None:
        j = self.journey
        if row is None or j is None:
            return
        values = tuple(float(row["levers"][lv.id]) for lv in sweep.levers)
        try:
            apply(j, sweep, values)  # refuse up front what the edit would refuse
        except ScenarioError as exc:
            self.notify(str(exc), title="Not applied", severity="error", markup=False)
            return
        label = f"apply sweep scenario {row['scenario']}"

        def answered(ok: bool | None) -> None:
            if ok and self.apply(label, lambda x: apply(x, sweep, values)):
                self.notify(f"Applied scenario {row['scenario']} (ctrl+z undoes).", markup=False)

        question = f"Apply scenario {row['scenario']} ({len(values)} levers)?"
        self.push_screen(ConfirmScreen(question, change_lines(j, sweep, values), yes="Apply", no="Cancel"), answered)
