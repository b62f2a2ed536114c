"""Backtest: fit on history before a cutoff, forecast, and compare with what happened.

For each origin (the cutoff, and with ``folds`` K the K-1 earlier origins W weeks apart) the journey
is calibrated on the events before the origin and started from the state there: each lead in an
open stage with its persona and, in a stage with stalls, a hold drawn from the fitted stall model
given its wait (:func:`origin_state`). W weeks are forecast with the full model of the calibrated
journey: for a journey whose full model is its plain chain, by the per-lead sampler of
:mod:`journeytui.calibrate.synth` (which starts each lead with its known persona and hold); for a
journey with scoring hand-offs, lifts, gates or capacity, by the Monte Carlo engine with every
feature, whose base values calibrate matched to the observed rates (calibrate/fullmodel.py),
started from the history's own leads in their accounts with the hidden state (holds, the sales
queue, scores, lifts) of warm-up leads alike (:func:`warm_start_runs`, sim/start.py). Then
compared with the observed occupancy at the end of each week. Won and lost stages are compared as
leads reaching them after the origin.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from journeytui.calibrate.events import EventLog
from journeytui.calibrate.fit import (
    WEEK,
    Calibration,
    Change,
    _Phases,
    _powers,
    apply,
    calibrate,
    iso,
    occupancy,
    week_numbers,
)
from journeytui.calibrate.synth import _weights, forecast_from_state, outcome_table
from journeytui.model.types import Journey

if TYPE_CHECKING:
    from journeytui.sim.compile import Compiled
    from journeytui.sim.start import Start

PARAMETER_DRAWS = 10
"""Full-model backtests: the runs are split over this many journeys with drawn values."""


def _before(log: EventLog, when: int) -> EventLog:
    keep = log.ts < when
    return EventLog(
        log.file, log.stages, log.lead_ids, log.personas, log.lead[keep], log.stage[keep], log.ts[keep], log.line[keep]
    )


def _draw(c: Change, runs: int, rng: np.random.Generator, unit: bool) -> np.ndarray:
    """``runs`` plausible values of a fitted figure: a beta (chances) or gamma (rates) distribution
    with the estimate as its mean and the spread of its reported 95% interval."""
    mean = float(c.after)
    sd = (float(c.high or mean) - float(c.low or mean)) / 3.92
    if sd <= 0 or mean <= 0:
        return np.full(runs, mean)
    var = sd * sd
    if unit:
        k = mean * (1 - mean) / var - 1
        if k > 0:
            return rng.beta(mean * k, (1 - mean) * k, size=runs)
        return np.clip(rng.normal(mean, sd, size=runs), 0.0, 1.0)
    return rng.gamma(mean * mean / var, var / mean, size=runs)


def parameter_draws(
    fitted: Journey, cal: Calibration, runs: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Per-run outcome tables and arrival rates drawn around the fit, so the forecast's band carries
    the uncertainty of the fitted values as well as the weekly chance of each lead's outcome."""
    stages = [s.id for s in fitted.stages]
    index = {s: i for i, s in enumerate(stages)}
    names, _ = _weights(fitted)
    base, _dest = outcome_table(fitted, names, index)
    tables = np.repeat(base[None], runs, axis=0)
    n_stalls = len(fitted.stalls)
    for c in cal.changes:
        if c.kind == "stall":
            j = int(c.path[1])
            tables[:, index[fitted.stalls[j].stage], :, j] = _draw(c, runs, rng, True)[:, None]
        elif c.kind == "transition":
            i = int(c.path[1])
            tr = fitted.transitions[i]
            if len(c.path) == 4:
                cols = [names.index(str(c.path[3]))] if str(c.path[3]) in names else []
            else:
                cols = [k for k, q in enumerate(names) if q not in tr.by_persona] if names else [0]
            if cols:
                tables[:, index[tr.from_], cols, n_stalls + i] = _draw(c, runs, rng, True)[:, None]
    moves = tables[..., :-1]
    total = moves.sum(axis=3, keepdims=True)
    moves /= np.maximum(total, 1.0)  # a draw whose chances add past 1 is scaled back to 1
    tables[..., -1] = 1.0 - moves.sum(axis=3)
    drawn = {c.extra["stage"]: _draw(c, runs, rng, False) for c in cal.changes if c.kind == "arrival"}
    rates = np.array(
        [drawn.get(k, np.full(runs, v)) for k, v in fitted.population.arrivals.items()], dtype=float
    ).T.reshape(runs, -1)
    return tables, rates


