"""What-if nudges and the sensitivity ranking: which single parameter moves the wins most.

A *parameter* is a weekly probability in the journey: a transition's (with its
per-persona overrides), a stall's chance, or a touchpoint's engagement. :func:`nudge`
moves one by a step, refusing values outside 0..1 or a stage whose outgoing chances
would sum to more than 1 (the validator's E302). :func:`sensitivity` moves each
transition and stall by the same step and ranks them by the change in wins at the
horizon of the live forecast (:func:`journeytui.sim.live.live_forecast`). No Textual.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from journeytui.model.types import Journey
from journeytui.sim.live import live_forecast, won_share

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


def sensitivity(journey: Journey, step: float = STEP, weeks: int | None = None) -> list[Effect]:
    """Each transition and stall moved by ``step`` alone, ranked by the absolute change in wins.

    A parameter that cannot move up (no headroom) is moved down by ``step`` instead and its
    effect negated, so every effect reads as "per +step". Ties keep file order.
    """
    base = live_forecast(journey, weeks=weeks)
    won0, share0 = float(base.won[-1]), won_share(base)
    out: list[Effect] = []
    for p in params(journey):
        sign = 1.0
        try:
            moved = nudge(journey, p.kind, p.index, step)
        except NudgeRefused:
            try:
                moved = nudge(journey, p.kind, p.index, -step)
            except NudgeRefused:
                continue
            sign = -1.0
        fc = live_forecast(moved, weeks=weeks)
        out.append(Effect(p, step, sign * (float(fc.won[-1]) - won0), sign * (won_share(fc) - share0)))
    out.sort(key=lambda e: -abs(e.won_delta))
    return out
