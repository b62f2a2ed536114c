"""Synthetic stage history: per-lead paths of a journey, written as a CRM export.

The Monte Carlo engines record counts, not each lead's path, so this module has its own small
path sampler. It follows docs/simulation.md for the plain chain (what ``forecast(ignore=FEATURES)``
models): each week every free lead in an open stage draws one outcome (a stall j with s_j, a move
i with its persona's p_i, or staying); a stall holds the lead for d weeks drawn from the stall's
duration; arrivals are Poisson per entry stage at the end of the week and draw from the next week
on; personas are drawn per lead from ``population.mix`` (else the DMU composition) as weights.
Scoring, lifts, gates and channel capacity are left out (calibration fits the plain chain; moves
those features cause are already in the fitted rates). tests/unit/calibrate/test_synth.py checks
the sampler's mean occupancy against the exact forecast.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from journeytui.model.types import MAX_WEEKS, Journey

MAX_SYNTH_LEADS = 5_000_000
"""Paths are kept in memory: a larger request is refused."""


@dataclass
class Paths:
    """Every stage entry of every lead: lead number, stage index, week; and each lead's persona."""

    stages: list[str]
    personas: list[str]
    lead: np.ndarray
    stage: np.ndarray
    week: np.ndarray
    persona: np.ndarray  # per lead, index into personas (-1: none)
    weeks: int


def _weights(journey: Journey) -> tuple[list[str], np.ndarray]:
    names = journey.lead_personas()
    if not names:
        return [], np.zeros(0)
    src = journey.population.mix or (journey.dmu.composition if journey.dmu else {})
    w = np.array([float(src.get(p, 0.0)) for p in names])
    return names, w / w.sum()


def _initial(journey: Journey, leads: int | None, index: dict[str, int]) -> np.ndarray:
    """The initial cohort's stage per lead; --leads scales the file's split (largest remainder)."""
    init = {k: v for k, v in journey.population.initial.items() if v > 0}
    if leads is None:
        return np.repeat([index[k] for k in init], list(init.values())).astype(np.int64)
    if not init:
        init = {s.id: 1 for s in journey.stages if s.entry}
    total = sum(init.values())
    raw = np.array([leads * v / total for v in init.values()])
    base = np.floor(raw).astype(np.int64)
    rest = leads - int(base.sum())
    base[np.argsort(-(raw - base), kind="stable")[:rest]] += 1
    return np.repeat([index[k] for k in init], base).astype(np.int64)


