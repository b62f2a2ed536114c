"""What-if nudges and the sensitivity ranking: which single parameter moves the wins most.

A *parameter* is a weekly probability in the journey: a transition's (with its
per-persona overrides), a stall's chance, or a touchpoint's engagement. :func:`nudge`
moves one by a step, refusing values outside 0..1 or a stage whose outgoing chances
would sum to more than 1 (the validator's E302). :func:`sensitivity` ranks every
transition and stall by the change in wins at the horizon of the live forecast
(:func:`journeytui.sim.live.live_forecast`) that moving it by the same step makes:
all of them at once from the forecast's derivatives (:func:`gradient`, one backward
pass), the largest recomputed with a real nudge. No Textual.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from journeytui.model.types import Journey
from journeytui.sim.compile import blocking_features, check_weeks, compile_journey
from journeytui.sim.exact import estimate_exact, propagate
from journeytui.sim.limits import Estimate, check
from journeytui.sim.live import live_forecast, won_share
from journeytui.sim.results import Forecast

STEP = 0.01
"""The default step: one percentage point of weekly probability."""
ENGAGEMENT_STEP = 0.05
EPS = 1e-9


class NudgeRefused(ValueError):
    """The nudge would leave the valid range; the message says why."""


@dataclass(frozen=True)
class Param:
    """One nudgeable probability: ``("transitions", 3)``, ``("stalls", 0)`` or ``("touchpoints", 2)``."""

    kind: str
    index: int
    label: str
    value: float

    @property
    def path(self) -> tuple[str, int]:
        return (self.kind, self.index)


def params(journey: Journey, kinds: tuple[str, ...] = ("transitions", "stalls")) -> list[Param]:
    """The journey's nudgeable parameters of the given kinds, in file order."""
    out: list[Param] = []
    if "transitions" in kinds:
        for i, t in enumerate(journey.transitions):
            out.append(Param("transitions", i, f"transition {t.from_} -> {t.to}", t.probability))
    if "stalls" in kinds:
        for i, s in enumerate(journey.stalls):
            out.append(Param("stalls", i, f"stall in {s.stage} ({s.cause})", s.probability))
    if "touchpoints" in kinds:
        for i, tp in enumerate(journey.touchpoints):
            out.append(Param("touchpoints", i, f"touchpoint {tp.id} engagement", tp.engagement))
    return out


def param_at(journey: Journey, kind: str, index: int) -> Param | None:
    """The parameter for a selected element, or None when the element has none."""
    for p in params(journey, ("transitions", "stalls", "touchpoints")):
        if p.kind == kind and p.index == index:
            return p
    return None


def default_step(kind: str) -> float:
    return ENGAGEMENT_STEP if kind == "touchpoints" else STEP


def _stage_load(j: Journey, stage: str, persona: str | None) -> float:
    """Sum of a stage's outgoing chances for one persona (None: the base probabilities)."""
    total = sum(s.probability for s in j.stalls if s.stage == stage)
    for t in j.outgoing(stage):
        total += t.by_persona.get(persona, t.probability) if persona else t.probability
    return total


