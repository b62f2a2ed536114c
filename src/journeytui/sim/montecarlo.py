"""The Monte Carlo engine: every lead of every run as numpy arrays, one vectorised step per week.

Leads of all runs live in flat arrays of R x Nmax slots (run r owns slots
r*Nmax .. (r+1)*Nmax - 1; slots of leads that have not arrived yet hold a 'not
arrived' key). The weekly step follows docs/simulation.md event by event.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from journeytui.model.types import MAX_WEEKS, Journey
from journeytui.sim.channels import ChannelSteps
from journeytui.sim.compile import KIND_MOVE, KIND_NONE, KIND_STALL, Compiled, check_runs, check_weeks, compile_journey
from journeytui.sim.counts import (
    MAX_STATES,
    StateSpace,
    run_counts,
    run_record,
    stage_totals,
    state_space,
    unsupported,
)
from journeytui.sim.counts import cost as count_cost
from journeytui.sim.counts import cost_floor as count_cost_floor
from journeytui.sim.counts import estimate_memory as count_memory
from journeytui.sim.errors import ResourceLimit, SimulationCancelled, SimulationError
from journeytui.sim.kpis import summarise
from journeytui.sim.limits import duration, gib, memory_limit, time_budget
from journeytui.sim.results import SimResult
from journeytui.sim.state import BIG, NEVER
from journeytui.sim.tables import due_table, gate_tables, outcome_table, score_table, touch_tables
from journeytui.sim.tallies import GateHolds
from journeytui.sim.weekly import WeekLog

CHUNK = 1 << 20
"""Leads scheduled per batch: bounds the temporaries of a scheduling pass."""

STREAMS = ("layout", "arrivals", "moves", "durations", "capacity", "engagement")


class Cancel(Protocol):
    def is_set(self) -> bool: ...


class Recorder(Protocol):
    """Receives a per-lead run's stage entries week by week (``simulate(recorder=...)``; calibrate/synth.py):
    the week (0: the initial cohort), the lead slots that entered a stage in it, and their keys
    (stage * P + persona, canonical order)."""

    def __call__(self, week: int, slots: np.ndarray, keys: np.ndarray) -> None: ...


def _max_arrivals(c: Compiled, weeks: int) -> int:
    lam = float(c.arrivals.sum()) * weeks
    return math.ceil(lam + 6.0 * math.sqrt(lam) + 10) if lam > 0 else 0


def bytes_per_slot(c: Compiled) -> int:
    """Bytes of state and weekly temporaries per lead slot (see docs/simulation.md).

    Temporaries are counted as if every lead were due at once (an upper bound).
    """
    j = c.journey
    S = c.S
    n = 4 + 2 + 2 + 2  # key, hold, arrival week, week of the next outcome
    n += next(b for b in (1, 2, 4, 8) if 8 * b >= S) if S <= 64 else 8 * ((S + 63) // 64)  # stages visited
    n += 1 + 40  # the weekly scan for leads due an outcome, and the arrays of those leads
    if j.scoring is not None:
        n += 4 + 1 + 8  # score; the weekly scan for MQLs
    lifts = sum(1 for tp in j.touchpoints if tp.lift)
    if lifts:
        n += 2 + 2 * min(lifts, 16) + 8  # lift mask, lift ends, expiry lists
    if j.touchpoints:
        triggers = len({tp.schedule.after for tp in j.touchpoints if tp.schedule.after})
        n += 8 + 8 + 2 * triggers + 40  # entry week index, live list, last engagements, weekly arrays
    return n


def estimate_memory(c: Compiled, weeks: int, runs: int) -> tuple[int, int]:
    """(bytes, slots) a Monte Carlo run would need."""
    slots = runs * (int(c.initial.sum()) + _max_arrivals(c, weeks))
    record = (weeks + 1) * runs * c.SP * 8 * 2
    return slots * bytes_per_slot(c) + record, slots


def _check_budget(need: int, runs: int, c: Compiled, limit: int | None) -> None:
    """Refuse a count-engine run needing more than the memory limit (or `limit`), before allocating."""
    lim = memory_limit()
    budget = lim.bytes if limit is None else limit
    if need <= budget:
        return
    fit_runs = budget // max(1, need // runs)
    hint = f"use at most {fit_runs:,} runs" if fit_runs >= 1 else "forecast fewer weeks"
    raise ResourceLimit(
        f"a Monte Carlo run (count engine) would need {gib(need)} of memory (limit {gib(budget)})",
        f"{hint}, or use the exact forecast",
        needed=need,
        limit=budget,
    )


def _check_memory(c: Compiled, weeks: int, runs: int, limit: int | None) -> None:
    need, slots = estimate_memory(c, weeks, runs)
    lim = memory_limit()
    budget = lim.bytes if limit is None else limit
    if need <= budget and slots < 2**31 - 1:
        _check_time(slots, weeks)
        return
    per_run = max(1, need // runs)
    fit_runs = budget // per_run
    if fit_runs >= 1 and slots // runs < 2**31 - 1:
        hint = f"use at most {fit_runs:,} runs"
    else:
        leads = int(c.initial.sum())
        hint = f"use fewer leads (about {max(1, int(leads * budget / per_run)):,} fit in one run)"
    raise ResourceLimit(
        f"a Monte Carlo run with {slots:,} lead slots needs about {gib(need)} of memory "
        f"(limit {gib(budget)}{', from ' + lim.source if limit is None else ''})",
        f"{hint}, or use the exact forecast",
        needed=float(need),
        limit=float(budget),
    )


SLOT_WEEK_S = 4e-9
"""Seconds per lead slot per week on the reference machine (the plain chain; bench/bench_sim.py)."""


def _check_time(slots: int, weeks: int) -> None:
    """Refuse runs whose lower-bound time (slots x weeks at the plain chain's speed) exceeds the budget."""
    seconds = slots * weeks * SLOT_WEEK_S
    if seconds > time_budget():
        raise ResourceLimit(
            f"a Monte Carlo run with {slots:,} lead slots over {weeks:,} weeks would take at least "
            f"{duration(seconds)} (limit {duration(time_budget())}, JOURNEYTUI_TIME_BUDGET raises it)",
            "use fewer runs, leads or weeks, or the exact forecast",
            needed=seconds,
            limit=time_budget(),
        )


class Engine(ChannelSteps):
    """One Monte Carlo simulation: state arrays, the weekly step, and counters for the KPIs.

    Moves are event driven. A lead's weekly outcome (competing risks, docs/simulation.md)
    has a fixed chance ``exit`` of being anything other than staying while its stage,
    persona and active lifts stay the same, so the week of its next outcome is geometric:
    ``next_draw`` holds that week and the outcome itself is drawn in that week, conditional
    on not staying. Whenever what the chances depend on changes (a move, a stall, a hand-off,
    a lift starting or ending), the wait is drawn afresh from the current week on, which the
    memoryless geometric law makes equivalent to drawing every week. The weekly step then
    touches only the leads that move, engage or are due a send.
    """

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
        self.due = due_table(self.touches) if self.touches else None
        self.score = score_table(c)
        self.min_threshold = float(self.score.threshold.min()) if self.score is not None else math.inf
        chans = c.journey.channels
        self.capacity = np.array([ch.capacity if ch.capacity is not None else -1 for ch in chans], dtype=np.int64)
        self.b = c.account_size or 1
        self.is_won = np.array([k == "won" for k in c.kinds] + [False])
        self.open_key = np.repeat(np.array([k == "open" for k in c.kinds] + [False]), self.P)
        self.pending: list[np.ndarray] = []
        self.has_gates = bool(self.gates) and bool((self.out.code_gate >= 0).any())
        self.gate_holds = [GateHolds.empty(len(gt.role_ready), runs, weeks) for gt in self.gates]
        E = len(c.journey.transitions)
        self.edge_moves = np.zeros((runs, E), dtype=np.int64)
        self.handoff_moves = np.zeros((runs, S), dtype=np.int64)
        self.stall_starts = np.zeros((runs, len(c.causes)), dtype=np.int64)
        self.stall_weeks = np.zeros((runs, len(c.causes)), dtype=np.int64)
        self.cause_of_stall = np.array([c.causes.index(x) for x in c.stall_cause], dtype=np.int64)
        self.per_week = {k: np.zeros((runs, weeks + 1), dtype=np.int64) for k in ("mqls", "handoffs", "queue")}
        self.won_after = np.zeros(weeks + 1, dtype=np.int64)
        self.log = WeekLog(weeks, S)
        self.tp_sends = np.zeros((runs, len(c.journey.touchpoints)), dtype=np.int64)
        self.tp_engaged = np.zeros((runs, len(c.journey.touchpoints)), dtype=np.int64)
        self.ch_touches = np.zeros((runs, len(chans)), dtype=np.int64)
        self.queue = np.zeros(0, dtype=np.int64)
        self.queue_since = np.zeros(0, dtype=np.int32)
        self.buckets: dict[int, list[tuple[int, np.ndarray]]] = {}
        self._layout(n_triggers)

    # -- set-up -------------------------------------------------------------
    def _place(self) -> None:
        """Arrivals per run, week and entry stage, and every slot's key: its persona (and
        account seat), in the 'not arrived' stage S except the initial cohort's, in its stage."""
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
        # keys start as 'not arrived' (stage S) with the lead's persona; built run by run in
        # blocks, so no temporary spans the whole population
        self.key = np.empty(total, dtype=np.int32)
        key2 = self.key.reshape(R, N)
        cdf = np.cumsum(c.weights)[:-1].astype(np.float32)
        pattern = c.pattern.astype(np.int32)
        rows = max(1, CHUNK // N)
        seats = -(-N // self.b)  # accounts per run, the last one possibly partial
        for r0 in range(0, R, rows):
            block = key2[r0 : r0 + rows]
            if c.account_size:
                # every account holds the same members (c.pattern); they appear in random order,
                # so each lead, initial or arriving in any week, has one account's persona shares
                members = np.broadcast_to(pattern, (block.shape[0], seats, self.b)).copy()
                self.rng["layout"].permuted(members, axis=2, out=members)
                block[:] = members.reshape(block.shape[0], -1)[:, :N]
            elif P > 1:
                u = self.rng["layout"].random(block.shape, dtype=np.float32)
                block[:] = 0
                for edge in cdf:
                    block += u >= edge
            else:
                block[:] = 0
            block += S * P
        stage0 = np.repeat(np.arange(S, dtype=np.int32), c.initial)
        key2[:, :n0] += (stage0 - S) * P  # the initial cohort: the first n0 slots of every run
        self.entries = np.tile(c.initial.astype(np.int64), (R, 1))

    def _layout(self, n_triggers: int) -> None:
        c, R, S, P = self.c, self.R, self.S, self.P
        n0 = int(c.initial.sum())
        self._place()
        N, total, key2 = self.nmax, R * self.nmax, self.key.reshape(R, self.nmax)
        stage0 = np.repeat(np.arange(S, dtype=np.int32), c.initial)
        init = key2[:, :n0]  # the initial cohort: the first n0 slots of every run
        self.hold = np.zeros(total, dtype=np.int16)
        self.arrived = np.zeros(total, dtype=np.int16)
        self.next_draw = np.full(total, NEVER, dtype=np.int16)
        # stages ever visited, one bit per stage: a 1-D array of the smallest fitting type up to 64 stages
        vtype = (
            next(d for d in (np.uint8, np.uint16, np.uint32, np.uint64) if 8 * np.dtype(d).itemsize >= S)
            if S <= 64
            else np.uint64
        )
        self.visited = np.zeros(total, dtype=vtype) if S <= 64 else np.zeros((total, (S + 63) // 64), dtype=np.uint64)
        self.stage_bit = (np.uint64(1) << (np.arange(S + 1, dtype=np.uint64) % np.uint64(64))).astype(vtype)
        if S <= 64:
            self.visited.reshape(R, N)[:, :n0] = self.stage_bit[stage0]
        else:
            self.visited.reshape(R, N, -1)[:, np.arange(n0), stage0 // 64] = self.stage_bit[stage0]
        self.counts = np.zeros((R, self.SP), dtype=np.int64)
        self.scores = np.zeros(total, dtype=np.float32) if self.score else None
        L = self.out.L
        self.mask = np.zeros(total, dtype=np.uint16) if L else None
        self.lift_until = np.zeros((L, total), dtype=np.int16) if L else None
        self.last_eng = np.full((n_triggers, total), -1, dtype=np.int16)
        nd2 = self.next_draw.reshape(R, N)
        rows = max(1, CHUNK // max(n0, 1))
        for r0 in range(0, R, rows):
            block = init[r0 : r0 + rows]
            self.counts[r0 : r0 + rows] = np.bincount(
                (block + (np.arange(block.shape[0], dtype=np.int32) * self.SP)[:, None]).ravel(),
                minlength=block.shape[0] * self.SP,
            ).reshape(-1, self.SP)
            # no lift is active yet; leads in closed stages have exit 0 and get NEVER
            nd2[r0 : r0 + rows, :n0] = self._wait(block.ravel() << L, 1).reshape(block.shape)
        # leads in open stages, in slot order, for the steps that look at every live lead (touchpoints)
        self.act = np.flatnonzero(self.open_key[self.key]) if self.touches else np.zeros(0, dtype=np.int64)
        # with touchpoints, per lead key * (W + 2) - the week it entered its stage: plus t, the
        # index of (key, weeks since entry) in the touchpoint tables. Initial leads entered at week 0.
        self.width = self.W + 2
        wide = (S + 1) * P * self.width >= 2**31 - 1
        self.since0 = self.key.astype(np.int64 if wide else np.int32) * self.width if self.touches else None

    # -- the week -----------------------------------------------------------
    def step(self, t: int, remaining: np.ndarray) -> None:
        self._decay_and_expire(t)
        if self.score is not None:
            self._qualify_and_hand_off(t, remaining)
        if self.touches:
            self._touchpoints(t, remaining)
        if self.pending:
            # a lead listed twice is drawn twice and keeps the last draw: still a fresh draw
            changed = np.concatenate(self.pending)
            self.pending = []
            self._schedule(changed, t)
        self._moves(t)
        self._arrive(t)

    def _moves(self, t: int) -> None:
        """Step 4 for the leads whose outcome falls this week: which outcome, given not staying."""
        out, R = self.out, self.R
        due = self._due(t)
        if due.size == 0:
            return
        key = self.key[due]
        row = key if out.L == 0 else self._rows(due)
        u = self.rng["moves"].random(due.size, dtype=np.float32)
        code = key.astype(np.int64) * out.K
        for col in out.cond:
            code += u >= col[row]
        kind = out.code_kind[code]
        new_key = out.code_key[code]
        if self.has_gates:
            gate = out.code_gate[code]
            for g in range(len(self.gates)):
                sel = np.flatnonzero(gate == g)
                if sel.size == 0:
                    continue
                ok, missing, short = self._gate_check(int(g), due[sel])
                held = ~ok
                shut = sel[held]
                kind[shut] = KIND_NONE  # the gated move is blocked: the lead stays
                new_key[shut] = key[shut]
                if shut.size:
                    self._record_holds(g, t, due[shut], [m[held] for m in missing], short[held])
        first = np.full(due.size, t + 1, dtype=np.float32)
        st = np.flatnonzero(kind == KIND_STALL)
        if st.size:
            # after a stall of d weeks the lead draws again from week t + d + 1
            first[st] += np.minimum(self._stall(due[st], out.code_stall[code[st]], t), 2 * MAX_WEEKS)
        mv = np.flatnonzero(kind == KIND_MOVE)
        if mv.size:
            who, cm = due[mv], code[mv]
            run = self._run(who)
            KC = out.code_kind.size
            per_code = np.bincount(self._flat(run, cm, KC), minlength=R * KC).reshape(R, KC)
            used = np.flatnonzero(per_code.any(axis=0))
            m = per_code[:, used]
            np.add.at(self.counts.T, out.code_key[used], m.T)
            np.add.at(self.counts.T, used // out.K, -m.T)
            np.add.at(self.edge_moves.T, out.code_edge[used], m.T)
            edge = out.code_edge[used]
            self.log.moves(t, (used // out.K) // self.P, out.code_stage[used], m.sum(axis=0), self.c.regression[edge])
            stage = out.code_stage[cm]
            self.key[who] = new_key[mv]
            self._entered(who, new_key[mv], t)
            self._visit(who, stage, run)
            won = np.flatnonzero(self.is_won[stage])
            if won.size:
                self.won_after += np.bincount(t - self.arrived[who[won]].astype(np.int64), minlength=self.W + 1)
        self.next_draw[due] = self._wait(new_key if out.L == 0 else self._rows(due), first)

    def _gate_holds(self, g: int, idx: np.ndarray) -> np.ndarray:
        return self._gate_check(g, idx)[0]

    def _gate_check(self, g: int, idx: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
        """Whether gate g holds for the accounts of leads idx; and why not: per required role
        whether no member of that role is ready, and whether the ready share is below min_share."""
        gt, b, N = self.gates[g], self.b, self.nmax
        local = idx % N
        first = (local // b) * b
        members = first[:, None] + np.arange(b)[None, :]
        valid = members < N
        slots = (idx - local)[:, None] + np.where(valid, members, 0)
        keys = np.where(valid, self.key[slots], self.SP)
        total = gt.weight[keys].sum(axis=1)
        share = np.where(total > 0, gt.ready_w[keys].sum(axis=1) / np.where(total > 0, total, 1.0), 0.0)
        short = share < gt.min_share
        missing: list[np.ndarray] = [np.logical_not(role[keys].any(axis=1)) for role in gt.role_ready]
        ok = ~short
        for m in missing:
            ok &= ~m
        return ok, missing, short

    def _accounts(self, idx: np.ndarray) -> np.ndarray:
        """Account numbers of leads, unique across runs (run r owns nmax // b + 1 of them)."""
        return self._run(idx) * (self.nmax // self.b + 1) + (idx % self.nmax) // self.b

    def _record_holds(self, g: int, t: int, idx: np.ndarray, missing: list[np.ndarray], short: np.ndarray) -> None:
        """Count the accounts (per run) whose leads were held at gate g this week, and why."""
        h = self.gate_holds[g]
        if h.ever.size == 0:
            h.allocate(self.R * (self.nmax // self.b + 1))
        acc = self._accounts(idx)
        week = np.zeros(h.ever.size, dtype=bool)
        week[acc] = True
        h.per_week[:, t] = week.reshape(self.R, -1).sum(axis=1)
        h.ever[acc] = True
        for k, m in enumerate(missing):
            h.ever_missing[k][acc[m]] = True
        h.ever_short[acc[short]] = True

    def _stall(self, who: np.ndarray, stall: np.ndarray, t: int) -> np.ndarray:
        """Put leads on hold; returns the durations drawn."""
        rng = self.rng["durations"]
        d = np.zeros(who.size, dtype=np.int64)
        for k, st in enumerate(self.c.journey.stalls):
            sel = np.flatnonzero(stall == k)
            if sel.size == 0:
                continue
            dur = st.duration
            if dur.kind == "fixed":
                d[sel] = int(dur.weeks or 1)
            elif dur.kind == "uniform":
                d[sel] = rng.integers(int(dur.min or 1), int(dur.max or dur.min or 1) + 1, size=sel.size)
            else:
                d[sel] = rng.geometric(1.0 / float(dur.mean or 1.0), size=sel.size)
        self.hold[who] = np.minimum(t + d, BIG - 1)
        self.log.holds(t, self.key[who] // self.P, d)
        cause = self.cause_of_stall[stall]
        flat = self._flat(self._run(who), cause, len(self.c.causes))
        size = self.R * len(self.c.causes)
        self.stall_starts += np.bincount(flat, minlength=size).reshape(self.stall_starts.shape)
        self.stall_weeks += (
            np.bincount(flat, weights=np.minimum(d, self.W - t), minlength=size)
            .astype(np.int64)
            .reshape(self.stall_weeks.shape)
        )
        return d

    def _arrive(self, t: int) -> None:
        if self.entry.size == 0:
            return
        seg = self.arrivals[:, t, :].ravel()
        total = int(seg.sum())
        if total == 0:
            return
        self.log.arrivals(t, self.entry, self.arrivals[:, t, :].sum(axis=0))
        run_base = np.arange(self.R) * self.nmax + self.start[:, t]
        within = np.cumsum(self.arrivals[:, t, :], axis=1) - self.arrivals[:, t, :]
        seg_start = (run_base[:, None] + within).ravel()
        offsets = np.cumsum(seg) - seg
        idx = np.repeat(seg_start - offsets, seg) + np.arange(total)
        stage = np.repeat(np.tile(self.entry, self.R), seg)
        keys = (stage * self.P + self.key[idx] % self.P).astype(np.int32)
        self.key[idx] = keys
        self._entered(idx, keys, t)
        self.arrived[idx] = t
        self.hold[idx] = t
        self._visit(idx, stage)
        self._count(idx, self.key[idx], +1)
        idx = idx[self.open_key[self.key[idx]]]
        self._schedule(idx, t + 1)
        if self.touches:  # keep act in slot order (the touchpoint step relies on it)
            self.act = np.insert(self.act, np.searchsorted(self.act, idx), idx)


ENGINES = ("auto", "counts", "leads")
"""`engine=` choices: pick automatically, or force the count or the per-lead engine."""

CELL_COST = 100.0
"""One multinomial draw of the count engine (a state of a run in a week) costs about this
many lead-weeks of the per-lead engine: bench/bench_sim.py measured 0.68 us per draw
against 7.4 ns per lead-week on the flagship's plain chain. `auto` picks the cheaper."""


def choose_engine(c: Compiled, weeks: int, runs: int, engine: str = "auto") -> StateSpace | None:
    """The count engine's state space when it should run, else None (the per-lead engine).

    `auto` uses the count engine when it models the journey (counts.unsupported) and its
    estimated cost is below the per-lead engine's; `counts` requires it (SimulationError
    naming what it cannot model); `leads` never uses it.
    """
    if engine not in ENGINES:
        raise SimulationError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "leads":
        return None
    why = unsupported(c)
    lead_weeks = runs * weeks * (float(c.initial.sum()) + float(c.arrivals.sum()) * weeks)
    if engine == "auto" and (why or count_cost_floor(c, weeks, runs) * CELL_COST > lead_weeks):
        return None  # not modelled, or dearer even with the fewest states: skip building them
    sp = None if why else state_space(c)
    if sp is None:
        if engine == "counts":
            reason = why or f"more than {MAX_STATES:,} states, or too many stages on cycles for so many states"
            raise SimulationError(f"the count engine cannot run this journey ({reason}); use engine 'leads' or 'auto'")
        return None
    if engine == "counts":
        return sp
    return sp if count_cost(sp, c, weeks, runs) * CELL_COST <= lead_weeks else None


def _prepare(
    journey: Journey,
    leads: int | None,
    weeks: int | None,
    runs: int,
    seed: int,
    ignore: tuple[str, ...],
    memory_limit: int | None,
    engine: str,
) -> tuple[Compiled, int, int, StateSpace | None]:
    """Check the settings, compile, and pick the engine (the count engine's states, or None)."""
    W = check_weeks(weeks, journey)
    R = check_runs(runs)
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool) or seed < 0:
        raise SimulationError(f"seed must be a whole number >= 0, not {seed!r}")
    c = compile_journey(journey, ignore, leads)
    sp = choose_engine(c, W, R, engine)
    if sp is not None:
        _check_budget(count_memory(sp, c, W, R), R, c, memory_limit)
    return c, W, R, sp


def simulate_stage_counts(
    journey: Journey, leads: int | None = None, weeks: int | None = None, runs: int = 20, seed: int = 0
) -> tuple[list[str], np.ndarray] | None:
    """When ``simulate`` (engine auto, nothing ignored) would run the count engine: the stage
    ids and its leads per (week, run, stage), from the same draws, without the KPIs (a sweep
    scenario needs only these; summarising costs a fifth of a small run). Else None."""
    c, W, R, sp = _prepare(journey, leads, weeks, runs, seed, (), None, "auto")
    if sp is None:
        return None
    _, record = run_record(c, sp, W, R, int(seed))
    return list(c.stage_ids), stage_totals(record, c.S, c.P)


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
    engine: str = "auto",
    recorder: Recorder | None = None,
) -> SimResult:
    """Simulate the journey's leads with a Monte Carlo engine (docs/simulation.md).

    ``engine``: "auto" (default) runs the count engine when it models the journey and is
    cheaper, else the per-lead engine; "counts" or "leads" force one. Both give the same
    distribution; ``SimResult.mc_engine`` says which ran. ``recorder`` (engine "leads" only)
    receives every stage entry (:class:`Recorder`, :func:`_record`).
    """
    if recorder is not None and engine != "leads":
        raise SimulationError("recording stage entries needs the per-lead engine (engine 'leads')")
    ignore = tuple(ignore)
    c, W, R, sp = _prepare(journey, leads, weeks, runs, seed, ignore, memory_limit, engine)
    settings = {"leads": int(c.initial.sum()), "weeks": W, "runs": R, "seed": int(seed), "ignore": list(ignore)}
    if sp is not None:
        return run_counts(c, sp, W, R, int(seed), settings, progress, cancel)
    _check_memory(c, W, R, memory_limit)
    if recorder is not None:  # the compiled engine cannot record: the numpy engine (synth's one run)
        return run_numpy(c, W, R, int(seed), settings, progress, cancel, recorder)
    return run_leads(c, W, R, int(seed), settings, progress, cancel)


KERNEL_LEAD_WEEKS = 20_000_000
"""From this many lead-weeks (slots x weeks x runs) on, the per-lead engine runs compiled
(sim/leadkernel.py); below, the numpy engine runs. Importing numba and loading the cached kernel
costs about half a second (the flagship's own forecast, 9.7M lead-weeks: numpy 0.33 s, compiled
0.44 s with the load; 27.8M: 0.93 s against 0.53 s), and the first compiled run on a machine
compiles the kernel for about 12 s: the app's forecasts of ordinary journeys stay below this,
so a fresh install never waits for the compiler to show one. The choice depends only on the
run (never on whether the kernel is cached), so a seed gives the same sample every time."""


def run_leads(
    c: Compiled,
    W: int,
    R: int,
    seed: int,
    settings: dict[str, Any],
    progress: Callable[[int, int], Any] | None = None,
    cancel: Cancel | None = None,
    compiled: bool | None = None,
) -> SimResult:
    """The per-lead engine: compiled (leadkernel) when ``compiled`` (None: when the run is
    large enough, numba imports and the kernel models the journey), else numpy (`Engine`).
    Both give the same distribution; a seed's sample differs between them."""
    if compiled is not False:
        from journeytui.sim import leadrun

        lead_weeks = R * W * (int(c.initial.sum()) + _max_arrivals(c, W))
        kern = leadrun.load_kernel() if compiled or lead_weeks >= KERNEL_LEAD_WEEKS else None
        if compiled and kern is None:
            raise SimulationError("the compiled per-lead engine needs numba")
        if kern is not None:
            fast = leadrun.FastEngine(c, W, R, seed)
            why = leadrun.unsupported_engine(fast)
            if why is None:
                record = np.empty((W + 1, R, c.SP), dtype=np.int64)
                fast.run(kern, seed, record, progress, cancel)
                return summarise(fast, record, settings)
            if compiled:
                raise SimulationError(f"the compiled per-lead engine cannot run this journey ({why})")
    return run_numpy(c, W, R, seed, settings, progress, cancel)


def run_numpy(
    c: Compiled,
    W: int,
    R: int,
    seed: int,
    settings: dict[str, Any],
    progress: Callable[[int, int], Any] | None = None,
    cancel: Cancel | None = None,
    recorder: Recorder | None = None,
) -> SimResult:
    """The numpy per-lead engine (`Engine`): every lead of every run stepped week by week."""
    record = np.empty((W + 1, R, c.SP), dtype=np.int64)
    return summarise(numpy_engine(c, W, R, seed, record, progress, cancel, recorder), record, settings)


def numpy_engine(
    c: Compiled,
    W: int,
    R: int,
    seed: int,
    record: np.ndarray,
    progress: Callable[[int, int], Any] | None = None,
    cancel: Cancel | None = None,
    recorder: Recorder | None = None,
) -> Engine:
    """Run the numpy engine, leads per key after each week into `record` (W + 1, R, SP); ``recorder``
    receives every stage entry (:func:`_record`)."""
    eng = Engine(c, W, R, seed)
    record[0] = eng.counts
    seen = _record(recorder, eng, 0, None) if recorder is not None else None  # stage entries: synth only
    for t in range(1, W + 1):
        if cancel is not None and cancel.is_set():
            raise SimulationCancelled()
        remaining = np.repeat(np.maximum(eng.capacity, 0)[:, None], R, axis=1)
        eng.step(t, remaining)
        record[t] = eng.counts
        if recorder is not None:
            seen = _record(recorder, eng, t, seen)
        if progress is not None:
            progress(t, W)
    return eng


def _record(recorder: Recorder, eng: Engine, t: int, before: np.ndarray | None) -> np.ndarray:
    """Pass week t's stage entries to ``recorder`` and return the keys to compare with next week.

    The entries are the slots whose key changed during the week (week 0: the slots holding a
    lead). Each step moves a lead at most once (a hand-off schedules the lead's next draw for
    the next week; arrivals are new slots) and a key changes only with the stage, so the
    change is exactly the week's entries, whatever the step does inside."""
    slots = np.flatnonzero(eng.key < eng.SP if before is None else eng.key != before)
    recorder(t, slots, eng.key[slots])
    return eng.key.copy()
