"""The app's "File: export…": the journey on screen as Mermaid, Graphviz or the journey map.

Asks the format, then the path (``<file stem><suffix>`` by default), asks before replacing an
existing file, and writes atomically in a worker (the maps run the full-model forecast, which
takes seconds for a large journey). The export is of the journey as it is now, unsaved edits
included. Errors are notifications, never a crash. Not the workshop's SVG screenshot.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from journeytui.export import FORMATS, SUFFIXES, export_text
from journeytui.model.save import atomic_write
from journeytui.sim import SimulationError
from journeytui.tui.base import AppBase
from journeytui.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, PromptScreen

if TYPE_CHECKING:
    from journeytui.model.types import Journey

CHOICES = [(fmt, f"{fmt}: {what}") for fmt, what in FORMATS.items()]


class ExportMixin(AppBase):
    """The export action. Mixed into :class:`JourneyApp`."""

    def action_export(self) -> None:
        if self.journey is None:
            self.notify("Nothing to export: the file did not open.", severity="error")
            return
        self.push_screen(ChoiceScreen("Export the journey as", CHOICES), self._export_format_chosen)

    def _export_format_chosen(self, fmt: str | None) -> None:
        if fmt is None:
            return
        default = f"{Path(self.doc.name).stem}{SUFFIXES[fmt]}"
        hint = "Unsaved edits are included." + (
            " The map runs the full-model forecast." if fmt.startswith("map") else ""
        )

        def chosen(text: str | None) -> None:
            if text and text.strip():
                self._export_to(fmt, Path(text.strip()).expanduser())

        self.push_screen(PromptScreen(f"Write the {fmt} export to", default, _not_a_folder, hint), chosen)

    def _export_to(self, fmt: str, target: Path) -> None:
        journey = self.journey
        if journey is None:
            return
        if not target.exists():
            self._export_worker(journey, fmt, target)
            return

        def answered(replace: bool | None) -> None:
            if replace:
                self._export_worker(journey, fmt, target)

        self.push_screen(
            ConfirmScreen(f"Replace {target}?", ["The file exists."], yes="Replace", no="Cancel"), answered
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def _export_worker(self, journey: Journey, fmt: str, target: Path) -> None:
        try:
            atomic_write(target, export_text(journey, fmt))
        except OSError as exc:
            self.call_from_thread(
                self.notify,
                f"cannot write {target}: {exc.strerror or exc}",
                title="Not exported",
                severity="error",
                markup=False,
            )
            return
        except (SimulationError, MemoryError, ValueError) as exc:
            self.call_from_thread(
                self.notify, str(exc) or type(exc).__name__, title="Not exported", severity="error", markup=False
            )
            return
        self.call_from_thread(self.notify, f"Wrote {target}", title="Exported", markup=False)


def _not_a_folder(text: str) -> str | None:
    p = Path(text.strip()).expanduser()
    if not text.strip():
        return "a file name"
    if p.is_dir():
        return "a folder: give a file name"
    if not p.parent.is_dir():
        return "no such folder"
    return None
