"""Undo and redo over journey snapshots, and whether the journey differs from what was saved.

Edits in :mod:`journeytui.model.edit` return new journeys and never mutate, so
the history keeps one snapshot per step. A step is labelled for the UI
("rename stage aware -> 認知"). Like Textual's TextArea EditHistory, a new edit
after undos drops the redo branch, and the depth is bounded.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from journeytui.model.types import Journey


@dataclass(frozen=True)
class Step:
    label: str
    journey: Journey
    keeps: tuple[tuple[Any, ...], ...] = ()
    """Fields whose value this step keeps as it is, to be written over the file's on save (the
    value a load put in place of one with an error): a step that changes nothing else."""


class History:
    """Snapshots of a journey with a cursor; ``saved`` is the last saved (or loaded) state."""

    def __init__(self, journey: Journey, limit: int = 500) -> None:
        self._steps: list[Step] = [Step("open", journey)]
        self._cursor = 0
        self._limit = max(2, limit)
        self.saved: Journey = journey

    @property
    def journey(self) -> Journey:
        return self._steps[self._cursor].journey

    @property
    def dirty(self) -> bool:
        """True when the current journey differs from the saved one (by value, not by step)."""
        return self.journey != self.saved

    @property
    def can_undo(self) -> bool:
        return self._cursor > 0

    @property
    def can_redo(self) -> bool:
        return self._cursor < len(self._steps) - 1

    @property
    def undo_label(self) -> str | None:
        return self._steps[self._cursor].label if self.can_undo else None

    @property
    def redo_label(self) -> str | None:
        return self._steps[self._cursor + 1].label if self.can_redo else None

    def push(self, label: str, journey: Journey) -> Journey:
        """Record ``journey`` as the result of an edit called ``label``."""
        if journey == self.journey:
            return journey
        del self._steps[self._cursor + 1 :]
        self._steps.append(Step(label, journey))
        if len(self._steps) > self._limit:
            del self._steps[0]
        self._cursor = len(self._steps) - 1
        return journey

    def keep(self, label: str, path: tuple[Any, ...]) -> Journey:
        """Record that the value at ``path`` is kept as it is (see :attr:`Step.keeps`): one undoable
        step whose journey equals the current one (a copy, so the step is a step of its own)."""
        del self._steps[self._cursor + 1 :]
        self._steps.append(Step(label, copy.copy(self.journey), (path,)))
        if len(self._steps) > self._limit:
            del self._steps[0]
        self._cursor = len(self._steps) - 1
        return self.journey

    def kept(self) -> set[tuple[Any, ...]]:
        """Every field kept by the steps up to the current one."""
        return {p for step in self._steps[: self._cursor + 1] for p in step.keeps}

    def apply(self, label: str, edit: Callable[[Journey], Journey]) -> Journey:
        """Run ``edit`` on the current journey and record the result (EditError propagates)."""
        return self.push(label, edit(self.journey))

    def undo(self) -> Journey | None:
        if not self.can_undo:
            return None
        self._cursor -= 1
        return self.journey

    def redo(self) -> Journey | None:
        if not self.can_redo:
            return None
        self._cursor += 1
        return self.journey

    def mark_saved(self, journey: Journey | None = None) -> None:
        self.saved = self.journey if journey is None else journey

    def reset(self, journey: Journey) -> None:
        """Start over from ``journey`` (after reloading the file from disk)."""
        self._steps = [Step("open", journey)]
        self._cursor = 0
        self.saved = journey
