"""The app's "Calibrate from history…": fit the journey from a CRM export, preview, apply as one edit.

Asks for the export's path and its layout (plain long, or a preset), fits with
:mod:`journeytui.calibrate` (the same code as ``journeytui calibrate``), shows the change
table (before, after, interval, evidence) and the warnings, and on "Apply" makes one
undoable edit. Bad input is a notification with the message (file:line), and nothing changes.
"""

from __future__ import annotations

from pathlib import Path

from textual import work

from journeytui.calibrate.events import PRESETS, InputError, columns_for, read_events
from journeytui.calibrate.fit import Calibration, apply, calibrate
from journeytui.calibrate.report import change_rows
from journeytui.model import Journey
from journeytui.tui.base import AppBase
from journeytui.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, PromptScreen

LAYOUTS = [("long", "long: one row per stage entry (lead_id, stage, timestamp[, persona])")] + [
    (name, f"{name}: {p.description}") for name, p in sorted(PRESETS.items())
]


def preview_lines(cal: Calibration) -> list[str]:
    """The change table as lines for the confirmation dialog, then what else the data says."""
    lines = []
    for label, before, after, interval, evidence, flag in change_rows(cal):
        extra = f"  [{interval}]" if interval else ""
        lines.append(f"{label}: {before} -> {after}{extra}  {evidence}{'  (thin)' if flag else ''}")
    lines += [f"moves the journey lacks: {m['from']} -> {m['to']} ({m['moves']})" for m in cal.missing]
    lines += [f"made by the hand-off: {m['from']} -> {m['to']} ({m['moves']})" for m in cal.handoff_moves]
    lines += [f"never seen: {u['from']} -> {u['to']}" for u in cal.unseen]
    if cal.full_model:  # the values are base values: the journey's lifts, gates, hand-offs act on them
        lines.append(
            f"full model ({', '.join(cal.full_model['features'])}): values matched so the full model "
            f"reproduces the observed rates ({cal.full_model['iterations']} iterations)"
        )
    lines += [f"warning: {w}" for w in cal.warnings]
    return lines


class CalibrateMixin(AppBase):
    """The calibrate action. Mixed into :class:`JourneyApp`."""

    def action_calibrate(self) -> None:
        if self.journey is None:
            self.notify("Nothing to calibrate: the file did not open.", severity="error")
            return

        def check(text: str) -> str | None:
            p = Path(text.strip()).expanduser()
            return None if p.is_file() else "no such file"

        def chosen_path(text: str | None) -> None:
            if text:
                path = str(Path(text.strip()).expanduser())
                self.push_screen(
                    ChoiceScreen("Layout of the export", LAYOUTS), lambda layout: self._calibrate(path, layout)
                )

        self.push_screen(
            PromptScreen("Calibrate from history: CSV export", check=check, hint="a CRM stage-history export"),
            chosen_path,
        )

    def _calibrate(self, path: str, layout: str | None) -> None:
        j = self.journey
        if layout is None or j is None:
            return
        # reading a large export and matching the full model take seconds: a worker, never the UI thread
        self.notify(f"Calibrating from {Path(path).name}…", markup=False)
        self._calibrate_worker(j, path, layout)

    @work(thread=True, exclusive=True, exit_on_error=False, group="calibrate")
    def _calibrate_worker(self, j: Journey, path: str, layout: str) -> None:
        try:
            log = read_events(path, j, columns_for(None if layout == "long" else layout))
            cal = calibrate(j, log)
            apply(j, cal)  # refuse up front what the edit would refuse
        except (InputError, ValueError, MemoryError) as exc:  # EditError is a ValueError
            self.call_from_thread(
                self.notify, str(exc) or type(exc).__name__, title="Not calibrated", severity="error", markup=False
            )
            return
        self.call_from_thread(self._calibrate_preview, j, path, cal)

    def _calibrate_preview(self, fitted: Journey, path: str, cal: Calibration) -> None:
        label = f"calibrate from {Path(path).name}"

        def answered(ok: bool | None) -> None:
            if ok and self.apply(label, lambda x: apply(x, cal)):
                self.notify(f"Calibrated from {Path(path).name} (ctrl+z undoes).", markup=False)

        lines = preview_lines(cal)
        if self.journey is not fitted:
            lines.insert(0, "the journey was edited while fitting: the values apply to the current version")
        question = f"Apply {len(cal.changes)} fitted values from {Path(path).name} (as of {cal.as_of[:10]})?"
        self.push_screen(ConfirmScreen(question, lines, yes="Apply", no="Cancel"), answered)
