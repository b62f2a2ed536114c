"""What the Mermaid and Graphviz exports share: layers, edge kinds and the words on the diagram.

Probabilities are written as exact percentages (``12%``, ``0.5%``, ``3.33333%``): the decimal
digits of the file's own number moved two places, never rounded, so an import reads back
exactly the probability that was exported.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from journeytui.model.types import Journey, Stage, Stall, Transition


def percent(p: float) -> str:
    """``0.12`` -> ``"12%"``, ``0.005`` -> ``"0.5%"``: the exact decimal value, two places moved."""
    d = Decimal(repr(float(p))).scaleb(2).normalize()
    text = format(d, "f")
    return f"{text}%"


@dataclass(frozen=True)
class Layer:
    """One column of the diagram: a phase, or a stage without a phase on its own."""

    phase: int | None
    stages: list[Stage]

    @property
    def title(self) -> str:
        return f"Phase {self.phase}" if self.phase is not None else ""


def layers(journey: Journey) -> list[Layer]:
    """Stages grouped by phase (in phase order, file order within), then those without a phase."""
    by_phase: dict[int, list[Stage]] = {}
    loose: list[Stage] = []
    for s in journey.stages:
        if s.phase is None:
            loose.append(s)
        else:
            by_phase.setdefault(s.phase, []).append(s)
    out = [Layer(p, by_phase[p]) for p in sorted(by_phase)]
    return out + [Layer(None, [s]) for s in loose]


def node_ids(journey: Journey) -> dict[str, str]:
    """A generated diagram id per stage id (``s1``, ``s2``… in file order): never the file's own id,
    which could be a keyword of the diagram language (``end``, ``subgraph``, ``node``) or start an
    edge's arrow head (``o``, ``x``)."""
    return {s.id: f"s{i}" for i, s in enumerate(journey.stages, start=1)}


def regressions(journey: Journey) -> list[bool]:
    """For each transition, whether it is a regression (:meth:`Journey.is_regression`), in one pass
    over the stages rather than a search per transition."""
    order = journey.stage_order()
    kinds = {s.id: s.kind for s in journey.stages}
    out = []
    for t in journey.transitions:
        a, b = order.get(t.from_), order.get(t.to)
        out.append(a is not None and b is not None and b < a and kinds.get(t.to) == "open")
    return out


def stall_note(stall: Stall) -> str:
    """``stall 2%/week, mean 8 weeks: budget freeze``."""
    d = stall.duration
    if d.kind == "fixed":
        hold = f"{d.weeks} weeks"
    elif d.kind == "geometric":
        hold = f"mean {d.mean:g} weeks"
    else:
        hold = f"{d.min}-{d.max} weeks"
    cause = f": {stall.cause}" if stall.cause else ""
    return f"stall {percent(stall.probability)}/week, {hold}{cause}"


def edge_extras(journey: Journey, t: Transition) -> list[str]:
    """Lines under an edge's probability: per-persona probabilities and the consensus gate."""
    lines = []
    for pid, p in t.by_persona.items():
        persona = journey.persona(pid)
        lines.append(f"{persona.name if persona else pid}: {percent(p)}/week")
    if t.gate:
        gate = next((g for g in journey.gates if g.id == t.gate), None)
        lines.append(f"gate: {gate.name if gate and gate.name else t.gate}")
    return lines


def edge_label(t: Transition) -> str:
    """``12%/week`` or ``2%/week: competitor launch``: the first line of an edge's label."""
    cause = f": {t.cause}" if t.cause else ""
    return f"{percent(t.probability)}/week{cause}"