def _drawn_journey(fitted: Journey, cal: Calibration, rng: np.random.Generator, initial: dict[str, int]) -> Journey:
    """One plausible journey: every fitted value drawn as :func:`_draw` does, chances that would add
    past 1 in a stage scaled back, starting from ``initial``."""
    transitions = list(fitted.transitions)
    stalls = list(fitted.stalls)
    arrivals = dict(fitted.population.arrivals)
    for c in cal.changes:
        if c.kind == "transition":
            i = int(c.path[1])
            v = float(_draw(c, 1, rng, True)[0])
            t = transitions[i]
            if len(c.path) == 4:
                transitions[i] = replace(t, by_persona={**t.by_persona, str(c.path[3]): v})
            else:
                transitions[i] = replace(t, probability=v)
        elif c.kind == "stall":
            j = int(c.path[1])
            stalls[j] = replace(stalls[j], probability=float(_draw(c, 1, rng, True)[0]))
        elif c.kind == "arrival":
            arrivals[c.extra["stage"]] = float(_draw(c, 1, rng, False)[0])
    for s in fitted.stages:
        room = 1.0 - sum(st.probability for st in stalls if st.stage == s.id)
        mine = [i for i, t in enumerate(transitions) if t.from_ == s.id]
        for persona in [None, *{q for i in mine for q in transitions[i].by_persona}]:
            total = sum(
                transitions[i].by_persona.get(persona, transitions[i].probability)
                if persona
                else transitions[i].probability
                for i in mine
            )
            if total <= room or total <= 0:
                continue
            f = room / total
            for i in mine:
                t = transitions[i]
                if persona is None:
                    transitions[i] = replace(t, probability=t.probability * f)
                elif persona in t.by_persona:
                    transitions[i] = replace(t, by_persona={**t.by_persona, persona: t.by_persona[persona] * f})
    population = replace(fitted.population, initial=initial, arrivals=arrivals)
    return replace(fitted, transitions=transitions, stalls=stalls, population=population)


DONOR_RUNS = 4
"""Runs of the warm-up that lends the hidden state (holds, queue, scores, lifts) to the origin's leads
(fewer when they would hold more than DONOR_SLOTS leads in all)."""

DONOR_SLOTS = 400_000

WARM_WEEKS = 52
"""The warm-up covers at most this many weeks before the origin (a longer history starts it from the
leads in play that many weeks before; the hidden state it lends is recent: holds, queue, decaying
scores)."""

WIDEN = (0, 1, 2, 4, 8, 16, 32, 64, 1 << 20)
"""Weeks-in-stage tolerances tried in turn when no warm-up lead has a lead's exact wait."""