def sample_paths(journey: Journey, weeks: int, seed: int = 0, leads: int | None = None) -> Paths:
    """Simulate each lead's path for ``weeks`` weeks; deterministic for a seed."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be 1..{MAX_WEEKS}")
    if leads is not None and not 0 <= leads <= MAX_SYNTH_LEADS:
        raise ValueError(f"leads must be 0..{MAX_SYNTH_LEADS:,}")
    rng = np.random.default_rng(seed)
    stages = [s.id for s in journey.stages]
    index = {s: i for i, s in enumerate(stages)}
    open_ = np.array([s.kind == "open" for s in journey.stages])
    personas, pw = _weights(journey)
    P = max(len(personas), 1)
    expected = (len(_initial(journey, leads, index))) + weeks * sum(journey.population.arrivals.values())
    if expected > MAX_SYNTH_LEADS:
        raise ValueError(f"about {expected:,.0f} leads over {weeks} weeks: more than {MAX_SYNTH_LEADS:,}")
    stalls = list(journey.stalls)
    cum, dest, n_out = _outcomes(journey, personas, index)

    stage = _initial(journey, leads, index)
    n0 = stage.size
    persona = rng.choice(P, size=n0, p=pw) if personas else np.zeros(n0, dtype=np.int64)
    hold = np.full(n0, -1, dtype=np.int64)
    ev_lead = [np.arange(n0)]
    ev_stage = [stage.copy()]
    ev_week = [np.zeros(n0, dtype=np.int64)]
    entry = [(index[k], v) for k, v in journey.population.arrivals.items() if v > 0]
    for t in range(1, weeks + 1):
        free = np.flatnonzero(open_[stage] & (hold < t))
        if free.size:
            u = rng.random(free.size)
            rows = cum[stage[free], persona[free]]
            pick = (u[:, None] >= rows).sum(axis=1)
            pick = np.minimum(pick, n_out - 1)
            for j, st in enumerate(stalls):
                who = free[pick == j]
                if who.size:
                    hold[who] = t + _durations(st, who.size, rng)
            moving = pick >= len(stalls)
            moving &= pick < n_out - 1
            who = free[moving]
            if who.size:
                stage[who] = dest[pick[moving]]
                ev_lead.append(who)
                ev_stage.append(stage[who].copy())
                ev_week.append(np.full(who.size, t))
        for si, rate in entry:
            n = int(rng.poisson(rate))
            if n == 0:
                continue
            new = np.arange(stage.size, stage.size + n)
            stage = np.concatenate([stage, np.full(n, si)])
            hold = np.concatenate([hold, np.full(n, -1)])
            persona = np.concatenate(
                [persona, rng.choice(P, size=n, p=pw) if personas else np.zeros(n, dtype=np.int64)]
            )
            ev_lead.append(new)
            ev_stage.append(np.full(n, si))
            ev_week.append(np.full(n, t))
    lead = np.concatenate(ev_lead)
    order = np.lexsort((np.concatenate(ev_week), lead))
    return Paths(
        stages,
        personas,
        lead[order],
        np.concatenate(ev_stage)[order],
        np.concatenate(ev_week)[order],
        persona if personas else np.full(stage.size, -1),
        weeks,
    )


def outcome_table(journey: Journey, personas: list[str], index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Outcome chances per (stage, persona, outcome): stalls first, then moves, then staying; and
    each outcome's destination stage (-1: none)."""
    S, P = len(index), max(len(personas), 1)
    stalls = journey.stalls
    n_out = len(stalls) + len(journey.transitions) + 1
    table = np.zeros((S, P, n_out))
    dest = np.full(n_out, -1)
    for j, st in enumerate(stalls):
        table[index[st.stage], :, j] = st.probability
    for i, tr in enumerate(journey.transitions):
        col = len(stalls) + i
        dest[col] = index[tr.to]
        for k in range(P):
            q = personas[k] if personas else None
            table[index[tr.from_], k, col] = tr.by_persona.get(q, tr.probability) if q else tr.probability
    table[:, :, -1] = np.clip(1.0 - table[:, :, :-1].sum(axis=2), 0.0, 1.0)
    return table, dest


def _outcomes(journey: Journey, personas: list[str], index: dict[str, int]) -> tuple[np.ndarray, np.ndarray, int]:
    """Cumulative outcome chances per (stage, persona), the destinations, the number of outcomes."""
    table, dest = outcome_table(journey, personas, index)
    return np.cumsum(table, axis=2), dest, table.shape[2]


def forecast_from_state(
    journey: Journey,
    stage0: np.ndarray,
    persona0: np.ndarray,
    hold0: np.ndarray,
    weeks: int,
    runs: int,
    seed: int = 0,
    tables: np.ndarray | None = None,
    arrivals: np.ndarray | None = None,
) -> np.ndarray:
    """Occupancy (runs x (weeks + 1) x stages) from a known per-lead state: each lead's stage,
    persona (-1: drawn by weight) and hold (on hold through week ``hold0``; -1: free), with the
    same weekly semantics as :func:`sample_paths` and the journey's arrivals. ``tables`` (runs x
    stages x personas x outcomes, as :func:`outcome_table`) and ``arrivals`` (runs x the journey's
    arrival stages, in file order) give each run its own chances and rates."""
    rng = np.random.default_rng(seed)
    stages = [s.id for s in journey.stages]
    index = {s: i for i, s in enumerate(stages)}
    S = len(stages)
    open_ = np.array([s.kind == "open" for s in journey.stages])
    personas, pw = _weights(journey)
    P = max(len(personas), 1)
    cum, dest, n_out = _outcomes(journey, personas, index)
    per_run = np.cumsum(tables, axis=3) if tables is not None else None
    stalls = journey.stalls
    n0 = stage0.size
    stage = np.tile(stage0, runs)
    run = np.repeat(np.arange(runs), n0)
    persona = np.tile(persona0, runs)
    unknown = persona < 0
    persona[unknown] = rng.choice(P, size=int(unknown.sum()), p=pw) if personas else 0
    hold = np.tile(hold0, runs)
    out = np.zeros((runs, weeks + 1, S))
    out[:, 0] = np.bincount(run * S + stage, minlength=runs * S).reshape(runs, S)
    entry = [(index[k], v) for k, v in journey.population.arrivals.items()]
    for t in range(1, weeks + 1):
        free = np.flatnonzero(open_[stage] & (hold < t))
        if free.size:
            rows = (
                per_run[run[free], stage[free], persona[free]]
                if per_run is not None
                else cum[stage[free], persona[free]]
            )
            pick = (rng.random(free.size)[:, None] >= rows).sum(axis=1)
            pick = np.minimum(pick, n_out - 1)
            for j, st in enumerate(stalls):
                who = free[pick == j]
                if who.size:
                    hold[who] = t + _durations(st, who.size, rng)
            moving = (pick >= len(stalls)) & (pick < n_out - 1)
            stage[free[moving]] = dest[pick[moving]]
        for e, (si, rate) in enumerate(entry):
            n = rng.poisson(arrivals[:, e] if arrivals is not None else rate, size=runs)
            total = int(n.sum())
            if total:
                stage = np.concatenate([stage, np.full(total, si)])
                run = np.concatenate([run, np.repeat(np.arange(runs), n)])
                hold = np.concatenate([hold, np.full(total, -1)])
                persona = np.concatenate(
                    [persona, rng.choice(P, size=total, p=pw) if personas else np.zeros(total, dtype=np.int64)]
                )
        out[:, t] = np.bincount(run * S + stage, minlength=runs * S).reshape(runs, S)
    return out


