"""The compiled per-lead engine's driver: tables for :mod:`journeytui.sim.leadkernel`, runs one by one.

:class:`FastEngine` lays out the leads as :class:`journeytui.sim.montecarlo.Engine` does (the
same layout and arrival draws for a seed), keeps one run's lead state at a time, and hands the
finished counters to :func:`journeytui.sim.kpis.summarise` under the numpy engine's names.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from types import ModuleType
from typing import Any

import numpy as np

from journeytui.model.types import MAX_WEEKS
from journeytui.sim.errors import SimulationCancelled
from journeytui.sim.montecarlo import STREAMS, Cancel, Engine
from journeytui.sim.state import BIG
from journeytui.sim.tables import TouchTable

BLOCK_LEAD_WEEKS = 4_000_000
"""Lead-weeks per kernel call: between calls the run checks `cancel` and reports progress."""

MAX_TOUCHPOINTS = 63
"""Touchpoints the kernel handles (one bit each in a 64-bit word)."""


MAX_THREADS = 64
"""The most threads JOURNEYTUI_THREADS may ask for (each holds a run's lead state; more than the
CPUs gain nothing)."""


def threads() -> int:
    """Threads running runs side by side: JOURNEYTUI_THREADS (a whole number from 1, at most
    MAX_THREADS; anything else is ignored), else the CPUs this process may use (at most 2 by
    default: the app keeps a core). Results do not depend on it."""
    env = os.environ.get("JOURNEYTUI_THREADS", "").strip()
    if env.isascii() and env.isdigit():  # ASCII: "²" passes isdigit() but not int()
        digits = env.lstrip("0")
        if digits:
            return MAX_THREADS if len(digits) > 4 else min(int(digits), MAX_THREADS)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(2, cpus))


def load_kernel() -> ModuleType | None:
    """The compiled kernel module, or None when numba is missing or fails to import (the numpy
    engine runs instead)."""
    try:
        from journeytui.sim import leadkernel
    except Exception:  # ImportError, or llvmlite/numba failing as they load (OSError, SystemError, ...)
        return None
    return leadkernel


def _scale(p: float) -> float:
    """-1 / log(1 - p): a standard exponential times it, floored, is a geometric count of failures
    before a success of chance p (0 when p >= 1; inf when p <= 0: never)."""
    return math.inf if p <= 0.0 else 0.0 if p >= 1.0 else -1.0 / math.log1p(-p)


def unsupported(touches: list[TouchTable]) -> str | None:
    """Why the kernel cannot run these touchpoints (None: it can)."""
    if len(touches) > MAX_TOUCHPOINTS:
        return f"more than {MAX_TOUCHPOINTS} touchpoints"
    return None


def unsupported_engine(eng: Engine) -> str | None:
    """Why the kernel cannot run this engine's journey (None: it can).

    A touchpoint triggered by another on a limited channel listed before it needs that
    touchpoint's engagements of this week before its own sends (the kernel draws a limited
    touchpoint's engagements after its pass over the leads)."""
    why = unsupported(eng.touches)
    if why:
        return why
    for j, tp in enumerate(eng.touches):
        if tp.after < 0:
            continue
        for i in range(j):
            trig = eng.touches[i]
            if trig.trigger_slot == tp.after and eng.capacity[trig.channel] >= 0:
                return "a touchpoint triggered by an earlier touchpoint on a limited channel"
    return None


