"""The count engine's weekly draws, compiled: many multinomials as exact conditional binomials.

A week of the count engine splits every (run, state) cell's leads by a multinomial over the
state's outcomes. numpy's ``Generator.multinomial`` does this in C, but each of its binomials
re-derives its BTPE set-up and pays a general-purpose loop, about 0.2 us a binomial: for the
flagship's plain chain (24 random states, 20 runs, 104 weeks, ~90 binomials per run and week)
that is three quarters of a sweep scenario's time.

This module draws the same distribution with numba-compiled loops:

- a multinomial is its conditional binomials, in the order of the state's outcome columns
  (the likeliest last: it takes the rest), stopping when no lead is left;
- a binomial with mean n*min(p, 1-p) below 10 is drawn by inversion (walking the pmf from 0);
  above, by Hoermann's BTRS transformed rejection ("The generation of binomial random
  variates", J. Statist. Comput. Simul. 46, 1993), the algorithm TensorFlow, PyTorch and JAX
  use. Its exact acceptance test compares log-factorials, read from a table for counts up to
  ``TABLE`` (math.lgamma above).

Both are exact: the draws have the binomial distribution, so the count engine keeps the
per-lead engine's distribution (tests/unit/sim/test_counts.py checks the engine against the
exact forecast with the kernel forced on, and tests/unit/sim/test_kernel.py checks the
binomials against their pmf). The uniforms come from the engine's own numpy Generator
(numba calls its bit generator), so a seed gives the same draws on every machine.

The count engine imports this module (and numba) only when a run is large enough to gain
(`counts.KERNEL_CELLS`): importing numba costs about half a second, which a small forecast
must not pay. Compiled code is cached on disk by numba (``cache=True``), so only the first
run on a machine compiles (a few seconds).
"""

from __future__ import annotations

import math
from typing import Any

import numba as nb
import numpy as np

TABLE = 1 << 17
"""log(k!) is tabulated for k below this (1 MB); larger counts use math.lgamma."""

INVERSION_MEAN = 10.0
"""Below this mean n*min(p, 1-p) a binomial is drawn by inversion, above by BTRS (its hat
function is proven to dominate from 10 on)."""


@nb.njit(cache=True, inline="always")
def _logfact(table: np.ndarray, k: float) -> float:
    i = int(k)
    if i < table.size:
        return float(table[i])
    return math.lgamma(k + 1.0)


