"""The journey designer: a Textual app to draw, edit and check a journey file.

:func:`create_app` is the one factory used by ``journeytui edit`` and by the tests.
The app holds the open :class:`~journeytui.tui.document.Document` and one reactive
selection that every panel follows; edits go through the document's history so each
one can be undone. File rules (bundled journeys, broken files, changes on disk) live
here and in :mod:`journeytui.tui.document`; editing actions in :mod:`journeytui.tui.editing`.
"""

from __future__ import annotations

import gc
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, ScreenStackError
from textual.binding import BindingType
from textual.command import CommandPalette
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.widgets import DataTable, Header, Input, TabbedContent, TabPane

from journeytui.bundled import bundled_journeys, flagship
from journeytui.diagnostics import Diagnostic
from journeytui.diagnostics import Path as ModelPath
from journeytui.model.edit import EditError
from journeytui.model.load import LoadResult
from journeytui.model.save import Fingerprint
from journeytui.model.types import Journey
from journeytui.textsafe import visible
from journeytui.tui import actions
from journeytui.tui.background import Abandoned, abandonable
from journeytui.tui.base import while_open
from journeytui.tui.calibrating import CalibrateMixin
from journeytui.tui.commands import JourneyCommands
from journeytui.tui.document import Document, LayoutLost, ReadOnlyTarget, SaveRefused
from journeytui.tui.editing import EditingMixin
from journeytui.tui.exporting import ExportMixin
from journeytui.tui.forecasting import ForecastMixin
from journeytui.tui.forms import LARGE, size_of
from journeytui.tui.keygate import InOrderKeys
from journeytui.tui.messages import ChecksReady
from journeytui.tui.offload import Offload, OffloadCancelled
from journeytui.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, PromptScreen
from journeytui.tui.screens.help import HelpScreen
from journeytui.tui.selection import after_removal, describe, element_of, exists
from journeytui.tui.sweeping import SweepMixin
from journeytui.tui.widgets.coverage import CoverageView
from journeytui.tui.widgets.elements import ElementsTree
from journeytui.tui.widgets.footer import AppFooter
from journeytui.tui.widgets.forecast import ForecastStrip, ForecastView, SensitivityView
from journeytui.tui.widgets.graph import JourneyGraph
from journeytui.tui.widgets.inspector import Inspector
from journeytui.tui.widgets.personas import PersonasView
from journeytui.tui.widgets.problems import MAX_ROWS as MAX_PROBLEM_ROWS
from journeytui.tui.widgets.problems import ProblemsPanel

_OWN_SCREEN_ACTIONS = {"WorkshopScreen": ("export_svg",)}
"""App actions that belong to another screen (the palette's "Workshop: export" acts on the workshop)."""


def _typed(key: str) -> bool:
    """A key a form field may take as typing: anything but ctrl+ combinations and function keys
    (f8, "next problem", works from anywhere)."""
    return bool(key) and not key.startswith("ctrl+") and re.fullmatch(r"f\d+", key) is None


TAB_LABELS = {
    "graph": ("Graph", "Graph"),
    "elements": ("Elements", "Elems"),
    "personas": ("Personas/DMU", "DMU"),
    "coverage": ("Coverage", "Cover"),
    "forecast": ("Forecast", "Forecast"),
    "sensitivity": ("Sensitivity", "Sens"),
}
"""Each tab's label (wide, narrow): at 80 columns the full labels would push the last tabs off."""

NARROW = 116
"""Below this many columns the app uses its narrow layout (short tab labels, compact footer): the
wide tab labels and footer keys need about 116 columns (at 96-115 "Sensitivity" and "f1 Help" were cut)."""

UI_SWITCH_INTERVAL = 0.001
"""Seconds a worker thread holds the GIL before the UI thread may take it (Python's default: 0.005)."""
WATCH_SECONDS = 2.0
"""How often the file is checked for changes on disk (never in tests)."""


BLANK_CHOICE = "<blank>"
"""The template picker's value for the blank journey."""


def template_choices() -> list[tuple[str, str]]:
    """The template picker's options: a blank journey, then each bundled journey with its title as
    a one-line description (value: the file's path)."""
    choices = [(BLANK_CHOICE, "Blank journey: one entry stage, won and lost; build the rest yourself")]
    for path in bundled_journeys():
        choices.append((str(path), f"{path.name}: {_title(path)}"))
    return choices


