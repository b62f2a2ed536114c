"""The count-level Monte Carlo engine: whole counts of exchangeable leads, one multinomial per state.

Leads in the same state (stage, stall phase, persona) draw their weekly outcomes
independently from the same chances, so the number of them taking each outcome is one
multinomial draw. Moving counts instead of leads gives exactly the per-lead engine's
distribution, at a cost that grows with states x runs x weeks instead of leads
(docs/simulation.md, *Two engines*).

The state space is built on the phase states of the dense exact forecast
(`exact_dense._hold_states`), so both describe a stall's hold the same way. It is extended by:

- the persona (each has its own chances);
- with arrivals, the week the lead arrived (its cohort), so that the time from arrival
  to won is exact. Cohorts evolve independently; a week steps only those already present.

'Leads that were ever in a stage' (the `reached` KPI) needs each lead's history only for
stages on a cycle of transitions (regressions): elsewhere every entry is a first entry,
counted from the moves. For a stage on a cycle the engine does not carry the set of
stages visited (it would multiply the states several times over); `expected_reached`
computes the expected number of leads ever in it exactly, by propagating the expected
counts of the same states with the stage made absorbing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import numpy as np

from journeytui.sim.compile import KIND_MOVE, KIND_STALL, Compiled
from journeytui.sim.errors import SimulationCancelled
from journeytui.sim.exact_dense import _hold_states
from journeytui.sim.kpis import summarise
from journeytui.sim.results import SimResult
from journeytui.sim.tables import score_table, touch_tables
from journeytui.sim.tallies import GateHolds, Tallies

MAX_STATES = 20_000
"""Above this many states the count engine is not used (the per-lead engine runs)."""

DENSE_REACHED_STATES = 1_000
"""Up to this many states expected_reached may propagate with a dense matrix (8 MB at most)..."""
DENSE_REACHED_FLOPS = 1_000_000
"""...when a week's product (stages on cycles x states^2) is at most this many multiply-adds."""
MAX_REACHED_CELLS = 2_000_000
"""Above this many (stages on cycles x moves) per week, `reached` would cost more than the
run itself: the count engine is not used (the per-lead engine runs)."""

PAD_FACTOR = 2.0
"""One multinomial call for all random states when padding them all to the widest needs at
most this many times their outcomes; else one call per number of outcomes."""

KERNEL_CELLS = 40_000
"""From this many cell draws (`cost`: runs x random states x steps) a run draws its weeks with
the compiled kernel (sim/kernel.py, numba), below with numpy's multinomial: both exact, the
kernel ~3x cheaper a draw, but importing numba costs ~0.5 s that a small run must not pay.
Which one runs depends only on the inputs, so a seed always gives the same result."""

KERNEL_CHUNK_CELLS = 500_000
"""The compiled kernel runs about this many cell draws a call (whole runs): ~0.1 s, so a
cancel is noticed quickly."""

STREAMS = ("layout", "arrivals", "moves")


class Cancel(Protocol):
    def is_set(self) -> bool: ...


@dataclass
class Outcome:
    """One outcome of a random state: chance, destination and what it counts as."""

    p: float
    dest: int
    edge: int = -1
    stall: int = -1
    first: int = -1  # stage entered for the first time, or -1
    won: bool = False


@dataclass
class StateSpace:
    """Every reachable (phase state, persona) and how each leaves in a week.

    ``random`` states draw a multinomial over their outcomes (``pvals``, destinations
    ``dest``; the last column is the likeliest, so numpy's sequential binomials skip it);
    ``fixed`` states (hold phases of fixed or uniform stalls, closed stages) move whole
    to ``fixed_dest``.
    """

    stage: np.ndarray  # (X,) stage of each state
    persona: np.ndarray  # (X,)
    hold_cause: np.ndarray  # (X,) cause index while on hold, -1 when free
    start: dict[tuple[int, int], int]  # (stage, persona) -> the state of a lead appearing there
    random: np.ndarray  # (Xr,) state numbers
    pvals: np.ndarray  # (Xr, K)
    dest: np.ndarray  # (Xr, K)
    col_edge: np.ndarray  # (Xr * K,) per outcome column
    col_stall: np.ndarray
    col_first: np.ndarray  # stage first entered (stages on no cycle only), or -1
    col_won: np.ndarray
    fixed: np.ndarray  # (Xf,) state numbers
    fixed_dest: np.ndarray  # (Xf,)
    key: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (X,) stage * P + persona
    cycle_stages: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # stages on a cycle

    @property
    def X(self) -> int:
        return int(self.stage.size)


class TooManyStates(Exception):
    """The state space would exceed MAX_STATES."""