@nb.njit(cache=True, nogil=True)
def _binomial(rng: Any, n: int, p: float, table: np.ndarray) -> int:
    """One Binomial(n, p) draw: inversion for a small mean, BTRS above."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    if flip:
        p = 1.0 - p
    return _draw(rng, n, p, flip, math.log1p(-p), math.log(p / (1.0 - p)), table)


@nb.njit(cache=True, nogil=True)
def _draw(rng: Any, n: int, p: float, flip: bool, lq: float, lpq: float, table: np.ndarray) -> int:
    """Binomial(n, p) for 0 < p <= 1/2 (n minus it when ``flip``), with lq = log(1 - p) and
    lpq = log(p / (1 - p)) given: a run computes them once per outcome, not once per draw."""
    q = 1.0 - p
    if n * p < INVERSION_MEAN:
        # inversion: the smallest k whose cdf reaches u (bounded by n against rounding)
        r = p / q
        f = math.exp(n * lq)
        u = rng.random()
        k = 0
        while u > f and k < n:
            u -= f
            f *= r * (n - k) / (k + 1)
            k += 1
    else:
        # BTRS: a transformed-rejection draw; the box test accepts most draws outright, the
        # rest compare with the exact log pmf ratio log f(k) - log f(m) (m the mode)
        spq = math.sqrt(n * p * q)
        b = 1.15 + 2.53 * spq
        a = -0.0873 + 0.0248 * b + 0.01 * p
        c = n * p + 0.5
        vr = 0.92 - 4.2 / b
        # the exact test's constants, computed when a draw first needs them
        alpha = m = h = 0.0
        ready = False
        while True:
            u = rng.random() - 0.5
            v = rng.random()
            us = 0.5 - abs(u)
            kf = math.floor((2.0 * a / us + b) * u + c)
            if kf < 0.0 or kf > n:
                continue
            if us >= 0.07 and v <= vr:
                break
            if not ready:
                alpha = (2.83 + 5.1 / b) * spq
                m = math.floor((n + 1) * p)
                h = _logfact(table, m) + _logfact(table, n - m)
                ready = True
            v = math.log(v * alpha / (a / (us * us) + b))
            if v <= h - _logfact(table, kf) - _logfact(table, n - kf) + (kf - m) * lpq:
                break
        k = int(kf)
    return n - k if flip else k


@nb.njit(cache=True, nogil=True)
def _multinomial(rng: Any, cur: np.ndarray, pv: np.ndarray, out: np.ndarray, table: np.ndarray) -> None:
    """out[i, x*w + j]: the leads of cell (i, x) taking outcome j; cur (B, X), pv (X, w)."""
    B, X = cur.shape
    w = pv.shape[1]
    for i in range(B):
        for x in range(X):
            left = cur[i, x]
            rest = 1.0
            base = x * w
            for j in range(w - 1):
                pj = pv[x, j]
                if left <= 0 or pj <= 0.0 or rest <= 0.0:
                    out[i, base + j] = 0
                    continue
                k = _binomial(rng, left, min(pj / rest, 1.0), table)
                out[i, base + j] = k
                left -= k
                rest -= pj
            out[i, base + w - 1] = left


@nb.njit(cache=True, nogil=True)
def _run_closed(
    rng: Any,
    counts: np.ndarray,
    rand: np.ndarray,
    cp: np.ndarray,
    flip: np.ndarray,
    lq: np.ndarray,
    lpq: np.ndarray,
    first: np.ndarray,
    dest: np.ndarray,
    fixed: np.ndarray,
    fixed_dest: np.ndarray,
    key: np.ndarray,
    held: np.ndarray,
    record: np.ndarray,
    col_total: np.ndarray,
    hold_weeks: np.ndarray,
    table: np.ndarray,
    r0: int,
    r1: int,
) -> None:
    """Every week of runs r0..r1-1 of a journey without arrivals (one cohort), run by run.

    counts (R, X) the leads per state, updated in place; rand (Xr,) the random states, each
    drawing its outcome columns first[i]..K-1 (padded at the front) in turn: column j takes
    Binomial(leads left, cp[i, j]), its chance given the columns before it were not taken
    (the last takes the rest; `_conditional` gives flip, lq, lpq), to dest[i, j]; fixed
    states move whole to fixed_dest. Adds to record
    (W + 1, R, SP) the leads per key (stage x persona, key[x]) after each week t >= 1,
    col_total (R, Xr * K) the leads that took each outcome column, hold_weeks (R, X) the
    lead-weeks spent in each hold state (held[x]) counted at the start of each week.
    """
    X = counts.shape[1]
    W = record.shape[0] - 1
    K = cp.shape[1]
    new = np.zeros(X, dtype=np.int64)
    cur = np.zeros(X, dtype=np.int64)
    for r in range(r0, r1):
        cur[:] = counts[r]
        for t in range(1, W + 1):
            for x in range(X):
                if held[x]:
                    hold_weeks[r, x] += cur[x]
            new[:] = 0
            for i in range(rand.size):
                left = cur[rand[i]]
                for j in range(first[i], K - 1):
                    if left <= 0:
                        break
                    p = cp[i, j]
                    if p <= 0.0:
                        continue
                    k = left if p >= 1.0 else _draw(rng, left, p, flip[i, j], lq[i, j], lpq[i, j], table)
                    if k > 0:
                        new[dest[i, j]] += k
                        col_total[r, i * K + j] += k
                        left -= k
                if left > 0:
                    new[dest[i, K - 1]] += left
                    col_total[r, i * K + K - 1] += left
            for f in range(fixed.size):
                new[fixed_dest[f]] += cur[fixed[f]]
            cur[:] = new
            for x in range(X):
                record[t, r, key[x]] += cur[x]
        counts[r] = cur


@nb.njit(cache=True)
def _binomials(rng: Any, n: int, p: float, out: np.ndarray, table: np.ndarray) -> None:
    for i in range(out.size):
        out[i] = _binomial(rng, n, p, table)


_TABLE: np.ndarray | None = None


def _table() -> np.ndarray:
    global _TABLE
    if _TABLE is None:
        _TABLE = np.array([math.lgamma(k + 1.0) for k in range(TABLE)])
    return _TABLE


def multinomial(rng: np.random.Generator, cur: np.ndarray, pv: np.ndarray) -> np.ndarray:
    """(B, X * w) draws: for each row i and state x, Multinomial(cur[i, x], pv[x]) in columns x*w..x*w+w-1."""
    B, X = cur.shape
    out = np.empty((B, X * pv.shape[1]), dtype=np.int64)
    _multinomial(rng, np.ascontiguousarray(cur, dtype=np.int64), pv, out, _table())
    return out


def binomials(rng: np.random.Generator, n: int, p: float, size: int) -> np.ndarray:
    """``size`` draws of Binomial(n, p) by the kernel's sampler (for its tests)."""
    out = np.empty(size, dtype=np.int64)
    _binomials(rng, int(n), float(p), out, _table())
    return out


def _conditional(pv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per outcome column of each row of chances: its chance given the columns before it
    were not taken (cp, at most 1), and for the binomial with that chance whether it is drawn
    as its complement (flip: cp > 1/2), log(1 - p) and log(p / (1 - p)) of p = min(cp, 1 - cp)."""
    before = np.cumsum(pv, axis=1) - pv
    rest = 1.0 - before
    cp = np.zeros_like(pv)
    np.divide(pv, rest, out=cp, where=rest > 0)
    cp = np.ascontiguousarray(np.clip(cp, 0.0, 1.0))
    flip = cp > 0.5
    p = np.where(flip, 1.0 - cp, cp)
    live = (p > 0) & (cp < 1.0)  # the others never reach a draw
    lq = np.zeros_like(p)
    lpq = np.zeros_like(p)
    np.log1p(-p, out=lq, where=live)
    np.log(p / np.where(live, 1.0 - p, 1.0), out=lpq, where=live)
    return cp, np.ascontiguousarray(flip), lq, lpq


def run_closed(
    rng: np.random.Generator,
    counts: np.ndarray,
    sp: Any,
    record: np.ndarray,
    col_total: np.ndarray,
    hold_weeks: np.ndarray,
    r0: int,
    r1: int,
) -> None:
    """All weeks of runs r0..r1-1 of a count run without arrivals (see `_run_closed`); ``sp``
    a counts.StateSpace."""
    first = np.argmax(sp.pvals > 0, axis=1).astype(np.int64) if sp.pvals.size else np.zeros(0, dtype=np.int64)
    cp, flip, lq, lpq = _conditional(sp.pvals)
    _run_closed(
        rng,
        counts,
        sp.random,
        cp,
        flip,
        lq,
        lpq,
        first,
        np.ascontiguousarray(sp.dest),
        sp.fixed,
        sp.fixed_dest,
        sp.key,
        sp.hold_cause >= 0,
        record,
        col_total,
        hold_weeks,
        _table(),
        r0,
        r1,
    )
