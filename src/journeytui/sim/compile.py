"""Turn a Journey into the numeric tables both engines share (docs/simulation.md).

Stages, personas and outcomes become indices; probabilities become arrays. The
feature checks and `ignore` handling used by the exact forecast live here too.

The order of blocks in a file is cosmetic, so the engines never see it: the journey
is first put into a canonical order (:func:`canonical`), every engine indexes and
draws random numbers in that order, and :meth:`Compiled.in_file_order` puts results
back into the file's order for display.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from journeytui.model.accounts import account_members, account_size
from journeytui.model.types import MAX_LEADS, MAX_WEEKS, ROLES, Journey, Stall, Transition
from journeytui.sim.errors import SimulationError
from journeytui.sim.results import Forecast, SimResult

R = TypeVar("R", Forecast, SimResult)

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


ORDERED = ("stages", "transitions", "stalls", "personas", "gates", "channels", "touchpoints")
"""The journey's lists whose file order is cosmetic (see :func:`canonical`)."""


def _transition_key(t: Transition) -> tuple[Any, ...]:
    return (t.from_, t.to, t.probability, t.gate or "", sorted(t.by_persona.items()), t.cause, t.notes)


def _stall_key(st: Stall) -> tuple[Any, ...]:
    d = st.duration
    return (st.stage, st.cause, st.probability, d.kind, d.weeks or 0, d.mean or 0.0, d.min or 0, d.max or 0)


def _id_key(e: Any) -> str:
    return str(e.id)


def canonical(journey: Journey) -> tuple[Journey, dict[str, np.ndarray]]:
    """A shallow copy of the journey with every list of ``ORDERED`` in an order that does not
    depend on the file, and per list the canonical index of each element in file order.

    Stages are ordered by layer (``Journey.stage_order()``: the phase, or the file position for
    a stage without one, which is therefore the one place file order still means something),
    then by id; transitions by (from, to, ...), stalls by (stage, cause, ...), everything else by
    id. Stages of the copy carry their layer as ``phase`` so that ``stage_order()`` of the copy
    gives the same layers as the original.
    """
    order = journey.stage_order()
    keys: dict[str, Any] = {
        "stages": lambda s: (order[s.id], s.id),
        "transitions": _transition_key,
        "stalls": _stall_key,
    }
    lists: dict[str, list[Any]] = {}
    file_order: dict[str, np.ndarray] = {}
    for name in ORDERED:
        items = getattr(journey, name)
        key = keys.get(name, _id_key)
        perm = sorted(range(len(items)), key=[key(e) for e in items].__getitem__)
        lists[name] = [items[i] for i in perm]
        where = np.empty(len(items), dtype=np.int64)
        where[perm] = np.arange(len(items))
        file_order[name] = where
    lists["stages"] = [s if s.phase is not None else dataclasses.replace(s, phase=order[s.id]) for s in lists["stages"]]
    out = copy.copy(journey)
    for name, items in lists.items():
        setattr(out, name, items)
    return out, file_order


