"""The per-lead engine started from a given per-lead state, and the hidden state at the end of a run.

``simulate`` (montecarlo.py) starts every run from the file's population: the initial cohort laid
out stage by stage, every lead free, scores zero, the sales queue empty. A backtest starts from the
leads at a cutoff, whose accounts, holds, scores and queue are those their history left
(calibrate/backtest.py). Two entry points, built on :class:`~journeytui.sim.montecarlo.Engine`
without changing it:

- :func:`snapshot` runs the engine and returns, per lead of every run, the state the weekly step
  keeps (stage and persona, hold or queue, score, weeks in stage, active lifts) at the last week;
- :func:`run_from` runs the engine from a :class:`Start`: run r's first n0 slots hold the given
  leads in the given order (so lead n of a run sits in account n // b, as in ``simulate``) and
  arrivals continue the numbering.

A journey whose touchpoints chain (``after``) starts with no engagement remembered: the chain is
restarted for the leads of the start state (the flagship has no such chain).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from journeytui.model.types import Journey
from journeytui.sim.compile import Compiled, compile_journey
from journeytui.sim.montecarlo import Engine, _check_memory
from journeytui.sim.state import BIG, NEVER


@dataclass
class Start:
    """Per-lead state of every run: arrays of shape (runs, n0) in slot order (``lift_until``:
    (lifts, runs, n0)); weeks are relative to the start (week 0), so a hold through week h > 0 is
    still on, and ``queued`` leads wait in the sales queue since week ``queue_since`` (<= 0)."""

    key: np.ndarray  # canonical stage * P + persona (compile.Compiled order)
    hold: np.ndarray  # on hold through this week (<= 0: free)
    queued: np.ndarray  # bool: waiting in the sales queue
    queue_since: np.ndarray
    since: np.ndarray  # weeks since entering the stage (>= 0)
    score: np.ndarray | None = None
    mask: np.ndarray | None = None  # active lifts, one bit each
    lift_until: np.ndarray | None = None


def compiled(journey: Journey, ignore: tuple[str, ...] = ()) -> Compiled:
    """The journey compiled as ``simulate`` would (canonical order, its account size)."""
    return compile_journey(journey, ignore)


class _Snapshot(Engine):
    def state(self) -> Start:
        """The state at week ``W`` (the run's end), made relative to it."""
        R, N, W = self.R, self.nmax, self.W
        key = self.key.reshape(R, N)
        hold = self.hold.reshape(R, N).astype(np.int64)
        queued = hold == int(BIG)
        qs = np.zeros((R, N), dtype=np.int64)
        if self.queue.size:
            qs.reshape(-1)[self.queue] = self.queue_since.astype(np.int64) - W
        since = np.zeros((R, N), dtype=np.int64)
        if self.since0 is not None:
            since = W - (key.astype(np.int64) * self.width - self.since0.reshape(R, N))
        lift_until = None
        if self.lift_until is not None:
            lift_until = self.lift_until.reshape(-1, R, N).astype(np.int64) - W
        return Start(
            key=key.copy(),
            hold=np.where(queued, 0, hold - W),
            queued=queued,
            queue_since=qs,
            since=since,
            score=None if self.scores is None else self.scores.reshape(R, N).copy(),
            mask=None if self.mask is None else self.mask.reshape(R, N).copy(),
            lift_until=lift_until,
        )


def snapshot(journey: Journey, weeks: int, runs: int, seed: int) -> tuple[Compiled, Start]:
    """Run the journey's full model ``weeks`` weeks (``runs`` runs, seeded) from its population and
    return every lead slot's state at the end (slots not yet arrived have key stage S)."""
    c = compiled(journey)
    _check_memory(c, weeks, runs, None)
    eng = _Snapshot(c, weeks, runs, seed)
    for t in range(1, weeks + 1):
        eng.step(t, np.repeat(np.maximum(eng.capacity, 0)[:, None], runs, axis=1))
    return c, eng.state()


class _Started(Engine):
    def __init__(self, c: Compiled, weeks: int, runs: int, seed: int, start: Start) -> None:
        self.given = start  # read by _layout, which Engine.__init__ calls
        super().__init__(c, weeks, runs, seed)

    def _layout(self, n_triggers: int) -> None:
        super()._layout(n_triggers)
        s, R, N = self.given, self.R, self.nmax
        n0 = s.key.shape[1]
        key = self.key.reshape(R, N)
        key[:, :n0] = s.key
        hold = self.hold.reshape(R, N)
        hold[:, :n0] = np.where(s.queued, int(BIG), np.clip(s.hold, 0, int(BIG) - 1))
        stage = (key[:, :n0] // self.P).astype(np.int64)
        if self.visited.ndim == 1:
            self.visited.reshape(R, N)[:, :n0] = self.stage_bit[stage]
        self.counts[:] = np.bincount(
            (key[:, :n0].astype(np.int64) + (np.arange(R) * self.SP)[:, None]).ravel(), minlength=R * self.SP
        ).reshape(R, self.SP)
        if self.scores is not None and s.score is not None:
            self.scores.reshape(R, N)[:, :n0] = s.score
        if self.mask is not None and s.mask is not None and self.lift_until is not None and s.lift_until is not None:
            live = s.lift_until >= 1  # a lift through week 0 or before has ended
            mask = s.mask.astype(np.int64)
            for bit in range(self.lift_until.shape[0]):
                mask &= ~np.where(live[bit], 0, 1 << bit)
            self.mask.reshape(R, N)[:, :n0] = mask.astype(np.uint16)
            self.lift_until.reshape(-1, R, N)[:, :, :n0] = np.where(live, s.lift_until, 0)
            for bit in range(self.lift_until.shape[0]):  # each lift ends the week after its last one
                r, n = np.nonzero(live[bit])
                ends = s.lift_until[bit][r, n]
                slot = r * N + n
                for week in np.unique(ends).tolist():
                    self.buckets.setdefault(int(week) + 1, []).append((bit, slot[ends == week]))
        if self.since0 is not None:
            self.since0.reshape(R, N)[:, :n0] = key[:, :n0].astype(self.since0.dtype) * self.width + s.since
            self.act = np.flatnonzero(self.open_key[self.key])
        slots = (np.arange(R)[:, None] * N + np.arange(n0)[None, :]).ravel()
        queued = s.queued.ravel()
        free = slots[~queued]
        self.next_draw[slots[queued]] = NEVER
        self.next_draw[free] = self._wait(self._rows(free), np.maximum(self.hold[free].astype(np.float32) + 1, 1))
        if queued.any():
            since = s.queue_since.ravel()[queued]
            order = np.lexsort((slots[queued], since))  # oldest first, then by lead number
            self.queue = slots[queued][order]
            self.queue_since = since[order].astype(np.int32)


def run_from(c: Compiled, start: Start, weeks: int, seed: int) -> np.ndarray:
    """Leads per canonical stage, runs x (weeks + 1) x S, of the compiled journey's full model
    started from ``start`` (one run per row of its arrays; its arrivals continue after the
    start's leads). ``c`` must be compiled with ``initial`` adding up to the start's leads
    per run (:func:`for_start`)."""
    R, n0 = start.key.shape
    if int(c.initial.sum()) != n0:
        raise ValueError("the compiled journey's initial leads differ from the start state's")
    extra = int(start.since.max()) + 1 if start.since.size else 0  # touchpoint schedules count from entry
    _check_memory(c, weeks + extra, R, None)
    eng = _Started(c, weeks + extra, R, seed, start)
    out = np.empty((R, weeks + 1, c.S))
    out[:, 0] = eng.counts.reshape(R, c.S, c.P).sum(axis=2)
    for t in range(1, weeks + 1):
        eng.step(t, np.repeat(np.maximum(eng.capacity, 0)[:, None], R, axis=1))
        out[:, t] = eng.counts.reshape(R, c.S, c.P).sum(axis=2)
    return out


def for_start(journey: Journey, per_stage: dict[str, int], account_size: int, pattern: np.ndarray) -> Compiled:
    """The journey compiled with ``per_stage`` initial leads (any stage, closed ones included) and the
    given account size and seats (an account as large as the journey's, whatever the start's size)."""
    pop = replace(journey.population, initial=dict(per_stage))
    c = compiled(replace(journey, population=pop))
    return replace(c, account_size=account_size, pattern=pattern)
