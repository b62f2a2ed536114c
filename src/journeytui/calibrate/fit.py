"""Fit a journey's weekly numbers from stage history (docs/calibration.md states every estimator).

The model is the simulator's (docs/simulation.md): each week a free lead in an open stage draws
one outcome: a move along transition i (chance p_i), a stall j (chance s_j, then on hold for d
weeks), or staying. With the moves observed and each lead's stay right-censored at the as-of
date, the maximum-likelihood p_i is moves_i / free lead-weeks at risk in the stage. Weeks on hold
are not observed; for a stage with stalls the free weeks are their expectation given each stay's
length (EM over the stall phase chain, with the journey's stall durations held fixed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from journeytui.calibrate.events import EventLog
from journeytui.model.edit import add_transition, set_field
from journeytui.model.types import Duration, Journey, Stall, Transition

WEEK = 7 * 86400
Z = 1.959963984540054
"""The normal quantile of a two-sided 95% interval."""

THIN_MOVES = 10
THIN_WEEKS = 100
"""Evidence below this many moves or lead-weeks at risk is flagged as thin."""

PRIOR_WEEKS = 100.0
"""Per-persona shrinkage: the pooled estimate counts as this many lead-weeks of prior evidence."""


def wilson(x: float, n: float) -> tuple[float, float]:
    """The 95% Wilson score interval for x successes in n trials (0..1 when n is 0)."""
    if n <= 0:
        return 0.0, 1.0
    p = x / n
    den = 1 + Z * Z / n
    mid = (p + Z * Z / (2 * n)) / den
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def poisson_interval(x: float, t: float) -> tuple[float, float]:
    """The 95% score interval for a Poisson rate with x events in t weeks."""
    if t <= 0:
        return 0.0, 0.0
    half = Z * math.sqrt(x + Z * Z / 4)
    return max(0.0, (x + Z * Z / 2 - half) / t), (x + Z * Z / 2 + half) / t


@dataclass
class Change:
    """One fitted value: where it goes, the file's value, the estimate and its evidence."""

    kind: str  # transition, stall, arrival, initial
    path: tuple[Any, ...]
    label: str
    before: float | None
    after: float
    low: float | None = None
    high: float | None = None
    moves: float = 0.0
    at_risk: float = 0.0
    thin: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Calibration:
    """Everything a fit found: the changes to make and what the data says beyond them."""

    journey_id: str
    as_of: str
    weeks: int
    leads: int
    events: int
    changes: list[Change] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    handoff_moves: list[dict[str, Any]] = field(default_factory=list)
    """Moves the scoring hand-off explains (full model only): not missing transitions."""
    unseen: list[dict[str, Any]] = field(default_factory=list)
    stall_fits: list[dict[str, Any]] = field(default_factory=list)
    proposals: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    full_model: dict[str, Any] | None = None
    """How the transition values were matched to the journey's full model (None: its plain chain is
    its full model, or the fit was asked for the plain chain): calibrate/fullmodel.py."""

    def to_json(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(float(v), 6)

        trans = [
            {
                "from": c.extra["from"],
                "to": c.extra["to"],
                "persona": c.extra.get("persona"),
                "before": r(c.before),
                "after": r(c.after),
                "observed": r(c.extra.get("observed", c.after)),
                "low": r(c.low),
                "high": r(c.high),
                "moves": int(c.moves),
                "at_risk": round(c.at_risk, 2),
                "thin": bool(c.thin),
            }
            for c in self.changes
            if c.kind == "transition"
        ]
        stalls = [
            {
                **{k: v for k, v in c.extra.items() if k != "index"},
                "before": r(c.before),
                "after": r(c.after),
                "low": r(c.low),
                "high": r(c.high),
                "starts": round(c.moves, 2),
                "at_risk": round(c.at_risk, 2),
                "thin": bool(c.thin),
            }
            for c in self.changes
            if c.kind == "stall"
        ]
        arrivals = {
            c.extra["stage"]: {
                "before": r(c.before),
                "after": r(c.after),
                "low": r(c.low),
                "high": r(c.high),
                "leads": int(c.moves),
                "weeks": int(c.at_risk),
            }
            for c in self.changes
            if c.kind == "arrival"
        }
        initial = {
            c.extra["stage"]: {"before": r(c.before), "after": int(c.after)}
            for c in self.changes
            if c.kind == "initial"
        }
        return {
            "journey": self.journey_id,
            "as_of": self.as_of,
            "weeks": self.weeks,
            "leads": self.leads,
            "events": self.events,
            "transitions": trans,
            "stalls": stalls,
            "stall_fits": self.stall_fits,
            "stall_proposals": self.proposals,
            "arrivals": arrivals,
            "initial": initial,
            "full_model": self.full_model,
            "missing_transitions": self.missing,
            "handoff_moves": self.handoff_moves,
            "unseen_transitions": self.unseen,
            "warnings": self.warnings,
        }


@dataclass
class _Stays:
    """One row per stay in an open stage: stage, weeks observed, where it went (-1: censored), persona."""

    stage: np.ndarray
    weeks: np.ndarray
    dest: np.ndarray
    persona: np.ndarray


MEAN_GRID = (2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0)
"""Geometric hold means tried when proposing a stall or checking a geometric stall's duration."""

PROPOSE_LR = 10.0
"""A stall is proposed when 2 x the log-likelihood gain over one weekly rate exceeds this (the mean
is picked from a grid, so the chi-squared(1) 3.84 would propose too often; 10 is above the 1% point
of chi-squared(2), 9.21)."""

MIN_PROPOSE_STAYS = 50


def propose_stall(stage: str, weeks: np.ndarray, done: np.ndarray, group: np.ndarray) -> dict[str, Any] | None:
    """For a stage without stalls: the best geometric stall (chance and mean from MEAN_GRID) when
    its likelihood beats one weekly rate by more than PROPOSE_LR; else None."""
    if weeks.size < MIN_PROPOSE_STAYS or not done.any():
        return None
    best: dict[str, Any] | None = None
    for mean in MEAN_GRID:
        st = Stall(stage=stage, probability=0.02, duration=Duration(kind="geometric", mean=mean), cause="proposed")
        _m, stall, _p, _s, ll, ll0 = _em_stage(_Phases([st]), weeks, done, group, np.array([0.02]), iters=25)
        lr = 2 * (ll - ll0)
        if best is None or lr > best["lr_statistic"]:
            best = {
                "stage": stage,
                "probability": round(float(stall[0]), 6),
                "duration": "geometric",
                "mean": mean,
                "lr_statistic": round(lr, 3),
            }
    if best is None or best["lr_statistic"] <= PROPOSE_LR or best["probability"] < 1e-3:
        return None
    best["judged"] = f"LR {best['lr_statistic']:.1f} > {PROPOSE_LR:g}: proposed, not written"
    return best


def _duration_check(
    journey: Journey,
    stalls: list[tuple[int, Stall]],
    phases: _Phases,
    weeks: np.ndarray,
    done: np.ndarray,
    group: np.ndarray,
    start: np.ndarray,
    ll: float,
) -> list[dict[str, Any]]:
    """For each geometric stall: the best mean on MEAN_GRID (others held) and its log-likelihood
    gain over the journey's mean. Reported, not written: durations are the planner's."""
    out = []
    for k, (_j, st) in enumerate(stalls):
        if st.duration.kind != "geometric":
            continue
        best_mean, best_ll = float(st.duration.mean or 1.0), ll
        for mean in MEAN_GRID:
            trial = [s for _, s in stalls]
            trial[k] = Stall(
                stage=st.stage,
                probability=st.probability,
                duration=Duration(kind="geometric", mean=mean),
                cause=st.cause,
            )
            res = _em_stage(_Phases(trial), weeks, done, group, start, iters=40)
            if res[4] > best_ll:
                best_mean, best_ll = mean, res[4]
        out.append(
            {
                "cause": st.cause,
                "mean": st.duration.mean,
                "best_mean": best_mean,
                "lr_statistic": round(2 * (best_ll - ll), 3),
                "judged": "the journey's mean fits as well (LR <= 3.84)"
                if 2 * (best_ll - ll) <= 3.84
                else f"a mean of {best_mean:g} weeks fits better (LR > 3.84); not written",
            }
        )
    return out


MAX_HISTORY_WEEKS = 2_600
"""A history longer than 50 years is refused, at its oldest row: such a date is a CRM's
placeholder, not a lead, and the fit's work grows with the square of the longest stay (one
event 40,000 weeks old took 860 s of CPU)."""


def week_numbers(ts: np.ndarray, as_of: int) -> tuple[np.ndarray, int]:
    """Week of each time, counted so that week K ends exactly at ``as_of`` and week 0 holds the earliest."""
    back = (as_of - 1 - ts) // WEEK  # 0: the 7 days ending at as_of
    k = int(back.max()) if back.size else 0
    return (k - back).astype(np.int64), k


def _stays(log: EventLog, weeks: np.ndarray, last_week: int, open_stage: np.ndarray) -> tuple[_Stays, int]:
    """Each lead's stays from its entries: a move ends one; the as-of date censors the last one."""
    lead, stage = log.lead, log.stage
    same = np.zeros(lead.size, dtype=bool)
    same[:-1] = lead[1:] == lead[:-1]
    nxt_stage = np.full(lead.size, -1, dtype=np.int64)
    nxt_stage[:-1] = stage[1:]
    nxt_week = np.full(lead.size, last_week, dtype=np.int64)
    nxt_week[:-1] = weeks[1:]
    nxt_week = np.where(same, nxt_week, last_week)
    dest = np.where(same, nxt_stage, -1)
    keep = open_stage[stage]
    d = nxt_week - weeks
    zero = keep & (d == 0) & (dest >= 0)
    persona_of = _persona_codes(log)
    stays = _Stays(
        stage[keep].astype(np.int64),
        np.maximum(d[keep], 0),
        dest[keep],
        persona_of[lead[keep]],
    )
    # two moves in one week: the weekly model allows one, so the stay counts as one week at risk
    stays.weeks = np.where((stays.weeks == 0) & (stays.dest >= 0), 1, stays.weeks)
    return stays, int(zero.sum())


def _persona_codes(log: EventLog) -> np.ndarray:
    names = sorted({p for p in log.personas if p is not None})
    code = {p: i for i, p in enumerate(names)}
    return np.array([code.get(p, -1) if p is not None else -1 for p in log.personas], dtype=np.int64)


# -- stalls: the phase chain of one stage --------------------------------------------------------
def _hold_chain(stall: Stall) -> tuple[np.ndarray, np.ndarray]:
    """A stall's hold phases: the within-hold transition matrix and the entry distribution."""
    d = stall.duration
    if d.kind == "geometric":
        m = float(d.mean or 1.0)
        return np.array([[1.0 - 1.0 / m]]), np.array([1.0])
    if d.kind == "fixed":
        k = int(d.weeks or 1)
        entry = np.zeros(k)
        entry[0] = 1.0
    else:
        lo, hi = int(d.min or 1), int(d.max or 1)
        k = hi
        entry = np.zeros(k)
        for dd in range(lo, hi + 1):
            entry[k - dd] += 1.0 / (hi - lo + 1)
    chain = np.zeros((k, k))
    for i in range(k - 1):
        chain[i, i + 1] = 1.0
    return chain, entry


class _Phases:
    """The stage's free state plus every stall's hold phases, for the EM's forward/backward sums."""

    def __init__(self, stalls: list[Stall]) -> None:
        self.blocks = [_hold_chain(s) for s in stalls]
        sizes = [b[0].shape[0] for b in self.blocks]
        self.n = 1 + sum(sizes)
        self.offsets = np.cumsum([1, *sizes])[:-1]
        self.base = np.zeros((self.n, self.n))
        self.entries = []
        for (chain, entry), off in zip(self.blocks, self.offsets, strict=True):
            k = chain.shape[0]
            self.base[off : off + k, off : off + k] = chain
            released = 1.0 - chain.sum(axis=1)
            self.base[off : off + k, 0] = released
            vec = np.zeros(self.n)
            vec[off : off + k] = entry
            self.entries.append(vec)

    def matrix(self, move: float, stall: np.ndarray) -> np.ndarray:
        q = self.base.copy()
        q[0, :] = 0.0
        q[0, 0] = 1.0 - move - float(stall.sum())
        for s, vec in zip(stall, self.entries, strict=True):
            q[0] += s * vec
        return q


def _expect(
    phases: _Phases, move: float, stall: np.ndarray, n_c: np.ndarray, n_z: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """E-step for one group of stays with one move chance: expected free weeks for a stay of each
    length that left (free_c) or was censored (free_z), expected starts of each stall, log-likelihood.

    Forward: a[j] = the distribution over the phase states after j weeks without leaving. Backward:
    g[r] = the chance of leaving exactly r weeks on, h[r] = of not leaving within r weeks. A stay of
    d weeks that left was free before week j+1 with weight a[j][free] g[d-j][free] (a convolution)."""
    D = n_c.size - 1
    powers = _powers(phases.matrix(move, stall), D)  # Q^0 .. Q^D
    a = powers[:, 0, :]  # forward: from the free state
    h = powers.sum(axis=2)  # h[r] = Q^r 1
    g = np.zeros((D + 1, phases.n))
    g[1:] = powers[:-1, :, 0] * move  # g[r] = Q^(r-1) e, e = the move chance from the free state
    a0 = a[:, 0]
    lc = np.concatenate([[1.0], a0[:-1] * move])
    lz = h[:, 0]
    lc_safe, lz_safe = np.where(lc > 0, lc, 1.0), np.where(lz > 0, lz, 1.0)
    free_c = np.convolve(a0, g[:, 0])[: D + 1] / lc_safe
    free_z = np.convolve(a0, np.concatenate([[0.0], h[1:, 0]]))[: D + 1] / lz_safe
    starts = np.zeros(stall.size)
    for i, (s, vec) in enumerate(zip(stall, phases.entries, strict=True)):
        u = np.concatenate([[0.0], g[1:] @ vec])
        v = h @ vec
        sc = s * np.concatenate([[0.0], np.convolve(a0, u)[:D]]) / lc_safe
        sz = s * np.concatenate([[0.0], np.convolve(a0, v)[:D]]) / lz_safe
        starts[i] = float((n_c * sc).sum() + (n_z * sz).sum())
    ll = float((n_c[1:] * np.log(np.maximum(lc[1:], 1e-300))).sum() + (n_z * np.log(np.maximum(lz, 1e-300))).sum())
    return free_c, free_z, starts, ll


def _powers(q: np.ndarray, D: int) -> np.ndarray:
    """Q^0 .. Q^D, by doubling: log2(D) batched products instead of D small ones."""
    out = np.eye(q.shape[0])[None]
    step = q
    while out.shape[0] < D + 1:
        out = np.concatenate([out, out @ step])
        step = step @ step
    return out[: D + 1]


def _counts(weeks: np.ndarray, done: np.ndarray, D: int) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.bincount(weeks[done], minlength=D + 1).astype(float),
        np.bincount(weeks[~done], minlength=D + 1).astype(float),
    )


def _em_stage(
    phases: _Phases,
    stays_w: np.ndarray,
    stays_done: np.ndarray,
    group: np.ndarray,
    start: np.ndarray,
    iters: int = 300,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, float]:
    """EM for one stage with stalls. Each group of stays (a persona whose moves out of the stage
    have their own chances) has its own total move chance; the stall chances are shared. Returns
    the move chance per group, the stall chances, expected free weeks per stay, expected starts per
    stall, and the log-likelihood with the stalls and with one weekly rate per group instead."""
    D = int(stays_w.max()) + 1 if stays_w.size else 1
    groups = np.unique(group)
    data = []
    for gi in groups:
        sel = group == gi
        n_c, n_z = _counts(stays_w[sel], stays_done[sel], D)
        data.append((sel, n_c, n_z, float(stays_done[sel].sum()), float(stays_w[sel].sum())))
    move = np.array([min(m / e, 0.5) if e else 0.0 for _, _, _, m, e in data])
    stall = np.clip(start.astype(float), 1e-4, 0.5)
    ll = -math.inf
    for _ in range(iters):
        starts = np.zeros(stall.size)
        free = np.zeros(len(data))
        new_ll = 0.0
        for k, (_sel, n_c, n_z, _m, _e) in enumerate(data):
            fc, fz, st, lg = _expect(phases, float(move[k]), stall, n_c, n_z)
            starts += st
            free[k] = float((n_c * fc).sum() + (n_z * fz).sum())
            new_ll += lg
        if free.sum() <= 0:
            break
        move = np.array([m / f if f > 0 else 0.0 for (_, _, _, m, _), f in zip(data, free, strict=True)])
        stall = starts / free.sum()
        done = abs(new_ll - ll) < 1e-9 * max(1.0, abs(new_ll))
        ll = new_ll
        if done:
            break
    per_stay = np.zeros(stays_w.size)
    ll = 0.0
    ll0 = 0.0
    for k, (sel, n_c, n_z, m, e) in enumerate(data):
        fc, fz, _, lg = _expect(phases, float(move[k]), stall, n_c, n_z)
        ll += lg
        per_stay[sel] = np.where(stays_done[sel], fc[stays_w[sel]], fz[stays_w[sel]])
        p0 = m / e if e else 0.0
        if 0 < p0 < 1:  # without stalls: a geometric wait with the closed-form rate
            w = np.arange(D + 1, dtype=float)
            ll0 += float((n_c * ((w - 1).clip(0) * math.log1p(-p0) + math.log(p0))).sum())
            ll0 += float((n_z * w * math.log1p(-p0)).sum())
    return move, stall, per_stay, starts, ll, ll0


def stall_se(
    phases: _Phases, move: np.ndarray, stall: np.ndarray, weeks: np.ndarray, done: np.ndarray, group: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Standard errors of the stall chances and of each group's total move chance, from the inverse
    of the observed-data likelihood's curvature (a numerical Hessian over all of them). The starts
    are latent and a short stall is hard to tell from a lower move chance, so counting the expected
    starts as observed, or varying one chance alone, would be far too sure."""
    D = int(weeks.max()) + 1 if weeks.size else 1
    data = [_counts(weeks[group == gi], done[group == gi], D) for gi in np.unique(group)]
    G = len(data)

    def ll(theta: np.ndarray) -> float:
        st = theta[G:]
        return sum(_expect(phases, float(m), st, n_c, n_z)[3] for m, (n_c, n_z) in zip(theta[:G], data, strict=True))

    theta = np.concatenate([move, stall])
    k = theta.size
    step = np.maximum(theta * 0.02, 1e-6)
    hess = np.zeros((k, k))
    base = ll(theta)
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * step[i], np.eye(k)[j] * step[j]
            if i == j:
                val = (ll(theta + ei) - 2 * base + ll(theta - ei)) / (step[i] ** 2)
            else:
                val = (ll(theta + ei + ej) - ll(theta + ei - ej) - ll(theta - ei + ej) + ll(theta - ei - ej)) / (
                    4 * step[i] * step[j]
                )
            hess[i, j] = hess[j, i] = val
    try:
        cov = np.linalg.inv(-hess)
        var = np.diag(cov)
    except np.linalg.LinAlgError:
        var = np.full(k, np.inf)
    se = np.sqrt(np.where(var > 0, var, np.inf))
    return se[G:], se[:G]


# -- the fit -------------------------------------------------------------------------------------
def parse_when(text: str, end_of_day: bool = True) -> int:
    """A --as-of / --cutoff value as UTC seconds; a plain date means the end of that day."""
    dt = datetime.fromisoformat(text.strip())
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    secs = int(dt.timestamp())
    if end_of_day and len(text.strip()) <= 10:
        secs += 86400
    return secs


def iso(secs: int) -> str:
    return datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def calibrate(
    journey: Journey,
    log: EventLog,
    as_of: int | None = None,
    add_missing: bool = False,
    personas: bool = True,
    full_model: bool = True,
) -> Calibration:
    """Fit ``journey``'s transitions, stalls, arrivals and initial occupancy from ``log`` at ``as_of``.

    With ``full_model`` (the default) the transition values are the base values under which the
    journey's full model (lifts, gates, hand-offs, capacity) reproduces the observed rates
    (calibrate/fullmodel.py); without it, or for a journey that is a plain chain, the observed rates."""
    if as_of is None:
        as_of = int(log.ts.max()) + 1
    later = log.ts >= as_of
    if later.all():
        raise ValueError(f"every event is on or after the as-of date {iso(as_of)}")
    warnings = list(log.warnings)
    if later.any():
        warnings.append(f"{int(later.sum())} events after the as-of date {iso(as_of)} were left out")
        keep = ~later
        log = EventLog(
            log.file,
            log.stages,
            log.lead_ids,
            log.personas,
            log.lead[keep],
            log.stage[keep],
            log.ts[keep],
            log.line[keep],
        )
    weeks, K = week_numbers(log.ts, as_of)
    if K > MAX_HISTORY_WEEKS:
        first = int(np.argmin(log.ts))
        raise ValueError(
            f"{log.file}:{int(log.line[first])}: the history starts {iso(int(log.ts[first]))}, {K:,} weeks before "
            f"the as-of date {iso(as_of)}: more than {MAX_HISTORY_WEEKS:,} weeks (50 years). A placeholder date "
            "(1900-01-01, 1970-01-01)? Fix or remove that row"
        )
    stage_ids = log.stages
    kinds = [journey.stage(s).kind for s in stage_ids]  # type: ignore[union-attr]
    open_stage = np.array([k == "open" for k in kinds])
    stays, same_week = _stays(log, weeks, K, open_stage)
    leads = len(log.lead_ids)
    cal = Calibration(journey.journey.id, iso(as_of), K, leads, int(log.lead.size), warnings=warnings)
    if same_week:
        cal.warnings.append(
            f"{same_week} moves followed the previous entry within the same week; the weekly model allows one move "
            "a week, so each counts as one week at risk"
        )
    out_of_closed = (~open_stage[log.stage[:-1]]) & (log.lead[1:] == log.lead[:-1])
    if out_of_closed.any():
        cal.warnings.append(
            f"{int(out_of_closed.sum())} moves out of won/lost stages were ignored (outcomes are final)"
        )

    persona_names = sorted({p for p in log.personas if p is not None})
    use_personas = personas and bool(persona_names)
    # expected free weeks at risk per stay (= the stay's weeks, unless the stage has stalls)
    at_risk = stays.weeks.astype(float)
    widen: dict[int, float] = {}
    for si, sid in enumerate(stage_ids):
        stalls = [(j, st) for j, st in enumerate(journey.stalls) if st.stage == sid]
        if not stalls or not open_stage[si]:
            continue
        mine = stays.stage == si
        if not mine.any():
            continue
        phases = _Phases([st for _, st in stalls])
        start = np.array([st.probability for _, st in stalls])
        w, done = stays.weeks[mine], stays.dest[mine] >= 0
        # personas whose moves out of this stage have their own chances wait differently: one group each
        split = use_personas and any(t.by_persona for t in journey.outgoing(sid))
        group = stays.persona[mine] if split else np.zeros(w.size, dtype=np.int64)
        move, stall, per_stay, starts, ll, ll0 = _em_stage(phases, w, done, group, start)
        at_risk[mine] = per_stay
        free = float(per_stay.sum())
        se, move_se = stall_se(phases, move, stall, w, done, group)
        # the move chances' intervals widen by how much less sure the stage's total move chance is
        # than if its free weeks had been observed (binomial)
        groups = np.unique(group)
        naive = [
            math.sqrt(max(m * (1 - m), 1e-12) / max(float(per_stay[group == g].sum()), 1e-9))
            for m, g in zip(move, groups, strict=True)
        ]
        widen[si] = max(1.0, *(e / n for e, n in zip(move_se, naive, strict=True) if math.isfinite(e)))
        for (j, st), s, n, e in zip(stalls, stall, starts, se, strict=True):
            low, high = max(0.0, s - Z * e), min(1.0, s + Z * e)
            cal.changes.append(
                Change(
                    "stall",
                    ("stalls", j, "probability"),
                    f"stall {sid} ({st.cause})",
                    st.probability,
                    float(s),
                    low,
                    high,
                    float(n),
                    free,
                    n < THIN_MOVES or free < THIN_WEEKS,
                    {"stage": sid, "cause": st.cause, "index": j},
                )
            )
        gain = 2 * (ll - ll0)
        cal.stall_fits.append(
            {
                "stage": sid,
                "loglik_with_stalls": round(ll, 3),
                "loglik_without": round(ll0, 3),
                "lr_statistic": round(gain, 3),
                "judged": "stalls fit better than one weekly rate (LR > 3.84, 5%)"
                if gain > 3.84
                else "one weekly rate explains the waits as well (LR <= 3.84)",
            }
        )

        for row in _duration_check(journey, stalls, phases, w, done, group, start, ll):
            cal.stall_fits[-1].setdefault("durations", []).append(row)
    for si, sid in enumerate(stage_ids):
        if open_stage[si] and not any(st.stage == sid for st in journey.stalls):
            mine = stays.stage == si
            split = use_personas and any(t.by_persona for t in journey.outgoing(sid))
            group = stays.persona[mine] if split else np.zeros(int(mine.sum()), dtype=np.int64)
            found = propose_stall(sid, stays.weeks[mine], stays.dest[mine] >= 0, group)
            if found:
                cal.proposals.append(found)
                cal.warnings.append(
                    f"{sid}: the waits have more long ones than one weekly rate makes; a stall of chance "
                    f"{found['probability']:.4f} with a geometric hold of mean {found['mean']:g} weeks fits better "
                    f"(LR {found['lr_statistic']:.1f}); see stall_proposals"
                )

    _fit_transitions(journey, cal, stays, at_risk, stage_ids, open_stage, persona_names if use_personas else [])
    if full_model:
        _handoff_moves(journey, cal)
    _missing_warning(cal)
    for c in cal.changes:  # stages with stalls: their move chances are less sure than the binomial says
        f = widen.get(stage_ids.index(c.extra["from"]), 1.0) if c.kind == "transition" else 1.0
        if f > 1.0 and c.low is not None and c.high is not None:
            c.low = max(0.0, c.after - f * (c.after - c.low))
            c.high = min(1.0, c.after + f * (c.high - c.after))
    _arrivals(journey, cal, log, weeks, K)
    _occupancy(journey, cal, log, weeks, K, open_stage)
    if full_model:
        from journeytui.calibrate.fullmodel import match_full_model

        # the design: the history's own, its starting cohort (week 0) and the fitted arrivals
        cohort = start_cohort(log, weeks, open_stage)
        cal.full_model = match_full_model(apply(journey, cal, initial=False), cal, cohort, K)
    return cal


def _fit_transitions(
    journey: Journey,
    cal: Calibration,
    stays: _Stays,
    at_risk: np.ndarray,
    stage_ids: list[str],
    open_stage: np.ndarray,
    persona_names: list[str],
) -> None:
    S = len(stage_ids)
    idx = {s: i for i, s in enumerate(stage_ids)}
    done = stays.dest >= 0
    moves = np.zeros((S, S))
    moves += np.bincount(stays.stage[done] * S + stays.dest[done], minlength=S * S).reshape(S, S)
    exposure = np.bincount(stays.stage, weights=at_risk, minlength=S)
    P = max(len(persona_names), 1)
    moves_p = np.zeros((P, S, S))
    expo_p = np.zeros((P, S))
    if persona_names:
        has = stays.persona >= 0
        sel = done & has
        flat = (stays.persona[sel] * S + stays.stage[sel]) * S + stays.dest[sel]
        moves_p += np.bincount(flat, minlength=P * S * S).reshape(P, S, S)
        flat = stays.persona[has] * S + stays.stage[has]
        expo_p += np.bincount(flat, weights=at_risk[has], minlength=P * S).reshape(P, S)
    known = {(t.from_, t.to) for t in journey.transitions}
    for i, t in enumerate(journey.transitions):
        a, b = idx[t.from_], idx[t.to]
        x, n = float(moves[a, b]), float(exposure[a])
        if x == 0:
            # never seen: the estimate would be 0, which may cut the journey apart; the planner's
            # value stays, and the report gives the evidence (and how high the chance could be)
            high = wilson(0, n)[1] if n > 0 else 1.0
            cal.unseen.append({"from": t.from_, "to": t.to, "at_risk": round(n, 1), "high": round(high, 6)})
            continue
        base_x, base_n = x, n
        if persona_names and t.by_persona:
            # `probability` applies to the personas without an override: fit it on their leads
            overridden = [persona_names.index(q) for q in t.by_persona if q in persona_names]
            base_x -= float(moves_p[overridden, a, b].sum())
            base_n -= float(expo_p[overridden, a].sum())
        if n == 0:
            continue
        p = base_x / base_n if base_n > 0 else x / n
        low, high = wilson(base_x, base_n) if base_n > 0 else wilson(x, n)
        cal.changes.append(
            Change(
                "transition",
                ("transitions", i, "probability"),
                f"{t.from_} -> {t.to}",
                t.probability,
                p,
                low,
                high,
                base_x,
                base_n,
                base_x < THIN_MOVES or base_n < THIN_WEEKS,
                {"from": t.from_, "to": t.to},
            )
        )
        pooled = x / n
        for q, before in t.by_persona.items():
            if q not in persona_names:
                continue
            k = persona_names.index(q)
            xq, nq = float(moves_p[k, a, b]), float(expo_p[k, a])
            # shrink toward the pooled rate: the pooled estimate counts as PRIOR_WEEKS lead-weeks
            shrunk = (xq + PRIOR_WEEKS * pooled) / (nq + PRIOR_WEEKS)
            low, high = wilson(xq + PRIOR_WEEKS * pooled, nq + PRIOR_WEEKS)
            cal.changes.append(
                Change(
                    "transition",
                    ("transitions", i, "by_persona", q),
                    f"{t.from_} -> {t.to} [{q}]",
                    before,
                    shrunk,
                    low,
                    high,
                    xq,
                    nq,
                    xq < THIN_MOVES or nq < THIN_WEEKS,
                    {"from": t.from_, "to": t.to, "persona": q},
                )
            )
        if t.by_persona and not persona_names:
            cal.warnings.append(
                f"{t.from_} -> {t.to} has per-persona values but the export has no persona column: "
                "`probability` was fitted on all leads and by_persona was left alone"
            )
    for a in range(S):
        for b in range(S):
            if moves[a, b] and (stage_ids[a], stage_ids[b]) not in known and open_stage[a]:
                x, n = float(moves[a, b]), float(exposure[a])
                low, high = wilson(x, n)
                cal.missing.append(
                    {
                        "from": stage_ids[a],
                        "to": stage_ids[b],
                        "moves": int(x),
                        "at_risk": round(n, 1),
                        "probability": round(x / n, 6),
                        "low": round(low, 6),
                        "high": round(high, 6),
                    }
                )


def _missing_warning(cal: Calibration) -> None:
    if cal.missing:
        names = ", ".join(f"{m['from']} -> {m['to']} ({m['moves']})" for m in cal.missing[:6])
        cal.warnings.append(
            f"moves the journey lacks: {names}; their leads' weeks still count as at risk (add them with --add-missing)"
        )


def _handoff_moves(journey: Journey, cal: Calibration) -> None:
    """Moves the scoring hand-off makes (an MQL in a ``handoff_from`` stage to ``handoff_to``) are
    the full model's own, not transitions the journey lacks: reported apart, never added."""
    sc = journey.scoring
    if sc is None or not sc.handoff_from or journey.stage(sc.handoff_to) is None:
        return
    handed = [m for m in cal.missing if m["to"] == sc.handoff_to and m["from"] in sc.handoff_from]
    cal.missing = [m for m in cal.missing if m not in handed]
    cal.handoff_moves = [{"from": m["from"], "to": m["to"], "moves": m["moves"]} for m in handed]


def _arrivals(journey: Journey, cal: Calibration, log: EventLog, weeks: np.ndarray, K: int) -> None:
    """New leads per week per entry stage: first entries in weeks 1..K (week 0 is the starting cohort)."""
    first = np.ones(log.lead.size, dtype=bool)
    first[1:] = log.lead[1:] != log.lead[:-1]
    arrived = first & (weeks >= 1)
    counts = np.bincount(log.stage[arrived], minlength=len(log.stages))
    entry = {s.id for s in journey.stages if s.entry}
    if K < 1:
        cal.warnings.append("the history spans less than one week: arrivals were not fitted")
        return
    for si, sid in enumerate(log.stages):
        n = int(counts[si])
        if sid in entry:
            low, high = poisson_interval(n, K)
            cal.changes.append(
                Change(
                    "arrival",
                    ("population", "arrivals", sid),
                    f"arrivals {sid}",
                    journey.population.arrivals.get(sid),
                    n / K,
                    low,
                    high,
                    n,
                    K,
                    n < THIN_MOVES,
                    {"stage": sid},
                )
            )
        elif n:
            cal.warnings.append(
                f"{n} leads first appear in {sid}, which is not an entry stage: they are not counted as arrivals"
            )


def _occupancy(
    journey: Journey, cal: Calibration, log: EventLog, weeks: np.ndarray, K: int, open_stage: np.ndarray
) -> None:
    """Leads in each open stage at the as-of date: the population's initial state."""
    occ = occupancy(log, len(log.stages))
    for si, sid in enumerate(log.stages):
        if not open_stage[si]:
            continue
        cal.changes.append(
            Change(
                "initial",
                ("population", "initial", sid),
                f"initial {sid}",
                journey.population.initial.get(sid),
                float(occ[si]),
                extra={"stage": sid},
            )
        )


def start_cohort(log: EventLog, weeks: np.ndarray, open_stage: np.ndarray) -> dict[str, int]:
    """Leads per open stage at the end of week 0 (each lead's last entry in it): the history's
    starting cohort; the leads whose first entry is later are its arrivals. ``log`` is sorted."""
    first = weeks == 0
    lead, stage = log.lead[first], log.stage[first]
    last = np.ones(lead.size, dtype=bool)
    last[:-1] = lead[1:] != lead[:-1]
    n = np.bincount(stage[last], minlength=len(log.stages))
    return {s: int(n[i]) for i, s in enumerate(log.stages) if open_stage[i] and n[i] > 0}


def occupancy(log: EventLog, n_stages: int, before: int | None = None) -> np.ndarray:
    """Leads per stage: each lead's last entry (before ``before`` seconds, when given). ``log`` is sorted."""
    keep = np.ones(log.lead.size, dtype=bool) if before is None else log.ts < before
    lead, stage = log.lead[keep], log.stage[keep]
    last = np.ones(lead.size, dtype=bool)
    last[:-1] = lead[1:] != lead[:-1]
    return np.bincount(stage[last], minlength=n_stages)


def apply(journey: Journey, cal: Calibration, add_missing: bool = False, initial: bool = True) -> Journey:
    """The journey with the fitted values set (through model.edit, so a comment-preserving save keeps the rest)."""
    out = journey
    for c in cal.changes:
        if c.kind == "initial" and not initial:
            continue
        value: float | int = int(c.after) if c.kind == "initial" else round(c.after, 4)
        out = set_field(out, c.path, value)
    if add_missing:
        for m in cal.missing:
            t = Transition(
                from_=m["from"], to=m["to"], probability=round(m["probability"], 4), notes="added by calibrate"
            )
            out = add_transition(out, t)
    return out