def _durations(st: object, n: int, rng: np.random.Generator) -> np.ndarray:
    d = st.duration  # type: ignore[attr-defined]
    if d.kind == "fixed":
        return np.full(n, int(d.weeks))
    if d.kind == "uniform":
        return rng.integers(int(d.min), int(d.max) + 1, size=n)
    return rng.geometric(1.0 / float(d.mean), size=n)


def occupancy_by_week(paths: Paths) -> np.ndarray:
    """(weeks + 1) x stages: leads in each stage at the end of each week."""
    W, S = paths.weeks, len(paths.stages)
    out = np.zeros((W + 2, S))
    # each entry adds the lead to its stage from its week until the lead's next entry
    nxt = np.full(paths.lead.size, W + 1)
    same = paths.lead[1:] == paths.lead[:-1]
    nxt[:-1] = np.where(same, paths.week[1:], W + 1)
    np.add.at(out, (paths.week, paths.stage), 1)
    np.add.at(out, (nxt, paths.stage), -1)
    return np.cumsum(out, axis=0)[: W + 1]


START = datetime(2025, 1, 6, tzinfo=UTC)


def as_of_date(start: datetime, weeks: int) -> str:
    """The as-of date of a synthetic export: the last day of its last week."""
    return (start + timedelta(days=7 * (weeks + 1) - 1)).strftime("%Y-%m-%d")


def to_csv(journey: Journey, paths: Paths, layout: str, seed: int = 0, start: datetime = START) -> str:
    """The paths as a CSV export. Dates: week t covers the 7 days from start + 7t days; times are
    spread uniformly within the week (seeded), in UTC."""
    rng = np.random.default_rng([seed, 1])
    secs = (paths.week * 7 * 86400 + rng.integers(0, 7 * 86400, size=paths.week.size)).astype(np.int64)
    base = int(start.timestamp())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    names = paths.personas

    def when(s: int) -> str:
        return datetime.fromtimestamp(base + s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def who(lead: int) -> str:
        k = int(paths.persona[lead])
        return names[k] if k >= 0 else ""

    if layout == "long":
        w.writerow(["lead_id", "stage", "timestamp", "persona"])
        for lead, st, s in zip(paths.lead.tolist(), paths.stage.tolist(), secs.tolist(), strict=True):
            w.writerow([f"L{lead:07d}", paths.stages[st], when(s), who(lead)])
        return buf.getvalue()
    # wide: one row per lead, the first date it entered each stage (HubSpot keeps the first)
    cols = [f"Became a {s} Date" for s in paths.stages]
    w.writerow(["Record ID", "persona", *cols])
    row: list[str] = []
    current = -1
    for lead, st, s in zip(paths.lead.tolist(), paths.stage.tolist(), secs.tolist(), strict=True):
        if lead != current:
            if row:
                w.writerow(row)
            current = lead
            row = [f"L{lead:07d}", who(lead)] + [""] * len(cols)
        if not row[2 + st]:
            row[2 + st] = when(s)
    if row:
        w.writerow(row)
    return buf.getvalue()