def _cycles(c: Compiled) -> list[int]:
    """Per stage, its strongly connected component in the transition graph (an id)."""
    S = c.S
    succ: list[set[int]] = [set() for _ in range(S)]
    for s in range(S):
        if c.kinds[s] != "open":
            continue
        for col in range(c.K):
            if c.out_kind[s, col] == KIND_MOVE and c.prob.reshape(S, c.P, c.K)[s, :, col].max() > 0:
                succ[s].add(int(c.out_target[s, col]))
    reach = [set(x) for x in succ]
    changed = True
    while changed:  # transitive closure; journeys have few stages
        changed = False
        for s in range(S):
            more = set().union(*(reach[t] for t in reach[s])) if reach[s] else set()
            if not more <= reach[s]:
                reach[s] |= more
                changed = True
    comp = list(range(S))
    for s in range(S):
        for t in range(S):
            if t in reach[s] and s in reach[t]:
                comp[s] = min(comp[s], t)
    return comp


@dataclass
class Layout:
    """What a StateSpace depends on besides the chances' values: the states reachable and, per
    random state, its outcomes as recipes for their chances. It depends on the journey's
    structure and on which chances are above zero (``positive``), so journeys that differ only
    in chances, with the same ones above zero, share it (a sweep's scenarios: sweep/fast.py);
    :func:`fill` makes the StateSpace of given chances from it."""

    S: int
    P: int
    positive: np.ndarray  # (SP, K) the compiled chances above zero it was built for
    order: list[tuple[int, int]]  # (base state, persona) per state
    start: dict[tuple[int, int], int]
    base_stage: list[int]
    hold_cause: list[int]  # per base state: the cause index while on hold, -1 when free
    # random states: (state, stage, persona, outcomes) where outcomes are either the fixed
    # Outcomes of a hold state, or per outcome column of a free state (column, stall?, what):
    # a stall's entries [(weight, dest, stall)], a move's (dest, edge, first, won)
    random_rows: list[tuple[int, int, int, list[Any], bool]]
    fixed_rows: list[tuple[int, int]]
    in_cycle: list[bool]
    tables: FillTables


def layout(c: Compiled) -> Layout:
    """Enumerate the reachable states from where leads appear; raise TooManyStates past MAX_STATES."""
    S, P = c.S, c.P
    stage_of_hold, entries, steps = _hold_states(c)
    n_base = S + len(stage_of_hold)
    base_stage = list(range(S)) + stage_of_hold
    comp = _cycles(c)
    in_cycle = [sum(1 for t in range(S) if comp[t] == comp[s]) > 1 for s in range(S)]
    hold_steps: list[list[tuple[int, float]]] = [[] for _ in range(n_base)]
    for a, b, p in steps:
        hold_steps[a].append((b, p))
    # each stall's hold states are consecutive from its first entry state (exact_dense._hold_states)
    bases = [min(ent) for ent in entries]
    hold_stall = [-1] * S + [max(k for k, b in enumerate(bases) if b <= h) for h in range(S, n_base)]
    cause_idx = [c.causes.index(x) for x in c.stall_cause]
    prob = c.prob.reshape(S, P, c.K)

    index: dict[tuple[int, int], int] = {}
    order: list[tuple[int, int]] = []

    def state(b: int, p: int) -> int:
        k = (b, p)
        if k not in index:
            if len(order) >= MAX_STATES:
                raise TooManyStates()
            index[k] = len(order)
            order.append(k)
        return index[k]

    start: dict[tuple[int, int], int] = {}
    for p in range(P):
        for s in range(S):
            start[(s, p)] = state(s, p)
    random_rows: list[tuple[int, int, int, list[Any], bool]] = []
    fixed_rows: list[tuple[int, int]] = []
    i = 0
    while i < len(order):
        b, p = order[i]
        x = i
        i += 1
        if b < S and c.kinds[b] != "open":
            fixed_rows.append((x, x))
            continue
        if b >= S:
            nxt = [(state(t, p), q) for t, q in hold_steps[b]]
            if len(nxt) == 1 and nxt[0][1] >= 1.0:
                fixed_rows.append((x, nxt[0][0]))
            else:
                random_rows.append((x, b, p, [Outcome(q, d) for d, q in nxt if q > 0], False))
            continue
        cols: list[tuple[int, bool, Any]] = []
        for col in range(c.K):
            kind = c.out_kind[b, col]
            if prob[b, p, col] <= 0:
                continue
            if kind == KIND_STALL:
                k = int(c.out_stall[b, col])
                cols.append((col, True, [(w, state(h, p), k) for h, w in entries[k].items()]))
            elif kind == KIND_MOVE:
                t = int(c.out_target[b, col])
                # a move into a stage on no cycle is its first entry; on a cycle it may not be
                # (expected_reached counts those)
                first = t != b and not in_cycle[t]
                cols.append(
                    (col, False, (state(t, p), int(c.out_edge[b, col]), t if first else -1, c.kinds[t] == "won"))
                )
        if cols:
            random_rows.append((x, b, p, cols, True))
        else:
            fixed_rows.append((x, x))
    hold_cause = [cause_idx[hold_stall[b]] if b >= S and hold_stall[b] >= 0 else -1 for b in range(n_base)]
    tables = _fill_tables(random_rows, P, c.K, (order, base_stage, hold_cause, fixed_rows, in_cycle))
    return Layout(S, P, c.prob > 0, order, start, base_stage, hold_cause, random_rows, fixed_rows, in_cycle, tables)


