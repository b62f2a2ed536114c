"""What a finished Monte Carlo run hands to :func:`journeytui.sim.kpis.summarise`.

Both engines (the per-lead :class:`journeytui.sim.montecarlo.Engine` and the count engine of
:mod:`journeytui.sim.counts`) keep these counters under the same names; ``summarise`` reads
them through the :class:`Tallies` protocol, so it needs neither engine's module (which import it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from journeytui.sim.compile import Compiled
from journeytui.sim.tables import ScoreTable


@dataclass
class GateHolds:
    """What one gate held back: accounts per run and week, and per account (flags over all
    runs) whether it was ever held, ever for want of each required role, ever for the share."""

    per_week: np.ndarray  # (runs, weeks + 1)
    ever: np.ndarray
    ever_missing: list[np.ndarray]
    ever_short: np.ndarray

    @classmethod
    def empty(cls, roles: int, runs: int, weeks: int) -> GateHolds:
        none = np.zeros(0, dtype=bool)
        return cls(np.zeros((runs, weeks + 1), dtype=np.int64), none, [none] * roles, none)

    def allocate(self, accounts: int) -> None:
        """Account flags, made on the first hold so journeys whose gates never shut pay nothing."""
        self.ever = np.zeros(accounts, dtype=bool)
        self.ever_missing = [np.zeros(accounts, dtype=bool) for _ in self.ever_missing]
        self.ever_short = np.zeros(accounts, dtype=bool)

    def per_run(self, flags: np.ndarray, runs: int) -> float:
        """Mean over runs of the accounts flagged."""
        return float(flags.reshape(runs, -1).sum(axis=1).mean()) if flags.size else 0.0


class Tallies(Protocol):
    """The state and counters of a finished run that the KPIs are computed from."""

    @property
    def c(self) -> Compiled: ...
    @property
    def S(self) -> int: ...
    @property
    def P(self) -> int: ...
    @property
    def W(self) -> int: ...
    @property
    def R(self) -> int: ...
    @property
    def b(self) -> int: ...
    @property
    def nmax(self) -> int: ...
    @property
    def score(self) -> ScoreTable | None: ...
    @property
    def entries(self) -> np.ndarray: ...
    @property
    def entry(self) -> np.ndarray: ...
    @property
    def arrivals(self) -> np.ndarray: ...
    @property
    def edge_moves(self) -> np.ndarray: ...
    @property
    def handoff_moves(self) -> np.ndarray: ...
    @property
    def ch_touches(self) -> np.ndarray: ...
    @property
    def tp_sends(self) -> np.ndarray: ...
    @property
    def tp_engaged(self) -> np.ndarray: ...
    @property
    def stall_starts(self) -> np.ndarray: ...
    @property
    def stall_weeks(self) -> np.ndarray: ...
    @property
    def won_after(self) -> np.ndarray: ...
    @property
    def is_won(self) -> np.ndarray: ...
    @property
    def key(self) -> np.ndarray: ...
    @property
    def per_week(self) -> Mapping[str, np.ndarray]: ...
    @property
    def gate_holds(self) -> Sequence[GateHolds]: ...
    def _run(self, idx: np.ndarray) -> np.ndarray: ...