def _title(path: Path) -> str:
    """A bundled journey's [journey] title, or "" when it cannot be read."""
    try:
        with path.open("rb") as f:
            title = tomllib.load(f).get("journey", {}).get("title", "")
    except (OSError, tomllib.TOMLDecodeError, AttributeError):
        return ""
    return title if isinstance(title, str) else ""


class JourneyApp(InOrderKeys, SweepMixin, CalibrateMixin, ExportMixin, ForecastMixin, EditingMixin):
    """Draw and edit one journey file."""

    CSS_PATH = "journeytui.tcss"
    TITLE = "journeytui"
    BINDINGS: ClassVar[list[BindingType]] = [*actions.bindings()]
    COMMANDS = App.COMMANDS | {JourneyCommands}
    # Textual declares it an instance variable: a ClassVar annotation would clash with that.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-wide")]  # noqa: RUF012

    def __init__(self, document: Document, *, watch_file: bool = True, missing: bool = False) -> None:
        super().__init__()
        self.doc = document
        self.watch_file = watch_file
        self.missing = missing
        self._disk_seen: Fingerprint | None = None
        self.doc_version = 0
        self._checks_running = False
        self._checks_for: tuple[Journey | None, object] = (None, None)
        """The journey and the loaded file (``doc.result``: a save or a reload changes the
        problems' line numbers) whose problems the panel shows."""
        self._checks_asked: tuple[Journey | None, object] = (None, None)
        self.offload = Offload()
        self._frozen = False
        """Computes a large journey's checks and live forecast (a child process, started when needed)."""
        self.init_forecast()
        self._stale_tabs: set[str] = set()
        # Now, not on mount: Textual's own start allocates enough for full passes of the garbage
        # collector, and each walked the whole loaded journey (see collector_paused).
        self._freeze_large()

    def _reopen(self, path: Path) -> None:
        """Load ``path`` again (reload, changed on disk), exempting a large journey as on open."""
        with collector_paused():
            self.doc = Document.open(path)
            self._freeze_large()

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="body"):
            with Vertical(id="main"):
                with TabbedContent(id="views", initial="graph"):
                    with TabPane(TAB_LABELS["graph"][0], id="graph"):
                        yield JourneyGraph(id="journey-graph")
                    with TabPane(TAB_LABELS["elements"][0], id="elements"):
                        yield ElementsTree(id="elements-tree")
                    with TabPane(TAB_LABELS["personas"][0], id="personas"):
                        yield PersonasView(id="personas-view")
                    with TabPane(TAB_LABELS["coverage"][0], id="coverage"):
                        yield CoverageView(id="coverage-view")
                    with TabPane(TAB_LABELS["forecast"][0], id="forecast"):
                        yield ForecastView(id="forecast-view")
                    with TabPane(TAB_LABELS["sensitivity"][0], id="sensitivity"):
                        yield SensitivityView(id="sensitivity-view")
                yield ForecastStrip(id="forecast-strip")
                yield ProblemsPanel(id="problems")
            yield Inspector(id="inspector")
        yield AppFooter()

    def on_mount(self) -> None:
        self._fit_width(self.size.width)
        # Forecasts and checks run in threads; the screen waits for the GIL each time it blocks on
        # input. Python's default 5 ms hand-over made a key press on a 10,000-stage journey cost
        # tenths of a second while a check ran: 1 ms keeps the UI answering.
        sys.setswitchinterval(UI_SWITCH_INTERVAL)
        self.query_one(ProblemsPanel).border_title = "Problems"
        self.query_one(JourneyGraph).border_subtitle = "─▶ forward  ┄▶ regression  ⏸ stall  ╔╗ outcome"
        self.refresh_all()
        j = self.journey
        if j is not None and j.stages:
            first = next((i for i, s in enumerate(j.stages) if s.entry), 0)
            self.selection = ("stages", first)
        self.query_one(JourneyGraph).focus()
        if self.missing:
            self.call_after_refresh(self.action_new_from_template)
        if self.watch_file:
            self.set_interval(WATCH_SECONDS, self.check_disk)

    def on_unmount(self) -> None:
        # Quitting: stop the child process; a worker waiting for it gives up at once (else the
        # interpreter would wait for that worker's thread before it exits).
        self.offload.close()
        if self._frozen:
            gc.unfreeze()  # what was frozen is collectable again (another app may run in this process)

    def _freeze_large(self) -> None:
        """Exempt a large journey, as loaded, from the garbage collector's full passes.

        Its hundreds of thousands of objects live as long as the document; every full pass
        walked them all, while the layout and each repaint allocate (measured on 10,000
        stages: the layout 30% faster). Edits share what they do not change, so most of them
        stay exempt; they are freed as usual by reference counting when no longer used. Undone
        when the app is unmounted (an app created and never run keeps them exempt).
        """
        j = self.journey
        if j is not None and size_of(j) > LARGE:
            gc.freeze()
            self._frozen = True

    def on_resize(self, event: events.Resize) -> None:
        self._fit_width(event.size.width)

    def _fit_width(self, width: int) -> None:
        """Short tab labels and a compact footer in a narrow terminal, so every tab and f1 Help
        stay visible at 80 columns (the supported minimum)."""
        narrow = width < NARROW
        try:
            tabs = self.query_one(TabbedContent)
            footer = self.query_one(AppFooter)
        except (NoMatches, ScreenStackError):  # not composed yet: on_mount fits it
            return
        for pane, (wide_label, narrow_label) in TAB_LABELS.items():
            tab = tabs.get_tab(pane)
            label = narrow_label if narrow else wide_label
            if tab.label_text != label:
                tab.label = label
        footer.compact = narrow

    # -- state -----------------------------------------------------------------------------
    def refresh_all(self) -> None:
        """Show the current journey in every panel."""
        doc, j = self.doc, self.journey
        if self.selection is not None and not exists(j, self.selection):
            self.selection = None
        # The header shows these as they are: file text is made visible (no control sequences).
        self.title = f"{visible(doc.name)}{' ●' if doc.dirty else ''}"
        if doc.broken:
            self.sub_title = "does not parse" if not self.missing else "new file"
        else:
            self.sub_title = visible(j.journey.title if j else "") + (
                "  (bundled: ctrl+s saves a copy)" if doc.bundled else ""
            )
        self.doc_version += 1
        graph = self.query_one(JourneyGraph)
        if j is None:
            graph.show(j, self._broken_message())
        elif graph.journey is not j:
            graph.show(j)
        self._share_source()
        self.refresh_checks()  # before the forecast: a journey with errors is not forecast
        self.refresh_forecast()
        graph.selection = self.selection
        inspector = self.query_one(Inspector)
        inspector.load_problems = doc.load_problem_paths() - doc.confirmed
        inspector.show(j, self.selection)
        # The elements, personas and coverage tabs are brought up to date when shown (edits stay fast).
        self._stale_tabs = {"elements", "personas", "coverage"}
        self._refresh_tab(self.query_one(TabbedContent).active)

    # -- the problems panel ------------------------------------------------------------------
    def refresh_checks(self) -> None:
        """Show the problems of the journey as it is now: at once for a small journey, from a
        worker for a large one (the panel says "checking…" meanwhile, the UI stays responsive)."""
        j = self.journey
        panel = self.query_one(ProblemsPanel)
        if j is None or size_of(j) <= LARGE:  # small: checked at once
            self._checks_for = self._checks_now()
            panel.show(self.doc.diagnostics())
            self._note_saved_errors()
            return
        if not self.checks_pending:
            return
        panel.checking()
        self._request_checks()

    def known_errors(self) -> int:
        if self.checks_pending:
            return 0
        return sum(1 for d in self.query_one(ProblemsPanel).diagnostics if d.is_error)

    def _note_saved_errors(self) -> None:
        """The problems shown are the saved version's when the journey is the saved one: keep its count."""
        history = self.doc.history
        if history is not None and self.journey is history.saved and not self.doc.confirmed:
            self.doc.saved_errors = self.known_errors()

    @property
    def checks_pending(self) -> bool:
        journey, result = self._checks_for
        return journey is not self.journey or result is not self.doc.result

    def _checks_now(self) -> tuple[Journey | None, object]:
        return self.journey, self.doc.result

    def _request_checks(self) -> None:
        if self._checks_running or self.journey is None:
            return
        self._checks_running = True
        self._checks_asked = self._checks_now()
        self._checks_worker(self.doc_version, self.journey, self.doc.checks(self._offloaded_checks()))

    def _share_source(self) -> None:
        """Tell the child process the text the document was loaded from (it loads it itself,
        rather than being sent a large journey whole) before anything is computed there."""
        doc, j = self.doc, self.journey
        if j is not None and size_of(j) > LARGE and doc.result.text is not None:
            self.offload.set_source(doc.result, doc.result.text, doc.result.file, doc.loaded)

    def _offloaded_checks(self) -> Callable[[Journey, str, bool], list[Diagnostic]]:
        """The semantic checks in the child process (see :mod:`journeytui.tui.offload`): the file
        text goes there once (it loads it itself), then each edit only what changed."""
        offload = self.offload
        self._share_source()

        def checker(journey: Journey, file: str, with_positions: bool) -> list[Diagnostic]:
            answer: list[Diagnostic] = offload.call("check", journey, file, with_positions)
            return answer

        return checker

    # A description: else Textual writes the repr of every argument, a 10,000-stage journey (seconds)
    @work(thread=True, exit_on_error=False, group="checks", description="checks")  # one at a time: _checks_running
    def _checks_worker(self, version: int, journey: Journey, run: Callable[[], list[Diagnostic]]) -> None:
        try:
            # The checks wait on the child process (no lock held); abandonable still lets the
            # app quit at once if they ever run here.
            diagnostics = abandonable(run)
        except (Abandoned, OffloadCancelled):  # the app is quitting
            return
        self.post_message(ChecksReady(version, journey, diagnostics))

    @while_open
    def on_checks_ready(self, message: ChecksReady) -> None:
        self._checks_running = False
        asked, now = self._checks_asked, self._checks_now()
        if asked[0] is now[0] and asked[1] is now[1]:
            self._checks_for = asked
            self.query_one(ProblemsPanel).show(message.diagnostics)
            self._note_saved_errors()
            self._show_live()  # the forecast's strip says whether the errors keep it off
        else:  # edited meanwhile: check the journey as it is now
            self._request_checks()

    @while_open
    def checks_failed(self, error: BaseException | None) -> None:
        """The checks worker raised: say so in the panel instead of "checking…" forever."""
        self._checks_running = False
        self._checks_for = self._checks_now()
        self.query_one(ProblemsPanel).failed(f"The checks failed: {type(error).__name__}: {error}")

    def _refresh_tab(self, pane: str) -> None:
        """Show the journey in one of the tabs that are only kept up to date while visible."""
        if pane not in self._stale_tabs:
            return
        self._stale_tabs.discard(pane)
        j = self.journey
        if pane == "elements":
            self.query_one(ElementsTree).show(j, self.selection)
        elif pane == "personas":
            self.query_one(PersonasView).show(j)
        elif pane == "coverage":
            self.query_one(CoverageView).show(j)

    def _broken_message(self) -> str:
        """The read-only banner; the file's name and the parser's message each stay on one line."""
        doc = self.doc
        name = visible(doc.name)
        if self.missing and doc.broken:
            return (
                f"{name} does not exist yet.\n\n"
                "Start it from a bundled journey: ctrl+n (File: new from a bundled journey).\n"
                "Nothing is written until you save."
            )
        first = doc.first_error()
        where = visible(f"{first.line}:{first.column}: {first.code} {first.message}") if first else "it cannot be read"
        return (
            f"{name} cannot be opened:\n\n  {name}:{where}\n\n"
            "Nothing will be written to it. Fix it in a text editor, then reload (ctrl+r)."
        )

    def watch_selection(self, selection: ModelPath | None) -> None:
        try:
            graph = self.query_one(JourneyGraph)
        except (NoMatches, ScreenStackError):  # not running or not composed yet: on_mount shows it
            return
        graph.selection = selection
        self.query_one(Inspector).show(self.journey, selection)
        if self.query_one(TabbedContent).active == "elements":
            self.query_one(ElementsTree).show(self.journey, selection)
        else:
            self._stale_tabs.add("elements")

    def apply(self, label: str, edit: Callable[[Journey], Journey], select: ModelPath | bool | None = False) -> bool:
        """Run one edit through the history; ``select``: what to select afterwards (False: keep)."""
        history = self.doc.history
        if history is None:
            self.notify("Nothing to edit: the file did not open.", severity="error")
            return False
        try:
            history.apply(label, edit)
        except EditError as exc:
            self.notify(str(exc), title="Not changed", severity="error")
            return False
        if select is not False:
            self.selection = select  # type: ignore[assignment]
        self.refresh_all()
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("quit", "help", "command_palette"):
            return True
        screen = self.screen
        palette = isinstance(screen, CommandPalette)
        if palette and len(self.screen_stack) > 1:
            screen = self.screen_stack[-2]  # the palette lists and runs the actions of the screen below it
        elif isinstance(screen, ModalScreen):
            return False  # a dialog owns the keys
        spec = next((a for a in actions.ACTIONS if actions.base_name(a.action) == action), None)
        if spec is None:
            return True  # Textual's own (pop_screen, focus...) and the panels'
        if screen is not self.screen_stack[0] and action not in (
            "save",
            "save_as",
            *_OWN_SCREEN_ACTIONS.get(type(screen).__name__, ()),
        ):
            # The compare and workshop screens own their keys: an edit, a nudge or a tab switch
            # there would change the journey hidden behind them (x deleted a transition).
            return False
        if spec.edits and self.doc.broken:
            return False
        if not palette and action != self._chosen_action and self._focus_in_form():
            # A key pressed in the inspector is the form's: a drop-down or a checkbox does not
            # consume x or +, and the app's delete and nudge must not take them. Ctrl keys
            # (save, undo...) are priority bindings and never reach here while a field holds them.
            return not any(_typed(k) for k in spec.key.split(","))
        return True

    _chosen_action: str | None = None
    """The action the command palette is running (a choice, not a key: the form rule does not apply)."""

    async def run_chosen_action(self, action: str) -> None:
        """Run an action chosen in the command palette (focus may be back in a form by then)."""
        self._chosen_action = actions.base_name(action)
        try:
            await self.run_action(action)
        finally:
            self._chosen_action = None

    def _focus_in_form(self) -> bool:
        """Is the focused widget one of the inspector's fields (or a text field anywhere)?"""
        focused = self.focused
        if focused is None:
            return False
        return any(isinstance(node, Inspector | Input) for node in focused.ancestors_with_self)

    # -- messages from panels ------------------------------------------------------------------
    @on(JourneyGraph.Selected)
    @on(ElementsTree.Selected)
    @on(PersonasView.Selected)
    def _selected(self, event: JourneyGraph.Selected | ElementsTree.Selected | PersonasView.Selected) -> None:
        if event.path != self.selection:
            self.selection = event.path

    @on(JourneyGraph.Inspect)
    def _inspect(self) -> None:
        self.action_inspect()

    @on(Inspector.Commit)
    def _commit(self, event: Inspector.Commit) -> None:
        self.commit_field(event.path, event.value, event.rename)

    @on(Inspector.Leave)
    def _leave(self) -> None:
        self.focus_view()

    @on(ProblemsPanel.Chosen)
    def _problem(self, event: ProblemsPanel.Chosen) -> None:
        d = event.diagnostic
        path, why = self._model_path(d)
        if path is None:  # not in the app to select: say where it is instead
            where = f" (line {d.line})" if d.line else ""
            self.notify(f"{d.message}{where}: {why}", title=d.code, severity="warning")
            return
        target = element_of(path)
        if target is not None and exists(self.journey, target):
            self.selection = target
        else:
            self.notify(d.message, title=d.code)

    def _model_path(self, d: Diagnostic) -> tuple[ModelPath | None, str]:
        """The model path of a problem, or None and why it has none. A load-time problem names the
        file's entries, and the load leaves out an entry with an error: the app's ``transitions[0]``
        is then another one."""
        doc = self.doc
        if d not in doc.structural:  # by value: offloaded checks come back as copies
            return d.path, ""
        out: ModelPath = ()
        for part in d.path:
            if isinstance(part, int) and out in doc.result.kept:
                indices = doc.result.kept[out]
                if part not in indices:
                    return None, (
                        "this entry is not loaded because of this error, so it cannot be selected here; "
                        "fix it in a text editor and reload (ctrl+r)"
                    )
                loaded, now, name = doc.loaded, self.journey, str(out[-1])
                moved = loaded is not None and now is not None and now is not loaded
                if moved and len(getattr(loaded, name, ())) != len(getattr(now, name, ())):
                    return None, "entries were added or removed since the file was loaded: save to locate it again"
                part = indices.index(part)
            out = (*out, part)
        return out, ""

    @on(CoverageView.Pick)
    def _coverage_pick(self, event: CoverageView.Pick) -> None:
        j = self.journey
        who = event.persona_id or "anyone"
        if j is None:
            return
        if not event.touchpoints:
            self.notify(f"No touchpoint reaches {who} in stage {event.stage_id}.", title="Gap")
            return
        choices = [(str(i), visible(f"{j.touchpoints[i].id}: {j.touchpoints[i].name}")) for i in event.touchpoints]

        def chosen(value: str | None) -> None:
            if value is not None:
                self.selection = ("touchpoints", int(value))
                self.action_inspect()

        self.push_screen(ChoiceScreen(f"Touchpoints for {who} in {event.stage_id}", choices), chosen)

    # -- views -----------------------------------------------------------------------------------
    def action_view(self, name: str) -> None:
        self.query_one(TabbedContent).active = name
        self.focus_view()

    def focus_view(self) -> None:
        active = self.query_one(TabbedContent).active
        target = {
            "graph": "#journey-graph",
            "elements": "#elements-tree",
            "personas": "#persona-table",
            "coverage": "#coverage-table",
            "forecast": "#forecast-view",
            "sensitivity": "#sens-table",
        }
        self.query_one(target.get(active, "#journey-graph")).focus()

    def action_focus_problems(self) -> None:
        self.query_one(ProblemsPanel).focus()

    def action_next_problem(self) -> None:
        panel = self.query_one(ProblemsPanel)
        if not panel.diagnostics:
            self.notify("No problems.")
            return
        rows = min(len(panel.diagnostics), MAX_PROBLEM_ROWS)  # the panel shows at most these
        row = (panel.cursor_row + 1) % rows if self.focused is panel else min(panel.cursor_row, rows - 1)
        panel.move_cursor(row=row)
        self._problem(ProblemsPanel.Chosen(panel.diagnostics[row]))
        panel.focus()

    def action_inspect(self) -> None:
        if self.selection is None:
            self.notify("Select something first (arrows in the graph, or the Elements tab).")
            return
        self.query_one(Inspector).focus_first()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.focused))

    @on(TabbedContent.TabActivated)
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        self._refresh_tab(str(event.pane.id))
        if event.pane.id == "coverage":
            self.query_one(CoverageView).query_one(DataTable).focus()
        elif event.pane.id == "sensitivity":
            self.refresh_sensitivity()
        elif event.pane.id == "forecast":
            self.show_forecast_tab()

    # -- undo ------------------------------------------------------------------------------------
    def action_undo(self) -> None:
        history = self.doc.history
        if history is None or not history.can_undo:
            self.notify("Nothing to undo.")
            return
        label = history.undo_label
        history.undo()
        self._after_history()
        self.notify(f"Undid: {label}", title="Undo")

    def action_redo(self) -> None:
        history = self.doc.history
        if history is None or not history.can_redo:
            self.notify("Nothing to redo.")
            return
        label = history.redo_label
        history.redo()
        self._after_history()
        self.notify(f"Redid: {label}", title="Redo")

    def _after_history(self) -> None:
        j = self.journey
        if self.selection is not None and not exists(j, self.selection) and j is not None:
            self.selection = after_removal(j, self.selection)
        self.refresh_all()

    # -- files -----------------------------------------------------------------------------------
    def action_save(self) -> None:
        doc = self.doc
        if doc.broken:
            first = doc.first_error()
            where = f" at line {first.line}, column {first.column}" if first else ""
            self.notify(
                f"{doc.name} does not parse{where}; it is not overwritten. Fix it in a text editor.",
                title="Not saved",
                severity="error",
            )
            return
        if doc.needs_path():
            self.action_save_as()
            return
        assert doc.path is not None
        if doc.changed_on_disk():
            self._ask_disk_changed()
            return
        self._write(doc.path)

    def action_save_as(self) -> None:
        if self.doc.broken:
            self.action_save()
            return
        default = self.doc.name

        def check(text: str) -> str | None:
            if not text.strip():
                return "type a file name"
            target = Path(text.strip()).expanduser()
            if target.is_dir():
                return "that is a folder; add a file name"
            from journeytui.bundled import is_bundled

            if is_bundled(target):
                return "that is a bundled journey; choose a path outside the bundled folder"
            return None

        def chosen(text: str | None) -> None:
            if text is None:
                return
            target = Path(text.strip()).expanduser().absolute()
            own = self.doc.path is not None and target.exists() and target.resolve() == self.doc.path.resolve()
            if target.exists() and not own:
                self.push_screen(
                    ConfirmScreen(f"{target.name} exists. Replace it?", [str(target)], yes="Replace", no="Cancel"),
                    lambda ok: self._write(target) if ok else None,
                )
            else:
                self._write(target)

        hint = (
            "The bundled journey stays as it is; this saves a copy."
            if self.doc.bundled
            else "Enter to save, escape to cancel."
        )
        self.push_screen(PromptScreen("Save as (path relative to the current folder)", default, check, hint), chosen)

    def _write(
        self, path: Path, *, force: bool = False, allow_read_only: bool = False, drop_layout: bool = False
    ) -> None:
        """Save to ``path``; a read-only file, or a change whose comments cannot be kept, asks first."""
        doc = self.doc

        def again(**agreed: bool) -> Callable[[bool | None], None]:
            options = {"force": force, "allow_read_only": allow_read_only, "drop_layout": drop_layout} | agreed
            return lambda ok: self._write(path, **options) if ok else None

        try:
            doc.save(path, force=force, allow_read_only=allow_read_only, drop_layout=drop_layout)
        except ReadOnlyTarget:
            details = [str(path), "It is marked read-only (no write permission); it stays read-only after the save."]
            question = f"{path.name} is read-only. Overwrite it?"
            self.push_screen(
                ConfirmScreen(question, details, yes="Overwrite", no="Cancel"), again(allow_read_only=True)
            )
            return
        except LayoutLost as exc:
            details = [
                f"Why: {exc}.",
                "Save in canonical form: comments, the file's own key order, unknown keys and entries "
                "that failed to load are dropped.",
                "Cancel: nothing is written and your edits stay here (File: save as writes a copy).",
            ]
            question = "Save without the file's comments?"
            self.push_screen(
                ConfirmScreen(question, details, yes="Save canonical", no="Cancel"), again(drop_layout=True)
            )
            return
        except SaveRefused as exc:
            self.notify(str(exc), title="Not saved", severity="error")
            return
        except OSError as exc:
            self.notify(f"Could not write {path}: {exc.strerror or exc}", title="Not saved", severity="error")
            return
        self._disk_seen = None
        self.refresh_all()
        self.notify(f"Saved {doc.name}", title="Saved")

    def _ask_disk_changed(self) -> None:
        choices = [
            ("overwrite", "Overwrite it with my version"),
            ("reload", "Reload it from disk (discard my edits)"),
            ("cancel", "Cancel: do nothing"),
        ]
        details = f"{self.doc.name} changed on disk since it was opened (another program or person edited it)."

        def chosen(value: str | None) -> None:
            if value == "overwrite" and self.doc.path is not None:
                self._write(self.doc.path, force=True)
            elif value == "reload":
                self.action_reload()

        self.push_screen(ChoiceScreen("The file changed on disk", choices, details, highlight="cancel"), chosen)

    def action_reload(self) -> None:
        doc = self.doc
        if doc.path is None or (self.missing and doc.broken):
            self.notify("There is no file to reload.")
            return

        def reload(ok: bool | None = True) -> None:
            if not ok or doc.path is None:
                return
            self._reopen(doc.path)
            self.missing = False
            self._disk_seen = None
            self.refresh_all()
            self.notify(f"Reloaded {self.doc.name} from disk.", title="Reloaded")

        if doc.dirty:
            edits = "your unsaved edits"
            self.push_screen(
                ConfirmScreen(f"Reload {doc.name} and lose {edits}?", yes="Reload", no="Keep editing"), reload
            )
        else:
            reload()

    def action_new_from_template(self) -> None:
        """Start a journey from a bundled one or a blank one, without leaving the app.

        A file that does not exist yet (``journeytui edit new.toml``, or one started here and not
        saved) is (re)started in place; an open file stays as it is on disk and the new journey
        gets a new path, asked first. Unsaved edits are confirmed before they are dropped."""
        doc = self.doc
        edited = doc.history is not None and doc.history.dirty

        def go(ok: bool | None = True) -> None:
            if not ok:
                return
            if doc.path is not None and not doc.path.exists() and not doc.bundled:
                self._pick_template(doc.path)
            else:
                self._ask_new_path(self._pick_template)

        if edited:
            question = f"Start a new journey and lose the unsaved edits to {doc.name}?"
            details = ["ctrl+s first keeps them; escape goes back to editing."]
            self.push_screen(ConfirmScreen(question, details, yes="Discard and start", no="Keep editing"), go)
        else:
            go()

    def _ask_new_path(self, then: Callable[[Path], None]) -> None:
        def check(text: str) -> str | None:
            if not text.strip():
                return "type a file name"
            target = Path(text.strip()).expanduser()
            if target.is_dir():
                return "that is a folder; add a file name"
            if target.exists():
                return "that file exists; a new journey needs a new path"
            from journeytui.bundled import is_bundled

            if is_bundled(target):
                return "that is the bundled folder; choose a path outside it"
            return None

        self.push_screen(
            PromptScreen(
                "New journey file (path relative to the current folder)",
                "new-journey.toml",
                check,
                f"{self.doc.name} stays as it is. Nothing is written until you save.",
            ),
            lambda text: then(Path(text.strip()).expanduser().absolute()) if text else None,
        )

    def _pick_template(self, path: Path) -> None:
        choices = template_choices()
        flag = str(flagship())

        def chosen(value: str | None) -> None:
            if value is None:
                return
            self.doc = Document.blank(path) if value == BLANK_CHOICE else Document.from_template(path, Path(value))
            self.missing = not path.exists()
            self._disk_seen = None
            self.selection = None
            self.refresh_all()
            j = self.journey
            if j is not None and j.stages:
                self.selection = ("stages", 0)
            origin = "a blank journey" if value == BLANK_CHOICE else Path(value).name
            self.notify(
                f"New file {path.name} from {origin}: nothing is written until you save (ctrl+s).", title="New file"
            )

        details = (
            f"{path.name} does not exist yet. Start it from a bundled journey or a blank one "
            "(nothing is written until you save; ctrl+n picks again)."
        )
        self.push_screen(ChoiceScreen("Start a new journey", choices, details, highlight=flag), chosen)

    def check_disk(self) -> None:
        """Notice a change on disk while the app runs (on focus and periodically, never in tests)."""
        doc = self.doc
        if doc.path is None or self.missing or not doc.changed_on_disk():
            return
        now = Fingerprint.of(doc.path)
        if now == self._disk_seen:
            return
        self._disk_seen = now
        if not doc.dirty and not isinstance(self.screen, ModalScreen):
            self._reopen(doc.path)
            self.refresh_all()
            self.notify(f"{doc.name} changed on disk; reloaded.", title="Reloaded")
        else:
            self.notify(
                f"{doc.name} changed on disk. Saving will ask what to do.", title="Changed on disk", severity="warning"
            )

    def on_app_focus(self) -> None:
        if self.watch_file:
            self.check_disk()

    def action_quit(self) -> None:  # type: ignore[override]
        if not self.doc.dirty:
            self.exit()
            return

        def answer(value: str | None) -> None:
            if value == "quit":
                self.exit()
            elif value == "save":
                self.action_save()
                # Saved at once: quit. A save that asks first (a bundled journey's new path, a
                # read-only file) leaves its question open; quitting again after it is instant.
                if not self.doc.dirty and not isinstance(self.screen, ModalScreen):
                    self.exit()

        choices = [("save", "Save and quit"), ("quit", "Quit without saving"), ("stay", "Stay")]
        details = f"{self.doc.name} has unsaved changes."
        self.push_screen(ChoiceScreen("Quit?", choices, details, highlight="save"), answer)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast. Messages often quote the file (names, paths, errors), so they are never read as
        markup and show control characters, line breaks included, as visible escapes. ``markup`` is
        ignored on purpose: widgets and screens forward their notifications here with ``markup=True``."""
        message, title = visible(message), visible(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def describe_selection(self) -> str:
        return describe(self.journey, self.selection)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused (reference counting still frees what it can), while a
    file is loaded and until the app has exempted it (:meth:`JourneyApp._freeze_large`).

    Loading a large file creates hundreds of thousands of objects that all live on: each pass
    of the collector meanwhile walked the young ones among them, each full pass all of them.
    Once exempt, no pass walks them. (10,000 stages: the open took 0.3 s less CPU, 1.02 s -> 0.73 s.)
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def create_app(path: Path | str | None = None, *, watch_file: bool = True) -> JourneyApp:
    """The app for ``path`` (None: the flagship bundled journey). Never raises for a bad file."""
    target = Path(path) if path is not None else flagship()
    if not target.exists():
        empty = Document(target, None, LoadResult(file=str(target)), Fingerprint.of(target), None)
        return JourneyApp(empty, watch_file=watch_file, missing=True)
    with collector_paused():
        return JourneyApp(Document.open(target), watch_file=watch_file)
