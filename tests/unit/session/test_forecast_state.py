"""The app's forecast state without Textual: which forecast is current, edits made while one is
computed, the saved version's forecast reused, worker failures, Monte Carlo runs and the view
options (journeytui.session.forecast; the app's panels are a thin layer over it)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from journeytui.model.load import load_file, load_text
from journeytui.model.types import Journey
from journeytui.session.forecast import CANCELLED, ForecastState, compute
from journeytui.sim import simulate
from journeytui.sim.sensitivity import nudge
from journeytui.tui.document import blank_text

REPO = Path(__file__).resolve().parents[3]
RUNS = 2  # Monte Carlo runs where a test checks the state's rules, not the figures


def blank() -> Journey:
    """The blank journey: exact forecast (no Monte Carlo), instant."""
    j = load_text(blank_text(Path("t.toml")), "t.toml").journey
    assert j is not None
    return j


def edited(j: Journey, step: float = 0.01) -> Journey:
    return nudge(j, "transitions", 0, step)


def test_an_answer_is_shown_while_it_is_the_journeys_as_it_is_now() -> None:
    state, j = ForecastState(), blank()
    assert state.pending(j) and state.show(j, True) == (None, "the first forecast is being computed in the background")
    job = state.next_job(1, j, j)
    assert job is not None and state.running
    assert state.next_job(1, j, j) is None  # one computation at a time
    result = compute(job, RUNS)
    assert result.error == "" and result.forecast is not None and result.baseline is result.forecast
    assert state.accept(result, j) and not state.running and not state.pending(j) and state.version == 1
    shown, error = state.show(j, True)
    assert error == "" and shown is not None and shown.journey is j and not shown.updating
    # the blank journey: 1000 leads, won 5% and lost 2% a week, for 52 weeks
    assert float(shown.forecast.won[-1]) == pytest.approx(1000 * 0.05 / 0.07 * (1 - 0.93**52))
    assert set(state.marks()) == {h.stage for h in shown.health.values()}


def test_edits_made_while_computing_coalesce_into_one_forecast_of_the_last() -> None:
    state, saved = ForecastState(), blank()
    first = state.next_job(1, saved, saved)
    assert first is not None
    state.accept(compute(first, RUNS), saved)
    one = edited(saved)
    running = state.next_job(2, one, saved)
    assert running is not None and running.cached is not None  # the saved version's forecast is reused
    two, three = edited(one), edited(one, 0.02)
    state.supersede(two)
    assert running.cancel.is_set()  # the computation of an older journey is stopped
    state.supersede(three)
    assert state.next_job(3, three, saved) is None  # still running: its answer starts the next
    old = compute(running, RUNS)
    assert not state.accept(old, three)  # not the journey as it is now: not shown
    shown, _ = state.show(three, True)
    assert shown is not None and shown.journey is saved and shown.updating  # the last result, marked
    job = state.next_job(4, three, saved)
    assert job is not None and job.journey is three
    assert state.accept(compute(job, RUNS), three)
    shown, _ = state.show(three, True)
    assert shown is not None and shown.journey is three and not shown.updating
    assert shown.baseline is not None and float(shown.baseline.won[-1]) < float(shown.forecast.won[-1])
    assert state.show(three, with_baseline=False)[0].baseline is None  # type: ignore[union-attr]


def test_a_cancelled_monte_carlo_forecast_answers_cancelled_and_is_not_shown() -> None:
    journey = load_file(REPO / "journeys" / "aidma.toml").journey  # lifts and capacity: Monte Carlo
    assert journey is not None
    state = ForecastState()
    job = state.next_job(1, journey, None)
    assert job is not None
    job.cancel.set()  # an edit came in during the debounce wait
    result = compute(job, RUNS)
    assert result.error == CANCELLED and result.forecast is None
    assert not state.accept(result, journey) and state.live is None and state.pending(journey)


def test_compute_runs_each_engine_call_through_the_callers_runner() -> None:
    calls: list[str] = []

    def runner(fn):  # type: ignore[no-untyped-def]
        calls.append("engine")
        return fn()

    j = blank()
    job = ForecastState().next_job(1, edited(j), j)
    assert job is not None
    compute(job, RUNS, call=runner)
    assert calls == ["engine", "engine"]  # the journey's forecast and the saved version's


def test_a_failed_worker_says_why_once_and_nothing_stays_updating() -> None:
    state, j = ForecastState(), blank()
    assert state.next_job(1, j, j) is not None
    state.failed(1, j, RuntimeError("boom"))
    assert not state.running and not state.pending(j)
    shown, error = state.show(j, True)
    assert shown is None and error == "No forecast: internal error (RuntimeError: boom)"
    assert state.error_to_notify() == error
    assert state.error_to_notify() == ""  # told once
    state.clear()
    assert state.show(None, True) == (None, "No forecast: the file did not open.")


def test_only_the_current_monte_carlo_run_counts_and_its_bands_go_stale_after_an_edit() -> None:
    state, j = ForecastState(), blank()
    assert not state.cancel_run()  # nothing to cancel
    cancel1, run1 = state.start_run(j)
    cancel2, run2 = state.start_run(j)
    assert cancel1.is_set() and not cancel2.is_set() and run2 == run1 + 1 and state.sim_running
    result = simulate(j, runs=RUNS, seed=0)
    assert not state.run_done(run1, result) and state.sim_result is None  # a superseded run
    assert state.run_done(run2, result) and not state.sim_running and state.sim_for(j) is result
    job = state.next_job(1, j, j)
    assert job is not None and state.accept(compute(job, RUNS), j)
    assert state.show(j, True)[0].sim is result and not state.show(j, True)[0].sim_stale  # type: ignore[union-attr]
    other = edited(j)
    job = state.next_job(2, other, j)
    assert job is not None and state.accept(compute(job, RUNS), other)
    shown, _ = state.show(other, True)
    assert shown is not None and shown.sim is result and shown.sim_stale and state.sim_for(other) is None
    cancel3, run3 = state.start_run(other)
    assert state.cancel_run() and cancel3.is_set()
    assert state.run_ended(run3) and not state.sim_running and not state.run_ended(run2)


def test_band_stage_wraps_and_persona_week_stays_inside_the_horizon() -> None:
    state, j = ForecastState(), blank()
    ids = [s.id for s in j.stages]
    state.step_band_stage(j, 1)
    assert state.band_stage == ids[1]
    state.step_band_stage(j, len(ids))
    assert state.band_stage == ids[1]
    state.step_band_stage(j, -2)
    assert state.band_stage == ids[-1]
    state.step_persona_week(52, -12)
    assert state.persona_week == 40
    state.step_persona_week(52, 100)
    assert state.persona_week == 52
    state.step_persona_week(52, -100)
    assert state.persona_week == 0


def test_forecasts_at_hand_are_the_live_one_and_the_saved_versions() -> None:
    state, saved = ForecastState(), blank()
    now = edited(saved)
    job = state.next_job(1, now, saved)
    assert job is not None and state.accept(compute(job, RUNS), now)
    known = state.at_hand()
    assert set(known) == {id(now), id(saved)}
    assert known[id(now)] is state.live.forecast  # type: ignore[union-attr]


def test_the_cancel_event_is_the_jobs_own() -> None:
    state, j = ForecastState(), blank()
    job = state.next_job(1, j, None)
    assert job is not None and isinstance(job.cancel, threading.Event) and state.cancel is job.cancel


def test_after_a_save_the_journey_on_screen_is_the_saved_one_and_no_change_is_shown() -> None:
    """The strip's "vs saved" line compared the live forecast with the version saved before the
    save until the next edit; the saved version now is the one on screen."""
    state, saved = ForecastState(), blank()
    now = edited(saved, 0.05)
    job = state.next_job(1, now, saved)
    assert job is not None and state.accept(compute(job, RUNS), now)
    shown, _ = state.show(now, True, saved)
    assert shown is not None and shown.baseline is not None and shown.baseline is not shown.forecast
    shown, _ = state.show(now, True, now)  # ctrl+s: the document's saved version is now `now`
    assert shown is not None and shown.baseline is shown.forecast
    later = edited(now)  # the next edit compares with what was saved, without computing it again
    job = state.next_job(2, later, now)
    assert job is not None and job.cached is not None and job.cached[1] is shown.forecast


def test_a_journey_with_errors_is_not_forecast() -> None:
    """As `journeytui simulate` refuses it: what has an error is left out of the model."""
    state, j = ForecastState(), blank()
    job = state.next_job(1, j, j)
    assert job is not None and state.accept(compute(job, RUNS), j)
    shown, error = state.show(j, True, j, errors=2)
    assert shown is None and state.shown is None
    assert error.startswith("No forecast while the journey has 2 errors (Problems panel)")
    shown, error = state.show(j, True, j, errors=0)
    assert shown is not None and error == ""
