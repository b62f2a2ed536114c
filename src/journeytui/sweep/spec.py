"""The sweep file: levers, objective and constraints, loaded with positions like a journey.

A sweep file (``*.sweep.toml``, docs/sweeps.md) names levers that change a journey, each
with the values to try and what each value costs, an objective and constraints. It is read
with the journey loader's machinery: the same safe reader, the same structural findings
(unknown keys with a hint, wrong types, missing fields, numbers out of range; codes E1xx)
with line and column, and the journey codes where they mean the same thing for a lever
(E202 a stage that does not exist, E301 a probability outside 0-1, E302 a scenario whose
chances add up to more than 1...). No Textual.
"""

from __future__ import annotations

import contextlib
import math
import tomllib
from dataclasses import dataclass, field
from typing import Any, Literal

from journeytui.diagnostics import Diagnostic
from journeytui.diagnostics import Path as DataPath
from journeytui.model.locate import Positions, locate
from journeytui.model.structure import data_path, structure
from journeytui.model.types import MAX_WEEKS, Journey, spec

LeverKind = Literal["transition", "stall", "engagement", "cadence", "capacity", "mql_threshold", "arrivals"]
PROBABILITY_KINDS = ("transition", "stall", "engagement")
WHOLE_KINDS = ("cadence", "capacity")
UNIT = {
    "transition": "percentage point",
    "stall": "percentage point",
    "engagement": "percentage point",
    "cadence": "week",
    "capacity": "touch per week",
    "mql_threshold": "point",
    "arrivals": "lead per week",
}
"""What ``cost.per_unit`` is charged per: a change of one of these from the journey's value."""

MAX_POINTS = 10_000
"""Values one lever may list or step through; more is a typo (a step of 0.0001), not a plan."""


@dataclass
class SweepMeta:
    """The ``[sweep]`` table."""

    name: str = spec("What the sweep asks.", default="")
    journey: str | None = spec("The id of the journey it was written for (checked when given).", default=None)
    description: str = spec("Free text.", default="")


@dataclass
class Cost:
    """What choosing a lever's value costs over the planning period (the objective's weeks)."""

    per_unit: float = spec(
        "Cost per unit of change from the journey's value (see UNIT).", ge=-1e15, le=1e15, default=0.0
    )
    fixed: float = spec("Cost of any change from the journey's value.", ge=-1e15, le=1e15, default=0.0)


@dataclass
class Lever:
    """A ``[[levers]]`` entry: one thing in the journey to change, the values to try, their cost."""

    id: str = spec("Name of the lever (a column of the results).", id=True)
    kind: LeverKind = spec("What it changes.")
    from_: str | None = spec("transition: the stage the lead leaves.", key="from", default=None)
    to: str | None = spec("transition: the stage the lead enters.", default=None)
    persona: str | None = spec("transition: change this persona's `by_persona` override.", default=None)
    stage: str | None = spec("stall: its stage; arrivals: the entry stage.", default=None)
    cause: str | None = spec("stall: its cause.", default=None)
    touchpoint: str | None = spec("engagement, cadence: the touchpoint.", default=None)
    channel: str | None = spec("capacity: the channel.", default=None)
    values: list[float] = spec("The values to try.", ge=-1e15, le=1e15, default_factory=list)
    min: float | None = spec("A range's smallest value.", ge=-1e15, le=1e15, default=None)
    max: float | None = spec("A range's largest value.", ge=-1e15, le=1e15, default=None)
    step: float | None = spec("A range's step (grid points min, min + step, ... max).", gt=0, le=1e15, default=None)
    cost: Cost = spec("Cost model.", default_factory=Cost)
    costs: list[float] = spec("Cost of each of `values` (instead of `cost`).", ge=-1e15, le=1e15, default_factory=list)
    notes: str = spec("Free text.", default="")


@dataclass
class Objective:
    """The ``[objective]`` table: what the sweep ranks scenarios by."""

    metric: Literal["won", "cost_per_win", "pipeline"] = spec(
        "`won` (more is better), `cost_per_win` (less is better) or `pipeline` in `stage` (more is better).",
        default="won",
    )
    week: int | None = spec(
        "The week it is read at (default: the journey's horizon).", ge=1, le=MAX_WEEKS, default=None
    )
    stage: str | None = spec("pipeline: the stage counted.", default=None)


@dataclass
class Constraints:
    """The ``[constraints]`` table."""

    budget: float | None = spec("Total cost of the levers at most.", ge=0, le=1e15, default=None)
    max_in_stage: dict[str, float] = spec(
        "Capacity: the mean leads in a stage in any week at most (stage id -> leads).",
        ge=0,
        le=1e12,
        default_factory=dict,
    )