def nudge(journey: Journey, kind: str, index: int, step: float) -> Journey:
    """A copy of ``journey`` with one probability moved by ``step`` (overrides move too)."""
    j = copy.deepcopy(journey)
    if kind == "touchpoints":
        tp = j.touchpoints[index]
        new = round(tp.engagement + step, 6)
        if not -EPS <= new <= 1 + EPS:
            raise NudgeRefused(f"engagement of {tp.id} would be {new:.0%}; it stays within 0..100%")
        tp.engagement = min(1.0, max(0.0, new))
        return j
    if kind == "transitions":
        t = j.transitions[index]
        stage = t.from_
        values = [t.probability, *t.by_persona.values()]
        if any(not -EPS <= v + step <= 1 + EPS for v in values):
            raise NudgeRefused(f"the probability of {t.from_} -> {t.to} would leave 0..100%")
        t.probability = min(1.0, max(0.0, round(t.probability + step, 6)))
        t.by_persona = {p: min(1.0, max(0.0, round(v + step, 6))) for p, v in t.by_persona.items()}
        personas: list[str | None] = [*t.by_persona] or [None]
    elif kind == "stalls":
        s = j.stalls[index]
        stage = s.stage
        if not -EPS <= s.probability + step <= 1 + EPS:
            raise NudgeRefused(f"the stall chance in {s.stage} would leave 0..100%")
        s.probability = min(1.0, max(0.0, round(s.probability + step, 6)))
        personas = [None, *(p for t in j.outgoing(stage) for p in t.by_persona)]
    else:
        raise NudgeRefused(f"{kind} have no probability to nudge")
    if step > 0:
        for persona in dict.fromkeys([None, *personas]):
            load = _stage_load(j, stage, persona)
            if load > 1 + EPS:
                raise NudgeRefused(f"the outgoing chances of {stage} would sum to {load:.0%}; lower another one first")
    return j


@dataclass(frozen=True)
class Effect:
    """What moving one parameter by ``step`` does to the wins at the horizon."""

    param: Param
    step: float
    won_delta: float
    """Change in won leads (count) at the horizon."""
    share_delta: float
    """Change in the won share of all leads, in share points (0.01 = one point)."""
    exact: bool = True
    """True: recomputed with the nudged forecast; False: the first-order estimate ``step x d(won)/d(p)``."""


EXACT_TOP = 10
"""How many of the largest first-order effects :func:`sensitivity` recomputes with a real nudge."""


@dataclass(frozen=True)
class Gradient:
    """d(won at the horizon)/d(probability) for every transition and stall, from one backward pass."""

    won: float
    total: float
    transitions: np.ndarray  # (len(journey.transitions),)
    stalls: np.ndarray  # (len(journey.stalls),)


def estimate_sensitivity(journey: Journey, weeks: int | None = None, exact_top: int = EXACT_TOP) -> Estimate:
    """Memory and time of :func:`sensitivity`: a forecast, its backward pass and ``exact_top`` nudged forecasts."""
    est = estimate_exact(journey, weeks, what="the sensitivity ranking")
    return Estimate(est.what, est.bytes * 2, est.seconds * (3 + exact_top), est.why, est.suggestion)


def gradient(journey: Journey, weeks: int | None = None) -> Gradient:
    """Derivatives of the live forecast's wins at the horizon w.r.t. every probability, in one pass.

    The forecast is linear in its state: x_t = A x_{t-1} + b, won = c . x_W. The adjoint
    lambda_{t-1} = A^T lambda_t (lambda_W = c: 1 on won stages) gives the value of a lead
    in each state at each week; a transition s -> d with probability p then contributes
    sum_t free_{t-1}[s] (lambda_t[d] - lambda_t[s]) to d(won)/dp, and a stall sum_t
    free_{t-1}[s] (V_t - lambda_t[s]) with V_t the value of entering its hold in week t.
    A transition's per-persona overrides move with it, so persona terms add up.
    """
    W = check_weeks(weeks, journey)
    c = compile_journey(journey, tuple(blocking_features(journey)))
    run = propagate(c, W)
    ch, F = run.chain, run.free
    P, S, nf = ch.P, ch.S, ch.nf
    lam = np.zeros((P, S))
    lam[:, [i for i, k in enumerate(c.kinds) if k == "won"]] = 1.0
    # dsum[u] = sum of lambda_v over v = u .. W at the fixed/uniform stalls' stages (dsum[W + 1] = 0)
    dsum = np.zeros((W + 2, P, nf))
    hold_stage, geo_stage = ch.st_stage[:nf], ch.st_stage[nf:]
    width = (ch.hi - ch.lo + 1).astype(float)
    cols = np.arange(nf)
    mu = np.zeros((P, ch.nst - nf))  # value of a lead on a geometric hold at the end of week t
    g_edge = np.zeros((P, ch.src.size))
    g_stall = np.zeros((P, ch.nst))
    for t in range(W, 0, -1):
        dsum[t] = dsum[t + 1] + lam[:, hold_stage]
        # value of entering each stall in week t (released in week t + d, worth nothing after W)
        a = np.minimum(t + ch.lo, W + 1)
        b = np.minimum(t + ch.hi + 1, W + 1)
        v_hold = (dsum[a, :, cols] - dsum[b, :, cols]).T / width
        v = np.concatenate([v_hold, mu], axis=1)
        f = F[t - 1]
        g_edge += f[:, ch.src] * (lam[:, ch.dst] - lam[:, ch.src])
        g_stall += f[:, ch.st_stage] * (v - lam[:, ch.st_stage])
        prev = lam * ch.stay + ch.scatter("src", lam[:, ch.dst] * ch.w) + ch.scatter("st_stage", v * ch.st_prob)
        mu = (1.0 - ch.rate) * mu + ch.rate * lam[:, geo_stage]
        lam = prev
    # The chain indexes the compiled journey's canonical order; parameters are in the file's.
    trans = np.zeros(len(c.journey.transitions))
    np.add.at(trans, ch.edge, g_edge.sum(axis=0))
    trans = trans[c.file_order.get("transitions", np.arange(trans.size))]
    stalls = np.zeros(len(c.journey.stalls))
    np.add.at(stalls, ch.st_index, g_stall.sum(axis=0))
    stalls = stalls[c.file_order.get("stalls", np.arange(stalls.size))]
    won_cols = [i for i, k in enumerate(c.kinds) if k == "won"]
    held = run.held[W].sum()
    return Gradient(
        won=float(F[W][:, won_cols].sum()), total=float(F[W].sum() + held), transitions=trans, stalls=stalls
    )


