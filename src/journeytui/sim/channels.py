"""Touchpoints, channel capacity, lifts and the sales hand-off: steps 1-3 of a week (docs/simulation.md)."""

from __future__ import annotations

import math

import numpy as np

from journeytui.sim.compile import Compiled
from journeytui.sim.state import BIG, NEVER, LeadState
from journeytui.sim.tables import DueTable, ScoreTable, TouchTable


def _subsets(rng: np.random.Generator, pops: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each group g, a uniform random subset of `sizes[g]` of 0 .. pops[g] - 1 (sizes <= pops):
    (group, value) pairs sorted by group, then value.

    Small subsets of large groups are the distinct values of independent uniform draws, topped
    up until there are enough (the draws are exchangeable, so every subset of that size is
    equally likely): O(size). Otherwise the `size` smallest of pops[g] uniform numbers.
    """
    g = np.arange(pops.size, dtype=np.int64)
    whole = sizes >= pops
    sparse = ~whole & (4 * sizes <= pops)
    dense = ~whole & ~sparse & (sizes > 0)
    parts: list[np.ndarray] = []
    width = int(pops.max(initial=0)) + 1
    if whole.any():
        n = np.where(whole, pops, 0)
        grp = np.repeat(g, n)
        parts.append(grp * width + np.arange(grp.size) - np.repeat(np.cumsum(n) - n, n))
    if dense.any():
        n = np.where(dense, pops, 0)
        grp = np.repeat(g, n)
        order = np.argsort(grp + rng.random(grp.size))  # per group, its values in random order
        val = np.arange(grp.size) - np.repeat(np.cumsum(n) - n, n)
        rank = np.empty(grp.size, dtype=np.int64)
        rank[order] = np.arange(grp.size) - np.repeat(np.cumsum(n) - n, n)
        keep = rank < sizes[grp]
        parts.append(grp[keep] * width + val[keep])
    if sparse.any():
        want = np.where(sparse, sizes, 0)
        keys = np.zeros(0, dtype=np.int64)
        need = want
        while need.any():
            grp = np.repeat(g, need)
            keys = np.unique(np.concatenate([keys, grp * width + rng.integers(0, pops[grp])]))
            need = want - np.bincount(keys // width, minlength=pops.size)
        parts.append(keys)
    keys = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    return keys // width, keys % width


def _successes(rng: np.random.Generator, trials: int, p: float) -> np.ndarray:
    """Positions (sorted) of the successes among `trials` independent trials of chance p.

    The gaps between successes are geometric, so only about p * trials numbers are drawn: a
    standard exponential times -1 / log(1 - p), floored, is a geometric count of failures.
    """
    if trials == 0 or p <= 0.0:
        return np.zeros(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(trials, dtype=np.int64)
    scale = np.float32(-1.0 / math.log1p(-p))
    out: list[np.ndarray] = []
    at = -1  # the last success so far
    while True:
        m = trials - 1 - at  # trials left
        k = int(m * p + 6.0 * math.sqrt(m * p) + 16)
        g = rng.standard_exponential(k, dtype=np.float32)
        g *= scale
        np.minimum(g, np.float32(m), out=g)  # past the end either way (and no overflow)
        pos = at + np.cumsum(g.astype(np.int64) + 1)
        if pos[-1] >= trials:
            out.append(pos[: np.searchsorted(pos, trials)])
            break
        out.append(pos)
        at = int(pos[-1])
    return np.concatenate(out) if len(out) > 1 else out[0]


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
            member = {i: j for j, i in enumerate(due.members)}
            # the leads due something (their positions in live), grouped by pattern (code 0, 'none',
            # sorts first), each group in slot order (live is, and the sort is stable), so in run
            # order: a touchpoint's leads are contiguous slices, and a slice's leads per run are
            # found by bisection. Only the leads served or engaging are looked up in live.
            skip = bounds[1]
            grouped = order[skip:]
            edges = np.searchsorted(live, np.arange(self.R + 1, dtype=np.int64) * self.nmax)
            segments = [
                (p, bounds[c] - skip, np.searchsorted(grouped[bounds[c] - skip : bounds[c + 1] - skip], edges))
                for c, p in enumerate(due.patterns)
                if p and sizes[c]
            ]
            grouped_since: np.ndarray | None = None
        for i, tp in enumerate(self.touches):
            n: np.ndarray | None = None
            if i in member:  # the leads whose pattern includes this touchpoint
                assert due is not None
                j = member[i]
                spans = [(lo, runs) for p, lo, runs in segments if p >> j & 1]
                if not spans:
                    continue
                if not due.multi[j]:  # one send each: no list of the leads needed
                    self._send_spans(t, tp, live, grouped, spans, remaining)
                    continue
                cand = live[np.concatenate([grouped[lo + r[0] : lo + r[-1]] for lo, r in spans])]
                if grouped_since is None:
                    grouped_since = since[grouped]
                ks = np.concatenate([grouped_since[lo + r[0] : lo + r[-1]] for lo, r in spans])
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

    def _send_spans(
        self,
        t: int,
        tp: TouchTable,
        live: np.ndarray,
        grouped: np.ndarray,
        spans: list[tuple[int, np.ndarray]],
        remaining: np.ndarray,
    ) -> None:
        """A touchpoint sending once to each lead live[x] for x in some slices of `grouped` (each slice in slot
        order, with its run boundaries): count the sends per run, serve a limited channel, and draw
        the engagements, touching only the leads served on a limited channel or engaging."""
        per_run = np.sum([np.diff(r) for _, r in spans], axis=0)
        starts = np.array([lo for lo, _ in spans], dtype=np.int64)
        firsts = np.array([r[:-1] for _, r in spans], dtype=np.int64)  # (spans, runs)
        if self.capacity[tp.channel] >= 0:
            left = remaining[tp.channel]
            if np.any(per_run > left):
                # a uniform random subset of each over-subscribed run's leads (as _within_capacity)
                sent = np.minimum(per_run, np.maximum(left, 0))
                run, rank = _subsets(self.rng["capacity"], per_run, sent)
                pieces = np.array([np.diff(r) for _, r in spans], dtype=np.int64)  # (spans, runs)
                cum = np.cumsum(pieces, axis=0)
                k = (cum[:, run] <= rank[None, :]).sum(axis=0)  # the span holding each chosen lead
                who = live[grouped[starts[k] + firsts[k, run] + rank - (cum[k, run] - pieces[k, run])]]
                left -= sent
                self.tp_sends[:, tp.index] += sent
                self.ch_touches[:, tp.channel] += sent
                self._engage(t, tp, who, None)
                return
            left -= per_run
        self.tp_sends[:, tp.index] += per_run
        self.ch_touches[:, tp.channel] += per_run
        # the leads of the spans, one after the other: which of them engage
        lens = np.array([r[-1] - r[0] for _, r in spans], dtype=np.int64)
        pos = _successes(self.rng["engagement"], int(lens.sum()), tp.engagement)
        if pos.size == 0:
            return
        cum = np.cumsum(lens)
        k = np.searchsorted(cum, pos, side="right")
        base = starts + np.array([r[0] for _, r in spans], dtype=np.int64) - (cum - lens)
        self._engaged(t, tp, live[grouped[base[k] + pos]], None)

    def _engage(self, t: int, tp: TouchTable, cand: np.ndarray, n: np.ndarray | None) -> None:
        """Each send to the leads `cand` (`n` sends each; None: one) is engaged with independently."""
        rng = self.rng["engagement"]
        got: np.ndarray | None
        if n is None or n.max() == 1:
            who, got = cand[_successes(rng, cand.size, tp.engagement)], None
        else:
            draws = rng.binomial(n, tp.engagement)
            hit = np.flatnonzero(draws)
            who, got = cand[hit], draws[hit]
        if who.size:
            self._engaged(t, tp, who, got)

    def _engaged(self, t: int, tp: TouchTable, who: np.ndarray, got: np.ndarray | None) -> None:
        """Leads `who` engaged with tp in week t (`got` times each; None: once)."""
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
