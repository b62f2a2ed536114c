"""Lead state helpers shared by the Monte Carlo engine's steps (see montecarlo.py)."""

from __future__ import annotations

import numpy as np

from journeytui.sim.tables import OutcomeTable
from journeytui.sim.weekly import WeekLog

BIG = np.int16(32767)
"""hold of a lead waiting in the sales queue: on hold until served (weeks are at most 10,000)."""

NEVER = np.int16(32767)
"""next_draw of a lead with no outcome scheduled within the horizon (closed, queued, or later)."""


class LeadState:
    """Per-lead arrays (one slot per lead of every run) and the operations on them."""

    W: int
    R: int
    S: int
    P: int
    SP: int
    nmax: int
    width: int
    out: OutcomeTable
    rng: dict[str, np.random.Generator]
    key: np.ndarray
    hold: np.ndarray
    arrived: np.ndarray
    next_draw: np.ndarray
    visited: np.ndarray
    stage_bit: np.ndarray
    entries: np.ndarray
    counts: np.ndarray
    mask: np.ndarray | None
    since0: np.ndarray | None
    is_won: np.ndarray
    won_after: np.ndarray
    log: WeekLog

    def _run(self, idx: np.ndarray) -> np.ndarray:
        return idx // self.nmax if self.R > 1 else np.zeros(idx.size, dtype=np.int64)

    def _flat(self, run: np.ndarray, values: np.ndarray, width: int) -> np.ndarray:
        """Per-run bin numbers for np.bincount: run * width + values."""
        return run * width + values if self.R > 1 else values

    def _per_run(self, idx: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(self._run(idx), weights=weights, minlength=self.R).astype(np.int64)

    def _count(self, idx: np.ndarray, keys: np.ndarray, sign: int) -> None:
        flat = self._flat(self._run(idx), keys, self.SP)
        self.counts += sign * np.bincount(flat, minlength=self.R * self.SP).reshape(self.R, self.SP)

    def _rows(self, idx: np.ndarray) -> np.ndarray:
        """Each lead's outcome-table row: its key and, with lifts, its active-lift mask."""
        if self.out.L == 0:
            return self.key[idx]
        assert self.mask is not None
        return (self.key[idx] << self.out.L) | self.mask[idx]

    def _visit(self, idx: np.ndarray, stage: np.ndarray, run: np.ndarray | None = None) -> None:
        bit = self.stage_bit[stage]
        if self.visited.ndim == 1:
            old = self.visited[idx]
            first = (old & bit) == 0
            self.visited[idx] = old | bit
        else:
            word = stage // 64
            old = self.visited[idx, word]
            first = (old & bit) == 0
            self.visited[idx, word] = old | bit
        first = np.flatnonzero(first)
        flat = self._flat(self._run(idx[first]) if run is None else run[first], stage[first], self.S)
        self.entries += np.bincount(flat, minlength=self.R * self.S).reshape(self.R, self.S)

    def _move(self, idx: np.ndarray, stage: np.ndarray, t: int) -> None:
        old = self.key[idx]
        new = (stage * self.P + old % self.P).astype(np.int32)
        self._count(idx, old, -1)
        self._count(idx, new, +1)
        self.log.moves(t, old // self.P, stage, np.ones(idx.size), np.zeros(idx.size, dtype=bool))
        self.key[idx] = new
        self._entered(idx, new, t)
        self._visit(idx, stage)
        won = self.is_won[stage]
        if won.any():
            self.won_after += np.bincount(t - self.arrived[idx[won]].astype(np.int64), minlength=self.W + 1)

    def _wait(self, rows: np.ndarray, first: np.ndarray | int) -> np.ndarray:
        """The week of the next outcome other than staying, for leads drawing from week `first` on."""
        # float32 (as the outcome chances): the rounding (< 1e-7 relative) is far below sampling noise
        x = self.rng["moves"].standard_exponential(rows.size, dtype=np.float32)
        with np.errstate(invalid="ignore"):  # 0 x inf: NaN, never
            x *= self.out.wait_scale[rows]
        np.floor(x, out=x)
        x += first
        # inf and NaN (exit 0: never) and waits past the horizon compare False
        return np.where(x <= self.W, x, NEVER).astype(np.int16)

    def _due(self, t: int) -> np.ndarray:
        """The leads whose next outcome falls in week t, in slot order."""
        return np.flatnonzero(self.next_draw == t)

    def _entered(self, idx: np.ndarray, keys: np.ndarray, t: int) -> None:
        """Leads idx entered the stage of their keys in week t (for touchpoint schedules)."""
        if self.since0 is not None:
            self.since0[idx] = keys.astype(self.since0.dtype) * self.width - t

    def _schedule(self, idx: np.ndarray, start: int) -> None:
        """Draw the week of each lead's next outcome other than staying, from week `start` on.

        A lead on hold draws from the week after its release; a queued lead (or one in a
        closed stage, or one whose wait runs past the horizon) gets NEVER.
        """
        if idx.size == 0:
            return
        hold = self.hold[idx]
        when = self._wait(self._rows(idx), np.maximum(hold.astype(np.float32) + 1, start))
        when = np.where(hold == BIG, NEVER, when)
        self.next_draw[idx] = when