@dataclass
class FillTables:
    """A Layout's random states as arrays, for :func:`fill`: per free state (one whose chances
    come from the compiled chances) its outcomes in the order the layout lists them, L columns
    (padded at the end); per hold state its outcomes as the StateSpace has them."""

    K: int  # the StateSpace's outcome columns
    random: np.ndarray  # (Xr,) state numbers, in the layout's order
    free: np.ndarray  # (nf,) rows (into random) of free states
    cell: np.ndarray  # (nf, L) flat index into the chances (+ a trailing 0) of each outcome's chance
    weight: np.ndarray  # (nf, L) its share of that chance (a stall's entries; 1 for a move)
    stay: np.ndarray  # (nf,) the column of the outcome "stays where it is"
    pad: np.ndarray  # (nf, L) columns past the state's outcomes
    sub: np.ndarray  # (nf, M) the chances taken from 1 for the stay, in order (padding: the 0)
    dest: np.ndarray  # (nf, L) and below: what each outcome column is
    edge: np.ndarray
    stall: np.ndarray
    first: np.ndarray
    won: np.ndarray
    held: np.ndarray  # (nh,) rows of hold states
    held_p: np.ndarray  # (nh, K) their chances, likeliest last, as the StateSpace has them
    held_dest: np.ndarray  # (nh, K)
    # the StateSpace's arrays that do not depend on the chances (shared, never written)
    stage: np.ndarray
    persona: np.ndarray
    hold_cause: np.ndarray
    fixed: np.ndarray
    fixed_dest: np.ndarray
    key: np.ndarray
    cycle_stages: np.ndarray


def _fill_tables(
    rows: list[tuple[int, int, int, list[Any], bool]],
    P: int,
    K_prob: int,
    states: tuple[list[tuple[int, int]], list[int], list[int], list[tuple[int, int]], list[bool]],
) -> FillTables:
    order, base_stage, hold_cause, fixed_rows, in_cycle = states
    stage = np.array([base_stage[b] for b, _ in order], dtype=np.int64)
    persona = np.array([p for _, p in order], dtype=np.int64)
    zero = -1  # the trailing 0 appended to the chances
    free_rows: list[list[tuple[int, float, int, int, int, int, bool]]] = []
    subs: list[list[int]] = []
    free, held, held_outs = [], [], []
    for r, (x, b, p, recipe, is_free) in enumerate(rows):
        if not is_free:
            held.append(r)
            held_outs.append(sorted(recipe, key=lambda o: o.p))
            continue
        outs: list[tuple[int, float, int, int, int, int, bool]] = []
        sub: list[int] = []
        for col, is_stall, what in recipe:
            cell = (b * P + p) * K_prob + col
            if is_stall:
                outs += [(cell, w, d, -1, k, -1, False) for w, d, k in what]
            else:
                d, e, first, won = what
                outs.append((cell, 1.0, d, e, -1, first, won))
            sub.append(cell)
        outs.append((zero, 1.0, x, -1, -1, -1, False))  # the stay: its chance set by fill
        free.append(r)
        free_rows.append(outs)
        subs.append(sub)
    L = max([len(o) for o in free_rows], default=1)
    M = max([len(s) for s in subs], default=0)
    K = max([L if free_rows else 1] + [len(o) for o in held_outs])
    nf = len(free_rows)
    cell = np.full((nf, L), zero, dtype=np.int64)
    weight = np.ones((nf, L))
    pad = np.ones((nf, L), dtype=bool)
    sub_cells = np.full((nf, M), zero, dtype=np.int64)
    dest = np.zeros((nf, L), dtype=np.int64)
    edge = np.full((nf, L), -1, dtype=np.int64)
    stall = np.full((nf, L), -1, dtype=np.int64)
    first = np.full((nf, L), -1, dtype=np.int64)
    won = np.zeros((nf, L), dtype=bool)
    stay = np.zeros(nf, dtype=np.int64)
    for i, (outs, sub) in enumerate(zip(free_rows, subs, strict=True)):
        dest[i, :] = rows[free[i]][0]
        for j, (cl, w, d, e, k, f, wn) in enumerate(outs):
            cell[i, j], weight[i, j], dest[i, j], edge[i, j] = cl, w, d, e
            stall[i, j], first[i, j], won[i, j], pad[i, j] = k, f, wn, False
        stay[i] = len(outs) - 1
        sub_cells[i, : len(sub)] = sub
    nh = len(held)
    held_p = np.zeros((nh, K))
    held_dest = np.zeros((nh, K), dtype=np.int64)
    for i, sorted_outs in enumerate(held_outs):
        held_dest[i, :] = rows[held[i]][0]
        for j, o in enumerate(sorted_outs):
            held_p[i, K - len(sorted_outs) + j] = o.p
            held_dest[i, K - len(sorted_outs) + j] = o.dest
    return FillTables(
        K=K,
        random=np.array([x for x, *_ in rows], dtype=np.int64),
        free=np.array(free, dtype=np.int64),
        cell=cell,
        weight=weight,
        stay=stay,
        pad=pad,
        sub=sub_cells,
        dest=dest,
        edge=edge,
        stall=stall,
        first=first,
        won=won,
        held=np.array(held, dtype=np.int64),
        held_p=held_p,
        held_dest=held_dest,
        stage=stage,
        persona=persona,
        hold_cause=np.array([hold_cause[b] for b, _ in order], dtype=np.int64),
        fixed=np.array([x for x, _ in fixed_rows], dtype=np.int64),
        fixed_dest=np.array([d for _, d in fixed_rows], dtype=np.int64),
        key=stage * P + persona,
        cycle_stages=np.flatnonzero(in_cycle),
    )


