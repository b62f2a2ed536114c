"""Levers applied to a journey: a scenario (one value per lever) makes a new, validated journey.

The input journey is never changed: :func:`apply` works on a deep copy and validates the
result with the validator's own rules, raising :class:`ScenarioError` (the first error, and
the lever it concerns) when the scenario is not a valid journey. No Textual.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from journeytui.diagnostics import CODES, Severity
from journeytui.model.types import Journey
from journeytui.sweep.spec import Lever, SweepFile


class ScenarioError(ValueError):
    """A scenario that is not a valid journey; ``finding`` is the validator's message."""

    def __init__(self, code: str, finding: str, lever: int | None) -> None:
        self.code = code
        self.finding = finding
        self.lever = lever
        super().__init__(f"{code} {finding}")


def _transition(j: Journey, lever: Lever) -> int:
    return next(k for k, t in enumerate(j.transitions) if t.from_ == lever.from_ and t.to == lever.to)


def _stall(j: Journey, lever: Lever) -> int:
    return next(k for k, s in enumerate(j.stalls) if s.stage == lever.stage and s.cause == lever.cause)


def _touchpoint(j: Journey, lever: Lever) -> int:
    return next(k for k, t in enumerate(j.touchpoints) if t.id == lever.touchpoint)


def _channel(j: Journey, lever: Lever) -> int:
    return next(k for k, c in enumerate(j.channels) if c.id == lever.channel)


def baseline_value(j: Journey, lever: Lever) -> float:
    """The journey's own value of what ``lever`` changes (costs are counted from it).

    A channel without a capacity is unlimited: its baseline is taken as 0 extra capacity
    bought, so `per_unit` costs count the whole capacity chosen.
    """
    kind = lever.kind
    if kind == "transition":
        t = j.transitions[_transition(j, lever)]
        return float(t.by_persona.get(lever.persona, t.probability) if lever.persona else t.probability)
    if kind == "stall":
        return float(j.stalls[_stall(j, lever)].probability)
    if kind == "engagement":
        return float(j.touchpoints[_touchpoint(j, lever)].engagement)
    if kind == "cadence":
        every = j.touchpoints[_touchpoint(j, lever)].schedule.every_weeks
        return float(every) if every is not None else 0.0
    if kind == "capacity":
        cap = j.channels[_channel(j, lever)].capacity
        return float(cap) if cap is not None else 0.0
    if kind == "mql_threshold":
        assert j.scoring is not None
        return float(j.scoring.mql_threshold)
    return float(j.population.arrivals.get(lever.stage or "", 0.0))


def _set(j: Journey, lever: Lever, value: float) -> None:
    """Set ``lever``'s element of ``j`` (a copy) to ``value``."""
    kind = lever.kind
    if kind == "transition":
        t = j.transitions[_transition(j, lever)]
        if lever.persona:
            t.by_persona[lever.persona] = float(value)
        else:
            t.probability = float(value)
    elif kind == "stall":
        j.stalls[_stall(j, lever)].probability = float(value)
    elif kind == "engagement":
        j.touchpoints[_touchpoint(j, lever)].engagement = float(value)
    elif kind == "cadence":
        sched = j.touchpoints[_touchpoint(j, lever)].schedule
        sched.every_weeks = int(value)
        sched.days = []  # a schedule has one kind (E104): a cadence replaces a day list
    elif kind == "capacity":
        j.channels[_channel(j, lever)].capacity = int(value)
    elif kind == "mql_threshold":
        assert j.scoring is not None
        j.scoring.mql_threshold = float(value)
    else:
        j.population.arrivals[lever.stage or ""] = float(value)


def _lever_of(j: Journey, sweep: SweepFile, path: tuple[str | int, ...]) -> int | None:
    """The lever a validator finding is most likely about: one that changes the stage it names."""
    stage = None
    if len(path) >= 2 and path[0] == "stages" and isinstance(path[1], int) and path[1] < len(j.stages):
        stage = j.stages[path[1]].id
    for i, lv in enumerate(sweep.levers):
        if stage is not None and stage in (lv.from_, lv.stage):
            return i
    return None


def apply(journey: Journey, sweep: SweepFile, values: Sequence[float], validate: bool = True) -> Journey:
    """A new journey with each lever set to its value (``values`` in lever order); ``journey`` is untouched.

    Raises :class:`ScenarioError` when the result is not a valid journey (``validate``).
    """
    from journeytui.validate import findings

    j = copy.deepcopy(journey)
    for lever, value in zip(sweep.levers, values, strict=True):
        _set(j, lever, value)
    if validate:
        for f in findings(j):
            if CODES[f.code].severity is Severity.ERROR:
                raise ScenarioError(f.code, f.message, _lever_of(j, sweep, f.path))
    return j


def scenario_cost(journey: Journey, sweep: SweepFile, values: Sequence[float]) -> float:
    """The scenario's total lever cost (each lever's cost from the journey's value, added up)."""
    from journeytui.sweep.spec import lever_cost

    return float(
        sum(lever_cost(lv, v, baseline_value(journey, lv)) for lv, v in zip(sweep.levers, values, strict=True))
    )
