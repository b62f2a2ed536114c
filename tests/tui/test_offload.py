"""The child process that computes a large journey's checks and live forecast (tui/offload.py).

- encode/decode: a journey sent as its differences from the one before rebuilds to an equal
  journey after every kind of edit, and an edit of one element sends one element;
- the child's checks and forecasts equal the same computations in this process, with the
  file's line numbers for the journey as loaded;
- a child that died between calls is replaced; a closed offload refuses to wait.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import signal
import threading
from collections.abc import Iterator

import pytest
from test_large import large_text

from journeytui.model import edit
from journeytui.model.load import load_text
from journeytui.model.types import Journey, Stage, Transition
from journeytui.sim import SimulationCancelled, SimulationError
from journeytui.sim.headline import full_forecast
from journeytui.sim.live import stage_health
from journeytui.tui.offload import Offload, OffloadCancelled, decode, encode
from journeytui.validate import check


@pytest.fixture(scope="module")
def offload() -> Iterator[Offload]:
    """One child for the module (starting one costs a new interpreter and its imports)."""
    shared = Offload()
    yield shared
    shared.close()


def _journey(n: int = 60) -> Journey:
    j = load_text(large_text(n), "large.toml").journey
    assert j is not None
    return j


EDITS = [
    ("set a probability", lambda j: edit.set_field(j, ("transitions", 3, "probability"), 0.25)),
    ("rename a stage", lambda j: edit.rename(j, "stage", "s1", "first")),
    ("add a stage", lambda j: edit.add(j, "stage", Stage(id="new", name="New"), 2)),
    ("add a transition", lambda j: edit.add_transition(j, Transition(from_="s0", to="s5", probability=0.03))),
    ("remove a stage", lambda j: edit.remove(j, "stage", "s7")),
    ("move a transition", lambda j: edit.move(j, "transitions", 4, 1)),
    ("set the title", lambda j: edit.set_field(j, ("journey", "title"), "Renamed")),
]


@pytest.mark.parametrize(("label", "change"), EDITS, ids=[e[0] for e in EDITS])
def test_a_journey_rebuilds_from_its_differences(label: str, change: object) -> None:
    before = _journey()
    after = change(before)  # type: ignore[operator]
    delta = encode(before, after)
    # what crosses the pipe is rebuilt on the other side from its own copy of ``before``
    theirs = pickle.loads(pickle.dumps(before))
    rebuilt = decode(theirs, pickle.loads(pickle.dumps(delta)))
    assert rebuilt == after
    assert rebuilt != before
    assert encode(after, after) == {}


def test_one_changed_element_sends_one_element() -> None:
    before = _journey(400)
    after = edit.set_field(before, ("transitions", 10, "probability"), 0.3)
    delta = encode(before, after)
    assert set(delta) == {"transitions"}
    kind, items = delta["transitions"]
    assert kind == "list" and len(items) == len(before.transitions)
    assert [x for x in items if not isinstance(x, int)] == [after.transitions[10]]
    assert len(pickle.dumps(delta)) < len(pickle.dumps(before)) / 10


def test_the_child_checks_and_forecasts_like_this_process(offload: Offload) -> None:
    text = large_text(120)
    result = load_text(text, "large.toml")
    j = result.journey
    assert j is not None
    offload.set_source(result, text, "large.toml", j)
    loaded = offload.call("check", j, "large.toml", True)
    assert loaded == check(j, "large.toml", result)
    assert loaded and all(d.line > 1 for d in loaded)  # the file's own line numbers
    edited = edit.rename(edit.set_field(j, ("stages", 100, "phase"), 3), "stage", "s3", "third")
    after = offload.call("check", edited, "large.toml", False)
    assert after == check(edited, "large.toml", None)
    assert after != loaded
    fc, health = offload.call("live", edited, 5, 0)
    here = full_forecast(edited, runs=5, seed=0)
    assert fc.won.tolist() == pytest.approx(here.won.tolist())
    assert health == stage_health(edited, here)
    # back to the journey as loaded: the line numbers again
    assert offload.call("check", j, "large.toml", True) == loaded


def test_a_refused_forecast_is_raised_here(offload: Offload) -> None:
    """The engine's refusal reaches the app's worker as the exception itself (its message intact)."""
    j = _journey(12)
    with pytest.raises(SimulationError, match="the journey has no stages"):
        offload.call("live", dataclasses.replace(j, stages=[]), 5, 0)
    assert offload.call("check", j, "x.toml", False) == check(j, "x.toml", None)  # still in step


def test_a_dead_child_is_replaced(offload: Offload) -> None:
    j = _journey(30)
    first = offload.call("check", j, "x.toml", False)
    assert offload._process is not None
    os.kill(offload._process.pid, signal.SIGKILL)
    offload._process.wait(5)
    edited = edit.rename(j, "stage", "s3", "third")
    # the new child has not seen any journey: it is sent the whole one, not a difference
    again = offload.call("check", edited, "x.toml", False)
    assert again == check(edited, "x.toml", None)
    assert any("third" in d.message for d in again) and not any("third" in d.message for d in first)


def test_a_closed_offload_refuses_at_once() -> None:
    closed = Offload()
    closed.close()
    with pytest.raises(OffloadCancelled):
        closed.call("check", _journey(10), "x.toml", False)
    assert closed._process is None  # no child was started for it


def test_a_cancelled_forecast_stops_or_answers(offload: Offload) -> None:
    """Cancelling tells the child; it answers (SimulationCancelled, or the result if it finished first)."""
    j = _journey(60)
    cancel = threading.Event()
    cancel.set()
    try:
        fc, _health = offload.call("live", j, 5, 0, cancelled=cancel.is_set)
        assert fc is not None
    except SimulationCancelled:
        pass
    # the child is still in step: the next call is answered, for the journey sent
    assert offload.call("check", j, "x.toml", False) == check(j, "x.toml", None)


def test_the_child_runs_this_module_not_the_main_script(offload: Offload) -> None:
    """A script without a ``__main__`` guard must not run again in the child (multiprocessing's
    spawn would import it): the child is ``python -m journeytui.tui.offload``."""
    offload.call("check", _journey(20), "x.toml", False)
    assert offload._process is not None
    assert offload._process.args[1:3] == ["-m", "journeytui.tui.offload"]


def test_a_source_the_child_could_not_load_is_followed_by_the_whole_journey(offload: Offload) -> None:
    """Differences go against the child's journey only when it loaded the one the app holds: here the
    app says it holds ``j`` but the text it sends does not load (as if the child's load had failed)."""
    j = _journey(20)
    broken = "this is [not toml"
    assert load_text(broken, "x.toml").journey is None
    offload.set_source(object(), broken, "x.toml", j)
    edited = edit.rename(j, "stage", "s3", "third")
    assert offload.call("check", edited, "x.toml", False) == check(edited, "x.toml", None)


def test_the_child_yields_the_cpu_to_the_app(offload: Offload) -> None:
    """The child runs at a lower scheduling priority than the app (NICENESS): while the app opens
    a large journey, the child's start and load do not take the core the app needs."""
    from journeytui.tui.offload import NICENESS

    offload.call("check", _journey(20), "x.toml", False)
    assert offload._process is not None
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, offload._process.pid) == min(19, mine + NICENESS)