def fill(lay: Layout, chances: np.ndarray) -> StateSpace:
    """The StateSpace of ``lay`` with the compiled chances ``chances`` ((SP, K), above zero
    exactly where ``lay.positive`` is).

    Each random state's outcomes: a move takes its transition's chance, a stall's entries
    share the stall's chance, and the stay takes the rest (1 minus each chance in turn, at
    least 0); they are sorted by chance, ties in the layout's order, and the likeliest last
    (numpy draws the others and gives it the rest), padded at the front to K columns, and
    scaled to sum to 1. Whole arrays at once: a sweep fills a layout once per scenario.
    """
    t = lay.tables
    Xr, K = t.random.size, t.K
    nf, L = t.cell.shape
    q = np.append(np.asarray(chances, dtype=float).ravel(), 0.0)
    p = q[t.cell] * t.weight
    stay = np.ones(nf)
    for m in range(t.sub.shape[1]):
        stay -= q[t.sub[:, m]]
    p[np.arange(nf), t.stay] = np.maximum(stay, 0.0)
    p[t.pad] = -np.inf  # padding sorts first
    order = np.argsort(p, axis=1, kind="stable")
    pvals = np.zeros((Xr, K))
    dest = np.repeat(t.random[:, None], K, axis=1)
    col_edge = np.full((Xr, K), -1, dtype=np.int64)
    col_stall = np.full((Xr, K), -1, dtype=np.int64)
    col_first = np.full((Xr, K), -1, dtype=np.int64)
    col_won = np.zeros((Xr, K), dtype=bool)
    if nf:
        right = slice(K - L, K)
        ps = np.take_along_axis(p, order, axis=1)
        ps[ps == -np.inf] = 0.0
        pvals[t.free, right] = ps
        dest[t.free, right] = np.take_along_axis(t.dest, order, axis=1)
        col_edge[t.free, right] = np.take_along_axis(t.edge, order, axis=1)
        col_stall[t.free, right] = np.take_along_axis(t.stall, order, axis=1)
        col_first[t.free, right] = np.take_along_axis(t.first, order, axis=1)
        col_won[t.free, right] = np.take_along_axis(t.won, order, axis=1)
    if t.held.size:
        pvals[t.held] = t.held_p
        dest[t.held] = t.held_dest
    if Xr:
        pvals /= pvals.sum(axis=1, keepdims=True)
    return StateSpace(
        stage=t.stage,
        persona=t.persona,
        hold_cause=t.hold_cause,
        start=lay.start,
        random=t.random,
        pvals=pvals,
        dest=dest,
        col_edge=col_edge.ravel(),
        col_stall=col_stall.ravel(),
        col_first=col_first.ravel(),
        col_won=col_won.ravel(),
        fixed=t.fixed,
        fixed_dest=t.fixed_dest,
        key=t.key,
        cycle_stages=t.cycle_stages,
    )


def build_states(c: Compiled) -> StateSpace:
    """Enumerate the reachable states from where leads appear; raise TooManyStates past MAX_STATES."""
    return fill(layout(c), c.prob)


def stage_totals(record: np.ndarray, S: int, P: int) -> np.ndarray:
    """(weeks + 1, runs, S) leads per stage, as floats, from a record of leads per key (stage x
    persona): the personas' columns added one by one (whole numbers, so exactly
    ``record.reshape(..., S, P).sum(axis=3)``, at a sixth of its cost for a few personas)."""
    per = record.reshape(record.shape[0], record.shape[1], S, P)
    acc = per[..., 0].copy()
    for p in range(1, P):
        acc += per[..., p]
    return acc.astype(float)


