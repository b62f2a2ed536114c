"""Touchpoints, channel capacity, lifts and the sales hand-off: steps 1-3 of a week (docs/simulation.md)."""

from __future__ import annotations

import math

import numpy as np

from journeytui.sim.compile import Compiled
from journeytui.sim.state import BIG, NEVER, LeadState
from journeytui.sim.tables import DueTable, ScoreTable, TouchTable


class ChannelSteps(LeadState):
    """The engine's steps that use channels: decay and lift expiry, hand-offs, touchpoints."""

    c: Compiled
    touches: list[TouchTable]
    due: DueTable | None
    score: ScoreTable | None
    min_threshold: float
    capacity: np.ndarray
    open_key: np.ndarray
    pending: list[np.ndarray]
    scores: np.ndarray | None
    lift_until: np.ndarray | None
    last_eng: np.ndarray
    act: np.ndarray
    buckets: dict[int, list[tuple[int, np.ndarray]]]
    queue: np.ndarray
    queue_since: np.ndarray
    per_week: dict[str, np.ndarray]
    handoff_moves: np.ndarray
    stall_starts: np.ndarray
    stall_weeks: np.ndarray
    tp_sends: np.ndarray
    tp_engaged: np.ndarray
    ch_touches: np.ndarray

    def _lift_changed(self, bit: int, idx: np.ndarray) -> None:
        """Leads whose lift `bit` just started or ended: redraw the wait where the chances changed."""
        if idx.size:
            idx = idx[self.out.depends[bit][self._rows(idx)]]
            if idx.size:
                self.pending.append(idx)

    def _decay_and_expire(self, t: int) -> None:
        if self.scores is not None and self.score is not None and self.score.decay > 0:
            self.scores *= np.float32(1.0 - self.score.decay)
        for bit, idx in self.buckets.pop(t, []):
            assert self.lift_until is not None and self.mask is not None
            ended = idx[self.lift_until[bit, idx] < t]
            self.mask[ended] &= np.uint16(~(1 << bit) & 0xFFFF)
            self._lift_changed(bit, ended)

    def _touchpoints(self, t: int, remaining: np.ndarray) -> None:
        """Step 3: each touchpoint, in order of id (compile.canonical), to the leads due a send."""
        assert self.since0 is not None
        if t % 4 == 1:  # now and then, drop leads that closed (they are never due a send)
            self.act = self.act[self.open_key[self.key[self.act]]]
        live = self.act
        if live.size == 0:
            return
        since = self.since0[live] + t  # key * (W + 2) + weeks since entering the stage
        member: dict[int, int] = {}
        due = self.due
        if due is not None:
            # which stage-triggered touchpoints each lead is due, as bits; leads grouped by pattern
            code = due.code[since]
            order = np.argsort(code, kind="stable")  # a radix sort: the codes are small
            sizes = np.bincount(code, minlength=len(due.patterns))
            bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
            segments = [(p, bounds[c], bounds[c + 1]) for c, p in enumerate(due.patterns) if p and sizes[c]]
            member = {i: j for j, i in enumerate(due.members)}
            # the leads due something, grouped by pattern, gathered once (code 0, 'none', sorts first):
            # each touchpoint's leads are then copies of contiguous slices, in the same order
            skip = bounds[1]
            grouped = live[order[skip:]]
            grouped_since: np.ndarray | None = None
        for i, tp in enumerate(self.touches):
            n: np.ndarray | None = None
            if i in member:  # the leads whose pattern includes this touchpoint
                assert due is not None
                j = member[i]
                spans = [(lo - skip, hi - skip) for p, lo, hi in segments if p >> j & 1]
                cand = np.concatenate([grouped[lo:hi] for lo, hi in spans]) if spans else live[:0]
                if due.multi[j]:
                    if grouped_since is None:
                        grouped_since = since[order[skip:]]
                    ks = np.concatenate([grouped_since[lo:hi] for lo, hi in spans]) if spans else since[:0]
                    n = tp.sends[ks].astype(np.int64)
            else:
                if tp.after >= 0:  # weeks since the last engagement with `after` (none: never)
                    last = self.last_eng[tp.after, live]
                    k = self.key[live].astype(np.int64) * self.width
                    sends = tp.sends[k + np.where(last < 0, self.width - 1, t - last.astype(np.int64))]
                else:
                    sends = tp.sends[since]
                hit = np.flatnonzero(sends)
                cand, n = live[hit], sends[hit].astype(np.int64)
            if cand.size == 0:
                continue
            if self.capacity[tp.channel] >= 0:
                cand, n = self._within_capacity(cand, n, remaining[tp.channel])
                if cand.size == 0:
                    continue
            sent = self._per_run(cand, n)
            self.tp_sends[:, tp.index] += sent
            self.ch_touches[:, tp.channel] += sent
            self._engage(t, tp, cand, n)

    def _engage(self, t: int, tp: TouchTable, cand: np.ndarray, n: np.ndarray | None) -> None:
        rng = self.rng["engagement"]
        got: np.ndarray | None
        if n is None or n.max() == 1:
            hit = np.flatnonzero(rng.random(cand.size, dtype=np.float32) < np.float32(tp.engagement))
            who, got = cand[hit], None
        else:
            draws = rng.binomial(n, tp.engagement)
            hit = np.flatnonzero(draws)
            who, got = cand[hit], draws[hit]
        if who.size == 0:
            return
        self.tp_engaged[:, tp.index] += self._per_run(who, got)
        if self.scores is not None and tp.points:
            self.scores[who] += np.float32(tp.points) * (1 if got is None else got)
        if tp.trigger_slot >= 0:
            self.last_eng[tp.trigger_slot, who] = t
        if tp.bit >= 0:
            assert self.lift_until is not None and self.mask is not None
            flag = np.uint16(1 << tp.bit)
            self.lift_until[tp.bit, who] = t + tp.lift_weeks - 1
            old = self.mask[who]
            self.mask[who] = old | flag
            self._lift_changed(tp.bit, who[(old & flag) == 0])
            self.buckets.setdefault(t + tp.lift_weeks, []).append((tp.bit, who))

    def _within_capacity(
        self, cand: np.ndarray, n: np.ndarray | None, left: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Leads served this week on a limited channel: a random subset per run, touches <= capacity left."""
        runs = self._run(cand)
        demand = np.bincount(runs, weights=n, minlength=self.R).astype(np.int64)
        if np.all(demand <= left):
            left -= demand
            return cand, n
        over = (demand > left)[runs]
        under = np.flatnonzero(~over)
        over = np.flatnonzero(over)
        u = self.rng["capacity"].random(over.size)
        # Only the leads with the smallest draws of each run can be served: keep draws below a
        # per-run cut-off generous enough to cover the capacity left, and order just those by
        # run, then draw. A run whose kept touches do not exceed what is left (rare) keeps all.
        r_over = runs[over]
        n_over = None if n is None else n[over]
        need = left.astype(np.float64) + 1.0
        cut = np.minimum(1.0, (need + 6.0 * np.sqrt(need) + 16.0) / np.maximum(demand, 1))
        pre = u < cut[r_over]
        kept = np.bincount(r_over[pre], weights=None if n_over is None else n_over[pre], minlength=self.R)
        cut = np.where(kept > left, cut, 1.0)
        pre = np.flatnonzero(u < cut[r_over])
        order = pre[np.argsort(r_over[pre] + u[pre])]
        r_sorted = r_over[order]
        w = np.ones(order.size, dtype=np.int64) if n_over is None else n_over[order]
        cum = np.cumsum(w)
        first = np.searchsorted(r_sorted, np.arange(self.R))
        before = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0)
        served = over[order[cum - before[r_sorted] <= left[r_sorted]]]
        idx = np.concatenate([under, served])
        cand = cand[idx]
        n = None if n is None else n[idx]
        left -= self._per_run(cand, n)
        return cand, n

    def _qualify_and_hand_off(self, t: int, remaining: np.ndarray) -> None:
        sc = self.score
        assert sc is not None and self.scores is not None
        new = np.flatnonzero(self.scores >= self.min_threshold) if self.min_threshold < math.inf else self.queue[:0]
        if new.size:
            new = new[(self.scores[new] >= sc.threshold[self.key[new]]) & (self.hold[new] < t)]
        if new.size:
            self.hold[new] = BIG
            self.next_draw[new] = NEVER
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
            self._schedule(who, t + 1)
        waiting = ~served
        self.queue, self.queue_since = self.queue[waiting], self.queue_since[waiting]
        q = self.c.causes.index("sales queue")
        fresh = self.queue[self.queue_since == t]
        self.stall_starts[:, q] += self._per_run(fresh)
        waiting_now = self._per_run(self.queue)
        self.stall_weeks[:, q] += waiting_now
        self.per_week["queue"][:, t] = waiting_now
        self.log.queued(t, self.key[self.queue] // self.P, self.key[fresh] // self.P)
