"""The exact forecast: expected leads per stage per week, by propagating the chain.

The chain is kept sparse: each week the free leads of every stage move along the
journey's edge list (one multiply and one scatter per edge, ``np.bincount``), so a week
costs O(personas x (stages + transitions + stalls)) instead of a dense stages^2 matrix
product. Stalls are not expanded into one state per week of hold: a fixed or uniform
hold releases, in week t, the entries of weeks t - max .. t - min (a difference of
cumulative entries, a convolution with the hold's distribution), and a geometric hold is
one state per stall. Memory is O(weeks x personas x (stages + stalls)) whatever the hold
lengths. :mod:`journeytui.sim.exact_dense` keeps the original dense algorithm as the
reference the tests compare against.

Each persona has its own probabilities and its share of the leads. Refuses journeys whose
dynamics are not a Markov chain in the stage (ExactForecastUnavailable), and runs that
would exceed the memory or time limits (ResourceLimit, see :mod:`journeytui.sim.limits`)
before allocating anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from journeytui.model.types import Journey
from journeytui.sim.compile import KIND_MOVE, KIND_STALL, Compiled, blocking_features, check_weeks, compile_journey
from journeytui.sim.errors import ExactForecastUnavailable
from journeytui.sim.limits import Estimate, check
from journeytui.sim.results import Forecast

# Cost model of one week on the reference machine (2 cores, numpy): a fixed Python
# overhead per week plus a cost per element touched; measured with bench/bench_large.py.
WEEK_OVERHEAD_S = 60e-6
ELEMENT_S = 12e-9


def journey_sizes(journey: Journey) -> tuple[int, int, int, int, int]:
    """(stages, personas, transitions, stalls, widest stage's outcomes) read off the journey, without compiling."""
    S = len(journey.stages)
    P = max(1, len(journey.personas))
    out: dict[str, int] = {}
    for t in journey.transitions:
        out[t.from_] = out.get(t.from_, 0) + 1
    for st in journey.stalls:
        out[st.stage] = out.get(st.stage, 0) + 1
    K = max(1, max(out.values(), default=1))
    return S, P, len(journey.transitions), len(journey.stalls), K


def estimate_exact(journey: Journey, weeks: int | None = None, what: str = "the exact forecast") -> Estimate:
    """Memory and time the exact forecast of ``journey`` over ``weeks`` would need (cheap: no compiling)."""
    W = check_weeks(weeks, journey)
    S, P, E, nst, K = journey_sizes(journey)
    compiled = S * P * K * 8 + S * K * (1 + 8 * 4)  # compile_journey's outcome tables
    history = 8 * (W + 2) * P * (3 * S + 3 * nst)  # free leads, holds by stage, per-persona output, stall sums
    output = 8 * (W + 1) * S * 4  # mean, on hold, totals
    weekly = 8 * P * (E + S + nst) * 6  # one week's temporaries
    need = int(1.2 * (compiled + history + output + weekly))
    seconds = W * (WEEK_OVERHEAD_S + ELEMENT_S * P * (E + 3 * S + 4 * nst)) + ELEMENT_S * S * P * K * 4
    why = f"{S:,} stages x {P:,} persona{'s' * (P != 1)} x {W + 1:,} weeks"
    if compiled > history:
        why = f"{S:,} stages x {K:,} outcomes in the busiest stage x {P:,} persona{'s' * (P != 1)}"
    suggestion = "forecast fewer weeks, or split the journey, or use Monte Carlo with fewer leads"
    return Estimate(what, need, seconds, why, suggestion)


def check_exact(journey: Journey, weeks: int | None = None, memory: int | None = None) -> Estimate:
    """Raise ResourceLimit if the exact forecast would not fit; the estimate otherwise. Cheap: call it first."""
    return check(estimate_exact(journey, weeks), memory)


@dataclass
class Chain:
    """The compiled journey as a sparse weekly step, per persona (P personas, S stages).

    Free leads of stage ``s`` stay with ``stay[:, s]``, move along edge ``e`` (``src -> dst``)
    with ``w[:, e]`` and enter stall ``j`` (at stage ``st_stage[j]``) with ``st_prob[:, j]``.
    Stalls ``0 .. nf-1`` are fixed or uniform holds of ``lo .. hi`` weeks; the rest are
    geometric with weekly release ``rate``.
    """

    S: int
    P: int
    stay: np.ndarray  # (P, S)
    src: np.ndarray  # (E,)
    dst: np.ndarray  # (E,)
    w: np.ndarray  # (P, E)
    edge: np.ndarray  # (E,) journey transition index
    st_stage: np.ndarray  # (nst,)
    st_prob: np.ndarray  # (P, nst)
    st_index: np.ndarray  # (nst,) journey stall index
    st_rank: np.ndarray  # (nst,) position in stage-then-column order (the order stall starts are reported in)
    nf: int
    lo: np.ndarray  # (nf,)
    hi: np.ndarray  # (nf,)
    rate: np.ndarray  # (nst - nf,)
    _flat: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def nst(self) -> int:
        return int(self.st_stage.size)

    @property
    def hold_stage(self) -> np.ndarray:
        return self.st_stage[: self.nf]

    @property
    def geo_stage(self) -> np.ndarray:
        return self.st_stage[self.nf :]

    def scatter(self, into: str, values: np.ndarray) -> np.ndarray:
        """(P, S) sums of ``values`` (P, n) into the stages of the index array named ``into``
        (``"dst"``, ``"src"``, ``"st_stage"``, ``"hold_stage"``, ``"geo_stage"``)."""
        flat = self._flat.get(into)
        if flat is None:  # each index array's per-persona offsets, computed once per chain
            idx = getattr(self, into)
            flat = self._flat[into] = (idx[None, :] + self.S * np.arange(self.P)[:, None]).ravel()
        return np.bincount(flat, weights=values.ravel(), minlength=self.P * self.S).reshape(self.P, self.S)


def _durations(c: Compiled, stall: int) -> tuple[str, int, int, float]:
    d = c.journey.stalls[stall].duration
    if d.kind == "geometric":
        return "geometric", 0, 0, 1.0 / float(d.mean or 1.0)
    if d.kind == "fixed":
        lo = hi = int(d.weeks or 1)
    else:
        lo, hi = int(d.min or 1), int(d.max or d.min or 1)
    return "hold", lo, max(lo, hi), 0.0


def build_chain(c: Compiled) -> Chain:
    """The sparse weekly step of a compiled journey."""
    S, P, K = c.S, c.P, c.K
    prob = c.prob.reshape(S, P, K)
    is_open = np.array([k == "open" for k in c.kinds], dtype=bool)
    stay = np.ones((P, S))
    stay[:, is_open] = 1.0 - prob[is_open].sum(axis=2).T
    src, col = np.nonzero(c.out_kind == KIND_MOVE)  # row-major: stage by stage, in column order
    w = prob[src, :, col].T.copy() if src.size else np.zeros((P, 0))
    ss, sc = np.nonzero(c.out_kind == KIND_STALL)
    kinds = [_durations(c, int(c.out_stall[s, k])) for s, k in zip(ss, sc, strict=True)]
    order = sorted(range(len(kinds)), key=lambda i: kinds[i][0] != "hold")  # holds first, stable
    ss, sc = ss[order], sc[order]
    kinds = [kinds[i] for i in order]
    nf = sum(1 for k in kinds if k[0] == "hold")
    return Chain(
        S=S,
        P=P,
        stay=stay,
        src=src.astype(np.int64),
        dst=c.out_target[src, col].astype(np.int64),
        w=w,
        edge=c.out_edge[src, col].astype(np.int64),
        st_stage=ss.astype(np.int64),
        st_prob=prob[ss, :, sc].T.copy() if ss.size else np.zeros((P, 0)),
        st_index=c.out_stall[ss, sc].astype(np.int64),
        st_rank=np.array(order, dtype=np.int64),
        nf=nf,
        lo=np.array([k[1] for k in kinds[:nf]], dtype=np.int64),
        hi=np.array([k[2] for k in kinds[:nf]], dtype=np.int64),
        rate=np.array([k[3] for k in kinds[nf:]], dtype=float),
    )


@dataclass
class Run:
    """One propagation: ``free[t]`` and ``held[t]`` (P, S) at the end of each week 0..W."""

    c: Compiled
    chain: Chain
    weeks: int
    free: np.ndarray  # (W+1, P, S) leads not on hold
    held: np.ndarray  # (W+1, P, S) leads on hold, by the stall's stage


def arrival_weights(c: Compiled) -> np.ndarray:
    """Persona shares of arriving leads: the same in every week as the Monte Carlo layout's."""
    return c.lead_shares()


def propagate(c: Compiled, W: int) -> Run:
    """Expected free and held leads per persona and stage, week by week (see the module docstring)."""
    ch = build_chain(c)
    P, S, nf = ch.P, ch.S, ch.nf
    free = np.empty((W + 1, P, S))
    held = np.zeros((W + 1, P, S))
    free[0] = c.initial_persona_counts().T
    arr = arrival_weights(c)[:, None] * c.arrivals[None, :]
    # cum[u + 1] = entries of the fixed/uniform stalls up to week u (cum[0] = 0: before week 0)
    cum = np.zeros((W + 2, P, nf))
    released = np.zeros((P, nf))
    width = (ch.hi - ch.lo + 1).astype(float)
    cols = np.arange(nf)
    geo = np.zeros((P, ch.nst - nf))
    for t in range(1, W + 1):
        f = free[t - 1]
        new = f * ch.stay + arr
        if ch.src.size:
            new += ch.scatter("dst", f[:, ch.src] * ch.w)
        entries = f[:, ch.st_stage] * ch.st_prob
        if nf:
            # entries of week u are released in week u + d, d in lo..hi with equal chance
            a = np.maximum(t - ch.lo + 1, 0)
            b = np.maximum(t - ch.hi, 0)
            rel = (cum[a, :, cols] - cum[b, :, cols]).T / width
            released += rel
            cum[t + 1] = cum[t] + entries[:, :nf]
            new += ch.scatter("hold_stage", rel)
            held[t] += ch.scatter("hold_stage", cum[t + 1] - released)
        if ch.nst > nf:
            out = geo * ch.rate
            geo += entries[:, nf:] - out
            new += ch.scatter("geo_stage", out)
            held[t] += ch.scatter("geo_stage", geo)
        free[t] = new
    return Run(c, ch, W, free, held)


def forecast(
    journey: Journey,
    weeks: int | None = None,
    ignore: tuple[str, ...] | list[str] = (),
    leads: int | None = None,
    memory: int | None = None,
) -> Forecast:
    """Expected leads per stage per week.

    Raises ExactForecastUnavailable when the journey is not a plain chain, and
    ResourceLimit (before allocating) when the run would exceed the memory limit
    (``memory`` bytes, default :func:`journeytui.sim.limits.memory_limit`) or the time budget.
    """
    ignore = tuple(ignore)
    check_exact(journey, weeks, memory)
    c = compile_journey(journey, ignore, leads)
    blocking = blocking_features(c.journey)
    if blocking:
        raise ExactForecastUnavailable(blocking)
    W = check_weeks(weeks, journey)
    run = propagate(c, W)
    return to_forecast(journey, run, ignore)


def to_forecast(journey: Journey, run: Run, ignore: tuple[str, ...]) -> Forecast:
    """The Forecast of a propagation: totals, per persona, on hold, and the horizon's flows."""
    c, ch, W = run.c, run.chain, run.weeks
    per_persona = run.free + run.held  # (W+1, P, S)
    mean = per_persona.sum(axis=1)
    on_hold = run.held.sum(axis=1)
    free = run.free[:W].sum(axis=0)  # (P, S) expected free lead-weeks that draw
    moved = (free[:, ch.src] * ch.w).sum(axis=0)
    flows: dict[str, float] = {}
    for e, x in zip(ch.edge.tolist(), moved.tolist(), strict=True):
        flows[c.edge_name(e)] = x
    started = (free[:, ch.st_stage] * ch.st_prob).sum(axis=0)
    starts: dict[str, float] = {}
    for j in np.argsort(ch.st_rank).tolist():
        cause = c.stall_cause[int(ch.st_index[j])]
        starts[cause] = starts.get(cause, 0.0) + float(started[j])
    return forecast_result(journey, c, W, mean, per_persona, on_hold, flows, starts, ignore)


def forecast_result(
    journey: Journey,
    c: Compiled,
    W: int,
    mean: np.ndarray,
    per_persona: np.ndarray,
    on_hold: np.ndarray,
    flows: dict[str, float],
    starts: dict[str, float],
    ignore: tuple[str, ...],
) -> Forecast:
    """The exact forecast's result from its arrays (computed in the canonical order), in file order.

    Shared by the sparse forecast and the dense reference (sim/exact_dense.py).
    """
    won_cols = [i for i, k in enumerate(c.kinds) if k == "won"]
    lost_cols = [i for i, k in enumerate(c.kinds) if k == "lost"]
    result = Forecast(
        journey_id=journey.journey.id,
        stages=list(c.stage_ids),
        weeks=W,
        mean=mean,
        total=mean.sum(axis=1),
        won=mean[:, won_cols].sum(axis=1),
        lost=mean[:, lost_cols].sum(axis=1),
        by_persona={p or "(all)": per_persona[:, i] for i, p in enumerate(c.persona_ids)},
        settings={"leads": int(c.initial.sum()), "weeks": W, "runs": None, "seed": None, "ignore": list(ignore)},
        on_hold=on_hold,
        flows=flows,
        stall_starts=starts,
        ignored=ignore,
    )
    return c.in_file_order(result)