def _leads_at(past: EventLog, origin: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Every lead seen before the origin in the engine's slot order (week of its first entry, then
    the export's order): its lead index, its stage at the origin (log order) and its weeks there
    (K - the week of its last entry); and K, the origin's week."""
    weeks, K = week_numbers(past.ts, origin)
    first = np.ones(past.lead.size, dtype=bool)
    first[1:] = past.lead[1:] != past.lead[:-1]
    last = np.ones(past.lead.size, dtype=bool)
    last[:-1] = first[1:]
    lead = past.lead[first].astype(np.int64)
    order = np.lexsort((lead, weeks[first]))
    return lead[order], past.stage[last][order].astype(np.int64), (K - weeks[last])[order], K


def _impute(
    c: Compiled, donors: Start, key: np.ndarray, since: np.ndarray, runs: int, rng: np.random.Generator
) -> Start:
    """The start state of ``runs`` runs: each lead's known key and weeks in stage, and the hidden
    state (hold, queue, score, lifts) of a warm-up lead with the same key and the nearest wait
    (drawn at random among the equally near), drawn afresh for every run."""
    from journeytui.sim.start import Start

    n = key.size
    dk = donors.key.ravel().astype(np.int64)
    open_key = np.repeat(np.array([k == "open" for k in c.kinds] + [False]), c.P)
    ok = np.flatnonzero(open_key[dk])
    span = int(max(donors.since.max(initial=0), since.max(initial=0))) + 2
    code = dk[ok] * span + donors.since.ravel()[ok]
    order = np.argsort(code, kind="stable")
    pool, code = ok[order], code[order]
    pick = np.full((runs, n), -1, dtype=np.int64)
    want = np.flatnonzero(open_key[key])
    for r in range(runs):
        todo = want
        for tol in WIDEN:
            if todo.size == 0:
                break
            lo_age = np.maximum(since[todo] - tol, 0)
            hi_age = np.minimum(since[todo] + tol, span - 1)
            lo = np.searchsorted(code, key[todo] * span + lo_age, "left")
            hi = np.searchsorted(code, key[todo] * span + hi_age, "right")
            got = hi > lo
            j = lo[got] + (rng.random(int(got.sum())) * (hi[got] - lo[got])).astype(np.int64)
            pick[r, todo[got]] = pool[j]
            todo = todo[~got]
    has = pick >= 0
    src = np.where(has, pick, 0)

    def lend(a: np.ndarray | None, default: float) -> np.ndarray | None:
        if a is None:
            return None
        flat = a.reshape(*a.shape[:-2], -1)
        if flat.shape[-1] == 0:  # no warm-up lead at all (nobody to warm up): every lead takes the default
            flat = np.zeros((*flat.shape[:-1], 1), dtype=flat.dtype)
        return np.where(has, flat[..., src], default)

    hold = lend(donors.hold, 0)
    queued = lend(donors.queued, False)
    qs = lend(donors.queue_since, 0)
    assert hold is not None and queued is not None and qs is not None
    return Start(
        key=np.broadcast_to(key, (runs, n)).astype(np.int32),
        hold=hold,
        queued=queued.astype(bool),
        queue_since=qs,
        since=np.broadcast_to(since, (runs, n)).astype(np.int64),
        score=lend(donors.score, 0.0),
        mask=lend(donors.mask, 0),
        lift_until=lend(donors.lift_until, 0),
    )


def _seat(persona: np.ndarray, b: int, pattern: np.ndarray, shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Personas for the leads without one (-1): with accounts, the seats of the lead's account that
    the known members leave free, in random order (every account holds ``pattern``); without
    accounts, or when the known members fill more than their seats, drawn by ``shares``."""
    out = persona.copy()
    unknown = np.flatnonzero(out < 0)
    if unknown.size == 0:
        return out
    if shares.size <= 1:
        out[unknown] = 0
        return out
    if b:
        for a in np.unique(unknown // b).tolist():
            members = out[a * b : (a + 1) * b]
            free = np.bincount(pattern, minlength=shares.size) - np.bincount(
                members[members >= 0], minlength=shares.size
            )
            gaps = np.flatnonzero(members < 0)
            seats = np.repeat(np.arange(shares.size), np.maximum(free, 0))
            if (free >= 0).all() and seats.size >= gaps.size:
                members[gaps] = rng.permutation(seats)[: gaps.size]
    rest = np.flatnonzero(out < 0)
    out[rest] = rng.choice(shares.size, size=rest.size, p=shares)
    return out


def warm_start_runs(
    fitted: Journey,
    cal: Calibration,
    past: EventLog,
    origin: int,
    weeks: int,
    runs: int,
    seed: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Runs x weeks x stages (log order) leads per stage from the origin by the Monte Carlo engine with
    every feature, each run started from the history's own leads: every lead seen before the
    origin in its slot (accounts as the engine lays them: the order of first entry), its stage,
    persona and weeks in stage, and the hidden state of a warm-up lead alike (:func:`_impute`); the
    warm-up runs the fitted journey's full model over the history's own design (its week-0 cohort,
    or the leads in play WARM_WEEKS before the origin, and the fitted arrivals) up to the origin.
    The runs are split over PARAMETER_DRAWS journeys with drawn values."""
    from journeytui.calibrate.fit import start_cohort
    from journeytui.calibrate.fullmodel import _accounts
    from journeytui.sim.start import Start, compiled, for_start, run_from, snapshot

    lead, stage, since, K = _leads_at(past, origin)
    stages = [s.id for s in fitted.stages]
    base = compiled(fitted)
    b, pattern = base.account_size, base.pattern
    to_c = np.array([base.stage_ids.index(s) for s in past.stages], dtype=np.int64)
    names, _ = _weights(fitted)
    pcode = np.array([base.persona_ids.index(q) if q in base.persona_ids else -1 for q in names] + [-1])
    known = np.array([names.index(p) if p in names else -1 for p in (past.personas[ld] or "" for ld in lead.tolist())])
    persona = _seat(pcode[known], b, pattern, base.lead_shares(), rng)
    key = to_c[stage] * base.P + persona
    open_ = np.array([fitted.stage(s).kind == "open" for s in past.stages])  # type: ignore[union-attr]
    # an account whose members all stand in won or lost stages can neither move nor open a gate: left
    # out whole (the last, possibly partial, account stays, so arrivals complete it); without
    # accounts every lead in an outcome stage is left out
    block = np.arange(lead.size) // b if b else np.arange(lead.size)
    live = np.bincount(block, weights=open_[stage], minlength=int(block.max(initial=-1)) + 1) > 0
    live[-1:] = live[-1:] | bool(b)
    keep = live[block]
    key, since, stage = key[keep], since[keep], stage[keep]
    warm = min(max(K, 1), WARM_WEEKS)
    if warm >= K:  # the history's own design: its week-0 cohort
        weeks0, _ = week_numbers(past.ts, origin)
        cohort = start_cohort(past, weeks0, open_)
    else:  # a long history: the warm-up starts WARM_WEEKS before the origin, from the leads in play then
        then = occupancy(past, len(past.stages), before=origin - warm * WEEK)
        cohort = {s: int(then[i]) for i, s in enumerate(past.stages) if open_[i] and then[i]}
    n_cohort = sum(cohort.values())
    donor_runs = max(
        1, min(DONOR_RUNS, DONOR_SLOTS // max(1, n_cohort + int(warm * sum(fitted.population.arrivals.values()))))
    )
    design = replace(
        fitted,
        population=replace(fitted.population, initial=cohort, accounts=_accounts(fitted, n_cohort)),
    )
    counts = np.bincount(to_c[stage], minlength=len(stages))
    per_stage = {base.stage_ids[i]: int(n) for i, n in enumerate(counts) if n}
    draws = min(runs, PARAMETER_DRAWS)
    cols = [base.stage_ids.index(s) for s in past.stages]
    out = []
    for d in range(draws):
        per = runs // draws + (1 if d < runs % draws else 0)
        drawn = _drawn_journey(fitted, cal, rng, dict(fitted.population.initial))
        donor_journey = replace(design, transitions=drawn.transitions, stalls=drawn.stalls)
        if n_cohort or any(fitted.population.arrivals.values()):
            donor_c, donors = snapshot(donor_journey, warm, donor_runs, seed * 1000 + d)
        else:  # nobody to warm up: the leads start free, scores at zero
            donor_c, donors = base, Start(*(np.zeros((1, 0), dtype=np.int64),) * 5)
        start = _impute(donor_c, donors, key, since, per, rng)
        c = for_start(drawn, per_stage, b, pattern)
        occ = run_from(c, start, weeks, seed * 1000 + d)[:, :, cols]
        occ[:, :, ~open_] -= occ[:, :1, ~open_]  # outcomes: the leads reaching them after the origin
        out.append(occ[:, 1:])
    return np.concatenate(out, axis=0).astype(float)


def origin_state(
    fitted: Journey, past: EventLog, origin: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The leads in open stages at the origin: stage, persona (index into the journey's lead
    personas, -1 unknown) and hold (on hold through that week, -1 free). A lead in a stage with
    stalls is on hold with the chance the fitted stall model gives after its weeks in the stage
    without a move (the phase distribution of the exact forecast's chain, conditioned on staying)."""
    weeks, K = week_numbers(past.ts, origin)
    last = np.ones(past.lead.size, dtype=bool)
    last[:-1] = past.lead[1:] != past.lead[:-1]
    open_ = np.array([s.kind == "open" for s in fitted.stages])
    keep = last & open_[past.stage]
    stage = past.stage[keep].astype(np.int64)
    since = K - weeks[keep]
    names, _ = _weights(fitted)
    code = {p: i for i, p in enumerate(names)}
    persona = np.array([code.get(past.personas[ld] or "", -1) for ld in past.lead[keep].tolist()], dtype=np.int64)
    hold = np.full(stage.size, -1, dtype=np.int64)
    for si, s in enumerate(fitted.stages):
        stalls = [st for st in fitted.stalls if st.stage == s.id]
        here = np.flatnonzero(stage == si)
        if not stalls or here.size == 0:
            continue
        phases = _Phases(stalls)
        chance = np.array([st.probability for st in stalls])
        for q in np.unique(persona[here]):
            who = here[persona[here] == q]
            pid = names[q] if q >= 0 else None
            move = sum(t.by_persona.get(pid, t.probability) if pid else t.probability for t in fitted.outgoing(s.id))
            rows = _powers(phases.matrix(move, chance), int(since[who].max()))[:, 0, :]
            post = rows[since[who]]
            post = post / np.maximum(post.sum(axis=1, keepdims=True), 1e-300)
            phase = (rng.random(who.size)[:, None] >= np.cumsum(post, axis=1)).sum(axis=1)
            phase = np.minimum(phase, phases.n - 1)
            for st, (chain, _entry), off in zip(stalls, phases.blocks, phases.offsets, strict=True):
                k = chain.shape[0]
                inside = (phase >= off) & (phase < off + k)
                if not inside.any():
                    continue
                if st.duration.kind == "geometric":  # memoryless: the rest of the hold is geometric again
                    hold[who[inside]] = rng.geometric(1.0 / float(st.duration.mean or 1.0), size=int(inside.sum()))
                else:
                    hold[who[inside]] = k - (phase[inside] - off)
    return stage, persona, hold


def backtest(
    journey: Journey,
    log: EventLog,
    cutoff: int,
    weeks: int,
    folds: int = 1,
    runs: int = 200,
    seed: int = 0,
    full_model: bool = True,
) -> dict[str, Any]:
    """Forecast-vs-actual per stage and week for each origin, with WAPE and p05..p95 coverage.

    ``full_model`` False: fit and forecast the journey's plain chain (scoring, lifts, gates and
    capacity left out), for history made without them."""
    from journeytui.sim.compile import blocking_features, strip

    if not full_model:
        journey = strip(journey, ("scoring", "lifts", "gates", "capacity"))
    if runs < 1 or runs > 10_000:
        raise ValueError("--runs must be 1..10000")
    if weeks < 1 or folds < 1:
        raise ValueError("--weeks and --folds must be at least 1")
    end = int(log.ts.max())
    if cutoff + (weeks - 1) * WEEK > end:
        raise ValueError(
            f"the history ends {iso(end)}: there are not {weeks} weeks after the cutoff {iso(cutoff)} to compare with"
        )
    stages = log.stages
    closed = np.array([journey.stage(s).kind != "open" for s in stages])  # type: ignore[union-attr]
    out_folds = []
    for k in reversed(range(folds)):
        origin = cutoff - k * weeks * WEEK
        past = _before(log, origin)
        if past.lead.size == 0:
            raise ValueError(f"no events before the origin {iso(origin)} (fold {folds - k} of {folds})")
        cal = calibrate(journey, past, as_of=origin)
        fitted = apply(journey, cal, initial=False)
        rng = np.random.default_rng([seed, k])
        if blocking_features(fitted):
            occ = warm_start_runs(fitted, cal, past, origin, weeks, runs, seed + k, rng)
        else:  # the plain chain is the full model: each lead starts with its known persona and hold
            stage0, persona0, hold0 = origin_state(fitted, past, origin, rng)
            tables, rates = parameter_draws(fitted, cal, runs, rng)
            occ = forecast_from_state(
                fitted, stage0, persona0, hold0, weeks, runs, seed=seed + k, tables=tables, arrivals=rates
            )[:, 1:, :]
        mean = occ.mean(axis=0)
        p05, p95 = np.percentile(occ, 5, axis=0), np.percentile(occ, 95, axis=0)
        at0 = occupancy(log, len(stages), before=origin)
        actual = np.array([occupancy(log, len(stages), before=origin + t * WEEK) for t in range(1, weeks + 1)], float)
        actual[:, closed] -= at0[closed]
        out_folds.append(
            {
                "cutoff": iso(origin),
                "actual": actual.tolist(),
                "mean": mean.round(3).tolist(),
                "p05": p05.round(3).tolist(),
                "p95": p95.round(3).tolist(),
                "warnings": cal.warnings,
            }
        )
    A = np.concatenate([np.array(f["actual"]) for f in out_folds])
    M = np.concatenate([np.array(f["mean"]) for f in out_folds])
    L = np.concatenate([np.array(f["p05"]) for f in out_folds])
    H = np.concatenate([np.array(f["p95"]) for f in out_folds])
    inside = (A >= L - 1e-9) & (A <= H + 1e-9)
    err = np.abs(A - M)

    def wape(e: np.ndarray, a: np.ndarray) -> float | None:
        total = float(np.abs(a).sum())
        return float(e.sum()) / total if total > 0 else None

    last = out_folds[-1]
    return {
        "journey": journey.journey.id,
        "stages": stages,
        "weeks": weeks,
        "runs": runs,
        "engine": "monte_carlo" if blocking_features(journey) else "plain_chain",
        "cutoff": last["cutoff"],
        "actual": last["actual"],
        "mean": last["mean"],
        "p05": last["p05"],
        "p95": last["p95"],
        "coverage": {
            **{s: float(inside[:, i].mean()) for i, s in enumerate(stages)},
            "overall": float(inside.mean()),
        },
        "wape": {**{s: wape(err[:, i], A[:, i]) for i, s in enumerate(stages)}, "overall": wape(err, A)},
        "cells": {**{s: int(A.shape[0]) for s in stages}, "overall": int(A.size)},
        "folds": out_folds,
    }
