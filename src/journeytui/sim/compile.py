"""Turn a Journey into the numeric tables both engines share (docs/simulation.md).

Stages, personas and outcomes become indices; probabilities become arrays. The
feature checks and `ignore` handling used by the exact forecast live here too.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from journeytui.model.types import MAX_LEADS, MAX_WEEKS, ROLES, Journey
from journeytui.sim.errors import SimulationError

FEATURES = ("scoring", "lifts", "gates", "capacity")
"""Features the exact forecast cannot handle; `ignore` accepts exactly these names."""

MAX_RUNS = 10_000
MAX_LIFT_BITS = 16

KIND_NONE, KIND_STALL, KIND_MOVE = 0, 1, 2


def check_ignore(ignore: tuple[str, ...] | list[str] | set[str]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(ignore))
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise SimulationError(
            f"cannot ignore {', '.join(map(repr, unknown))}: known features are {', '.join(FEATURES)}"
        )
    return names


def strip(journey: Journey, ignore: tuple[str, ...]) -> Journey:
    """A copy of the journey without the ignored features."""
    if not ignore:
        return journey
    j = copy.deepcopy(journey)
    if "scoring" in ignore:
        j.scoring = None
    if "lifts" in ignore:
        for tp in j.touchpoints:
            tp.lift = {}
    if "gates" in ignore:
        for t in j.transitions:
            t.gate = None
    if "capacity" in ignore:
        for c in j.channels:
            c.capacity = None
    return j


def _scores(journey: Journey) -> bool:
    s = journey.scoring
    return s is not None and bool(s.handoff_from) and journey.stage(s.handoff_to) is not None


def _lifting(journey: Journey) -> list[int]:
    return [i for i, tp in enumerate(journey.touchpoints) if any(f != 1.0 for f in tp.lift.values())]


def blocking_features(journey: Journey) -> dict[str, str]:
    """Features (name -> where) that make the exact forecast impossible."""
    found: dict[str, str] = {}
    scoring = _scores(journey)
    if scoring:
        found["scoring"] = "score thresholds hand leads to sales"
    lifting = _lifting(journey)
    if lifting:
        names = ", ".join(journey.touchpoints[i].id for i in lifting)
        found["lifts"] = f"touchpoint lifts: {names}"
    gated = sorted({t.gate for t in journey.transitions if t.gate})
    if gated:
        found["gates"] = f"consensus gates: {', '.join(gated)}"
    capped: list[str] = []
    if scoring and journey.scoring and journey.scoring.handoff_channel:
        ch = journey.channel(journey.scoring.handoff_channel)
        if ch is not None and ch.capacity is not None:
            capped.append(ch.id)
    for tp in journey.touchpoints:
        matters = any(f != 1.0 for f in tp.lift.values()) or (scoring and tp.behaviour)
        ch = journey.channel(tp.channel)
        if matters and ch is not None and ch.capacity is not None and ch.id not in capped:
            capped.append(ch.id)
    if capped:
        found["capacity"] = f"channel capacity: {', '.join(capped)}"
    return found


def split_largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to weights summing to total (ties to the earlier entry)."""
    w = np.asarray(weights, dtype=float)
    if total == 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    exact = w / w.sum() * total
    base = np.floor(exact).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return base


