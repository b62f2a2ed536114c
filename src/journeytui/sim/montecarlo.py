"""The Monte Carlo engine: every lead of every run as numpy arrays, one vectorised step per week.

Leads of all runs live in flat arrays of R x Nmax slots (run r owns slots
r*Nmax .. (r+1)*Nmax - 1; slots of leads that have not arrived yet hold a 'not
arrived' key). The weekly step follows docs/simulation.md event by event.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from journeytui.model.types import Journey
from journeytui.sim.compile import KIND_MOVE, KIND_STALL, Compiled, check_runs, check_weeks, compile_journey
from journeytui.sim.errors import SimulationCancelled, SimulationError
from journeytui.sim.kpis import summarise
from journeytui.sim.results import SimResult
from journeytui.sim.tables import gate_tables, outcome_table, score_table, touch_tables

BIG = np.int32(2**31 - 1)
"""hold_until of a lead waiting in the sales queue: on hold until served."""

STREAMS = ("layout", "arrivals", "moves", "durations", "capacity", "engagement")


class Cancel(Protocol):
    def is_set(self) -> bool: ...


def available_memory() -> int:
    """Bytes of memory the system says are available (4 GiB when it cannot tell)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 4 << 30


def _max_arrivals(c: Compiled, weeks: int) -> int:
    lam = float(c.arrivals.sum()) * weeks
    return math.ceil(lam + 6.0 * math.sqrt(lam) + 10) if lam > 0 else 0


def bytes_per_slot(c: Compiled) -> int:
    """Bytes of state and weekly temporaries per lead slot (see docs/simulation.md)."""
    j = c.journey
    words = (c.S + 63) // 64
    n = 4 + 4 + 2 + 2 + 8 * words + 8 + 4 + 8 + 4  # key, hold, entered, arrived, visited, draws, row, gathers
    if j.scoring is not None:
        n += 4 + 8 + 2
    lifts = sum(1 for tp in j.touchpoints if tp.lift)
    if lifts:
        n += 2 + 2 * min(lifts, 16) + 4
    if j.touchpoints:
        n += 4 + 2 + 2 + 2 * len(j.touchpoints)
    return n


def estimate_memory(c: Compiled, weeks: int, runs: int) -> tuple[int, int]:
    """(bytes, slots) a Monte Carlo run would need."""
    slots = runs * (int(c.initial.sum()) + _max_arrivals(c, weeks))
    record = (weeks + 1) * runs * c.SP * 8 * 2
    return slots * bytes_per_slot(c) + record, slots