class _Headroom:
    """Whether a parameter may move by +step or -step, as :func:`nudge` decides, without copying the journey."""

    def __init__(self, journey: Journey) -> None:
        self.j = journey
        self.base: dict[str, float] = {}
        self.delta: dict[tuple[str, str], float] = {}  # (stage, persona): override - base, summed
        self.personas: dict[str, set[str]] = {}
        for st in journey.stalls:
            self.base[st.stage] = self.base.get(st.stage, 0.0) + st.probability
        for t in journey.transitions:
            self.base[t.from_] = self.base.get(t.from_, 0.0) + t.probability
            for p, v in t.by_persona.items():
                key = (t.from_, p)
                self.delta[key] = self.delta.get(key, 0.0) + v - t.probability
                self.personas.setdefault(t.from_, set()).add(p)

    def _load(self, stage: str, persona: str | None) -> float:
        base = self.base.get(stage, 0.0)
        return base + self.delta.get((stage, persona), 0.0) if persona else base

    def can(self, p: Param, step: float) -> bool:
        if p.kind == "transitions":
            t = self.j.transitions[p.index]
            stage, values = t.from_, [t.probability, *t.by_persona.values()]
            personas: list[str | None] = [None, *t.by_persona]
        else:
            st = self.j.stalls[p.index]
            stage, values = st.stage, [st.probability]
            personas = [None, *sorted(self.personas.get(stage, ()))]
        if any(not -EPS <= v + step <= 1 + EPS for v in values):
            return False
        return step <= 0 or all(self._load(stage, q) + step <= 1 + EPS for q in personas)