@dataclass
class Compiled:
    """A journey as arrays. Keys: ``key = stage * P + persona``; key ``SP`` is 'no lead yet'."""

    journey: Journey
    ignored: tuple[str, ...]
    stage_ids: list[str]
    kinds: list[str]
    layer: np.ndarray
    persona_ids: list[str]
    weights: np.ndarray
    pattern: np.ndarray
    account_size: int
    initial: np.ndarray
    arrivals: np.ndarray
    # outcomes: per stage, K columns
    out_kind: np.ndarray
    out_target: np.ndarray
    out_stall: np.ndarray
    out_edge: np.ndarray
    out_gate: np.ndarray
    prob: np.ndarray  # (SP, K) base probabilities per key
    regression: np.ndarray  # per transition
    stall_cause: list[str]
    causes: list[str] = field(default_factory=list)

    @property
    def S(self) -> int:
        return len(self.stage_ids)

    @property
    def P(self) -> int:
        return len(self.persona_ids)

    @property
    def SP(self) -> int:
        return self.S * self.P

    @property
    def K(self) -> int:
        return int(self.out_kind.shape[1])

    def edge_name(self, e: int) -> str:
        t = self.journey.transitions[e]
        return f"{t.from_}->{t.to}"

    def initial_persona_counts(self) -> np.ndarray:
        """(S, P) initial leads by stage and persona, as both engines lay them out."""
        out = np.zeros((self.S, self.P), dtype=float)
        if self.account_size:
            lo = 0
            b, m = self.account_size, len(self.pattern)
            r = np.arange(b)
            for s, n in enumerate(self.initial):
                hi = lo + int(n)
                per_r = (hi - 1 - r) // b - (lo - 1 - r) // b
                np.add.at(out[s], self.pattern[r % m], per_r)
                lo = hi
        else:
            out[:] = self.initial[:, None] * self.weights[None, :]
        return out