@dataclass
class SweepFile:
    """A whole sweep file."""

    sweep: SweepMeta = spec("What the sweep is.", default_factory=SweepMeta)
    objective: Objective = spec("What scenarios are ranked by.", default_factory=Objective)
    constraints: Constraints = spec("Budget and capacity.", default_factory=Constraints)
    levers: list[Lever] = spec("The levers.", default_factory=list)


@dataclass
class SweepLoad:
    """What loading a sweep file produced: the sweep when it has no errors, and the findings."""

    file: str
    text: str | None = None
    sweep: SweepFile | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    kept: dict[DataPath, list[int]] = field(default_factory=dict)
    positions: Positions = field(default_factory=Positions)

    @property
    def ok(self) -> bool:
        return self.sweep is not None and not any(d.is_error for d in self.diagnostics)

    def add(self, code: str, message: str, path: DataPath, at_value: bool = True) -> None:
        line, col = self.positions.find(data_path(path, self.kept), prefer_value=at_value)
        self.diagnostics.append(Diagnostic(code, message, self.file, line, col, path))


def parse_sweep(text: str, file: str = "<string>") -> SweepLoad:
    """Parse the TOML and build the :class:`SweepFile` (structure only; :func:`check_sweep` checks the rest)."""
    from journeytui.model.load import load_text

    text = text.removeprefix("\ufeff")
    result = SweepLoad(file=file, text=text)
    # The journey loader's TOML step (syntax, nesting, huge numbers) gives the same E0xx findings.
    probe = load_text(text, file)
    if probe.data is None:
        result.diagnostics = [d for d in probe.diagnostics if d.code.startswith("E0")]
        return result
    data = probe.data
    with contextlib.suppress(RecursionError):
        result.positions = locate(text)
    sweep, findings, result.kept = structure(data, SweepFile)
    for f in findings:
        line, col = result.positions.find(f.path, prefer_value=f.at_value)
        result.diagnostics.append(Diagnostic(f.code, f.message, file, line, col, f.path))
    result.sweep = sweep
    return result


def load_sweep(path: str, journey: Journey) -> SweepLoad:
    """Read, parse and check a sweep file against ``journey``; never raises for bad input."""
    from journeytui.model.load import read_text

    text, problem = read_text(path)
    if problem is not None:
        return SweepLoad(file=path, diagnostics=[problem])
    assert text is not None
    result = parse_sweep(text, path)
    if result.sweep is not None and result.ok:
        check_sweep(result, journey)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def lever_points(lever: Lever) -> list[float]:
    """The lever's grid: its `values`, or min, min + step, ... up to max (max included)."""
    if lever.values:
        return [float(v) for v in lever.values]
    assert lever.min is not None and lever.max is not None
    if lever.step is None:
        return [float(lever.min), float(lever.max)] if lever.max > lever.min else [float(lever.min)]
    n = math.floor((lever.max - lever.min) / lever.step + 1e-9)
    pts = [round(lever.min + i * lever.step, 12) for i in range(n + 1)]
    if lever.max - pts[-1] > 1e-9 * max(1.0, abs(lever.max)):
        pts.append(float(lever.max))
    return pts


def _grid_size(lever: Lever) -> int:
    if lever.values:
        return len(lever.values)
    if lever.min is None or lever.max is None or lever.step is None:
        return 2
    return math.floor((lever.max - lever.min) / lever.step + 1e-9) + 2


def check_sweep(result: SweepLoad, journey: Journey) -> None:
    """Semantic checks against the journey: every lever names something that exists, its values are
    allowed, the objective and constraints make sense, and the extreme scenarios are valid journeys."""
    sweep = result.sweep
    assert sweep is not None
    if sweep.sweep.journey is not None and sweep.sweep.journey != journey.journey.id:
        result.add(
            "E104",
            f'the sweep was written for journey "{sweep.sweep.journey}", not "{journey.journey.id}"',
            ("sweep", "journey"),
        )
    if not sweep.levers:
        result.add("E103", "the sweep has no [[levers]]; add at least one", (), at_value=False)
    seen: dict[str, int] = {}
    for i, lever in enumerate(sweep.levers):
        if lever.id in seen:
            result.add(
                "E201",
                f'lever id "{lever.id}" is used twice (first at lever {seen[lever.id] + 1})',
                ("levers", i, "id"),
            )
        seen.setdefault(lever.id, i)
        _check_target(result, journey, lever, i)
        _check_values(result, lever, i)
    _check_objective(result, journey, sweep)
    if result.ok:
        _check_corners(result, journey, sweep)
    if result.ok:
        _check_budget(result, journey, sweep)


