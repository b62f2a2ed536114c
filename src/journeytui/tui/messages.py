"""Messages from the Monte Carlo worker thread to the app (small dataclasses, like toolong's).

Progress supersedes progress: :class:`SimProgress` implements ``can_replace`` so a
slow UI never queues a backlog of stale weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from journeytui.sim import SimResult


@dataclass
class SimProgress(Message):
    """The run has simulated ``week`` of ``weeks``."""

    week: int
    weeks: int
    run_id: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SimProgress)


@dataclass
class SimDone(Message):
    """The run finished."""

    result: SimResult
    run_id: int


@dataclass
class SimCancelled(Message):
    """The run stopped because the user cancelled it."""

    run_id: int


@dataclass
class SimFailed(Message):
    """The engine refused the run (bad settings, memory); ``error`` is meant for the user."""

    error: str
    run_id: int