def _check_memory(c: Compiled, weeks: int, runs: int, limit: int | None) -> None:
    need, slots = estimate_memory(c, weeks, runs)
    budget = int(available_memory() * 0.8) if limit is None else limit
    if need <= budget and slots < 2**31 - 1:
        return
    per_run = max(1, need // runs)
    fit_runs = budget // per_run
    gib = 1 << 30
    if fit_runs >= 1 and slots // runs < 2**31 - 1:
        hint = f"use at most {fit_runs:,} runs"
    else:
        leads = int(c.initial.sum())
        hint = f"use fewer leads (about {max(1, int(leads * budget / per_run)):,} fit in one run)"
    raise SimulationError(
        f"a Monte Carlo run with {slots:,} lead slots needs about {need / gib:.1f} GiB but "
        f"{budget / gib:.1f} GiB is available; {hint}, or use the exact forecast"
    )


class Engine:
    """One Monte Carlo simulation: state arrays, the weekly step, and counters for the KPIs."""

    def __init__(self, c: Compiled, weeks: int, runs: int, seed: int) -> None:
        self.c, self.W, self.R = c, weeks, runs
        S, P = c.S, c.P
        self.S, self.P, self.SP = S, P, S * P
        ss = np.random.SeedSequence(seed)
        self.rng = dict(
            zip(STREAMS, (np.random.Generator(np.random.PCG64(s)) for s in ss.spawn(len(STREAMS))), strict=True)
        )
        self.out = outcome_table(c)
        self.gates = gate_tables(c)
        self.touches, n_triggers = touch_tables(c, weeks, self.out.tp_bit)
        self.score = score_table(c)
        chans = c.journey.channels
        self.capacity = np.array([ch.capacity if ch.capacity is not None else -1 for ch in chans], dtype=np.int64)
        self.b = c.account_size or 1
        self._layout(n_triggers)
        E = len(c.journey.transitions)
        self.edge_moves = np.zeros((runs, E), dtype=np.int64)
        self.handoff_moves = np.zeros((runs, S), dtype=np.int64)
        self.stall_starts = np.zeros((runs, len(c.causes)), dtype=np.int64)
        self.stall_weeks = np.zeros((runs, len(c.causes)), dtype=np.int64)
        self.cause_of_stall = np.array([c.causes.index(x) for x in c.stall_cause], dtype=np.int64)
        self.per_week = {k: np.zeros((runs, weeks + 1), dtype=np.int64) for k in ("mqls", "handoffs", "queue")}
        self.won_after = np.zeros(weeks + 1, dtype=np.int64)
        self.tp_sends = np.zeros((runs, len(c.journey.touchpoints)), dtype=np.int64)
        self.tp_engaged = np.zeros((runs, len(c.journey.touchpoints)), dtype=np.int64)
        self.ch_touches = np.zeros((runs, len(chans)), dtype=np.int64)
        self.queue = np.zeros(0, dtype=np.int64)
        self.queue_since = np.zeros(0, dtype=np.int32)
        self.buckets: dict[int, list[tuple[int, np.ndarray]]] = {}
        self.is_won = np.array([k == "won" for k in c.kinds] + [False])
        self.open_key = np.repeat(np.array([k == "open" for k in c.kinds] + [False]), self.P)

    # -- set-up -------------------------------------------------------------
    def _layout(self, n_triggers: int) -> None:
        c, R, S, P = self.c, self.R, self.S, self.P
        n0 = int(c.initial.sum())
        lam = c.arrivals
        entry = np.flatnonzero(lam > 0)
        counts = self.rng["arrivals"].poisson(lam[entry], size=(R, self.W + 1, len(entry)))
        counts[:, 0, :] = 0
        per_week = counts.sum(axis=2)
        self.arrivals = counts
        self.entry = entry
        self.start = n0 + np.concatenate([np.zeros((R, 1), dtype=np.int64), np.cumsum(per_week, axis=1)], axis=1)
        self.nmax = N = int(max(n0 + per_week.sum(axis=1).max(), 1))
        total = R * N
        local = np.arange(N)
        if c.account_size:
            m = len(c.pattern)
            persona = np.tile(c.pattern[(local % self.b) % m], R)
        elif P > 1:
            persona = self.rng["layout"].choice(P, size=total, p=c.weights)
        else:
            persona = np.zeros(total, dtype=np.int64)
        self.key = (S * P + persona).astype(np.int32)
        stage0 = np.repeat(np.arange(S), c.initial)
        init_idx = (np.arange(R)[:, None] * N + np.arange(n0)[None, :]).ravel()
        self.key[init_idx] = np.tile(stage0, R) * P + persona[init_idx]
        self.hold = np.zeros(total, dtype=np.int32)
        self.entered = np.zeros(total, dtype=np.int16)
        self.arrived = np.zeros(total, dtype=np.int16)
        self.visited = np.zeros((total, (S + 63) // 64), dtype=np.uint64)
        self.entries = np.zeros((R, S), dtype=np.int64)
        self._visit(init_idx, np.tile(stage0, R))
        self.counts = np.zeros((R, self.SP), dtype=np.int64)
        self._count(init_idx, self.key[init_idx], +1)
        self.scores = np.zeros(total, dtype=np.float32) if self.score else None
        L = self.out.L
        self.mask = np.zeros(total, dtype=np.uint16) if L else None
        self.lift_until = np.zeros((L, total), dtype=np.int16) if L else None
        self.last_eng = np.full((n_triggers, total), -1, dtype=np.int16)

    # -- helpers ------------------------------------------------------------
    def _run(self, idx: np.ndarray) -> np.ndarray:
        return idx // self.nmax

    def _per_run(self, idx: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(self._run(idx), weights=weights, minlength=self.R).astype(np.int64)

    def _count(self, idx: np.ndarray, keys: np.ndarray, sign: int) -> None:
        flat = self._run(idx) * self.SP + keys
        self.counts += sign * np.bincount(flat, minlength=self.R * self.SP).reshape(self.R, self.SP)

    def _visit(self, idx: np.ndarray, stage: np.ndarray) -> None:
        word = stage // 64
        bit = np.left_shift(np.uint64(1), (stage % 64).astype(np.uint64))
        old = self.visited[idx, word]
        first = (old & bit) == 0
        self.visited[idx, word] = old | bit
        flat = self._run(idx[first]) * self.S + stage[first]
        self.entries += np.bincount(flat, minlength=self.R * self.S).reshape(self.R, self.S)

    def _move(self, idx: np.ndarray, stage: np.ndarray, t: int) -> None:
        old = self.key[idx]
        new = (stage * self.P + old % self.P).astype(np.int32)
        self._count(idx, old, -1)
        self._count(idx, new, +1)
        self.key[idx] = new
        self.entered[idx] = t
        self._visit(idx, stage)
        won = self.is_won[stage]
        if won.any():
            self.won_after += np.bincount(t - self.arrived[idx[won]].astype(np.int64), minlength=self.W + 1)

    # -- the week -----------------------------------------------------------
    def step(self, t: int, remaining: np.ndarray) -> None:
        self._decay_and_expire(t)
        if self.score is not None:
            self._qualify_and_hand_off(t, remaining)
        if self.touches:
            self._touchpoints(t, remaining)
        self._moves(t)
        self._arrive(t)

    def _decay_and_expire(self, t: int) -> None:
        if self.scores is not None and self.score is not None and self.score.decay > 0:
            self.scores *= np.float32(1.0 - self.score.decay)
        assert self.lift_until is None or self.mask is not None
        for bit, idx in self.buckets.pop(t, []):
            assert self.lift_until is not None and self.mask is not None
            ended = idx[self.lift_until[bit, idx] < t]
            self.mask[ended] &= np.uint16(~(1 << bit) & 0xFFFF)

    def _touchpoints(self, t: int, remaining: np.ndarray) -> None:
        width = self.W + 2
        # only leads in open stages can be due a send: work on that subset
        live = np.flatnonzero(self.open_key[self.key])
        if live.size == 0:
            return
        base = self.key[live] * width
        stage_k = base + (t - self.entered[live])
        for tp in self.touches:
            if tp.after < 0:
                due = tp.sends[stage_k]
            else:
                last = self.last_eng[tp.after, live]
                due = tp.sends[base + np.where(last < 0, width - 1, t - last.astype(np.int32))]
            hit_due = np.flatnonzero(due)
            if hit_due.size == 0:
                continue
            cand = live[hit_due]
            n = due[hit_due].astype(np.int64)
            if self.capacity[tp.channel] >= 0:
                cand, n = self._within_capacity(cand, n, remaining[tp.channel])
                if cand.size == 0:
                    continue
            runs = self._run(cand)
            sent = np.bincount(runs, weights=n, minlength=self.R).astype(np.int64)
            self.tp_sends[:, tp.index] += sent
            self.ch_touches[:, tp.channel] += sent
            rng = self.rng["engagement"]
            if n.max() == 1:
                got = (rng.random(cand.size) < tp.engagement).astype(np.int64)
            else:
                got = rng.binomial(n, tp.engagement)
            hit = got > 0
            who, got = cand[hit], got[hit]
            if who.size == 0:
                continue
            self.tp_engaged[:, tp.index] += np.bincount(self._run(who), weights=got, minlength=self.R).astype(np.int64)
            if self.scores is not None and tp.points:
                self.scores[who] += np.float32(tp.points) * got
            if tp.trigger_slot >= 0:
                self.last_eng[tp.trigger_slot, who] = t
            if tp.bit >= 0:
                assert self.lift_until is not None and self.mask is not None
                self.lift_until[tp.bit, who] = t + tp.lift_weeks - 1
                self.mask[who] |= np.uint16(1 << tp.bit)
                self.buckets.setdefault(t + tp.lift_weeks, []).append((tp.bit, who))

    def _within_capacity(self, cand: np.ndarray, n: np.ndarray, left: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Leads served this week on a limited channel: a random subset per run, touches <= capacity left."""
        runs = self._run(cand)
        demand = np.bincount(runs, weights=n, minlength=self.R)
        if np.all(demand <= left):
            left -= demand.astype(np.int64)
            return cand, n
        over = (demand > left)[runs]
        keep_all = cand[~over], n[~over]
        cand, n, runs = cand[over], n[over], runs[over]
        # runs are integers and the draws lie in [0, 1): one sort orders by run, then at random
        order = np.argsort(runs + self.rng["capacity"].random(cand.size))
        cand, n, runs = cand[order], n[order], runs[order]
        cum = np.cumsum(n)
        first = np.searchsorted(runs, np.arange(self.R))
        before = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0)
        keep = cum - before[runs] <= left[runs]
        cand = np.concatenate([keep_all[0], cand[keep]])
        n = np.concatenate([keep_all[1], n[keep]])
        left -= np.bincount(self._run(cand), weights=n, minlength=self.R).astype(np.int64)
        back = np.argsort(cand, kind="stable")
        return cand[back], n[back]

    def _qualify_and_hand_off(self, t: int, remaining: np.ndarray) -> None:
        sc = self.score
        assert sc is not None and self.scores is not None
        new = np.flatnonzero((self.scores >= sc.threshold[self.key]) & (self.hold < t))
        if new.size:
            self.hold[new] = BIG
            self.per_week["mqls"][:, t] += self._per_run(new)
            self.queue = np.concatenate([self.queue, new])
            self.queue_since = np.concatenate([self.queue_since, np.full(new.size, t, dtype=np.int32)])
        if self.queue.size == 0:
            return
        runs = self._run(self.queue)
        order = np.argsort(runs, kind="stable")
        first = np.searchsorted(runs[order], np.arange(self.R))
        rank = np.empty(self.queue.size, dtype=np.int64)
        rank[order] = np.arange(self.queue.size) - first[runs[order]]
        if sc.channel >= 0 and self.capacity[sc.channel] >= 0:
            served = rank < remaining[sc.channel][runs]
        else:
            served = np.ones(self.queue.size, dtype=bool)
        who = self.queue[served]
        if who.size:
            per_run = self._per_run(who)
            if sc.channel >= 0:
                remaining[sc.channel] -= np.where(self.capacity[sc.channel] >= 0, per_run, 0)
                self.ch_touches[:, sc.channel] += per_run
            self.per_week["handoffs"][:, t] += per_run
            from_stage = self.key[who] // self.P
            self.handoff_moves += np.bincount(self._run(who) * self.S + from_stage, minlength=self.R * self.S).reshape(
                self.R, self.S
            )
            self._move(who, np.full(who.size, sc.to_stage), t)
            self.hold[who] = t
            self.scores[who] = 0.0
        waiting = ~served
        self.queue, self.queue_since = self.queue[waiting], self.queue_since[waiting]
        q = self.c.causes.index("sales queue")
        fresh = self.queue[self.queue_since == t]
        self.stall_starts[:, q] += self._per_run(fresh)
        waiting_now = self._per_run(self.queue)
        self.stall_weeks[:, q] += waiting_now
        self.per_week["queue"][:, t] = waiting_now

    def _moves(self, t: int) -> None:
        out, c = self.out, self.c
        row = self.key if out.L == 0 else (self.key << out.L) | self.mask
        u = self.rng["moves"].random(self.key.size, dtype=np.float32)
        movers = np.flatnonzero((u < out.exit[row]) & (self.hold < t))
        if movers.size == 0:
            return
        u = u[movers]
        oc = (u[:, None] >= out.cum[row[movers]]).sum(axis=1)
        stage = self.key[movers] // self.P
        kind = c.out_kind[stage, oc]
        gate = c.out_gate[stage, oc]
        if self.gates and (gate >= 0).any():
            closed = np.zeros(movers.size, dtype=bool)
            for g in np.unique(gate[gate >= 0]):
                sel = np.flatnonzero(gate == g)
                closed[sel] = ~self._gate_holds(int(g), movers[sel])
            keep = ~closed
            movers, stage, kind, oc = movers[keep], stage[keep], kind[keep], oc[keep]
        st = kind == KIND_STALL
        if st.any():
            self._stall(movers[st], c.out_stall[stage[st], oc[st]], t)
        mv = kind == KIND_MOVE
        if mv.any():
            who, edge = movers[mv], c.out_edge[stage[mv], oc[mv]]
            self.edge_moves += np.bincount(
                self._run(who) * len(c.journey.transitions) + edge, minlength=self.edge_moves.size
            ).reshape(self.edge_moves.shape)
            self._move(who, c.out_target[stage[mv], oc[mv]], t)

    def _gate_holds(self, g: int, idx: np.ndarray) -> np.ndarray:
        gt, b, N = self.gates[g], self.b, self.nmax
        local = idx % N
        first = (local // b) * b
        members = first[:, None] + np.arange(b)[None, :]
        valid = members < N
        slots = (idx - local)[:, None] + np.where(valid, members, 0)
        keys = np.where(valid, self.key[slots], self.SP)
        total = gt.weight[keys].sum(axis=1)
        share = np.where(total > 0, gt.ready_w[keys].sum(axis=1) / np.where(total > 0, total, 1.0), 0.0)
        ok = share >= gt.min_share
        for role in gt.role_ready:
            ok &= role[keys].any(axis=1)
        return ok

    def _stall(self, who: np.ndarray, stall: np.ndarray, t: int) -> None:
        rng = self.rng["durations"]
        d = np.zeros(who.size, dtype=np.int64)
        for k in np.unique(stall):
            sel = stall == k
            dur = self.c.journey.stalls[int(k)].duration
            if dur.kind == "fixed":
                d[sel] = int(dur.weeks or 1)
            elif dur.kind == "uniform":
                d[sel] = rng.integers(int(dur.min or 1), int(dur.max or dur.min or 1) + 1, size=int(sel.sum()))
            else:
                d[sel] = rng.geometric(1.0 / float(dur.mean or 1.0), size=int(sel.sum()))
        self.hold[who] = np.minimum(t + d, BIG - 1)
        cause = self.cause_of_stall[stall]
        flat = self._run(who) * len(self.c.causes) + cause
        size = self.R * len(self.c.causes)
        self.stall_starts += np.bincount(flat, minlength=size).reshape(self.stall_starts.shape)
        self.stall_weeks += (
            np.bincount(flat, weights=np.minimum(d, self.W - t), minlength=size)
            .astype(np.int64)
            .reshape(self.stall_weeks.shape)
        )

    def _arrive(self, t: int) -> None:
        if self.entry.size == 0:
            return
        seg = self.arrivals[:, t, :].ravel()
        total = int(seg.sum())
        if total == 0:
            return
        run_base = np.arange(self.R) * self.nmax + self.start[:, t]
        within = np.cumsum(self.arrivals[:, t, :], axis=1) - self.arrivals[:, t, :]
        seg_start = (run_base[:, None] + within).ravel()
        offsets = np.cumsum(seg) - seg
        idx = np.repeat(seg_start - offsets, seg) + np.arange(total)
        stage = np.repeat(np.tile(self.entry, self.R), seg)
        self.key[idx] = (stage * self.P + self.key[idx] % self.P).astype(np.int32)
        self.entered[idx] = t
        self.arrived[idx] = t
        self.hold[idx] = t
        self._visit(idx, stage)
        self._count(idx, self.key[idx], +1)


def simulate(
    journey: Journey,
    leads: int | None = None,
    weeks: int | None = None,
    runs: int = 20,
    seed: int = 0,
    ignore: tuple[str, ...] | list[str] = (),
    progress: Callable[[int, int], Any] | None = None,
    cancel: Cancel | None = None,
    memory_limit: int | None = None,
) -> SimResult:
    """Simulate the journey's leads with the Monte Carlo engine (docs/simulation.md)."""
    ignore = tuple(ignore)
    W = check_weeks(weeks, journey)
    R = check_runs(runs)
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise SimulationError(f"seed must be a whole number >= 0, not {seed!r}")
    c = compile_journey(journey, ignore, leads)
    _check_memory(c, W, R, memory_limit)
    eng = Engine(c, W, R, int(seed))
    record = np.empty((W + 1, R, c.SP), dtype=np.int64)
    record[0] = eng.counts
    for t in range(1, W + 1):
        if cancel is not None and cancel.is_set():
            raise SimulationCancelled()
        remaining = np.repeat(np.maximum(eng.capacity, 0)[:, None], R, axis=1)
        eng.step(t, remaining)
        record[t] = eng.counts
        if progress is not None:
            progress(t, W)
    settings = {"leads": int(c.initial.sum()), "weeks": W, "runs": R, "seed": int(seed), "ignore": list(ignore)}
    return summarise(eng, record, settings)
