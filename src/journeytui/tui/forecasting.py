"""The app's forecast side: the live forecast after every edit, Monte Carlo in a worker, what-if nudges,
the sensitivity ranking, comparisons, the Markdown report and workshop mode.

A mixin for :class:`journeytui.tui.app.JourneyApp`; the numbers come from
:mod:`journeytui.sim` (live, sensitivity, compare, report), which never imports Textual.
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
from journeytui.sim import Forecast, SimResult, SimulationCancelled, SimulationError, simulate
from journeytui.sim.compare import compare
from journeytui.sim.compile import blocking_features
from journeytui.sim.headline import full_forecast
from journeytui.sim.kpi_tree import kpi_tree
from journeytui.sim.live import StageHealth, stage_health
from journeytui.sim.report import report
from journeytui.sim.sensitivity import NudgeRefused, default_step, nudge, param_at, sensitivity
from journeytui.tui.background import Abandoned, abandonable
from journeytui.tui.base import AppBase
from journeytui.tui.forms import LARGE, size_of
from journeytui.tui.messages import (
    ForecastReady,
    LiveResult,
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
from journeytui.tui.widgets.forecast import ForecastStrip, ForecastView, SensitivityView, Shown
from journeytui.tui.widgets.forecast_people import PeopleSection
from journeytui.tui.widgets.graph import JourneyGraph

SIM_RUNS = 20
SIM_SEED = 0
SENS_TOP = 5
"""Sensitivity candidates re-forecast with the full model (each one Monte Carlo run)."""


def _reason(exc: BaseException | None) -> str:
    """An exception as one line for the user: the engine's own message, or what went wrong."""
    if exc is None:
        return "unknown error"
    if isinstance(exc, SimulationError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "not enough memory (try fewer weeks or leads, or shorter stalls)"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


CANCELLED = "cancelled"
"""LiveResult.error of a forecast stopped for a newer edit (never shown: the next one starts)."""

DEBOUNCE_SECONDS = 0.3
"""How long the live Monte Carlo waits after an edit before it starts: a burst of edits
(typing, holding + on a probability) runs one forecast, of the last."""


def _live(
    journey: Journey, runs: int = SIM_RUNS, seed: int = SIM_SEED, cancel: threading.Event | None = None
) -> tuple[Forecast | None, dict[str, StageHealth], str]:
    """The live forecast of ``journey`` (its full model: exact where exact, else a seeded Monte
    Carlo run) and its bottleneck figures, or None and the reason, ready to show ("No forecast: ...").

    Runs in a worker thread. SimulationCancelled (``cancel`` set: a newer edit) propagates;
    any other exception becomes a reason: the engine's refusals (SimulationError,
    ResourceLimit), running out of memory, or a bug.
    """
    try:
        fc = full_forecast(journey, runs=runs, seed=seed, cancel=cancel)
        return fc, stage_health(journey, fc), ""
    except SimulationCancelled:
        raise
    except Exception as exc:
        return None, {}, f"No forecast: {_reason(exc)}"


class ForecastMixin(AppBase):
    """State and actions of the forecast panels (mixed into the app).

    Message handlers are ``on_*`` methods: ``@on`` handlers are only collected from
    Textual classes, and this mixin is not one.
    """

    sim_runs: int = SIM_RUNS
    sim_seed: int = SIM_SEED

    def init_forecast(self) -> None:
        self.shown: Shown | None = None
        self._scroll_to_people = False
        self._shown_error = ""
        self._baseline: tuple[Journey, Forecast | None] | None = None
        self._live: LiveResult | None = None
        """The last live forecast the worker delivered (it may be for an older journey)."""
        self._fc_running = False
        self._fc_cancel: threading.Event | None = None
        self._fc_journey: Journey | None = None
        """The journey the running forecast worker computes."""
        self._fc_version = -1
        self._notified_error = ""
        self.sim_result: SimResult | None = None
        self._sim_journey: Journey | None = None
        self._run_journey: Journey | None = None
        self._run_id = 0
        self._cancel: threading.Event | None = None
        self.sim_running = False
        self.band_stage: str | None = None
        self.persona_week: int | None = None
        self._effects_for: Journey | None = None
        self._tree_for: Forecast | None = None

    # -- the live forecast ---------------------------------------------------------------
    @property
    def forecast_pending(self) -> bool:
        """True while the live forecast on screen is not (yet) the one of the journey as it is now."""
        j = self.journey
        return j is not None and (self._live is None or self._live.journey is not j)

    def refresh_forecast(self) -> None:
        """Show the live forecast of the journey as it is now, computing it in a worker when needed.

        The exact forecast may be slow or refused (a huge journey, stalls of thousands of weeks),
        so it never runs on the UI thread: until the worker answers, the panels keep the last
        result marked "updating…"; a refusal or a crash becomes "No forecast: ..." and the app
        stays usable.
        """
        j = self.journey
        if j is None:
            self._live = None
            self._show_live()
            return
        if self._live is not None and self._live.journey is j:
            self._show_live()
            return
        self._show_live()  # the previous result, marked as updating
        if self._fc_running and self._fc_cancel is not None and self._fc_journey is not j:
            self._fc_cancel.set()  # the running forecast is of an older journey: stop it, start anew
        self._request_forecast()

    def _request_forecast(self) -> None:
        """Start the forecast worker for the journey now, unless one is running: one at a time,
        and the running one's answer starts the next (edits made meanwhile coalesce into one run)."""
        j = self.journey
        if j is None or self._fc_running:
            return
        history = self.doc.history
        saved = history.saved if history is not None else None
        cached = self._baseline if self._baseline is not None and self._baseline[0] is saved else None
        self._fc_running = True
        self._fc_cancel = threading.Event()
        self._fc_journey = j
        self._forecast_worker(self.doc_version, j, saved, cached, self._fc_cancel)

    # Not exclusive: the answer is posted just before the thread returns, and the next run
    # started on that answer must not cancel (and so fail) the finishing one.
    @work(thread=True, exit_on_error=False, group="forecast", description="_forecast_worker")
    def _forecast_worker(
        self,
        version: int,
        journey: Journey,
        saved: Journey | None,
        cached: tuple[Journey, Forecast | None] | None,
        cancel: threading.Event,
    ) -> None:
        try:
            if blocking_features(journey) and cancel.wait(DEBOUNCE_SECONDS):
                raise SimulationCancelled()
            runs, seed = self.sim_runs, self.sim_seed
            fc, health, error = self._compute_live(journey, runs, seed, cancel)
            if cached is not None:
                baseline = cached[1]
            elif saved is journey:
                baseline = fc
            elif saved is not None:
                baseline = self._compute_live(saved, runs, seed, cancel)[0]
            else:
                baseline = None
        except (Abandoned, OffloadCancelled):  # the app is quitting: stop the Monte Carlo at its next week too
            cancel.set()
            return
        except SimulationCancelled:  # a newer edit: its answer starts the forecast of the journey as it is now
            self.post_message(ForecastReady(LiveResult(version, journey, None, {}, CANCELLED, None, None)))
            return
        self.post_message(ForecastReady(LiveResult(version, journey, fc, health, error, saved, baseline)))

    def _compute_live(
        self, journey: Journey, runs: int, seed: int, cancel: threading.Event
    ) -> tuple[Forecast | None, dict[str, StageHealth], str]:
        """:func:`_live` here for a small journey; for a large one in the child process of
        :mod:`journeytui.tui.offload`, so it never holds the lock the UI thread needs."""
        if size_of(journey) <= LARGE:
            return abandonable(lambda: _live(journey, runs, seed, cancel))
        try:
            fc, health = self.offload.call("live", journey, runs, seed, cancelled=cancel.is_set)
        except (SimulationCancelled, OffloadCancelled):
            raise
        except Exception as exc:  # as in _live: a refusal, no memory, a bug, or the child stopped
            return None, {}, f"No forecast: {_reason(exc)}"
        return fc, health, ""

    def on_forecast_ready(self, message: ForecastReady) -> None:
        result = message.result
        self._fc_running = False
        if result.saved is not None:
            self._baseline = (result.saved, result.baseline)
        if result.journey is self.journey and result.error != CANCELLED:
            self._live = result
            self._fc_version = result.version
            self._show_live()
        else:  # an edit came in meanwhile: forecast the journey as it is now
            self._request_forecast()

    def forecast_failed(self, error: BaseException | None) -> None:
        """The forecast worker itself failed (not the engine): say so, never stay "updating" forever."""
        self._fc_running = False
        j = self.journey
        if j is None:
            return
        reason = f"{type(error).__name__}: {error}" if error is not None else "the worker stopped"
        self._live = LiveResult(self.doc_version, j, None, {}, f"No forecast: internal error ({reason})", None, None)
        self._show_live()

    def _show_live(self) -> None:
        """Put the current live result in the strip, the Forecast tab, the graph and the sensitivity tab."""
        j, live = self.journey, self._live
        strip, view = self.query_one(ForecastStrip), self.query_one(ForecastView)
        updating = self.forecast_pending
        shown = None
        error = ""
        if j is None:
            error = "No forecast: the file did not open."
        elif live is not None and live.forecast is not None:
            base = live.baseline if live.saved is not None and self.doc.history is not None else None
            stale = self.sim_result is not None and self._sim_journey != live.journey
            shown = Shown(
                live.journey,
                live.forecast,
                base,
                live.health,
                self.sim_result,
                stale,
                self.band_stage,
                self.persona_week,
                updating,
            )
        elif live is not None:
            error = live.error
        else:
            error = "the first forecast is being computed in the background"
        self.shown, self._shown_error = shown, error
        strip.show(shown, error, updating=updating)
        # The Forecast tab is rebuilt only while visible (tables and charts are the costly part).
        if self.query_one(TabbedContent).active == "forecast":
            view.show(shown, error)
        if not updating:
            marks = {}
            if shown is not None:
                marks = {
                    h.stage: (h.badge, "hot" if h.score >= 0.999 else "warm" if h.score >= 0.75 else "")
                    for h in shown.health.values()
                }
            self.query_one(JourneyGraph).set_marks(marks)
            if live is not None and live.error and live.error != self._notified_error:
                self.notify(live.error, title="No forecast", severity="warning")
            self._notified_error = live.error if live is not None else ""
        if self.query_one(TabbedContent).active == "sensitivity":
            self.refresh_sensitivity()

    # -- Monte Carlo -----------------------------------------------------------------------
    def action_run_simulation(self) -> None:
        j = self.journey
        if j is None:
            self.notify("Nothing to simulate: the file did not open.", severity="error")
            return
        if self._cancel is not None:
            self._cancel.set()
        self._run_id += 1
        self._cancel = threading.Event()
        self.sim_running = True
        self._run_journey = j
        self.query_one(ForecastView).run_started(self.sim_runs, j.journey.horizon)
        self._simulate(j, self._cancel, self._run_id)

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
        if self._cancel is None or not self.sim_running:
            self.notify("No Monte Carlo run to cancel.")
            return
        self._cancel.set()

    def on_sim_progress(self, message: SimProgress) -> None:
        if message.run_id == self._run_id:
            self.query_one(ForecastView).run_progress(message.week, message.weeks)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker raised instead of posting its answer: tell the user and keep the app usable."""
        if event.state != WorkerState.ERROR:
            return
        group, error = event.worker.group, event.worker.error
        if group == "forecast":
            self.forecast_failed(error)
        elif group == "simulate":
            self.on_sim_failed(SimFailed(f"internal error ({_reason(error)})", self._run_id))
            return
        elif group == "checks":
            self.checks_failed(error)
        self.notify(f"{group}: {_reason(error)}", title="Something went wrong", severity="error")

    def on_sim_done(self, message: SimDone) -> None:
        if message.run_id != self._run_id:
            return
        self.sim_running = False
        self.sim_result = message.result
        self._sim_journey = self._run_journey
        r = message.result
        self.query_one(ForecastView).run_finished(
            f"Monte Carlo: {r.settings.get('runs')} runs, seed {r.settings.get('seed')}, {r.weeks} weeks: "
            f"won {float(r.won[-1]):,.1f}"
        )
        self.refresh_forecast()
        self.notify(f"Monte Carlo done: won {float(r.won[-1]):,.1f} by week {r.weeks}.", title="Forecast")

    def on_sim_cancelled(self, message: SimCancelled) -> None:
        if message.run_id != self._run_id:
            return
        self.sim_running = False
        self.query_one(ForecastView).run_finished("Monte Carlo run cancelled.")
        self.notify("Monte Carlo run cancelled.", title="Forecast")

    def on_sim_failed(self, message: SimFailed) -> None:
        if message.run_id != self._run_id:
            return
        self.sim_running = False
        self.query_one(ForecastView).run_finished(f"Monte Carlo refused: {message.error}")
        self.notify(message.error, title="Monte Carlo refused", severity="error")

    def show_forecast_tab(self) -> None:
        self.query_one(ForecastView).show(self.shown, self._shown_error)
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
        ids = [s.id for s in j.stages]
        i = ids.index(self.band_stage) if self.band_stage in ids else 0
        self.band_stage = ids[(i + delta) % len(ids)]
        self.refresh_forecast()

    def action_persona_week(self, delta: int) -> None:
        """Move the week of the persona table (kept inside the horizon)."""
        j = self.journey
        if j is None:
            return
        weeks = self.shown.forecast.weeks if self.shown is not None else j.journey.horizon
        now = weeks if self.persona_week is None else self.persona_week
        self.persona_week = max(0, min(weeks, now + delta))
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
        shown = self.shown
        if shown is None:
            view.show_tree([self._shown_error] if self._shown_error else [])
        elif self._tree_for is not shown.forecast:
            self._tree_for = shown.forecast
            self._tree_worker(shown.journey, shown.forecast)
        if self._effects_for is j:
            return
        self._effects_for = j
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

    def on_tree_ready(self, message: TreeReady) -> None:
        if self.shown is not None and message.journey is self.shown.journey:
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
        if pair is None:
            return
        self._show_comparison(pair[0], pair[1], ("saved", "now"))

    def action_compare_file(self) -> None:
        if self.journey is None:
            self.notify("Nothing to compare: the file did not open.", severity="error")
            return

        def chosen(text: str | None) -> None:
            if not text:
                return
            other = self._load_other(text.strip())
            if other is not None and self.journey is not None:
                self._show_comparison(self.journey, other, (self.doc.name, Path(text.strip()).name))

        self.push_screen(PromptScreen("Compare with which journey file?", "", None, "A path to a .toml file."), chosen)

    def _load_other(self, text: str) -> Journey | None:
        result = load_file(Path(text).expanduser())
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
        sim = self.sim_result if self._sim_journey == j else None
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
        scenarios: list[tuple[str, Journey]] = [(f"{self.doc.name} (now)", history.journey)]
        if history.dirty:
            scenarios.append((f"{self.doc.name} (saved)", history.saved))
        partner = self._partner()
        if partner is not None:
            scenarios.append(partner)
        # forecasts at hand (the live one, the saved version's) are reused, not run again
        known: dict[int, Forecast] = {}
        if self._live is not None and self._live.forecast is not None:
            known[id(self._live.journey)] = self._live.forecast
        if self._baseline is not None and self._baseline[1] is not None:
            known[id(self._baseline[0])] = self._baseline[1]
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
