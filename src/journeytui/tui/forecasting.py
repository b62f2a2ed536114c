"""The app's forecast side: the live forecast after every edit, Monte Carlo in a worker, what-if nudges,
the sensitivity ranking, comparisons, the Markdown report and workshop mode.

A mixin for :class:`journeytui.tui.app.JourneyApp`, a thin layer over
:class:`journeytui.session.forecast.ForecastState` (which forecast is current, which Monte Carlo
run, what is shown: no Textual); the numbers come from :mod:`journeytui.sim` (live, sensitivity,
compare, report), which never imports Textual either.
"""

from __future__ import annotations

import threading
from pathlib import Path

from textual import work
from textual.widgets import TabbedContent
from textual.worker import Worker, WorkerState, get_current_worker

from journeytui.model.load import load_file
from journeytui.model.save import atomic_write
from journeytui.model.types import Journey
from journeytui.session.forecast import (
    SIM_RUNS,
    SIM_SEED,
    ForecastJob,
    ForecastState,
    Shown,
    compute,
    count_errors,
    live_forecast,
)
from journeytui.session.forecast import reason as _reason
from journeytui.sim import Forecast, SimResult, SimulationCancelled, SimulationError, simulate
from journeytui.sim.compare import compare
from journeytui.sim.compile import blocking_features
from journeytui.sim.kpi_tree import kpi_tree
from journeytui.sim.live import StageHealth
from journeytui.sim.report import report
from journeytui.sim.sensitivity import NudgeRefused, default_step, nudge, param_at, sensitivity
from journeytui.tui.background import Abandoned, abandonable
from journeytui.tui.base import AppBase, while_open
from journeytui.tui.forms import LARGE, size_of
from journeytui.tui.messages import (
    ForecastReady,
    SimCancelled,
    SimDone,
    SimFailed,
    SimProgress,
    TreeReady,
)
from journeytui.tui.offload import OffloadCancelled
from journeytui.tui.screens.compare import CompareScreen
from journeytui.tui.screens.dialogs import PromptScreen
from journeytui.tui.screens.workshop import Scenario, WorkshopScreen
from journeytui.tui.widgets.forecast import ForecastStrip, ForecastView, SensitivityView
from journeytui.tui.widgets.forecast_people import PeopleSection
from journeytui.tui.widgets.graph import JourneyGraph

SENS_TOP = 5
"""Sensitivity candidates re-forecast with the full model (each one Monte Carlo run)."""


