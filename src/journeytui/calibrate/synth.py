"""Synthetic stage history: per-lead paths of a journey, written as a CRM export.

The paths come from the simulator's per-lead Monte Carlo engine (sim/montecarlo.py), one run of
the journey's **full model**: the initial cohort and Poisson arrivals, personas and accounts (the
buying committees' seats), stalls, regressions, touchpoints with their scores and lifts, consensus
gates, the scoring hand-off to sales and channel capacity, exactly as ``simulate`` runs them. The
engine counts leads; its optional recorder (``simulate(recorder=...)``) hands over each week's
stage entries (the slots whose stage changed), which become (lead, stage, week) rows here: with
one run a lead's slot is its number (the initial cohort first, then arrivals in order of arrival).
``plain_chain=True`` runs the same engine with scoring, lifts, gates and capacity ignored (what
``forecast(ignore=FEATURES)`` models and ``calibrate --plain-chain`` fits).

tests/unit/calibrate/test_synth.py checks the recorded paths' mean occupancy against the engine's
own counts and the full-model forecast, and the plain chain's against the exact forecast.

``forecast_from_state`` (with ``outcome_table``) is backtest's plain-chain sampler: it starts
each lead from a known stage, persona and hold, which the engine cannot.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from journeytui.model.types import MAX_WEEKS, Journey

if TYPE_CHECKING:
    from journeytui.sim.results import SimResult

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


def sample_paths(
    journey: Journey, weeks: int, seed: int = 0, leads: int | None = None, plain_chain: bool = False
) -> Paths:
    """Simulate each lead's path for ``weeks`` weeks with the per-lead Monte Carlo engine (one run);
    deterministic for a seed. ``plain_chain`` leaves out scoring, lifts, gates and capacity."""
    return _run(journey, weeks, seed, leads, plain_chain)[0]


def _run(journey: Journey, weeks: int, seed: int, leads: int | None, plain_chain: bool) -> tuple[Paths, SimResult]:
    """The paths and the engine's own result of the same run (the tests compare the two)."""
    from journeytui.sim.compile import FEATURES, compile_journey
    from journeytui.sim.errors import SimulationError
    from journeytui.sim.montecarlo import simulate

    if not _whole(weeks) or not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be 1..{MAX_WEEKS}")
    if leads is not None and (not _whole(leads) or not 0 <= leads <= MAX_SYNTH_LEADS):
        raise ValueError(f"leads must be 0..{MAX_SYNTH_LEADS:,}")
    if not _whole(seed) or seed < 0:
        raise ValueError("seed must be a whole number >= 0")
    weeks, seed, leads = int(weeks), int(seed), None if leads is None else int(leads)
    ignore = FEATURES if plain_chain else ()
    try:
        c = compile_journey(journey, ignore, leads)
    except SimulationError as exc:
        raise ValueError(str(exc)) from None
    expected = int(c.initial.sum()) + weeks * float(c.arrivals.sum())
    if expected > MAX_SYNTH_LEADS:
        raise ValueError(f"about {expected:,.0f} leads over {weeks} weeks: more than {MAX_SYNTH_LEADS:,}")
    rec = _Entries()
    try:
        res = simulate(journey, leads, weeks, runs=1, seed=seed, ignore=ignore, engine="leads", recorder=rec)
    except SimulationError as exc:
        raise ValueError(str(exc)) from None
    stages = [s.id for s in journey.stages]
    to_file = np.array([stages.index(s) for s in c.stage_ids], dtype=np.int64)
    lead = np.concatenate(rec.slots) if rec.slots else np.zeros(0, dtype=np.int64)
    key = np.concatenate(rec.keys) if rec.keys else np.zeros(0, dtype=np.int64)
    week = np.concatenate(rec.weeks) if rec.weeks else np.zeros(0, dtype=np.int64)
    order = np.lexsort((week, lead))
    lead, key, week = lead[order], key[order], week[order]
    n = int(lead[-1]) + 1 if lead.size else 0
    personas = [] if c.persona_ids == [""] else list(c.persona_ids)
    persona = np.full(n, -1, dtype=np.int64)
    if personas:
        persona[lead] = key % c.P  # a lead keeps its persona: every entry says the same
    return Paths(stages, personas, lead, to_file[key // c.P], week, persona, weeks), res


def _whole(x: object) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool)


class _Entries:
    """The engine's recorder: each week's stage entries (lead slot, key), kept as arrays.

    With one run a lead's slot is its number: the initial cohort first, then arrivals in order."""

    def __init__(self) -> None:
        self.slots: list[np.ndarray] = []
        self.keys: list[np.ndarray] = []
        self.weeks: list[np.ndarray] = []

    def __call__(self, week: int, slots: np.ndarray, keys: np.ndarray) -> None:
        if slots.size:
            self.slots.append(slots.astype(np.int64))
            self.keys.append(keys.astype(np.int64))
            self.weeks.append(np.full(slots.size, week, dtype=np.int64))


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
