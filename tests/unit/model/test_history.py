"""Undo/redo over journey snapshots; dirty means 'differs from what was saved', by value."""

from __future__ import annotations

import pytest

from journeytui.model import Journey, edit, load_text
from journeytui.model.history import History

P = ("transitions", 0, "probability")


@pytest.fixture
def base(minimal_text: str) -> Journey:
    return load_text(minimal_text).journey


def set_p(value: float):
    return lambda j: edit.set_field(j, P, value)


def p(j: Journey | None) -> float:
    assert j is not None
    return j.transitions[0].probability


def test_a_fresh_history(base: Journey) -> None:
    h = History(base)
    assert h.journey is base
    assert not h.dirty and not h.can_undo and not h.can_redo
    assert h.undo() is None and h.redo() is None
    assert h.undo_label is None and h.redo_label is None


def test_undo_and_redo_walk_the_steps(base: Journey) -> None:
    h = History(base)
    h.apply("p 0.2", set_p(0.2))
    h.apply("p 0.3", set_p(0.3))
    assert (p(h.journey), h.undo_label, h.dirty) == (0.3, "p 0.3", True)
    assert p(h.undo()) == 0.2
    assert (h.undo_label, h.redo_label) == ("p 0.2", "p 0.3")
    assert p(h.undo()) == 0.1
    assert h.undo() is None and not h.dirty
    assert p(h.redo()) == 0.2 and p(h.redo()) == 0.3
    assert h.redo() is None


def test_a_new_edit_after_undo_drops_the_redo_branch(base: Journey) -> None:
    h = History(base)
    h.apply("p 0.2", set_p(0.2))
    h.apply("p 0.3", set_p(0.3))
    h.undo()
    h.apply("p 0.4", set_p(0.4))
    assert not h.can_redo and h.redo() is None
    assert p(h.undo()) == 0.2 and p(h.redo()) == 0.4


def test_dirty_is_by_value(base: Journey) -> None:
    h = History(base)
    h.apply("p 0.2", set_p(0.2))
    assert h.dirty
    h.apply("back", set_p(0.1))  # a new step, but the same journey as saved
    assert not h.dirty and h.can_undo


def test_dirty_after_saving_and_undoing_past_the_save(base: Journey) -> None:
    h = History(base)
    h.apply("p 0.2", set_p(0.2))
    h.mark_saved()
    assert not h.dirty
    h.undo()
    assert h.dirty
    h.redo()
    assert not h.dirty


def test_an_edit_that_changes_nothing_is_not_a_step(base: Journey) -> None:
    h = History(base)
    h.apply("same", set_p(0.1))
    assert not h.can_undo


def test_a_failing_edit_records_nothing(base: Journey) -> None:
    h = History(base)
    with pytest.raises(edit.EditError):
        h.apply("bad", set_p(2.0))
    assert not h.can_undo and h.journey is base


def test_the_depth_is_bounded(base: Journey) -> None:
    h = History(base, limit=3)
    for v in (0.2, 0.3, 0.4, 0.5):
        h.apply(f"p {v}", set_p(v))
    assert p(h.undo()) == 0.4 and p(h.undo()) == 0.3
    assert h.undo() is None  # the oldest steps were dropped
    assert h.dirty  # the loaded state is gone from the history, but still what was saved


def test_reset_starts_over(base: Journey) -> None:
    h = History(base)
    h.apply("p 0.2", set_p(0.2))
    reloaded = edit.set_field(base, P, 0.5)
    h.reset(reloaded)
    assert h.journey is reloaded and not h.dirty and not h.can_undo
