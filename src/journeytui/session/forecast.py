"""The forecast state of the open journey, without Textual: the live forecast after every edit,
the Monte Carlo run, and what the forecast panels show.

The app computes forecasts in worker threads and shows them when they answer; this object
decides what to compute, which answer still belongs to the journey as it is now, and what is
on screen. :func:`compute` is the worker's body (the engine calls, no Textual), so the whole
path from an edit to the shown numbers runs in a unit test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from journeytui.model.types import Journey
from journeytui.sim import Forecast, SimResult, SimulationCancelled, SimulationError
from journeytui.sim.compile import blocking_features
from journeytui.sim.headline import full_forecast
from journeytui.sim.live import StageHealth, stage_health

SIM_RUNS = 20
"""Monte Carlo runs of the app's full-model forecasts (live, sensitivity, compare, report)."""
SIM_SEED = 0

CANCELLED = "cancelled"
"""LiveResult.error of a forecast stopped for a newer edit (never shown: the next one starts)."""

DEBOUNCE_SECONDS = 0.3
"""How long the live Monte Carlo waits after an edit before it starts: a burst of edits
(typing, holding + on a probability) runs one forecast, of the last."""


def reason(exc: BaseException | None) -> str:
    """An exception as one line for the user: the engine's own message, or what went wrong."""
    if exc is None:
        return "unknown error"
    if isinstance(exc, SimulationError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "not enough memory (try fewer weeks or leads, or shorter stalls)"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@dataclass
class Shown:
    """What the forecast panels display; built after every edit."""

    journey: Journey
    forecast: Forecast
    baseline: Forecast | None
    """The saved version's forecast (None: same journey, or it cannot be forecast)."""
    health: dict[str, StageHealth]
    sim: SimResult | None = None
    sim_stale: bool = False
    band_stage: str | None = None
    persona_week: int | None = None
    """The week of the persona table (None: the horizon)."""
    updating: bool = False
    """The journey changed since this forecast: a newer one is being computed."""


@dataclass
class LiveResult:
    """What one computation of the live forecast found for one journey.

    ``forecast`` is None when the engine refused or failed; ``error`` then says why,
    ready to show ("No forecast: ..."). ``baseline`` is the saved version's forecast.
    """

    version: int
    journey: Journey
    forecast: Forecast | None
    health: dict[str, StageHealth]
    error: str
    saved: Journey | None
    baseline: Forecast | None


@dataclass
class ForecastJob:
    """One live forecast to compute: the journey of document ``version``, and the saved version's
    forecast unless ``cached`` already holds it."""

    version: int
    journey: Journey
    saved: Journey | None
    cached: tuple[Journey, Forecast | None] | None
    cancel: threading.Event


def live_forecast(
    journey: Journey, runs: int = SIM_RUNS, seed: int = SIM_SEED, cancel: threading.Event | None = None
) -> tuple[Forecast | None, dict[str, StageHealth], str]:
    """The live forecast of ``journey`` (its full model: exact where exact, else a seeded Monte
    Carlo run) and its bottleneck figures, or None and the reason, ready to show ("No forecast: ...").

    SimulationCancelled (``cancel`` set: a newer edit) propagates; any other exception becomes a
    reason: the engine's refusals (SimulationError, ResourceLimit), running out of memory, or a bug.
    """
    try:
        fc = full_forecast(journey, runs=runs, seed=seed, cancel=cancel)
        return fc, stage_health(journey, fc), ""
    except SimulationCancelled:
        raise
    except Exception as exc:
        return None, {}, f"No forecast: {reason(exc)}"


LiveCall = Callable[[Journey, int, int, threading.Event], tuple[Forecast | None, dict[str, StageHealth], str]]
"""(journey, runs, seed, cancel) -> (forecast, stage health, error line): :func:`live_forecast`'s shape."""


def compute(
    job: ForecastJob,
    runs: int = SIM_RUNS,
    seed: int = SIM_SEED,
    call: Callable[[Callable[[], Any]], Any] | None = None,
    live: LiveCall | None = None,
) -> LiveResult:
    """Compute ``job`` (in a worker thread): the journey's forecast and the saved version's.

    ``call`` runs each engine call (the app passes one that gives up when the app quits; what it
    raises propagates). ``live`` replaces :func:`live_forecast` with a call that computes it
    elsewhere (the app sends a large journey to a child process). A journey only Monte Carlo can
    forecast waits :data:`DEBOUNCE_SECONDS` first; a job cancelled meanwhile (a newer edit)
    answers with error :data:`CANCELLED`.
    """
    run: Callable[[Callable[[], Any]], Any] = call if call is not None else (lambda fn: fn())
    forecast: LiveCall = live or (lambda j, r, s, c: run(lambda: live_forecast(j, r, s, c)))
    journey, saved, cancel = job.journey, job.saved, job.cancel
    try:
        if blocking_features(journey) and cancel.wait(DEBOUNCE_SECONDS):
            raise SimulationCancelled()
        fc, health, error = forecast(journey, runs, seed, cancel)
        baseline: Forecast | None
        if job.cached is not None:
            baseline = job.cached[1]
        elif saved is journey:
            baseline = fc
        elif saved is not None:
            baseline = forecast(saved, runs, seed, cancel)[0]
        else:
            baseline = None
    except SimulationCancelled:
        return LiveResult(job.version, journey, None, {}, CANCELLED, None, None)
    return LiveResult(job.version, journey, fc, health, error, saved, baseline)


def count_errors(n: int) -> str:
    """``1 error``, ``3 errors``: what keeps a journey from being forecast."""
    return f"{n} error{'s' * (n != 1)}"


@dataclass
class ForecastState:
    """The open journey's forecasts: the live one (one computation at a time, answers for older
    journeys dropped), the saved version's, the Monte Carlo run, and what the panels show."""

    live: LiveResult | None = None
    """The last live forecast delivered (it may be for an older journey)."""
    baseline: tuple[Journey, Forecast | None] | None = None
    """The saved version and its forecast, kept until the next save."""
    computing: Journey | None = None
    """The journey the running computation forecasts (None: none running)."""
    cancel: threading.Event | None = None
    version: int = -1
    """The document version of the live forecast on screen."""
    notified_error: str = ""
    # the Monte Carlo run ("r")
    sim_result: SimResult | None = None
    sim_journey: Journey | None = None
    """The journey ``sim_result`` is of (another one: the bands are stale)."""
    run_journey: Journey | None = None
    run_id: int = 0
    run_cancel: threading.Event | None = None
    sim_running: bool = False
    # view options and what is shown
    band_stage: str | None = None
    persona_week: int | None = None
    shown: Shown | None = None
    shown_error: str = ""
    effects_for: Journey | None = field(default=None, repr=False)
    tree_for: Forecast | None = field(default=None, repr=False)

    # -- the live forecast ----------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.computing is not None

    def is_current(self, journey: Journey | None) -> bool:
        """True when the live forecast held is the one of ``journey``."""
        return self.live is not None and journey is not None and self.live.journey is journey

    def pending(self, journey: Journey | None) -> bool:
        """True while the live forecast is not (yet) the one of ``journey``."""
        return journey is not None and not self.is_current(journey)

    def supersede(self, journey: Journey) -> None:
        """Stop a running computation of an older journey (its answer then starts the next)."""
        if self.computing is not None and self.computing is not journey and self.cancel is not None:
            self.cancel.set()

    def next_job(self, version: int, journey: Journey | None, saved: Journey | None) -> ForecastJob | None:
        """The computation to start for ``journey`` now, or None while one runs (one at a time:
        edits made meanwhile coalesce into the next) or when there is no journey."""
        if journey is None or self.computing is not None:
            return None
        cached = self.baseline if self.baseline is not None and self.baseline[0] is saved else None
        self.computing = journey
        self.cancel = threading.Event()
        return ForecastJob(version, journey, saved, cached, self.cancel)

    def accept(self, result: LiveResult, journey: Journey | None) -> bool:
        """Take a computation's answer; True when it is the journey's as it is now (show it),
        False when an edit came in meanwhile (compute again: :meth:`next_job`)."""
        self.computing = None
        if result.saved is not None:
            self.baseline = (result.saved, result.baseline)
        if result.journey is journey and result.error != CANCELLED:
            self.live = result
            self.version = result.version
            return True
        return False

    def failed(self, version: int, journey: Journey | None, error: BaseException | None) -> None:
        """The computation itself failed (not the engine): show why, never "updating" forever."""
        self.computing = None
        if journey is None:
            return
        why = f"{type(error).__name__}: {error}" if error is not None else "the worker stopped"
        self.live = LiveResult(version, journey, None, {}, f"No forecast: internal error ({why})", None, None)

    def clear(self) -> None:
        """No journey (the file did not open): nothing to show."""
        self.live = None

    def show(
        self, journey: Journey | None, with_baseline: bool, saved: Journey | None = None, errors: int = 0
    ) -> tuple[Shown | None, str]:
        """What the panels show for ``journey`` now: the last live forecast (marked updating while
        a newer one is computed) or the reason there is none. ``with_baseline``: compare with the
        saved version's forecast; ``saved``: the saved version now (a save since the live forecast
        was computed makes the journey on screen the saved one: no change from it is shown);
        ``errors``: the journey's errors now. A journey with errors is not forecast (as
        ``journeytui simulate`` refuses it): the model left out or replaced what has an error, so
        its forecast would be another journey's."""
        live = self.live
        shown, error = None, ""
        if journey is None:
            error = "No forecast: the file did not open."
        elif errors:
            error = (
                f"No forecast while the journey has {count_errors(errors)} (Problems panel): "
                "what has an error is left out of the model, so its figures would be another journey's."
            )
        elif live is not None and live.forecast is not None:
            base = live.baseline if live.saved is not None and with_baseline else None
            if with_baseline and saved is not None and saved is not live.saved:
                if saved is live.journey:  # saved since: the live forecast is the saved version's
                    self.baseline = (saved, live.forecast)
                    base = live.forecast
                else:
                    base = self.baseline[1] if self.baseline is not None and self.baseline[0] is saved else None
            stale = self.sim_result is not None and self.sim_journey != live.journey
            shown = Shown(
                live.journey,
                live.forecast,
                base,
                live.health,
                self.sim_result,
                stale,
                self.band_stage,
                self.persona_week,
                self.pending(journey),
            )
        elif live is not None:
            error = live.error
        else:
            error = "the first forecast is being computed in the background"
        self.shown, self.shown_error = shown, error
        return shown, error

    def marks(self) -> dict[str, tuple[str, str]]:
        """The graph's stage badges of the shown forecast: stage -> (badge, "hot" | "warm" | "")."""
        if self.shown is None:
            return {}
        return {
            h.stage: (h.badge, "hot" if h.score >= 0.999 else "warm" if h.score >= 0.75 else "")
            for h in self.shown.health.values()
        }

    def error_to_notify(self) -> str:
        """The live forecast's error when it is new (to tell the user once), else ""."""
        error = self.live.error if self.live is not None else ""
        new = error if error and error != self.notified_error else ""
        self.notified_error = error
        return new

    def at_hand(self) -> dict[int, Forecast]:
        """Forecasts already computed, by ``id`` of their journey (the live one, the saved version's)."""
        known: dict[int, Forecast] = {}
        if self.live is not None and self.live.forecast is not None:
            known[id(self.live.journey)] = self.live.forecast
        if self.baseline is not None and self.baseline[1] is not None:
            known[id(self.baseline[0])] = self.baseline[1]
        return known

    # -- Monte Carlo ------------------------------------------------------------------------
    def start_run(self, journey: Journey) -> tuple[threading.Event, int]:
        """A new Monte Carlo run of ``journey`` (a running one is cancelled): its cancel event and id."""
        if self.run_cancel is not None:
            self.run_cancel.set()
        self.run_id += 1
        self.run_cancel = threading.Event()
        self.sim_running = True
        self.run_journey = journey
        return self.run_cancel, self.run_id

    def cancel_run(self) -> bool:
        """Cancel the running Monte Carlo run; False when none runs."""
        if self.run_cancel is None or not self.sim_running:
            return False
        self.run_cancel.set()
        return True

    def run_done(self, run_id: int, result: SimResult) -> bool:
        """Take a run's result; False (ignored) when it is not the current run's."""
        if run_id != self.run_id:
            return False
        self.sim_running = False
        self.sim_result = result
        self.sim_journey = self.run_journey
        return True

    def run_ended(self, run_id: int) -> bool:
        """The run stopped without a result (cancelled, refused); False when not the current run."""
        if run_id != self.run_id:
            return False
        self.sim_running = False
        return True

    def sim_for(self, journey: Journey) -> SimResult | None:
        """The Monte Carlo result when it is of ``journey`` (else None: stale)."""
        return self.sim_result if self.sim_journey == journey else None

    # -- view options -------------------------------------------------------------------------
    def step_band_stage(self, journey: Journey, delta: int) -> None:
        """The stage whose Monte Carlo band is charted, ``delta`` stages on (wrapping around)."""
        if not journey.stages:
            return
        ids = [s.id for s in journey.stages]
        i = ids.index(self.band_stage) if self.band_stage in ids else 0
        self.band_stage = ids[(i + delta) % len(ids)]

    def step_persona_week(self, weeks: int, delta: int) -> None:
        """The week of the persona table, ``delta`` weeks on, kept inside ``0..weeks``."""
        now = weeks if self.persona_week is None else self.persona_week
        self.persona_week = max(0, min(weeks, now + delta))