class ForecastMixin(AppBase):
    """The forecast panels over :class:`~journeytui.session.forecast.ForecastState` (mixed into the app):
    workers compute, the state decides what is current, the widgets show it.

    Message handlers are ``on_*`` methods: ``@on`` handlers are only collected from
    Textual classes, and this mixin is not one.
    """

    sim_runs: int = SIM_RUNS
    sim_seed: int = SIM_SEED

    def init_forecast(self) -> None:
        self.fc = ForecastState()
        self._scroll_to_people = False

    # The state's figures, as the panels and tests read them.
    @property
    def shown(self) -> Shown | None:
        return self.fc.shown

    @property
    def sim_result(self) -> SimResult | None:
        return self.fc.sim_result

    @sim_result.setter
    def sim_result(self, value: SimResult | None) -> None:
        self.fc.sim_result = value

    @property
    def sim_running(self) -> bool:
        return self.fc.sim_running

    @property
    def band_stage(self) -> str | None:
        return self.fc.band_stage

    @property
    def persona_week(self) -> int | None:
        return self.fc.persona_week

    # -- the live forecast ---------------------------------------------------------------
    @property
    def forecast_pending(self) -> bool:
        """True while the live forecast on screen is not (yet) the one of the journey as it is now
        (never while the journey has errors: it is not forecast then)."""
        return self.fc.pending(self.journey) and not self.known_errors()

    def refresh_forecast(self) -> None:
        """Show the live forecast of the journey as it is now, computing it in a worker when needed.

        The exact forecast may be slow or refused (a huge journey, stalls of thousands of weeks),
        so it never runs on the UI thread: until the worker answers, the panels keep the last
        result marked "updating…"; a refusal or a crash becomes "No forecast: ..." and the app
        stays usable.
        """
        j = self.journey
        if j is None:
            self.fc.clear()
        self._show_live()  # the current result, or the previous one marked as updating
        if j is None or self.fc.is_current(j):
            return
        self.fc.supersede(j)  # the running forecast is of an older journey: stop it, start anew
        self._request_forecast()

    def _request_forecast(self) -> None:
        """Start the forecast worker for the journey now, unless one is running: one at a time,
        and the running one's answer starts the next (edits made meanwhile coalesce into one run)."""
        if self.known_errors():  # a journey with errors is not forecast
            return
        history = self.doc.history
        job = self.fc.next_job(self.doc_version, self.journey, history.saved if history is not None else None)
        if job is not None:
            self._forecast_worker(job)

    # Not exclusive: the answer is posted just before the thread returns, and the next run
    # started on that answer must not cancel (and so fail) the finishing one.
    @work(thread=True, exit_on_error=False, group="forecast", description="_forecast_worker")
    def _forecast_worker(self, job: ForecastJob) -> None:
        try:
            result = compute(job, self.sim_runs, self.sim_seed, live=self._compute_live)
        except (Abandoned, OffloadCancelled):  # the app is quitting: stop the Monte Carlo at its next week too
            job.cancel.set()
            return
        self.post_message(ForecastReady(result))

    def _compute_live(
        self, journey: Journey, runs: int, seed: int, cancel: threading.Event
    ) -> tuple[Forecast | None, dict[str, StageHealth], str]:
        """:func:`live_forecast` here for a small journey; for a large one in the child process of
        :mod:`journeytui.tui.offload`, so it never holds the lock the UI thread needs."""
        if size_of(journey) <= LARGE:
            return abandonable(lambda: live_forecast(journey, runs, seed, cancel))
        try:
            fc, health = self.offload.call("live", journey, runs, seed, cancelled=cancel.is_set)
        except (SimulationCancelled, OffloadCancelled):
            raise
        except Exception as exc:  # as in _live: a refusal, no memory, a bug, or the child stopped
            return None, {}, f"No forecast: {_reason(exc)}"
        return fc, health, ""

    @while_open
    def on_forecast_ready(self, message: ForecastReady) -> None:
        if self.fc.accept(message.result, self.journey):
            self._show_live()
        else:  # an edit came in meanwhile: forecast the journey as it is now
            self._request_forecast()

    @while_open
    def forecast_failed(self, error: BaseException | None) -> None:
        """The forecast worker itself failed (not the engine): say so, never stay "updating" forever."""
        self.fc.failed(self.doc_version, self.journey, error)
        if self.journey is not None:
            self._show_live()

    def _show_live(self) -> None:
        """Put the current live result in the strip, the Forecast tab, the graph and the sensitivity tab."""
        history = self.doc.history
        saved = history.saved if history is not None else None
        # a saved version with errors is no baseline: its forecast would be another journey's
        with_baseline = history is not None and not self.doc.saved_errors
        shown, error = self.fc.show(self.journey, with_baseline, saved, self.known_errors())
        updating = self.forecast_pending
        self.query_one(ForecastStrip).show(shown, error, updating=updating)
        # The Forecast tab is rebuilt only while visible (tables and charts are the costly part).
        if self.query_one(TabbedContent).active == "forecast":
            self.query_one(ForecastView).show(shown, error)
        if not updating:
            self.query_one(JourneyGraph).set_marks(self.fc.marks())
            warning = self.fc.error_to_notify()
            if warning and not self.known_errors():  # the strip already says why there is none
                self.notify(warning, title="No forecast", severity="warning")
        if self.query_one(TabbedContent).active == "sensitivity":
            self.refresh_sensitivity()

    # -- Monte Carlo -----------------------------------------------------------------------
    def _has_errors(self, what: str) -> bool:
        """Say so and refuse ``what`` (a forecast of some kind) while the journey has errors."""
        errors = self.known_errors()
        if errors:
            self.notify(
                f"{what}: the journey has {count_errors(errors)} (Problems panel); fix them first.",
                title="No forecast",
                severity="warning",
            )
        return bool(errors)

    def action_run_simulation(self) -> None:
        j = self.journey
        if j is None:
            self.notify("Nothing to simulate: the file did not open.", severity="error")
            return
        if self._has_errors("Monte Carlo not run"):
            return
        cancel, run_id = self.fc.start_run(j)
        self.query_one(ForecastView).run_started(self.sim_runs, j.journey.horizon)
        self._simulate(j, cancel, run_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="simulate", description="_simulate")
    def _simulate(self, journey: Journey, cancel: threading.Event, run_id: int) -> None:
        worker = get_current_worker()

        def progress(week: int, weeks: int) -> None:
            if worker.is_cancelled:  # the app is quitting: stop at the next week
                cancel.set()
            self.post_message(SimProgress(week, weeks, run_id))

        try:
            result = simulate(journey, runs=self.sim_runs, seed=self.sim_seed, progress=progress, cancel=cancel)
        except SimulationCancelled:
            self.post_message(SimCancelled(run_id))
            return
        except SimulationError as exc:
            self.post_message(SimFailed(str(exc), run_id))
            return
        except Exception as exc:  # out of memory or a bug: a failed run, never a crash
            self.post_message(SimFailed(_reason(exc), run_id))
            return
        self.post_message(SimDone(result, run_id))

    def action_cancel_simulation(self) -> None:
        if not self.fc.cancel_run():
            self.notify("No Monte Carlo run to cancel.")

    def on_sim_progress(self, message: SimProgress) -> None:
        if message.run_id == self.fc.run_id:
            self.query_one(ForecastView).run_progress(message.week, message.weeks)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker raised instead of posting its answer: tell the user and keep the app usable."""
        if event.state != WorkerState.ERROR:
            return
        group, error = event.worker.group, event.worker.error
        if group == "forecast":
            self.forecast_failed(error)
        elif group == "simulate":
            self.on_sim_failed(SimFailed(f"internal error ({_reason(error)})", self.fc.run_id))
            return
        elif group == "checks":
            self.checks_failed(error)
        self.notify(f"{group}: {_reason(error)}", title="Something went wrong", severity="error")

    @while_open
    def on_sim_done(self, message: SimDone) -> None:
        if not self.fc.run_done(message.run_id, message.result):
            return
        r = message.result
        self.query_one(ForecastView).run_finished(
            f"Monte Carlo: {r.settings.get('runs')} runs, seed {r.settings.get('seed')}, {r.weeks} weeks: "
            f"won {float(r.won[-1]):,.1f}"
        )
        self.refresh_forecast()
        self.notify(f"Monte Carlo done: won {float(r.won[-1]):,.1f} by week {r.weeks}.", title="Forecast")

    @while_open
    def on_sim_cancelled(self, message: SimCancelled) -> None:
        if not self.fc.run_ended(message.run_id):
            return
        self.query_one(ForecastView).run_finished("Monte Carlo run cancelled.")
        self.notify("Monte Carlo run cancelled.", title="Forecast")

    @while_open
    def on_sim_failed(self, message: SimFailed) -> None:
        if not self.fc.run_ended(message.run_id):
            return
        self.query_one(ForecastView).run_finished(f"Monte Carlo refused: {message.error}")
        self.notify(message.error, title="Monte Carlo refused", severity="error")

    def show_forecast_tab(self) -> None:
        self.query_one(ForecastView).show(self.fc.shown, self.fc.shown_error)
        if self._scroll_to_people:  # asked for by action_forecast_personas: once the tab is built
            self._scroll_to_people = False
            self.call_after_refresh(self._scroll_people)

    def _scroll_people(self, tries: int = 40) -> None:
        """Scroll the personas section to the top of the Forecast tab; the rebuilt tab may need a
        few refreshes before it is laid out, so look again shortly (2 s at most) until it is."""
        view, section = self.query_one(ForecastView), self.query_one(PeopleSection)
        view.scroll_to_widget(section, top=True, animate=False, immediate=True)
        if view.scroll_y == 0 and section.region.y > view.region.y and tries > 0:
            self.set_timer(0.05, lambda: self._scroll_people(tries - 1))

    def action_band_stage(self, delta: int) -> None:
        j = self.journey
        if j is None or not j.stages:
            return
        self.fc.step_band_stage(j, delta)
        self.refresh_forecast()

    def action_persona_week(self, delta: int) -> None:
        """Move the week of the persona table (kept inside the horizon)."""
        j = self.journey
        if j is None:
            return
        shown = self.fc.shown
        self.fc.step_persona_week(shown.forecast.weeks if shown is not None else j.journey.horizon, delta)
        self.refresh_forecast()

    def action_forecast_personas(self) -> None:
        """The Forecast tab, scrolled to its per-persona and per-account section."""
        self._scroll_to_people = True
        if self.query_one(TabbedContent).active == "forecast":
            self.show_forecast_tab()
        else:
            self.action_view("forecast")  # its TabActivated builds the tab, then scrolls

    # -- what-if ---------------------------------------------------------------------------
    def action_nudge(self, direction: int) -> None:
        j, sel = self.journey, self.selection
        if j is None:
            return
        p = param_at(j, str(sel[0]), int(sel[1])) if sel and len(sel) == 2 and isinstance(sel[1], int) else None
        if p is None:
            self.notify("Select a transition, stall or touchpoint to nudge (+ / -).")
            return
        step = direction * default_step(p.kind)
        try:
            moved = nudge(j, p.kind, p.index, step)
        except NudgeRefused as exc:
            self.notify(str(exc), title="Not changed", severity="warning")
            return
        after = param_at(moved, p.kind, p.index)
        label = f"what-if: {p.label} {p.value:.1%} -> {after.value if after else 0:.1%}"
        self.apply(label, lambda _j: moved)

    # -- sensitivity -------------------------------------------------------------------------
    def refresh_sensitivity(self) -> None:
        j = self.journey
        view = self.query_one(SensitivityView)
        if j is None:
            view.show(None, error="No journey.")
            return
        shown = self.fc.shown
        if shown is None:
            view.show_tree([self.fc.shown_error] if self.fc.shown_error else [])
        elif self.fc.tree_for is not shown.forecast:
            self.fc.tree_for = shown.forecast
            self._tree_worker(shown.journey, shown.forecast)
        if self.known_errors():
            self.fc.effects_for = None
            view.show(None, error=self.fc.shown_error or "No sensitivity while the journey has errors.")
            return
        if self.fc.effects_for is j:
            return
        self.fc.effects_for = j
        view.show(None)
        self._rank(j)

    @work(thread=True, exclusive=True, exit_on_error=False, group="kpi-tree", description="_tree_worker")
    def _tree_worker(self, journey: Journey, fc: Forecast) -> None:
        try:
            lines = abandonable(lambda: kpi_tree(journey, fc).lines())
        except Abandoned:  # superseded, or the app is quitting
            return
        except Exception as exc:  # a failing tree must not take the app down: say why instead
            self.post_message(TreeReady(journey, [], f"No KPI tree: {_reason(exc)}"))
            return
        self.post_message(TreeReady(journey, lines))

    @while_open
    def on_tree_ready(self, message: TreeReady) -> None:
        if self.fc.shown is not None and message.journey is self.fc.shown.journey:
            self.query_one(SensitivityView).show_tree(message.lines or [message.error])

    @work(thread=True, exclusive=True, exit_on_error=False, group="sensitivity", description="_rank")
    def _rank(self, journey: Journey) -> None:
        try:
            effects = abandonable(
                lambda: sensitivity(journey, exact_top=SENS_TOP, model="full", runs=self.sim_runs, seed=self.sim_seed)
            )
        except Abandoned:  # superseded, or the app is quitting
            return
        except Exception as exc:  # refused (SimulationError), out of memory or a bug: say so, keep going
            if self.journey is journey:
                self.call_from_thread(self.query_one(SensitivityView).show, None, 0, f"No ranking: {_reason(exc)}")
            return
        if self.journey is journey:
            how = (
                f"the full model, {self.sim_runs} Monte Carlo runs, seed {self.sim_seed}, top {SENS_TOP}"
                if blocking_features(journey)
                else "exact forecast"
            )
            self.call_from_thread(self.query_one(SensitivityView).show, effects, journey.journey.horizon, "", how)

    def on_sensitivity_view_pick(self, event: SensitivityView.Pick) -> None:
        self.selection = event.path
        self.action_view("graph")

    # -- compare, report, workshop ------------------------------------------------------------
    def _saved_pair(self) -> tuple[Journey, Journey] | None:
        history = self.doc.history
        if history is None:
            self.notify("Nothing to compare: the file did not open.", severity="error")
            return None
        return history.saved, history.journey

    def action_compare_saved(self) -> None:
        pair = self._saved_pair()
        if pair is None or self._has_errors("Nothing compared"):
            return
        if self.doc.saved_errors:
            self.notify(
                f"Nothing compared: the saved version has {count_errors(self.doc.saved_errors)}; "
                "save the fixed journey to compare from there.",
                title="No forecast",
                severity="warning",
            )
            return
        self._show_comparison(pair[0], pair[1], ("saved", "now"))

    def action_compare_file(self) -> None:
        if self.journey is None:
            self.notify("Nothing to compare: the file did not open.", severity="error")
            return
        if self._has_errors("Nothing compared"):
            return

        def chosen(text: str | None) -> None:
            if not text:
                return
            other = self._load_other(text.strip())
            if other is not None and self.journey is not None:
                self._show_comparison(self.journey, other, (self.doc.name, Path(text.strip()).name))

        self.push_screen(PromptScreen("Compare with which journey file?", "", None, "A path to a .toml file."), chosen)

    def _load_other(self, text: str) -> Journey | None:
        from journeytui.validate import validate_file

        result = validate_file(Path(text).expanduser())  # its checks too: a journey with errors is not forecast
        errors = [d for d in result.diagnostics if d.is_error]
        if result.journey is None or errors:
            d = errors[0] if errors else None
            where = f"{d.file}:{d.line}:{d.column}: {d.code} {d.message}" if d else f"{text}: cannot be read"
            self.notify(where, title="Cannot compare", severity="error")
            return None
        return result.journey

    def _show_comparison(self, a: Journey, b: Journey, labels: tuple[str, str]) -> None:
        """Compare in a worker (two forecasts: slow for a large journey), then show the result."""
        if size_of(b) > LARGE:  # a small journey compares at once: say nothing
            self.notify(f"Comparing {labels[0]} with {labels[1]}…", title="Compare", timeout=3)
        self._compare_worker(a, b, labels)

    @work(thread=True, exclusive=True, exit_on_error=False, group="compare", description="_compare_worker")
    def _compare_worker(self, a: Journey, b: Journey, labels: tuple[str, str]) -> None:
        try:
            comparison = abandonable(lambda: compare(a, b, labels=labels, runs=self.sim_runs, seed=self.sim_seed))
        except Abandoned:  # superseded, or the app is quitting
            return
        except Exception as exc:  # refused (SimulationError), out of memory or a bug: a message, never a crash
            self.call_from_thread(self.notify, _reason(exc), title="Cannot compare", severity="error")
            return

        def show() -> None:
            self.push_screen(CompareScreen(comparison))

        self.call_from_thread(show)

    def action_report(self) -> None:
        j = self.journey
        if j is None:
            self.notify("Nothing to report: the file did not open.", severity="error")
            return
        if self._has_errors("No report"):
            return
        stem = Path(self.doc.name).stem
        default = f"{stem}-report.md"

        def chosen(text: str | None) -> None:
            if text:
                self.write_report(Path(text.strip()).expanduser())

        self.push_screen(
            PromptScreen("Write the Markdown report to", default, None, "With the comparison to the saved version."),
            chosen,
        )

    def write_report(self, target: Path) -> None:
        """Write the Markdown report of the journey as it is now (with the comparison to the saved
        version when it changed) from a worker: the full model's forecasts take seconds."""
        j = self.journey
        history = self.doc.history
        if j is None or history is None:
            return
        saved = history.saved if history.dirty else None
        sim = self.fc.sim_for(j)
        self.notify(f"Writing the report to {target}…", title="Report", timeout=3)
        self._report_worker(j, saved, sim, target, self.doc.name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def _report_worker(
        self, j: Journey, saved: Journey | None, sim: SimResult | None, target: Path, source: str
    ) -> None:
        runs, seed = self.sim_runs, self.sim_seed

        def write() -> None:
            comparison = compare(saved, j, labels=("saved", "now"), runs=runs, seed=seed) if saved else None
            text = report(j, source=source, comparison=comparison, sim=sim, runs=runs, seed=seed)
            atomic_write(target, text)

        try:
            abandonable(write)
        except Abandoned:  # the app is quitting
            return
        except Exception as exc:  # refused, unwritable, out of memory or a bug: a message, never a crash
            why = _reason(exc) if not isinstance(exc, OSError) else str(exc)
            self.call_from_thread(self.notify, why, title="No report", severity="error")
            return
        self.call_from_thread(self.notify, f"Wrote {target}", title="Report")

    def action_workshop(self) -> None:
        history = self.doc.history
        if history is None:
            self.notify("Nothing to present: the file did not open.", severity="error")
            return
        if self._has_errors("No workshop"):
            return
        scenarios: list[tuple[str, Journey]] = [(f"{self.doc.name} (now)", history.journey)]
        if history.dirty and not self.doc.saved_errors:  # a saved version with errors is not forecast
            scenarios.append((f"{self.doc.name} (saved)", history.saved))
        partner = self._partner()
        if partner is not None:
            scenarios.append(partner)
        # forecasts at hand (the live one, the saved version's) are reused, not run again
        known = self.fc.at_hand()
        at_hand = {label: known.get(id(j)) for label, j in scenarios}
        weeks = max(j.journey.horizon for _, j in scenarios)
        if all(fc is not None and fc.weeks == weeks for fc in at_hand.values()):
            try:  # every forecast is at hand (the usual case): the room sees the workshop at once
                built = [Scenario.of(label, j, weeks, at_hand[label]) for label, j in scenarios]
            except Exception as exc:  # refused, out of memory or a bug: a message, never a crash
                self.notify(_reason(exc), title="No workshop", severity="error")
                return
            self.push_screen(WorkshopScreen(built))
            return
        self.notify("Preparing the workshop (full-model forecasts)…", title="Workshop", timeout=3)
        self._workshop_worker(scenarios, at_hand)

    @work(thread=True, exclusive=True, exit_on_error=False, group="workshop")
    def _workshop_worker(self, scenarios: list[tuple[str, Journey]], at_hand: dict[str, Forecast | None]) -> None:
        weeks = max(j.journey.horizon for _, j in scenarios)
        try:
            built = abandonable(
                lambda: [
                    Scenario.of(label, j, weeks, at_hand.get(label), runs=self.sim_runs, seed=self.sim_seed)
                    for label, j in scenarios
                ]
            )
        except Abandoned:  # superseded, or the app is quitting
            return
        except Exception as exc:  # refused, out of memory or a bug: a message, never a crash
            self.call_from_thread(self.notify, _reason(exc), title="No workshop", severity="error")
            return

        def show() -> None:
            self.push_screen(WorkshopScreen(built))

        self.call_from_thread(show)

    def _partner(self) -> tuple[str, Journey] | None:
        """The as-is / to-be partner of the open file, when one sits next to it."""
        if self.doc.path is None:
            return None
        name = self.doc.path.name
        for a, b in (("asis", "tobe"), ("as-is", "to-be")):
            other = name.replace(a, b) if a in name else name.replace(b, a) if b in name else None
            if other and other != name and (self.doc.path.parent / other).exists():
                result = load_file(self.doc.path.parent / other)
                if result.journey is not None and not any(d.is_error for d in result.diagnostics):
                    return other, result.journey
        return None

    def action_export_svg(self) -> None:
        path = self.save_screenshot(path=str(Path.cwd()))
        self.notify(f"Saved {path}", title="Exported")