def _reorder(d: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """The dict with ``keys`` (those present) first, in that order, then the rest as they were."""
    out = {k: d[k] for k in keys if k in d}
    out.update((k, v) for k, v in d.items() if k not in out)
    return out


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
    pattern: np.ndarray  # one account's seats: a persona index per member (empty without accounts)
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
    source: Journey | None = None
    """The journey as given (after ``ignore``), in file order: for display only."""
    file_order: dict[str, np.ndarray] = field(default_factory=dict)
    """Per list of ``ORDERED``: the canonical index of each element of ``source``, in file order."""

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

    def lead_shares(self) -> np.ndarray:
        """(P,) the chance that a lead (initial or arriving, any week) has each persona.

        With accounts a lead takes a uniformly random free seat of its account (the members of
        an account appear in random order), so every lead's persona has one account's shares;
        without accounts it is drawn from the persona weights.
        """
        if self.account_size:
            return np.bincount(self.pattern, minlength=self.P) / self.account_size
        return self.weights

    def initial_persona_counts(self) -> np.ndarray:
        """(S, P) expected initial leads by stage and persona."""
        return self.initial[:, None] * self.lead_shares()[None, :]

    # -- display ------------------------------------------------------------
    @property
    def file_stages(self) -> np.ndarray:
        """Canonical stage indices in the file's stage order: ``a[..., c.file_stages]`` reorders columns."""
        return self.file_order.get("stages", np.arange(self.S))

    def file_ids(self, name: str) -> list[str]:
        """Ids of the source's list ``name`` in file order (edge names for transitions)."""
        src = self.source or self.journey
        if name == "transitions":
            return [f"{t.from_}->{t.to}" for t in src.transitions]
        if name == "causes":
            return list(dict.fromkeys([st.cause for st in src.stalls] + ["sales queue"]))
        return [e.id for e in getattr(src, name)]

    def in_file_order(self, result: R) -> R:
        """The result with stages, personas and every keyed KPI in the file's order.

        Personas that no lead has (zero weight, or not in the composition) get rows of zeros,
        so ``by_persona`` lists every persona of the file when leads have personas.
        """
        cols = self.file_stages
        result.stages = [self.stage_ids[i] for i in cols]
        for name in ("mean", "p05", "p50", "p95", "on_hold", "runs_counts"):
            a = getattr(result, name, None)
            if isinstance(a, np.ndarray) and a.ndim >= 1 and a.shape[-1] == self.S:
                setattr(result, name, a[..., cols])
        weekly = getattr(result, "weekly", None)
        if weekly is not None and weekly.moved_in.shape[-1] == self.S:
            result.weekly = weekly.reorder(cols, result.stages)
        by = {k: v[..., cols] for k, v in result.by_persona.items()}
        if self.persona_ids != [""]:
            zero = np.zeros_like(result.mean)
            by = {p: by.get(p, zero) for p in self.file_ids("personas")} | by
        result.by_persona = by
        edges, causes, stages = self.file_ids("transitions"), self.file_ids("causes"), result.stages
        if isinstance(result, Forecast):
            result.flows = _reorder(result.flows, edges)
            result.stall_starts = _reorder(result.stall_starts, causes)
        kpis = result.kpis if isinstance(result, SimResult) else None
        if kpis:
            handoff = self.journey.scoring.handoff_to if self.journey.scoring else ""
            keys = {
                "conversion": edges + [f"{s}->{handoff} (hand-off)" for s in stages],
                "reached": stages,
                "stalls": causes,
                "regressions": edges,
                "channels": self.file_ids("channels"),
                "touchpoints": self.file_ids("touchpoints"),
                "personas": self.file_ids("personas"),
                "gates": self.file_ids("gates"),
            }
            for name, order in keys.items():
                if isinstance(kpis.get(name), dict):
                    kpis[name] = _reorder(kpis[name], order)
            if self.persona_ids != [""] and isinstance(kpis.get("personas"), dict):
                none = {"leads": 0.0, "won": 0.0, "lost": 0.0}
                kpis["personas"] = {p: kpis["personas"].get(p, dict(none)) for p in self.file_ids("personas")} | kpis[
                    "personas"
                ]
        return result


def _personas(journey: Journey) -> tuple[list[str], np.ndarray, dict[str, int]]:
    """Persona ids (canonical order), their weights for leads without accounts, and the
    composition (persona id -> members, positive counts only)."""
    known = [p.id for p in journey.personas]
    comp = {k: v for k, v in (journey.dmu.composition if journey.dmu else {}).items() if k in known and v > 0}
    mix = {k: v for k, v in journey.population.mix.items() if k in known and v > 0}
    source = mix or comp
    if not source:
        return [""], np.ones(1), {}
    ids = [p for p in known if p in source or p in comp]
    w = np.array([float(source.get(p, 0.0)) for p in ids])
    return ids, w / w.sum(), comp


def compile_journey(journey: Journey, ignore: tuple[str, ...] = (), leads: int | None = None) -> Compiled:
    """Compile a (loaded, valid) journey for the engines."""
    ignore = check_ignore(ignore)
    src = strip(journey, ignore)
    j, file_order = canonical(src)
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
    persona_ids, weights, comp = _personas(j)
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

    m = sum(comp.values()) if persona_ids != [""] else 0
    b = account_size(n0, j.population.accounts, m) if j.population.accounts > 0 and m > 0 else 0
    # one account's seats, by persona (canonical order); the engines seat each lead at random
    seats = account_members(comp, b)
    pattern = np.repeat(np.arange(P), [seats.get(p, 0) for p in persona_ids]) if b else np.zeros(0, dtype=np.int64)

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
        account_size=b,
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
        source=src,
        file_order=file_order,
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