def _personas(journey: Journey) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Persona ids, their weights for leads without accounts, and the account pattern."""
    known = [p.id for p in journey.personas]
    comp = {k: v for k, v in (journey.dmu.composition if journey.dmu else {}).items() if k in known and v > 0}
    mix = {k: v for k, v in journey.population.mix.items() if k in known and v > 0}
    source = mix or comp
    if not source:
        return [""], np.ones(1), np.zeros(1, dtype=np.int64)
    ids = [p for p in known if p in source or p in comp]
    w = np.array([float(source.get(p, 0.0)) for p in ids])
    pattern = np.array([ids.index(p) for p in known if p in comp for _ in range(comp[p])], dtype=np.int64)
    return ids, w / w.sum(), pattern


def compile_journey(journey: Journey, ignore: tuple[str, ...] = (), leads: int | None = None) -> Compiled:
    """Compile a (loaded, valid) journey for the engines."""
    ignore = check_ignore(ignore)
    j = strip(journey, ignore)
    if not j.stages:
        raise SimulationError("the journey has no stages")
    if leads is not None and (not isinstance(leads, int | np.integer) or leads < 0):
        raise SimulationError(f"leads must be a whole number >= 0, not {leads!r}")
    if leads is not None and leads > MAX_LEADS:
        raise SimulationError(f"leads must be at most {MAX_LEADS:,}, not {leads:,}")
    sidx = {s.id: i for i, s in enumerate(j.stages)}
    S = len(j.stages)
    order = j.stage_order()
    layer = np.array([order[s.id] for s in j.stages])
    kinds: list[str] = [s.kind for s in j.stages]
    persona_ids, weights, pattern = _personas(j)
    P = len(persona_ids)

    file_initial = np.array([j.population.initial.get(s.id, 0) for s in j.stages], dtype=np.int64)
    n0 = int(file_initial.sum())
    if leads is None:
        initial = file_initial
    elif n0 > 0:
        initial = split_largest_remainder(file_initial, leads)
    else:
        entries = np.array([1.0 if s.entry and s.kind == "open" else 0.0 for s in j.stages])
        if entries.sum() == 0:
            raise SimulationError("no entry stage to place the leads in")
        initial = split_largest_remainder(entries, leads)
    arrivals = np.array([float(j.population.arrivals.get(s.id, 0.0)) for s in j.stages])
    if not np.all(np.isfinite(arrivals)) or np.any(arrivals < 0):
        raise SimulationError("arrivals must be finite and >= 0")
    if initial.sum() == 0 and arrivals.sum() == 0:
        raise SimulationError("no leads: the population has no initial leads and no arrivals; pass leads=N")

    m = len(pattern) if j.dmu and j.dmu.composition and persona_ids != [""] else 0
    account_size = 0
    if j.population.accounts > 0 and m > 0:
        account_size = max(1, round(n0 / j.population.accounts)) if n0 else m

    # outcomes per stage: stalls first, then moves
    cols: list[list[tuple[int, int]]] = [[] for _ in range(S)]
    for k, st in enumerate(j.stalls):
        if st.stage in sidx and kinds[sidx[st.stage]] == "open":
            cols[sidx[st.stage]].append((KIND_STALL, k))
    for e, t in enumerate(j.transitions):
        if t.from_ in sidx and t.to in sidx and kinds[sidx[t.from_]] == "open":
            cols[sidx[t.from_]].append((KIND_MOVE, e))
    K = max(1, max(len(c) for c in cols))
    out_kind = np.zeros((S, K), dtype=np.int8)
    out_target = np.tile(np.arange(S)[:, None], (1, K))
    out_stall = np.full((S, K), -1, dtype=np.int64)
    out_edge = np.full((S, K), -1, dtype=np.int64)
    out_gate = np.full((S, K), -1, dtype=np.int64)
    prob = np.zeros((S, P, K))
    gate_ids = [g.id for g in j.gates]
    for s, row in enumerate(cols):
        for c, (kind, ref) in enumerate(row):
            out_kind[s, c] = kind
            if kind == KIND_STALL:
                out_stall[s, c] = ref
                prob[s, :, c] = j.stalls[ref].probability
            else:
                t = j.transitions[ref]
                out_edge[s, c] = ref
                out_target[s, c] = sidx[t.to]
                if t.gate in gate_ids:
                    out_gate[s, c] = gate_ids.index(t.gate)
                for p, pid in enumerate(persona_ids):
                    prob[s, p, c] = t.by_persona.get(pid, t.probability) if pid else t.probability
        total = prob[s].sum(axis=1)
        if np.any(total > 1 + 1e-9):
            raise SimulationError(
                f"stage {j.stages[s].id!r}: outgoing probabilities plus stall chances exceed 1 (E302)"
            )
    causes = list(dict.fromkeys([st.cause for st in j.stalls] + ["sales queue"]))
    return Compiled(
        journey=j,
        ignored=ignore,
        stage_ids=[s.id for s in j.stages],
        kinds=kinds,
        layer=layer,
        persona_ids=persona_ids,
        weights=weights,
        pattern=pattern,
        account_size=account_size,
        initial=initial,
        arrivals=arrivals,
        out_kind=out_kind,
        out_target=out_target,
        out_stall=out_stall,
        out_edge=out_edge,
        out_gate=out_gate,
        prob=prob.reshape(S * P, K),
        regression=np.array(
            [
                t.from_ in sidx and t.to in sidx and order[t.to] < order[t.from_] and kinds[sidx[t.to]] == "open"
                for t in j.transitions
            ],
            dtype=bool,
        ),
        stall_cause=[st.cause for st in j.stalls],
        causes=causes,
    )


def check_weeks(weeks: int | None, journey: Journey) -> int:
    w = journey.journey.horizon if weeks is None else weeks
    if not isinstance(w, int | np.integer) or isinstance(w, bool) or w < 1 or w > MAX_WEEKS:
        raise SimulationError(f"weeks must be a whole number from 1 to {MAX_WEEKS:,}, not {w!r}")
    return int(w)


def check_runs(runs: int) -> int:
    if not isinstance(runs, int | np.integer) or isinstance(runs, bool) or runs < 1 or runs > MAX_RUNS:
        raise SimulationError(f"runs must be a whole number from 1 to {MAX_RUNS:,}, not {runs!r}")
    return int(runs)


def role_index(role: str) -> int:
    return ROLES.index(role) if role in ROLES else -1


def ceil_div7(d: int) -> int:
    return math.ceil(d / 7)
