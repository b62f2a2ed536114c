"""Week-by-week flows and holds: what moved, stalled and waited in each week of a forecast.

The exact forecast computes them from its chain (:func:`journeytui.sim.live.weekly_flows`); the
per-lead Monte Carlo engine records them as it runs (:class:`WeekLog`), so the app's workshop
playback and bottleneck figures can show the journey's full model (hand-offs, gates, capacity
and lifts included), not only its plain chain. Plain numpy, no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WeeklyFlows:
    """Expected moves in each week 1..weeks (row 0 is zeros), for playback and bottlenecks."""

    stages: list[str]
    moved_in: np.ndarray
    """(weeks + 1) x stages: leads entering each stage in the week (moves, hand-offs and arrivals)."""
    moved_out: np.ndarray
    stalled: np.ndarray
    """(weeks + 1) x stages: stalls started in the week (a hand-off waiting in the sales queue included)."""
    regressed: np.ndarray
    """(weeks + 1,): moves along regression edges in the week."""

    def reorder(self, cols: np.ndarray, stages: list[str]) -> WeeklyFlows:
        """The same flows with the stage columns ``cols`` (engine order -> file order)."""
        m_in, m_out, stalled = self.moved_in[:, cols], self.moved_out[:, cols], self.stalled[:, cols]
        return WeeklyFlows(stages, m_in, m_out, stalled, self.regressed)


class WeekLog:
    """Sums over runs, per week and stage, of what the per-lead engine did; divided by the runs
    at the end (:meth:`flows`, :meth:`on_hold`) they are the expected values the exact forecast
    gives for a plain chain.

    Memory is (weeks + 2) x stages per array, whatever the number of leads.
    """

    def __init__(self, weeks: int, stages: int) -> None:
        self.W, self.S = weeks, stages
        self.moved_in = np.zeros((weeks + 1, stages))
        self.moved_out = np.zeros((weeks + 1, stages))
        self.stalled = np.zeros((weeks + 1, stages))
        self.regressed = np.zeros(weeks + 1)
        self._held = np.zeros((weeks + 2, stages))  # differences: +1 when a hold starts, -1 when it ends
        self._queued = np.zeros((weeks + 1, stages))

    def moves(self, t: int, src: np.ndarray, dst: np.ndarray, n: np.ndarray, regression: np.ndarray) -> None:
        """``n[k]`` leads moved from stage ``src[k]`` to ``dst[k]`` in week t (over all runs)."""
        w = n.astype(float)
        np.add.at(self.moved_out[t], src, w)
        np.add.at(self.moved_in[t], dst, w)
        self.regressed[t] += float(w[regression].sum())

    def arrivals(self, t: int, stages: np.ndarray, n: np.ndarray) -> None:
        np.add.at(self.moved_in[t], stages, n.astype(float))

    def holds(self, t: int, stages: np.ndarray, weeks: np.ndarray) -> None:
        """Leads in ``stages`` started a hold of ``weeks`` in week t: on hold at the end of weeks
        t .. t + weeks - 1 (released at the end of week t + weeks, docs/simulation.md)."""
        np.add.at(self.stalled[t], stages, 1.0)
        np.add.at(self._held[t], stages, 1.0)
        end = np.minimum(t + weeks, self.W + 1)
        np.add.at(self._held, (end, stages), -1.0)

    def queued(self, t: int, stages: np.ndarray, fresh: np.ndarray) -> None:
        """At the end of week t, leads of ``stages`` wait in the sales queue (on hold); ``fresh``
        of them joined it this week (a stall started by the queue)."""
        np.add.at(self._queued[t], stages, 1.0)
        np.add.at(self.stalled[t], fresh, 1.0)

    def flows(self, runs: int) -> WeeklyFlows:
        """Mean flows per run, stages in engine order (ids filled in by the caller)."""
        k = 1.0 / runs
        return WeeklyFlows([], self.moved_in * k, self.moved_out * k, self.stalled * k, self.regressed * k)

    def on_hold(self, runs: int) -> np.ndarray:
        """(weeks + 1) x stages: mean leads on hold at the end of each week (stalls and the sales queue)."""
        return (np.cumsum(self._held, axis=0)[: self.W + 1] + self._queued) / runs