def _moves(sp: StateSpace) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every possible weekly move of the state space: (from state, to state, chance)."""
    K = sp.pvals.shape[1]
    src = np.concatenate([np.repeat(sp.random, K), sp.fixed])
    dst = np.concatenate([sp.dest.ravel(), sp.fixed_dest])
    prob = np.concatenate([sp.pvals.ravel(), np.ones(sp.fixed.size)])
    nz = prob > 0
    return src[nz], dst[nz], prob[nz]


def reached_cells(sp: StateSpace) -> int:
    """Elements expected_reached touches per week at most: stages on cycles x moves."""
    return int(sp.cycle_stages.size * _moves(sp)[0].size)


def expected_reached(c: Compiled, sp: StateSpace, weeks: int) -> np.ndarray:
    """(len(sp.cycle_stages),) expected number of leads ever in each stage on a cycle by week `weeks`.

    A lead's first entry into stage s is its move into s while it has never been in s. The
    expected counts of the leads not yet in s follow the count engine's own chain (the
    same states and chances) with every move into s taken out and added up: the chain
    with s made absorbing. Leads that start in s, or arrive there, are in it from then on.
    All stages on cycles are propagated together, one row each.
    """
    targets = sp.cycle_stages
    n, X = targets.size, sp.X
    if n == 0:
        return np.zeros(0)
    src, dst, prob = _moves(sp)
    q0 = np.zeros(X)
    arrive = np.zeros(X)
    for (s, p), x in sp.start.items():
        q0[x] += c.initial[s] * c.weights[p]
        arrive[x] += c.arrivals[s] * c.weights[p]
    inside = sp.stage[None, :] == targets[:, None]  # (n, X) the states of each target stage
    ever = (inside * q0).sum(axis=1) + weeks * (inside * arrive).sum(axis=1)
    keep = ~inside
    q = q0 * keep
    add = arrive * keep
    moved_in = np.zeros((n, X))  # everything that moved, summed over the weeks; its target-stage
    # columns are the first entries, as the leads not yet in a stage have none of theirs there
    if X <= DENSE_REACHED_STATES and n * X * X <= DENSE_REACHED_FLOPS:
        # one small dense matrix: a week is one (n, X) @ (X, X) product for all target stages
        M = np.zeros((X, X))
        np.add.at(M, (src, dst), prob)
        for _ in range(weeks):
            y = q @ M
            moved_in += y
            q = y * keep + add
    else:
        bins = (np.arange(n)[:, None] * X + dst[None, :]).ravel()
        for _ in range(weeks):
            y = np.bincount(bins, weights=(q[:, src] * prob).ravel(), minlength=n * X).reshape(n, X)
            moved_in += y
            q = y * keep + add
    ever += (moved_in * inside).sum(axis=1)
    return ever
    bins = (np.arange(n)[:, None] * X + dst[None, :]).ravel()
    for _ in range(weeks):
        q = np.bincount(bins, weights=(q[:, src] * prob).ravel(), minlength=n * X).reshape(n, X)
        ever += (q * inside).sum(axis=1)
        q[inside] = 0.0
        q += add
    return ever


def unsupported(c: Compiled) -> str | None:
    """Why the count engine cannot run this (compiled, ignores applied) journey, or None.

    Leads stop being exchangeable within a state when their chances or KPIs depend on
    their own history or on other leads: touchpoints (schedules count weeks since a
    trigger; sends and lifts), scoring and hand-offs, gates and accounts (committees).
    """
    j = c.journey
    if c.account_size:
        return "accounts"
    if score_table(c) is not None:
        return "scoring"
    if (c.out_gate >= 0).any():
        return "gates"
    if j.touchpoints and touch_tables(c, 1, [-1] * len(j.touchpoints))[0]:
        return "touchpoints"
    return None


class CountEngine:
    """The count engine's state and counters, named like the per-lead engine's so that
    `kpis.summarise` turns either into the same SimResult."""

    def __init__(self, c: Compiled, sp: StateSpace, weeks: int, runs: int, seed: int) -> None:
        self.c, self.sp, self.W, self.R = c, sp, weeks, runs
        self._draw = _drawer(cost(sp, c, weeks, runs))
        self.S, self.P, self.SP = c.S, c.P, c.SP
        ss = np.random.SeedSequence(seed)
        self.rng = dict(
            zip(STREAMS, (np.random.Generator(np.random.PCG64(s)) for s in ss.spawn(len(STREAMS))), strict=True)
        )
        E = len(c.journey.transitions)
        self.entries = np.tile(c.initial.astype(np.int64), (runs, 1))
        self.edge_moves = np.zeros((runs, E), dtype=np.int64)
        self.handoff_moves = np.zeros((runs, self.S), dtype=np.int64)
        self.stall_starts = np.zeros((runs, len(c.causes)), dtype=np.int64)
        self.stall_weeks = np.zeros((runs, len(c.causes)), dtype=np.int64)
        self.per_week = {k: np.zeros((runs, weeks + 1), dtype=np.int64) for k in ("mqls", "handoffs", "queue")}
        self.won_after = np.zeros(weeks + 1, dtype=np.int64)
        self.tp_sends = np.zeros((runs, len(c.journey.touchpoints)), dtype=np.int64)
        self.tp_engaged = np.zeros((runs, len(c.journey.touchpoints)), dtype=np.int64)
        self.ch_touches = np.zeros((runs, len(c.journey.channels)), dtype=np.int64)
        self.gate_holds = [GateHolds.empty(len(g.require_roles), runs, weeks) for g in c.journey.gates]
        self.score = None
        self.b = 1
        # expected share of leads ever in each stage on a cycle (nan elsewhere: counted from moves)
        self.reached_exact: np.ndarray | None = None
        self.entry = np.flatnonzero(c.arrivals > 0)
        # arrivals per run, week and entry stage, as the per-lead engine keeps them (kpis counts entries)
        self.arrivals = np.zeros((runs, weeks + 1, self.entry.size), dtype=np.int64)
        # with arrivals one cohort per week of arrival (cohort 0: the initial leads)
        self.C = weeks if self.entry.size else 1
        self.counts = np.zeros((runs, self.C, sp.X), dtype=np.int64)
        self.hold_weeks = np.zeros((runs, sp.X), dtype=np.int64)
        self._plan()
        self.col_total = np.zeros((runs, self._cmap.size), dtype=np.int64)
        self._initial()

    def _initial(self) -> None:
        """The initial cohort: per stage, its leads' personas drawn from the weights (one
        categorical per lead in the per-lead engine: a multinomial per stage here)."""
        c, sp = self.c, self.sp
        rng = self.rng["layout"]
        for s in np.flatnonzero(c.initial):
            n = int(c.initial[s])
            split = rng.multinomial(n, c.weights, size=self.R) if self.P > 1 else np.full((self.R, 1), n)
            for p in range(self.P):
                self.counts[:, 0, sp.start[(int(s), p)]] += split[:, p]

    def _arrive(self, t: int) -> None:
        """Poisson arrivals per entry stage, each lead's persona from the weights: independent
        Poisson counts per entry stage and persona (Poisson splitting)."""
        sp, c = self.sp, self.c
        lam = c.arrivals[self.entry][:, None] * c.weights[None, :]  # (E, P)
        got = self.rng["arrivals"].poisson(lam, size=(self.R, *lam.shape))
        cohort = min(t, self.C - 1)  # arrivals of the last week never draw: any cohort will do
        for e, s in enumerate(self.entry):
            for p in range(self.P):
                self.counts[:, cohort, sp.start[(int(s), p)]] += got[:, e, p]
        self.entries[:, self.entry] += got.sum(axis=2)
        self.arrivals[:, t, :] = got.sum(axis=2)

    def _plan(self) -> None:
        """Where each week's moves go (every outcome column of every random state, then every
        fixed state), and the random states grouped by their number of outcomes."""
        sp = self.sp
        # random states grouped by how many outcomes they have (the chances are padded at the
        # front to K): each group is one multinomial call without most of the padding,
        # and its outcomes take a block of consecutive columns, state-major; _cmap gives each
        # column's padded column (state * K + outcome) for the per-column tables of the StateSpace
        K = sp.pvals.shape[1]
        width = (sp.pvals > 0).sum(axis=1)
        first = np.argmax(sp.pvals > 0, axis=1)
        width = np.where(width > 0, K - first, 1)
        if K * width.size <= PAD_FACTOR * width.sum():
            # little padding: one call for all states costs less than a call per width (a
            # padded outcome has chance 0, which numpy draws at almost no cost)
            width = np.full_like(width, K)
        # (state numbers, chances (Xg, w), columns): the chances contiguous, made once
        self._groups: list[tuple[np.ndarray, np.ndarray, slice]] = []
        cmap: list[np.ndarray] = []
        at = 0
        for w in np.unique(width):
            states = np.flatnonzero(width == w)
            cmap.append((states[:, None] * K + (K - int(w)) + np.arange(int(w))[None, :]).ravel())
            pv = np.ascontiguousarray(sp.pvals[states, K - int(w) :])
            self._groups.append((sp.random[states], pv, slice(at, at + cmap[-1].size)))
            at += cmap[-1].size
        self._cmap = np.concatenate(cmap) if cmap else np.zeros(0, dtype=np.int64)
        self._ncols = self._cmap.size
        self._dest_all = np.concatenate([sp.dest.ravel()[self._cmap], sp.fixed_dest])
        self._bins: np.ndarray | None = None
        self._won_cols = np.flatnonzero(sp.col_won[self._cmap])
        self._held = np.flatnonzero(sp.hold_cause >= 0)
        self._key_bins = (np.arange(self.R)[:, None] * self.SP + sp.key[None, :]).ravel()

    def step(self, t: int) -> None:
        """Week t: every random state's leads split by a multinomial, fixed states move whole.

        Everything is laid out run x cohort by state (B rows), so that each multinomial's
        output (B, states, outcomes) is already one block of columns, and one bincount over
        (row, destination) gives next week's counts in the same layout.
        """
        sp, R, X = self.sp, self.R, self.sp.X
        live = min(t, self.C)  # cohorts present before this week's arrivals
        B = R * live
        cur = self.counts[:, :live, :].reshape(B, X)
        if self._held.size:
            # lead-weeks on hold: leads in a hold phase at the start of week t are on hold during
            # it (finish reads the hold states' columns; one cohort: add them all, one operation)
            if live == 1:
                self.hold_weeks += cur
            else:
                self.hold_weeks[:, self._held] += cur[:, self._held].reshape(R, live, -1).sum(axis=1)
        nr = self._ncols
        moved = np.empty((B, nr + sp.fixed.size), dtype=np.int64)
        rng = self.rng["moves"]
        for states, pv, cols in self._groups:
            # (B, Xg) counts against (Xg, w) chances: one multinomial per cell, broadcast
            moved[:, cols] = self._draw(rng, cur[:, states], pv)
        if nr:
            drawn = moved[:, :nr]
            self.col_total += drawn if live == 1 else drawn.reshape(R, live, nr).sum(axis=1)
            if self._won_cols.size and self.entry.size:  # without arrivals: won_from_record
                per_cohort = drawn[:, self._won_cols].reshape(R, live, -1).sum(axis=(0, 2))
                self.won_after[t - np.arange(live)] += per_cohort  # cohort a won at age t - a
        moved[:, nr:] = cur[:, sp.fixed]
        # each column to its destination state: one bincount over (run x cohort, destination);
        # float64 sums of whole counts are exact below 2**53 (a cell holds one run's leads)
        if self._bins is None or self._bins.size != moved.size:
            self._bins = (np.arange(B)[:, None] * X + self._dest_all[None, :]).ravel()
        new = np.bincount(self._bins, weights=moved.ravel(), minlength=B * X)
        self.counts[:, :live, :] = new.reshape(R, live, X)

    def won_from_record(self, record: np.ndarray) -> None:
        """Without arrivals (one cohort, nothing enters a won stage but moves), the leads that
        won in week t are the growth of the won stages' occupancy in week t (won stages never
        lose leads), summed over runs: no per-week tally needed."""
        won = [s * self.P + p for s in range(self.S) if self.c.kinds[s] == "won" for p in range(self.P)]
        total = record[:, :, won].sum(axis=(1, 2))
        self.won_after[1:] += np.diff(total)

    def occupancy(self) -> np.ndarray:
        """(R, S * P) leads per key now, summed over cohorts and phases."""
        per_state = self.counts.sum(axis=1) if self.C > 1 else self.counts[:, 0, :]
        # float64 sums of whole counts are exact below 2**53
        out = np.bincount(self._key_bins, weights=per_state.ravel(), minlength=self.R * self.SP)
        return out.astype(np.int64).reshape(self.R, self.SP)

    def finish(self) -> None:
        """Map the per-column totals onto edges, stall starts and first entries."""
        sp, c = self.sp, self.c
        tot = np.zeros((self.R, sp.pvals.size), dtype=np.int64)
        tot[:, self._cmap] = self.col_total
        for name, arr, width in (
            ("edge", sp.col_edge, len(c.journey.transitions)),
            ("first", sp.col_first, c.S),
        ):
            sel = np.flatnonzero(arr >= 0)
            acc = np.zeros((self.R, width), dtype=np.int64)
            np.add.at(acc.T, arr[sel], tot[:, sel].T)
            if name == "edge":
                self.edge_moves += acc
            else:
                self.entries += acc
        sel = np.flatnonzero(sp.col_stall >= 0)
        cause = np.array([c.causes.index(x) for x in c.stall_cause], dtype=np.int64)
        np.add.at(self.stall_starts.T, cause[sp.col_stall[sel]], tot[:, sel].T)
        held = np.flatnonzero(sp.hold_cause >= 0)
        np.add.at(self.stall_weeks.T, sp.hold_cause[held], self.hold_weeks[:, held].T)
        if sp.cycle_stages.size:
            leads = float(c.initial.sum() + self.W * c.arrivals.sum())
            self.reached_exact = np.full(self.S, np.nan)
            ever = expected_reached(c, sp, self.W)
            self.reached_exact[sp.cycle_stages] = ever / leads if leads > 0 else 0.0


Drawer = Callable[[np.random.Generator, np.ndarray, np.ndarray], np.ndarray]


def _numpy_multinomial(rng: np.random.Generator, cur: np.ndarray, pv: np.ndarray) -> np.ndarray:
    # (B, Xg) counts against (Xg, w) chances: one multinomial per cell, broadcast
    return rng.multinomial(cur, pv).reshape(cur.shape[0], -1)


def _kernel(cells: float) -> Any:
    """The compiled kernel module for a run of `cells` cell draws from KERNEL_CELLS on (None
    below, or when numba is missing or fails to import: a broken install runs numpy's draws
    instead, the same distribution with another sample for a seed)."""
    if cells < KERNEL_CELLS:
        return None
    try:
        from journeytui.sim import kernel
    except Exception:  # ImportError, or llvmlite/numba failing as they load (OSError, SystemError, ...)
        return None
    return kernel


def _drawer(cells: float) -> Drawer:
    """The multinomial draws of a run of `cells` cell draws: the compiled kernel's from
    KERNEL_CELLS on, else numpy's."""
    kernel = _kernel(cells)
    return kernel.multinomial if kernel is not None else _numpy_multinomial