def _need(result: SweepLoad, lever: Lever, i: int, *keys: str) -> bool:
    missing = [k for k in keys if getattr(lever, "from_" if k == "from" else k) is None]
    for k in missing:
        result.add("E103", f"lever `{lever.id}` ({lever.kind}) is missing required field `{k}`", ("levers", i), False)
    return not missing


def _check_target(result: SweepLoad, journey: Journey, lever: Lever, i: int) -> None:
    """The element the lever changes exists (E202-E205; E104 for a transition or stall not in the journey)."""
    at = ("levers", i)
    stages = {s.id for s in journey.stages}
    if lever.kind == "transition":
        if not _need(result, lever, i, "from", "to"):
            return
        for key, sid in (("from", lever.from_), ("to", lever.to)):
            if sid not in stages:
                result.add("E202", f'lever `{lever.id}`: the journey has no stage "{sid}"', (*at, key))
        if (
            lever.from_ in stages
            and lever.to in stages
            and not any(t.from_ == lever.from_ and t.to == lever.to for t in journey.transitions)
        ):
            result.add(
                "E104", f"lever `{lever.id}`: the journey has no transition {lever.from_} -> {lever.to}", (*at, "to")
            )
        if lever.persona is not None and journey.persona(lever.persona) is None:
            result.add("E203", f'lever `{lever.id}`: the journey has no persona "{lever.persona}"', (*at, "persona"))
    elif lever.kind == "stall":
        if not _need(result, lever, i, "stage", "cause"):
            return
        if lever.stage not in stages:
            result.add("E202", f'lever `{lever.id}`: the journey has no stage "{lever.stage}"', (*at, "stage"))
        elif not any(s.stage == lever.stage and s.cause == lever.cause for s in journey.stalls):
            causes = ", ".join(f'"{s.cause}"' for s in journey.stalls if s.stage == lever.stage) or "none"
            msg = f'lever `{lever.id}`: stage "{lever.stage}" has no stall "{lever.cause}" (its stalls: {causes})'
            result.add("E104", msg, (*at, "cause"))
    elif lever.kind in ("engagement", "cadence"):
        if _need(result, lever, i, "touchpoint") and not any(t.id == lever.touchpoint for t in journey.touchpoints):
            result.add(
                "E205", f'lever `{lever.id}`: the journey has no touchpoint "{lever.touchpoint}"', (*at, "touchpoint")
            )
    elif lever.kind == "capacity":
        if _need(result, lever, i, "channel") and journey.channel(lever.channel or "") is None:
            result.add("E204", f'lever `{lever.id}`: the journey has no channel "{lever.channel}"', (*at, "channel"))
    elif lever.kind == "mql_threshold":
        if journey.scoring is None:
            result.add(
                "E104", f"lever `{lever.id}`: the journey has no [scoring] table to set a threshold in", (*at, "kind")
            )
    elif lever.kind == "arrivals" and _need(result, lever, i, "stage"):
        stage = journey.stage(lever.stage or "")
        if stage is None:
            result.add("E202", f'lever `{lever.id}`: the journey has no stage "{lever.stage}"', (*at, "stage"))
        elif not stage.entry:
            result.add("E104", f'lever `{lever.id}`: stage "{lever.stage}" is not an entry stage', (*at, "stage"))