class FastEngine(Engine):
    """The numpy engine's set-up and counters, stepped by the compiled kernel run by run."""

    def _layout(self, n_triggers: int) -> None:
        self._place()
        self.n_triggers = n_triggers
        self.counts = np.zeros((self.R, self.SP), dtype=np.int64)
        self.width = self.W + 2
        self.scores = None  # the kernel keeps scores per run
        self.mask = None
        self.since0 = None

    def run(
        self,
        kern: ModuleType,
        seed: int,
        record: np.ndarray,
        progress: Callable[[int, int], Any] | None,
        cancel: Cancel | None,
    ) -> None:
        """Every run, all weeks, into `record` (W + 1, R, SP) and the engine's counters."""
        c, R, W, N, S, P = self.c, self.R, self.W, self.nmax, self.S, self.P
        out, L = self.out, self.out.L
        keys = (S + 1) * P
        rows = keys << L
        n0 = int(c.initial.sum())
        with np.errstate(divide="ignore"):
            ex = np.minimum(out.exit, 1.0)
            log_stay = np.log1p(-ex)
            wait_scale = np.where(ex > 0, -1.0 / np.where(log_stay < 0, log_stay, -1.0), np.inf)
        depends = np.array(out.depends, dtype=bool).reshape(L, rows)
        cond = np.ascontiguousarray(out.cond).reshape(out.K - 1, rows)
        code_kind = out.code_kind.astype(np.int64)
        code_key = out.code_key.astype(np.int64)
        code_stage = out.code_stage.astype(np.int64)
        code_edge = out.code_edge.astype(np.int64)
        code_stall = out.code_stall.astype(np.int64)
        code_gate = out.code_gate.astype(np.int64) if self.has_gates else np.full(code_kind.size, -1, dtype=np.int64)
        regression = np.asarray(c.regression, dtype=bool).reshape(-1)
        if regression.size == 0:
            regression = np.zeros(1, dtype=bool)
        # stalls
        stalls = c.journey.stalls
        st_kind = np.zeros(max(len(stalls), 1), dtype=np.int64)
        st_lo = np.ones_like(st_kind)
        st_hi = np.ones_like(st_kind)
        st_p = np.ones(st_kind.size)
        for k, st in enumerate(stalls):
            dur = st.duration
            if dur.kind == "fixed":
                st_lo[k] = int(dur.weeks or 1)
            elif dur.kind == "uniform":
                st_kind[k] = 1
                st_lo[k] = int(dur.min or 1)
                st_hi[k] = int(dur.max or dur.min or 1)
            else:
                st_kind[k] = 2
                st_p[k] = 1.0 / float(dur.mean or 1.0)
        st_cause = np.zeros(st_kind.size, dtype=np.int64)
        st_cause[: len(stalls)] = self.cause_of_stall
        # gates (all of them, so a gate's index is its code)
        G = len(self.gates) if self.has_gates else 0
        n_roles = max([len(gt.role_ready) for gt in self.gates[:G]], default=0)
        g_min = np.array([gt.min_share for gt in self.gates[:G]], dtype=np.float64)
        g_weight = np.zeros((G, keys))
        g_ready = np.zeros((G, keys))
        g_roles = np.zeros((G, keys), dtype=np.int64)  # per key, the required roles it is ready for (bits)
        g_nroles = np.zeros(G, dtype=np.int64)
        for g, gt in enumerate(self.gates[:G]):
            g_weight[g], g_ready[g] = gt.weight, gt.ready_w
            g_nroles[g] = len(gt.role_ready)
            for k, role in enumerate(gt.role_ready):
                g_roles[g] |= np.where(role, np.int64(1) << np.int64(k), np.int64(0))
        b = self.b
        per_acc = N // b + 1
        for h in self.gate_holds[:G]:
            h.allocate(R * per_acc)
        hold_pw = np.zeros((G, R, W + 1), dtype=np.int64)
        ever = np.zeros((G, R * per_acc), dtype=bool)
        ever_missing = np.zeros((G, max(n_roles, 1), R * per_acc), dtype=bool)
        ever_short = np.zeros((G, R * per_acc), dtype=bool)
        # scoring
        sc = self.score
        has_score = sc is not None
        threshold = sc.threshold.astype(np.float64) if sc is not None else np.zeros(keys)
        keep = np.float32(1.0 - sc.decay) if sc is not None and sc.decay > 0 else np.float32(1.0)
        q_cause = c.causes.index("sales queue") if "sales queue" in c.causes else 0
        # touchpoints
        touches = self.touches
        T = len(touches)
        width = self.width
        # the touchpoints' send tables side by side for the kernel, in their own int16: each
        # touchpoint's table becomes a view of its row, so none is held twice (a copy, or int64
        # rows, took up to five times the tables' memory: keys x (weeks + 2) entries each)
        sends = np.zeros((T, keys * width), dtype=np.int16)
        pat = np.zeros(keys * width, dtype=np.int64)  # the other stage-triggered touchpoints due, as bits
        simple = np.zeros(keys * width, dtype=np.int64)  # the simple ones due, as bits
        after_mask = 0
        tp_after = np.zeros(T, dtype=np.int64)
        tp_trig = np.zeros(T, dtype=np.int64)
        tp_bit = np.zeros(T, dtype=np.int64)
        tp_lw = np.zeros(T, dtype=np.int64)
        tp_points = np.zeros(T)
        tp_eng = np.zeros(T)
        tp_scale = np.zeros(T)
        tp_channel = np.zeros(T, dtype=np.int64)
        tp_lim = np.full(T, -1, dtype=np.int64)
        tp_index = np.zeros(T, dtype=np.int64)
        n_lim = 0
        for j, tp in enumerate(touches):
            sends[j] = tp.sends
            tp.sends = sends[j]
            limited = self.capacity[tp.channel] >= 0
            bit = np.int64(1) << np.int64(j)
            if tp.after >= 0:
                after_mask |= 1 << j
            elif not limited and tp.trigger_slot < 0 and tp.sends.max() <= 1:
                simple |= np.where(tp.sends > 0, bit, np.int64(0))
            else:
                pat |= np.where(tp.sends > 0, bit, np.int64(0))
            tp_after[j], tp_trig[j], tp_bit[j], tp_lw[j] = tp.after, tp.trigger_slot, tp.bit, tp.lift_weeks
            tp_points[j] = tp.points
            p = tp_eng[j] = tp.engagement
            tp_scale[j] = _scale(p)
            tp_channel[j] = tp.channel
            tp_index[j] = tp.index
            if limited:
                tp_lim[j] = n_lim
                n_lim += 1
        # the sets of simple touchpoints due (codes; 0: none) and, per set, the chances that a
        # lead engages with at least one, and with each given none of the earlier did and at
        # least one of it and the later ones does
        sets, inverse = np.unique(simple, return_inverse=True)
        if sets[0] != 0:
            sets, inverse = np.concatenate([[0], sets]), inverse + 1
        tcode = inverse.astype(np.int64).reshape(-1)
        members = [[j for j in range(T) if int(x) >> j & 1] for x in sets]
        width_c = max(1, max(len(m) for m in members))
        code_tps = np.full((sets.size, width_c), -1, dtype=np.int64)
        code_len = np.array([len(m) for m in members], dtype=np.int64)
        code_scale = np.full(sets.size, math.inf)
        code_cond = np.zeros((sets.size, width_c))
        for ci, mem in enumerate(members):
            code_tps[ci, : len(mem)] = mem
            e = np.array([tp_eng[j] for j in mem])
            none_after = np.cumprod((1.0 - e)[::-1])[::-1]  # chance none of x.. engages
            with np.errstate(divide="ignore", invalid="ignore"):
                code_cond[ci, : len(mem)] = np.where(none_after < 1.0, e / (1.0 - none_after), 0.0)
            code_scale[ci] = _scale(1.0 - float(none_after[0])) if mem else math.inf
        n_codes = sets.size
        log = self.log
        mqls, handoffs, queued_w = (self.per_week[k] for k in ("mqls", "handoffs", "queue"))
        entry = self.entry.astype(np.int64)
        open_key = np.ascontiguousarray(self.open_key)
        is_won = np.ascontiguousarray(self.is_won)
        capacity = self.capacity.astype(np.int64)
        # one xoshiro256** state per run, from the run's SeedSequence child (never all zero)
        states = [
            np.where(st == 0, np.uint64(1), st)
            for st in (
                s.generate_state(4, np.uint64) for s in np.random.SeedSequence(seed, spawn_key=(len(STREAMS),)).spawn(R)
            )
        ]
        block = max(1, min(W, BLOCK_LEAD_WEEKS // max(N, 1)))
        done, total = [0], R * W
        lock = threading.Lock()
        stop = threading.Event()

        def work(runs: list[int], report: Callable[[int, int], Any] | None) -> list[np.ndarray]:
            """Runs `runs` with their own scratch; returns their sums over runs for the week log
            (whole counts in floats: summed in any order they are exact, so threads change nothing)."""
            nw = (S + 63) // 64  # one bit per stage
            hold = np.zeros(N, dtype=np.int16)
            arrived = np.zeros(N, dtype=np.int16)
            entered = np.zeros(N, dtype=np.int16)
            next_draw = np.zeros(N, dtype=np.int16)
            visited = np.zeros((N, nw), dtype=np.uint64)
            score = np.zeros(N, dtype=np.float32)
            mask = np.zeros(N, dtype=np.int32)
            lift_until = np.zeros((L, N), dtype=np.int16)
            lift_min = np.zeros(N, dtype=np.int16)
            last_eng = np.zeros((self.n_triggers, N), dtype=np.int16)
            pend = np.zeros(N, dtype=np.int64)
            pflag = np.zeros(N, dtype=np.uint8)
            queue = np.zeros(N, dtype=np.int64)
            qsince = np.zeros(N, dtype=np.int64)
            due = np.zeros(N, dtype=np.int64)
            dcode = np.zeros(N, dtype=np.int64)
            cand = np.zeros((n_lim, N), dtype=np.int64)
            cand_n = np.zeros((n_lim, N), dtype=np.int64)
            n_cand = np.zeros(n_lim, dtype=np.int64)
            skip = np.zeros(T, dtype=np.int64)
            state = np.zeros(2, dtype=np.int64)
            act = np.zeros(N, dtype=np.int64)
            remaining = np.zeros(capacity.size, dtype=np.int64)
            counts = np.zeros(self.SP, dtype=np.int64)
            code_hit = np.zeros(4 * n_codes, dtype=np.int64)  # four lanes per code (leadkernel)
            code_cnt = np.zeros(4 * n_codes, dtype=np.int64)
            mark = np.zeros((G, per_acc), dtype=np.int64)
            logs = [np.zeros_like(a) for a in (log.moved_in, log.moved_out, log.stalled, log.regressed)]
            moved_in, moved_out, stalled, regressed = logs
            held_log = np.zeros_like(log._held)
            queued_log = np.zeros_like(log._queued)
            won_after = np.zeros_like(self.won_after)
            for r in runs:
                rng = states[r]
                key = self.key[r * N : (r + 1) * N]
                kern.init_run(
                    rng, key, n0, L, P, W, wait_scale, open_key, counts, hold, arrived, entered, next_draw, visited,
                    score, mask, lift_until, lift_min, last_eng, skip, tp_scale, code_hit, code_scale, mark, state,
                    act,
                )  # fmt: skip
                record[0, r] = counts
                start = self.start[r].astype(np.int64)
                arr = np.ascontiguousarray(self.arrivals[r]).astype(np.int64)
                for t0 in range(1, W + 1, block):
                    if stop.is_set() or (cancel is not None and cancel.is_set()):
                        raise SimulationCancelled()
                    t1 = min(W + 1, t0 + block)
                    kern.run_weeks(
                        rng, r, t0, t1, W, S, P, out.K, L, width, b,
                        key, hold, arrived, entered, next_draw, visited, score, mask, lift_until, lift_min, last_eng,
                        counts, pend, pflag, act, queue, qsince, due, dcode, cand, cand_n, n_cand, skip, code_cnt,
                        code_hit, mark, state, remaining,
                        wait_scale, cond, code_kind, code_key, code_stage, code_edge, code_stall, code_gate, depends,
                        open_key, is_won, regression,
                        st_kind, st_lo, st_hi, st_p, st_cause, int(BIG) - 1,
                        g_min, g_weight, g_ready, g_roles, g_nroles, r * per_acc,
                        has_score, threshold, keep, sc.to_stage if sc is not None else 0,
                        sc.channel if sc is not None else -1, q_cause,
                        capacity, tcode, code_tps, code_len, code_scale, code_cond, pat, after_mask, sends,
                        tp_after, tp_trig, tp_bit, tp_lw, tp_points, tp_eng, tp_scale, tp_channel, tp_lim, tp_index,
                        entry, arr, start,
                        record, self.entries, self.edge_moves, self.handoff_moves, self.stall_starts,
                        self.stall_weeks, mqls, handoffs, queued_w, self.tp_sends, self.tp_engaged, self.ch_touches,
                        won_after, moved_in, moved_out, stalled, regressed, held_log, queued_log,
                        hold_pw, ever, ever_missing, ever_short,
                    )  # fmt: skip
                    with lock:
                        done[0] += t1 - t0
                    if report is not None:
                        report(W * done[0] // total, W)
            return [moved_in, moved_out, stalled, regressed, held_log, queued_log, won_after]

        workers = max(1, min(threads(), R))
        shares = [list(range(w, R, workers)) for w in range(workers)]
        if workers == 1:
            parts = [work(list(range(R)), progress)]
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(work, share, None) for share in shares]
                pending = set(futures)
                try:
                    while pending:
                        finished, pending = wait(pending, timeout=0.05, return_when=FIRST_EXCEPTION)
                        if any(f.exception() is not None for f in finished):
                            break
                        if progress is not None:
                            progress(W * done[0] // total, W)
                finally:
                    stop.set()  # a worker still running stops at its next block
                parts = [f.result() for f in futures]  # the first error (a cancel included) raises here
        for part in parts:
            log.moved_in += part[0]
            log.moved_out += part[1]
            log.stalled += part[2]
            log.regressed += part[3]
            log._held += part[4]
            log._queued += part[5]
            self.won_after += part[6]
        self.counts = record[W].copy()
        for g, h in enumerate(self.gate_holds[:G]):
            h.per_week = hold_pw[g]
            h.ever = ever[g]
            h.ever_missing = [ever_missing[g, k] for k in range(len(h.ever_missing))]
            h.ever_short = ever_short[g]
        assert MAX_WEEKS * 2 == 20000  # the kernel caps a stall's wait as the numpy engine does
