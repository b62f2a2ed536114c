"""The per-lead Monte Carlo engine's weekly step, compiled: one run at a time, lead by lead.

:class:`journeytui.sim.montecarlo.Engine` (numpy) steps every lead of every run at once, one
vectorised operation per event kind: its cost is many passes over arrays of all runs' leads
(the grouping of live leads by the touchpoints they are due, gathers, sorts). This module runs
the same weekly step (docs/simulation.md, *The order of events inside week t*) with
numba-compiled loops over one run's leads, whose state (a few bytes a lead) stays in cache:

1. decay of behaviour scores, lifts ending, leads qualifying (one pass over the run's leads);
2. the sales queue and hand-offs (first come, first served, up to the channel's capacity);
3. touchpoints, each lead's in touchpoint order (one pass): a send on an unlimited channel is
   engaged with at once; sends on a limited channel are listed, and each such touchpoint
   (in order) then serves a uniform random subset of its leads within the capacity left
   (a random order's prefix, as the numpy engine);
4. the leads whose chances changed (a lift starting or ending) draw their wait again;
5. the leads whose outcome falls this week draw it; gates are checked against the members'
   keys before any of this week's moves (as the numpy engine), then the outcomes are applied;
6. arrivals.

The draws have the numpy engine's distribution (tests/unit/sim/test_leadkernel.py compares the
two over many seeds); the sample of a seed differs. Engagements are drawn as geometric gaps
between engaged sends, one counter per touchpoint over the run's sends in scan order (the
sends are independent with the same chance, so this is one Bernoulli draw per send). Each run
has its own Generator (seeded from the run's SeedSequence child), so a seed gives the same
result in any process.

What this kernel cannot do (:func:`unsupported`) runs on the numpy engine: a touchpoint
triggered by engagement with a touchpoint on a limited channel listed before it (the limited
touchpoint's engagements are drawn after the pass, too late for the trigger), and more than 64
touchpoints.
"""

from __future__ import annotations

import math
from typing import Any

import numba as nb
import numpy as np

NEVER = 32767
BIG = 32767

_JIT: dict[str, Any] = {"cache": True, "_nrt": False, "nogil": True, "error_model": "numpy"}
"""Compiled without numba's reference counting (`_nrt`): the kernel allocates nothing, and the
atomic counts of every array handed to an inlined helper cost a third of its time; `nogil` lets
runs go side by side in threads (sim/leadrun.py)."""


_M = np.uint64(0xFFFFFFFFFFFFFFFF)


@nb.njit(inline="always", **_JIT)
def _rotl(x: np.uint64, k: int) -> np.uint64:
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@nb.njit(inline="always", **_JIT)
def _next(s: np.ndarray) -> np.uint64:
    """xoshiro256** (Blackman and Vigna): the next 64 random bits of state s (4 words)."""
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    out = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    s[0], s[1], s[2], s[3] = s0, s1, s2, s3
    return out