def state_space(c: Compiled) -> StateSpace | None:
    """The count engine's states for this journey, or None when it cannot run it."""
    if unsupported(c) is not None:
        return None
    try:
        sp = build_states(c)
    except TooManyStates:
        return None
    # many stages on cycles (one row each in expected_reached) and many states: too dear
    return None if reached_cells(sp) > MAX_REACHED_CELLS else sp


def cost(sp: StateSpace, c: Compiled, weeks: int, runs: int) -> float:
    """Expected multinomial draws (cells) of a count run: the unit the dispatcher compares."""
    steps = weeks * (weeks + 1) / 2 if (c.arrivals > 0).any() else weeks
    return float(runs * max(sp.random.size, 1) * steps)


def cost_floor(c: Compiled, weeks: int, runs: int) -> float:
    """A lower bound of `cost` known before the states are built: one state per open stage
    and persona."""
    steps = weeks * (weeks + 1) / 2 if (c.arrivals > 0).any() else weeks
    open_keys = sum(1 for k in c.kinds if k == "open") * c.P
    return float(runs * max(open_keys, 1) * steps)


def estimate_memory(sp: StateSpace, c: Compiled, weeks: int, runs: int) -> int:
    """Bytes a count run needs: the state counts (with cohorts) and weekly temporaries,
    per-column totals, and the record of every run's counts the results are built from."""
    cohorts = weeks if (c.arrivals > 0).any() else 1
    K = sp.pvals.shape[1]
    cells = runs * cohorts * sp.X
    state = cells * 8 * 3 + runs * cohorts * sp.random.size * K * 8 * 6
    record = (weeks + 1) * runs * c.SP * 8 * 2
    return state + runs * sp.random.size * K * 8 + record