def _check_values(result: SweepLoad, lever: Lever, i: int) -> None:
    """Exactly one of `values` or `min`/`max`; every value allowed for the lever's kind."""
    at = ("levers", i)
    ranged = lever.min is not None or lever.max is not None
    if lever.values and ranged:
        result.add("E104", f"lever `{lever.id}` has both `values` and a range; give one", (*at, "values"))
        return
    if not lever.values and not ranged:
        result.add("E103", f"lever `{lever.id}` needs `values = [...]` or `min` and `max`", at, False)
        return
    if ranged:
        if lever.min is None or lever.max is None:
            result.add("E103", f"lever `{lever.id}`: a range needs both `min` and `max`", at, False)
            return
        if lever.min > lever.max:
            result.add(
                "E105",
                f"lever `{lever.id}`: `min` ({_num(lever.min)}) is above `max` ({_num(lever.max)})",
                (*at, "min"),
            )
            return
    if _grid_size(lever) > MAX_POINTS:
        result.add(
            "E105", f"lever `{lever.id}` has more than {MAX_POINTS:,} values; use a larger `step`", (*at, "step")
        )
        return
    checked: list[tuple[float | None, DataPath]] = [(v, (*at, "values", k)) for k, v in enumerate(lever.values)] or [
        (lever.min, (*at, "min")),
        (lever.max, (*at, "max")),
    ]
    for v, path in checked:
        assert v is not None
        if lever.kind in PROBABILITY_KINDS and not 0.0 <= v <= 1.0:
            pct = f"{v * 100:g} %"
            result.add("E301", f"lever `{lever.id}`: {_num(v)} ({pct}) is a probability outside 0-1 (0-100 %)", path)
        elif lever.kind in WHOLE_KINDS and not float(v).is_integer():
            result.add("E104", f"lever `{lever.id}`: {_num(v)} must be a whole number for {lever.kind}", path)
        elif lever.kind == "cadence" and v < 1:
            result.add("E105", f"lever `{lever.id}`: a cadence of {_num(v)} weeks must be at least 1", path)
        elif v < 0:
            result.add("E105", f"lever `{lever.id}`: {_num(v)} must be >= 0 for {lever.kind}", path)
    if lever.costs and len(lever.costs) != len(lever.values):
        msg = (
            f"lever `{lever.id}`: `costs` has {len(lever.costs)} entries for {len(lever.values)} values; "
            "give one cost per value"
        )
        result.add("E104", msg, (*at, "costs"))


def _check_objective(result: SweepLoad, journey: Journey, sweep: SweepFile) -> None:
    obj = sweep.objective
    if obj.metric == "pipeline" and obj.stage is None:
        result.add(
            "E103", "objective `pipeline` needs `stage`: the stage whose leads are counted", ("objective",), False
        )
    if obj.stage is not None and journey.stage(obj.stage) is None:
        result.add("E202", f'objective: the journey has no stage "{obj.stage}"', ("objective", "stage"))
    for sid in sweep.constraints.max_in_stage:
        if journey.stage(sid) is None:
            result.add(
                "E202", f'constraints: the journey has no stage "{sid}"', ("constraints", "max_in_stage", sid), False
            )


def _check_corners(result: SweepLoad, journey: Journey, sweep: SweepFile) -> None:
    """Every lever at its largest value, then at its smallest: both must be valid journeys. Chances
    add up monotonically, so no scenario overflows a stage (E302) when the largest corner does not."""
    from journeytui.sweep.levers import ScenarioError, apply

    points = [lever_points(lv) for lv in sweep.levers]
    for pick, what in ((max, "largest"), (min, "smallest")):
        values = tuple(pick(p) for p in points)
        try:
            apply(journey, sweep, values)
        except ScenarioError as exc:
            i = exc.lever if exc.lever is not None else 0
            msg = f"with every lever at its {what} value the journey is invalid: {exc.finding}"
            result.add(exc.code, msg, ("levers", i), False)
            return


def lever_cost(lever: Lever, value: float, baseline: float) -> float:
    """What choosing ``value`` for ``lever`` costs, from its journey value ``baseline``."""
    if lever.costs:
        pts = lever_points(lever)
        k = min(range(len(pts)), key=lambda j: abs(pts[j] - value))
        return float(lever.costs[k])
    change = abs(value - baseline)
    if lever.kind in PROBABILITY_KINDS:
        change *= 100.0  # percentage points
    if change < 1e-12:
        return 0.0
    return lever.cost.per_unit * change + lever.cost.fixed


def cheapest_cost(journey: Journey, sweep: SweepFile) -> float:
    """The cheapest scenario's cost: levers' costs add up, so each lever at its cheapest value."""
    from journeytui.sweep.levers import baseline_value

    return float(
        sum(min(lever_cost(lv, v, baseline_value(journey, lv)) for v in lever_points(lv)) for lv in sweep.levers)
    )


def _check_budget(result: SweepLoad, journey: Journey, sweep: SweepFile) -> None:
    """A budget below the cheapest scenario."""
    budget = sweep.constraints.budget
    if budget is None:
        return
    cheapest = cheapest_cost(journey, sweep)
    if cheapest > budget + 1e-9:
        msg = (
            f"no scenario meets the budget {_num(budget)}: the cheapest costs {cheapest:,.0f}; "
            "raise the budget or add cheaper values"
        )
        result.add("E105", msg, ("constraints", "budget"))


def sweep_data(text: str) -> dict[str, Any]:
    """The parsed TOML of a sweep file known to load (for hashing the input)."""
    return tomllib.loads(text.removeprefix("\ufeff"))