@nb.njit(inline="always", **_JIT)
def _uniform(s: np.ndarray) -> float:
    """A uniform double in [0, 1) (53 random bits)."""
    return float(_next(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def _ziggurat() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tables of the 256-layer ziggurat for the standard exponential (Marsaglia and Tsang, "The
    ziggurat method for generating random variables", J. Stat. Softw. 5, 2000; numpy's method),
    for 53-bit integers: per layer the acceptance bound ke, the scale we and exp(-x) at its edge fe."""
    m = float(1 << 53)
    de = 7.697117470131487
    te, ve = de, 3.949659822581572e-3
    q = ve / math.exp(-de)
    ke = np.zeros(256, dtype=np.uint64)
    we = np.zeros(256)
    fe = np.zeros(256)
    ke[0] = np.uint64(de / q * m)
    we[0], we[255] = q / m, de / m
    fe[0], fe[255] = 1.0, math.exp(-de)
    for i in range(254, 0, -1):
        de = -math.log(ve / de + math.exp(-de))
        ke[i + 1] = np.uint64(de / te * m)
        te = de
        fe[i] = math.exp(-de)
        we[i] = de / m
    return ke, we, fe


_ZK, _ZW, _ZF = _ziggurat()
_ZR = 7.697117470131487  # where the tail starts


@nb.njit(inline="always", **_JIT)
def _exponential(s: np.ndarray) -> float:
    """A standard exponential: the ziggurat (one 64-bit draw 99% of the time), the tail and the
    layers' edges exactly (by the exponential's memorylessness and a rejection test)."""
    while True:
        ri = _next(s) >> np.uint64(3)
        idx = int(ri & np.uint64(0xFF))
        ri >>= np.uint64(8)
        x = float(ri) * _ZW[idx]
        if ri < _ZK[idx]:
            return x
        if idx == 0:
            return _ZR - math.log1p(-_uniform(s))
        if (_ZF[idx - 1] - _ZF[idx]) * _uniform(s) + _ZF[idx] < math.exp(-x):
            return x


@nb.njit(**_JIT)
def exponentials(s: np.ndarray, out: np.ndarray) -> None:
    """Standard exponentials by the kernel's sampler into out (for its tests); s: 4 state words."""
    for i in range(out.size):
        out[i] = _exponential(s)


@nb.njit(inline="always", **_JIT)
def _below(s: np.ndarray, n: int) -> int:
    """A uniform integer in 0 .. n - 1 (n below 2**31: the bias, n / 2**53, is far below float32's)."""
    return min(int(_uniform(s) * n), n - 1)


@nb.njit(inline="always", **_JIT)
def _geometric(s: np.ndarray, p: float) -> int:
    """Trials up to and including the first success of chance p (numpy's geometric: at least 1)."""
    if p >= 1.0:
        return 1
    return max(1, int(math.ceil(math.log1p(-_uniform(s)) / math.log1p(-p))))  # noqa: RUF046 (numba)


@nb.njit(inline="always", **_JIT)
def _wait(rng: Any, scale: float, first: int, weeks: int) -> int:
    """The week of the next outcome other than staying, drawing from week `first` on."""
    if first > weeks or not scale < math.inf:
        return NEVER
    w = first + math.floor(_exponential(rng) * scale)
    return int(w) if w <= weeks else NEVER


@nb.njit(inline="always", **_JIT)
def _gap(rng: Any, scale: float) -> int:
    """Failures before the next success of independent trials (scale = -1 / log(1 - p))."""
    x = math.floor(_exponential(rng) * scale)
    return int(x) if x < 4.0e18 else 1 << 62


@nb.njit(inline="always", **_JIT)
def _trials(rng: Any, skip: np.ndarray, j: int, n: int, scale: float) -> int:
    """Successes among the next n trials of touchpoint j's sequence (skip[j]: failures before its next success)."""
    got = 0
    while n > 0:
        s = skip[j]
        if s >= n:
            skip[j] = s - n
            break
        n -= s + 1
        got += 1
        skip[j] = _gap(rng, scale)
    return got


@nb.njit(inline="always", **_JIT)
def _visit(visited: np.ndarray, i: int, stage: int) -> bool:
    """Mark stage visited by lead i; True the first time."""
    word = stage >> 6
    bit = np.uint64(1) << np.uint64(stage & 63)
    old = visited[i, word]
    if old & bit:
        return False
    visited[i, word] = old | bit
    return True


@nb.njit(**_JIT)
def init_run(
    rng: Any,
    key: np.ndarray,
    n0: int,
    L: int,
    P: int,
    weeks: int,
    wait_scale: np.ndarray,
    open_key: np.ndarray,
    counts: np.ndarray,
    hold: np.ndarray,
    arrived: np.ndarray,
    entered: np.ndarray,
    next_draw: np.ndarray,
    visited: np.ndarray,
    score: np.ndarray,
    mask: np.ndarray,
    lift_until: np.ndarray,
    lift_min: np.ndarray,
    last_eng: np.ndarray,
    skip: np.ndarray,
    tp_scale: np.ndarray,
    code_hit: np.ndarray,
    code_scale: np.ndarray,
    mark: np.ndarray,
    state: np.ndarray,
    act: np.ndarray,
) -> None:
    """Reset one run's scratch state: the initial cohort in its first n0 slots (key given)."""
    counts[:] = 0
    hold[:] = 0
    arrived[:] = 0
    entered[:] = 0
    next_draw[:] = NEVER
    visited[:] = 0
    score[:] = 0.0
    mask[:] = 0
    lift_until[:] = 0
    lift_min[:] = BIG
    last_eng[:] = -1
    mark[:] = -1
    state[:] = 0
    n_act = 0
    for i in range(n0):
        k = key[i]
        if open_key[k]:
            act[n_act] = i
            n_act += 1
        counts[k] += 1
        _visit(visited, i, k // P)
        next_draw[i] = _wait(rng, wait_scale[k << L], 1, weeks)
    for j in range(skip.size):
        skip[j] = _gap(rng, tp_scale[j])
    for c in range(code_hit.size):
        code_hit[c] = 1 + _gap(rng, code_scale[c >> 2])  # the first lead engaging, counting from 1
    state[1] = n_act


@nb.njit(inline="always", **_JIT)
def _engaged(
    t: int,
    r: int,
    i: int,
    j: int,
    got: int,
    L: int,
    key: np.ndarray,
    score: np.ndarray,
    mask: np.ndarray,
    lift_until: np.ndarray,
    lift_min: np.ndarray,
    last_eng: np.ndarray,
    pend: np.ndarray,
    pflag: np.ndarray,
    n_pend: int,
    depends: np.ndarray,
    has_score: bool,
    tp_points: np.ndarray,
    tp_trig: np.ndarray,
    tp_bit: np.ndarray,
    tp_lw: np.ndarray,
    tp_index: np.ndarray,
    engaged_out: np.ndarray,
) -> int:
    """Lead i engaged `got` times with touchpoint j in week t; returns the pending count."""
    engaged_out[r, tp_index[j]] += got
    if has_score and tp_points[j] != 0.0:
        score[i] += np.float32(tp_points[j] * got)
    if tp_trig[j] >= 0:
        last_eng[tp_trig[j], i] = t
    bit = tp_bit[j]
    if bit >= 0:
        end = t + tp_lw[j] - 1
        lift_until[bit, i] = end
        lift_min[i] = min(lift_min[i], end)
        m = mask[i]
        if not m >> bit & 1:
            m |= 1 << bit
            mask[i] = m
            if depends[bit, (key[i] << L) | m] and not pflag[i]:
                pflag[i] = 1
                pend[n_pend] = i
                n_pend += 1
    return n_pend


@nb.njit(**_JIT)
def _handoff(
    rng: Any,
    i: int,
    t: int,
    r: int,
    weeks: int,
    P: int,
    L: int,
    to_stage: int,
    key: np.ndarray,
    hold: np.ndarray,
    arrived: np.ndarray,
    entered: np.ndarray,
    next_draw: np.ndarray,
    visited: np.ndarray,
    score: np.ndarray,
    mask: np.ndarray,
    counts: np.ndarray,
    wait_scale: np.ndarray,
    is_won: np.ndarray,
    entries: np.ndarray,
    handoff_moves: np.ndarray,
    won_after: np.ndarray,
    moved_in: np.ndarray,
    moved_out: np.ndarray,
) -> None:
    """Queued lead i is handed off to sales in week t."""
    old = key[i]
    new = to_stage * P + old % P
    counts[old] -= 1
    counts[new] += 1
    moved_out[t, old // P] += 1.0
    moved_in[t, to_stage] += 1.0
    handoff_moves[r, old // P] += 1
    key[i] = new
    entered[i] = t
    if _visit(visited, i, to_stage):
        entries[r, to_stage] += 1
    if is_won[to_stage]:
        won_after[t - arrived[i]] += 1
    hold[i] = t
    score[i] = 0.0
    next_draw[i] = _wait(rng, wait_scale[(new << L) | mask[i]], t + 1, weeks)


@nb.njit(**_JIT)
def run_weeks(
    rng: Any,
    r: int,
    t0: int,
    t1: int,
    # sizes
    weeks: int,
    S: int,
    P: int,
    K: int,
    L: int,
    width: int,
    b: int,
    # the run's lead state
    key: np.ndarray,
    hold: np.ndarray,
    arrived: np.ndarray,
    entered: np.ndarray,
    next_draw: np.ndarray,
    visited: np.ndarray,
    score: np.ndarray,
    mask: np.ndarray,
    lift_until: np.ndarray,
    lift_min: np.ndarray,
    last_eng: np.ndarray,
    counts: np.ndarray,
    # scratch
    pend: np.ndarray,
    pflag: np.ndarray,
    act: np.ndarray,
    queue: np.ndarray,
    qsince: np.ndarray,
    due: np.ndarray,
    dcode: np.ndarray,
    cand: np.ndarray,
    cand_n: np.ndarray,
    n_cand: np.ndarray,
    skip: np.ndarray,
    code_cnt: np.ndarray,
    code_hit: np.ndarray,
    mark: np.ndarray,
    state: np.ndarray,
    remaining: np.ndarray,
    # outcome tables
    wait_scale: np.ndarray,
    cond: np.ndarray,
    code_kind: np.ndarray,
    code_key: np.ndarray,
    code_stage: np.ndarray,
    code_edge: np.ndarray,
    code_stall: np.ndarray,
    code_gate: np.ndarray,
    depends: np.ndarray,
    open_key: np.ndarray,
    is_won: np.ndarray,
    regression: np.ndarray,
    # stalls
    st_kind: np.ndarray,
    st_lo: np.ndarray,
    st_hi: np.ndarray,
    st_p: np.ndarray,
    st_cause: np.ndarray,
    max_hold: int,
    # gates
    g_min: np.ndarray,
    g_weight: np.ndarray,
    g_ready: np.ndarray,
    g_roles: np.ndarray,
    g_nroles: np.ndarray,
    acc_base: int,
    # scoring and hand-off
    has_score: bool,
    threshold: np.ndarray,
    keep: np.float32,
    to_stage: int,
    sc_channel: int,
    q_cause: int,
    # touchpoints
    capacity: np.ndarray,
    tcode: np.ndarray,
    code_tps: np.ndarray,
    code_len: np.ndarray,
    code_scale: np.ndarray,
    code_cond: np.ndarray,
    pat: np.ndarray,
    after_mask: int,
    tp_sends: np.ndarray,
    tp_after: np.ndarray,
    tp_trig: np.ndarray,
    tp_bit: np.ndarray,
    tp_lw: np.ndarray,
    tp_points: np.ndarray,
    tp_eng: np.ndarray,
    tp_scale: np.ndarray,
    tp_channel: np.ndarray,
    tp_lim: np.ndarray,
    tp_index: np.ndarray,
    # arrivals: this run's counts per week and entry stage, and first slot per week
    entry: np.ndarray,
    arrivals: np.ndarray,
    start: np.ndarray,
    # outputs
    record: np.ndarray,
    entries: np.ndarray,
    edge_moves: np.ndarray,
    handoff_moves: np.ndarray,
    stall_starts: np.ndarray,
    stall_weeks: np.ndarray,
    mqls: np.ndarray,
    handoffs: np.ndarray,
    queued_w: np.ndarray,
    sends_out: np.ndarray,
    engaged_out: np.ndarray,
    ch_touches: np.ndarray,
    won_after: np.ndarray,
    moved_in: np.ndarray,
    moved_out: np.ndarray,
    stalled: np.ndarray,
    regressed: np.ndarray,
    held_log: np.ndarray,
    queued_log: np.ndarray,
    hold_pw: np.ndarray,
    ever: np.ndarray,
    ever_missing: np.ndarray,
    ever_short: np.ndarray,
) -> None:
    """Weeks t0 .. t1 - 1 of run r (state[0]: the sales queue's length, carried between calls).

    One pass over the run's leads does steps 1 and 3 and lists the leads due an outcome:
    the queued leads handed off this week are known before it (first come, first served:
    the leads queued in earlier weeks come first), so they move before the pass; the leads
    qualifying in the pass join the queue behind them, and those served this week move
    after it; their touchpoints are then worked out with their stage after the hand-off.
    """
    N = key.size
    T = tp_index.size
    G = g_min.size
    n_lift = lift_until.shape[0]
    code_cnt[:] = 0
    for t in range(t0, t1):
        n_act = state[1]  # the leads in open stages at the last pass, and the arrivals since
        w_act = 0
        n_pend = 0
        nd = 0
        for c in range(capacity.size):
            remaining[c] = capacity[c] if capacity[c] > 0 else 0
        if T:
            n_cand[:] = 0
        # -- 2a. queued leads served this week, from the earlier weeks' queue ---------------
        qold = state[0]
        qlen = qold
        room = N
        if has_score and sc_channel >= 0 and capacity[sc_channel] >= 0:
            room = remaining[sc_channel]
        served_old = min(qold, room) if has_score else 0
        for q in range(served_old):
            _handoff(
                rng, queue[q], t, r, weeks, P, L, to_stage, key, hold, arrived, entered, next_draw, visited, score,
                mask, counts, wait_scale, is_won, entries, handoff_moves, won_after, moved_in, moved_out,
            )  # fmt: skip
        # -- 1 and 3: decay, lifts ending, qualifying (and hand-offs), touchpoints; the leads due
        nq = 0
        for x_act in range(n_act):
            i = act[x_act]
            if not open_key[key[i]]:
                continue  # closed: dropped from the list
            act[w_act] = i
            w_act += 1
            if n_lift and lift_min[i] < t:  # a lift may have ended (lift_min: the earliest end, or later)
                m = mask[i]
                low = BIG
                for bit in range(n_lift):
                    if m >> bit & 1:
                        if lift_until[bit, i] < t:
                            m &= ~(1 << bit)
                            mask[i] = m
                            if depends[bit, (key[i] << L) | m] and not pflag[i]:
                                pflag[i] = 1
                                pend[n_pend] = i
                                n_pend += 1
                        else:
                            low = min(low, lift_until[bit, i])
                lift_min[i] = low
            if has_score:
                s = score[i] * keep
                score[i] = s
                if s >= threshold[key[i]] and hold[i] < t:
                    # queued behind the earlier weeks' queue and this week's earlier leads:
                    # handed off now if that place is served this week
                    hold[i] = BIG
                    next_draw[i] = NEVER
                    if qold + nq < room:
                        _handoff(
                            rng, i, t, r, weeks, P, L, to_stage, key, hold, arrived, entered, next_draw, visited,
                            score, mask, counts, wait_scale, is_won, entries, handoff_moves, won_after, moved_in,
                            moved_out,
                        )  # fmt: skip
                    else:
                        queue[qlen] = i
                        qsince[qlen] = t
                        qlen += 1
                    nq += 1
            if T:
                k = key[i]
                base = k * width
                since = base + t - entered[i]
                # the simple touchpoints due (code 0: none, never engaged): the lead is the
                # code_cnt-th of its code this week; code_hit says which one engages next. Leads take
                # four lanes in turn, each with its own counts (independent Bernoulli sequences
                # alike), so that consecutive leads do not wait on one counter
                c = tcode[since]
                lane = (c << 2) | (x_act & 3)
                n = code_cnt[lane] + 1
                code_cnt[lane] = n
                if n == code_hit[lane]:
                    code_hit[lane] = n + 1 + _gap(rng, code_scale[c])
                    yet = False
                    for x in range(code_len[c]):
                        j = code_tps[c, x]
                        p = tp_eng[j] if yet else code_cond[c, x]
                        if p >= 1.0 or _uniform(rng) < p:  # (a set of one engages surely: no draw)
                            yet = True
                            n_pend = _engaged(
                                t, r, i, j, 1, L, key, score, mask, lift_until, lift_min, last_eng, pend, pflag,
                                n_pend, depends, has_score, tp_points, tp_trig, tp_bit, tp_lw, tp_index, engaged_out,
                            )  # fmt: skip
                bits = pat[since] | after_mask
                if bits:  # (closed leads left the list at the top of the pass)
                    j = 0
                    while bits:
                        if not bits & 1:
                            bits >>= 1
                            j += 1
                            continue
                        bits >>= 1
                        a = tp_after[j]
                        if a < 0:
                            n = int(tp_sends[j, since])  # (int16 tables)
                        else:
                            last = last_eng[a, i]
                            n = int(tp_sends[j, base + (width - 1 if last < 0 else t - last)])
                        if n > 0:
                            lim = tp_lim[j]
                            if lim >= 0:
                                x = n_cand[lim]
                                cand[lim, x] = i
                                cand_n[lim, x] = n
                                n_cand[lim] = x + 1
                            else:
                                sends_out[r, tp_index[j]] += n
                                ch_touches[r, tp_channel[j]] += n
                                got = _trials(rng, skip, j, n, tp_scale[j])
                                if got:
                                    n_pend = _engaged(
                                        t, r, i, j, got, L, key, score, mask, lift_until, lift_min, last_eng, pend,
                                        pflag, n_pend, depends, has_score, tp_points, tp_trig, tp_bit, tp_lw,
                                        tp_index, engaged_out,
                                    )  # fmt: skip
                        j += 1
            if next_draw[i] == t:
                due[nd] = i
                nd += 1
        # -- 2b. the queue at the end of the week ---------------------------------------------
        if has_score:
            mqls[r, t] += nq
            served = min(qold + nq, room)
            if sc_channel >= 0:
                if capacity[sc_channel] >= 0:
                    remaining[sc_channel] -= served
                ch_touches[r, sc_channel] += served
            handoffs[r, t] += served
            fresh = 0
            for q in range(served_old, qlen):
                i = queue[q]
                queue[q - served_old] = i
                qsince[q - served_old] = qsince[q]
                queued_log[t, key[i] // P] += 1.0
                if qsince[q] == t:
                    fresh += 1
                    stalled[t, key[i] // P] += 1.0
            qlen -= served_old
            state[0] = qlen
            stall_starts[r, q_cause] += fresh
            stall_weeks[r, q_cause] += qlen
            queued_w[r, t] = qlen
        # -- 3b. limited channels: each touchpoint in order serves a random order's prefix ----
        for j in range(T):
            lim = tp_lim[j]
            if lim < 0:
                continue
            m = n_cand[lim]
            if m == 0:
                continue
            ch = tp_channel[j]
            demand = 0
            for x in range(m):
                demand += cand_n[lim, x]
            left = remaining[ch]
            if demand <= left:
                upto = m
                used = demand
            else:
                used = 0
                upto = 0
                while upto < m:
                    y = upto + _below(rng, m - upto)
                    ci, cn = cand[lim, y], cand_n[lim, y]
                    if used + cn > left:
                        break
                    cand[lim, y], cand_n[lim, y] = cand[lim, upto], cand_n[lim, upto]
                    cand[lim, upto], cand_n[lim, upto] = ci, cn
                    used += cn
                    upto += 1
            remaining[ch] = left - used
            sends_out[r, tp_index[j]] += used
            ch_touches[r, ch] += used
            for x in range(upto):
                got = _trials(rng, skip, j, cand_n[lim, x], tp_scale[j])
                if got:
                    n_pend = _engaged(
                        t, r, cand[lim, x], j, got, L, key, score, mask, lift_until, lift_min, last_eng, pend, pflag,
                        n_pend, depends, has_score, tp_points, tp_trig, tp_bit, tp_lw, tp_index, engaged_out,
                    )  # fmt: skip
        # -- 4. leads whose chances changed draw their wait again ----------------------------
        for x in range(n_pend):
            i = pend[x]
            pflag[i] = 0
            h = hold[i]
            was = next_draw[i]
            if h == BIG:
                next_draw[i] = NEVER
            else:
                next_draw[i] = _wait(rng, wait_scale[(key[i] << L) | mask[i]], max(h + 1, t), weeks)
            if next_draw[i] == t and was != t:
                due[nd] = i
                nd += 1
        # -- 5. outcomes: draw them (gates see the keys before this week's moves), then apply --
        n_out = 0
        for x in range(nd):
            i = due[x]
            if next_draw[i] != t:
                continue
            k = key[i]
            row = (k << L) | mask[i]
            u = _uniform(rng)
            code = k * K
            for col in range(K - 1):
                if u >= cond[col, row]:
                    code += 1
            g = code_gate[code]
            if G and g >= 0 and mark[g, i // b] == t:
                code = -1 - code  # the account was held this week (its members' keys are as then)
            elif G and g >= 0:
                # the account's members (a lead without accounts is a committee of one)
                first = (i // b) * b
                total = 0.0
                ready = 0.0
                have = 0
                for mbr in range(first, min(first + b, N)):
                    km = key[mbr]
                    total += g_weight[g, km]
                    ready += g_ready[g, km]
                    have |= g_roles[g, km]  # the required roles (bits) of ready members
                share = ready / total if total > 0 else 0.0
                short = share < g_min[g]
                need = (1 << g_nroles[g]) - 1
                if short or have != need:
                    acc = i // b
                    if mark[g, acc] != t:
                        mark[g, acc] = t
                        hold_pw[g, r, t] += 1
                    acc += acc_base
                    ever[g, acc] = True
                    for ro in range(g_nroles[g]):
                        if not have >> ro & 1:
                            ever_missing[g, ro, acc] = True
                    if short:
                        ever_short[g, acc] = True
                    code = -1 - code  # held: the lead stays
            due[n_out] = i
            dcode[n_out] = code
            n_out += 1
        for x in range(n_out):
            i = due[x]
            code = dcode[x]
            first = t + 1
            if code >= 0:
                kind = code_kind[code]
                if kind == 1:  # a stall of d weeks: draws again from week t + d + 1
                    st = code_stall[code]
                    sk = st_kind[st]
                    if sk == 0:
                        d = st_lo[st]
                    elif sk == 1:
                        d = st_lo[st] + _below(rng, st_hi[st] - st_lo[st] + 1)
                    else:
                        d = _geometric(rng, st_p[st])
                    hold[i] = min(t + d, max_hold)
                    stage = key[i] // P
                    stalled[t, stage] += 1.0
                    held_log[t, stage] += 1.0
                    held_log[min(t + d, weeks + 1), stage] -= 1.0
                    cause = st_cause[st]
                    stall_starts[r, cause] += 1
                    stall_weeks[r, cause] += min(d, weeks - t)
                    first += min(d, 20000)
                elif kind == 2:
                    old = key[i]
                    new = code_key[code]
                    stage = code_stage[code]
                    edge = code_edge[code]
                    counts[old] -= 1
                    counts[new] += 1
                    edge_moves[r, edge] += 1
                    moved_out[t, old // P] += 1.0
                    moved_in[t, stage] += 1.0
                    if regression[edge]:
                        regressed[t] += 1.0
                    key[i] = new
                    entered[i] = t
                    if _visit(visited, i, stage):
                        entries[r, stage] += 1
                    if is_won[stage]:
                        won_after[t - arrived[i]] += 1
            next_draw[i] = _wait(rng, wait_scale[(key[i] << L) | mask[i]], first, weeks)
        # -- 6. arrivals ----------------------------------------------------------------------
        i = start[t]
        n_act = w_act
        for e in range(entry.size):
            stage = entry[e]
            n = arrivals[t, e]
            moved_in[t, stage] += n
            for _ in range(n):
                k = stage * P + key[i] % P
                key[i] = k
                entered[i] = t
                arrived[i] = t
                hold[i] = t
                _visit(visited, i, stage)
                entries[r, stage] += 1
                counts[k] += 1
                if open_key[k]:
                    next_draw[i] = _wait(rng, wait_scale[k << L], t + 1, weeks)
                    act[n_act] = i
                    n_act += 1
                i += 1
        state[1] = n_act
        for k in range(counts.size):
            record[t, r, k] = counts[k]
    # sends of the grouped touchpoints, counted per code; code_hit from the next call's count
    for c in range(1, code_len.size):
        n = 0
        for lane in range(c << 2, (c + 1) << 2):
            code_hit[lane] -= code_cnt[lane]
            n += code_cnt[lane]
        if n:
            for x in range(code_len[c]):
                j = code_tps[c, x]
                sends_out[r, tp_index[j]] += n
                ch_touches[r, tp_channel[j]] += n