def run_counts(
    c: Compiled,
    sp: StateSpace,
    weeks: int,
    runs: int,
    seed: int,
    settings: dict[str, Any],
    progress: Callable[[int, int], Any] | None = None,
    cancel: Cancel | None = None,
) -> SimResult:
    """Simulate with the count engine and summarise exactly as the per-lead engine does."""
    eng, record = run_record(c, sp, weeks, runs, seed, progress, cancel)
    if not eng.entry.size:
        eng.won_from_record(record)
    eng.finish()
    result = summarise(cast("Tallies", eng), record, settings)
    result.mc_engine = "counts"
    return result


def run_record(
    c: Compiled,
    sp: StateSpace,
    weeks: int,
    runs: int,
    seed: int,
    progress: Callable[[int, int], Any] | None = None,
    cancel: Cancel | None = None,
) -> tuple[CountEngine, np.ndarray]:
    """The engine after its run and the record (weeks + 1, runs, S * P) of leads per key and
    week: everything `run_counts` summarises (a sweep reads just the record; same draws)."""
    eng = CountEngine(c, sp, weeks, runs, seed)
    record = np.empty((weeks + 1, runs, c.SP), dtype=np.int64)
    record[0] = eng.occupancy()
    kernel = _kernel(cost(sp, c, weeks, runs)) if not eng.entry.size else None
    if kernel is not None:
        _run_compiled(kernel, eng, record, progress, cancel)
    else:
        _run_weekly(eng, record, progress, cancel)
    return eng, record


