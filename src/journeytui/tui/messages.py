"""Messages from the app's worker threads (small dataclasses, like toolong's).

Monte Carlo progress supersedes progress: :class:`SimProgress` implements ``can_replace``
so a slow UI never queues a backlog of stale weeks. The live forecast, the checks and the
KPI tree are computed in workers too and come back as :class:`ForecastReady`,
:class:`ChecksReady` and :class:`TreeReady`; the app applies a result only while it
belongs to the journey on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from journeytui.diagnostics import Diagnostic
from journeytui.model.types import Journey
from journeytui.session.forecast import LiveResult
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


@dataclass
class ForecastReady(Message):
    """The forecast worker finished (with a forecast or with the reason there is none)."""

    result: LiveResult


@dataclass
class ChecksReady(Message):
    """The validation worker finished for document ``version``."""

    version: int
    journey: Journey
    diagnostics: list[Diagnostic]


@dataclass
class TreeReady(Message):
    """The KPI tree of ``journey`` (lines to show), or the reason there is none."""

    journey: Journey
    lines: list[str]
    error: str = ""