def sensitivity(
    journey: Journey,
    step: float = STEP,
    weeks: int | None = None,
    exact_top: int = EXACT_TOP,
    model: str = "plain",
    runs: int = 20,
    seed: int = 0,
    base: Forecast | None = None,
) -> list[Effect]:
    """Each transition and stall moved by ``step`` alone, ranked by the absolute change in wins.

    One pass: :func:`gradient` gives every parameter's first-order effect ``step x d(won)/dp``
    at the cost of about two forecasts, whatever the number of parameters; the ``exact_top``
    largest are then recomputed with a real nudge (their ``exact`` is True), so the top of the
    ranking is what a single nudge does, and the list is re-ranked. A parameter that cannot
    move up (no headroom) is moved down by ``step`` instead and its effect negated, so every
    effect reads as "per +step"; one that can move neither way is left out. Ties keep file order.
    Raises ResourceLimit first when the work would not fit (:func:`estimate_sensitivity`).

    ``model="full"``: for a journey the exact forecast does not fully model (scoring, lifts,
    gates, capacity), the ``exact_top`` candidates the plain chain's gradient ranks highest are
    each re-forecast with the journey's full model (seeded Monte Carlo, the same ``seed`` for
    the base and every nudge, so the differences are not noise from different draws), and only
    those full-model effects are returned. For a journey the exact forecast models, both are the same.
    ``base``: the full model's forecast of ``journey`` with these weeks, runs and seed, when the
    caller already has it (it is not run again).
    """
    if model not in ("plain", "full"):
        raise ValueError(f"model must be 'plain' or 'full', not {model!r}")
    check(estimate_sensitivity(journey, weeks, exact_top))
    full = model == "full" and bool(blocking_features(journey))
    grad = gradient(journey, weeks)
    room = _Headroom(journey)
    total = grad.total
    out: list[Effect] = []
    for p in params(journey):
        if not (room.can(p, step) or room.can(p, -step)):
            continue
        d = float((grad.transitions if p.kind == "transitions" else grad.stalls)[p.index]) * step
        out.append(Effect(p, step, d, d / total if total > 0 else 0.0, exact=False))
    out.sort(key=lambda e: -abs(e.won_delta))
    if full:
        from journeytui.sim.headline import full_forecast

        def fore(j: Journey) -> Forecast:
            return full_forecast(j, weeks=weeks, runs=runs, seed=seed)

        base = base if base is not None and base.weeks == check_weeks(weeks, journey) else fore(journey)
        won0, share0 = float(base.won[-1]), won_share(base)
        top = [_nudged(journey, e.param, step, fore, won0, share0, room) for e in out[:exact_top]]
        return sorted((e for e in top if e is not None), key=lambda e: -abs(e.won_delta))
    if exact_top > 0 and out:

        def plain(j: Journey) -> Forecast:
            return live_forecast(j, weeks=weeks)

        base = plain(journey)
        for i, e in enumerate(out[:exact_top]):
            out[i] = _nudged(journey, e.param, step, plain, float(base.won[-1]), won_share(base), room) or e
        out.sort(key=lambda e: -abs(e.won_delta))
    return out


def _moved(journey: Journey, p: Param, step: float) -> Journey:
    """A copy of ``journey`` with ``p`` moved by ``step`` as :func:`nudge` moves it.

    Shallow: only the moved element and the list holding it are copied (a deep copy of a
    1,000-stage journey costs more than its forecast). Only for forecasting, never to edit.
    """
    j = copy.copy(journey)
    if p.kind == "transitions":
        j.transitions = list(journey.transitions)
        t = j.transitions[p.index] = copy.copy(journey.transitions[p.index])
        t.probability = min(1.0, max(0.0, round(t.probability + step, 6)))
        t.by_persona = {q: min(1.0, max(0.0, round(v + step, 6))) for q, v in t.by_persona.items()}
    else:
        j.stalls = list(journey.stalls)
        st = j.stalls[p.index] = copy.copy(journey.stalls[p.index])
        st.probability = min(1.0, max(0.0, round(st.probability + step, 6)))
    return j


def _nudged(
    journey: Journey,
    p: Param,
    step: float,
    fore: Callable[[Journey], Forecast],
    won0: float,
    share0: float,
    room: _Headroom,
) -> Effect | None:
    """The effect of a real nudge of ``p`` by ``step`` (or -step, negated), recomputing the forecast."""
    if room.can(p, step):
        sign = 1.0
    elif room.can(p, -step):
        sign = -1.0
    else:
        return None
    fc = fore(_moved(journey, p, sign * step))
    return Effect(p, step, sign * (float(fc.won[-1]) - won0), sign * (won_share(fc) - share0))