def _run_weekly(
    eng: CountEngine, record: np.ndarray, progress: Callable[[int, int], Any] | None, cancel: Cancel | None
) -> None:
    """Week by week, every run at once: numpy's multinomials (or the kernel's, with arrivals)."""
    weeks = eng.W
    for t in range(1, weeks + 1):
        if cancel is not None and cancel.is_set():
            raise SimulationCancelled()
        eng.step(t)
        if eng.entry.size:
            eng._arrive(t)
        record[t] = eng.occupancy()
        if progress is not None:
            progress(t, weeks)


def _run_compiled(
    kernel: Any,
    eng: CountEngine,
    record: np.ndarray,
    progress: Callable[[int, int], Any] | None,
    cancel: Cancel | None,
) -> None:
    """Run by run, all weeks of each in compiled code (one cohort: no arrivals). A few runs a
    call, so that a cancel is noticed and progress moves (reported as the share of weeks)."""
    R, W = eng.R, eng.W
    counts = np.ascontiguousarray(eng.counts[:, 0, :])
    record[1:] = 0
    total = np.zeros((R, eng.sp.pvals.size), dtype=np.int64)
    step = max(1, min(R, KERNEL_CHUNK_CELLS // max(1, W * eng.sp.random.size)))
    for r0 in range(0, R, step):
        if cancel is not None and cancel.is_set():
            raise SimulationCancelled()
        r1 = min(R, r0 + step)
        kernel.run_closed(eng.rng["moves"], counts, eng.sp, record, total, eng.hold_weeks, r0, r1)
        if progress is not None:
            progress(W * r1 // R, W)
    eng.counts[:, 0, :] = counts
    eng.col_total = total[:, eng._cmap]
