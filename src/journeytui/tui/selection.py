"""What is selected: a model path to one element, shared by every panel.

A selection is ``("stages", 2)`` for an element of a list, ``("scoring",)`` for a
top-level table, or None. Diagnostics carry longer paths; :func:`element_of`
shortens them to the element they are about.
"""

from __future__ import annotations

from typing import Any

from journeytui.diagnostics import Path
from journeytui.model.edit import KINDS
from journeytui.model.types import Journey
from journeytui.textsafe import visible

LISTS = ("stages", "transitions", "stalls", "personas", "gates", "channels", "touchpoints", "expectations")
TABLES = ("journey", "population", "dmu", "scoring")
KIND_OF_LIST = {attr: kind for kind, attr in KINDS.items()}
"""``"stages" -> "stage"`` for the lists whose elements have ids."""
SINGULAR = {
    "stages": "Stage",
    "transitions": "Transition",
    "stalls": "Stall",
    "personas": "Persona",
    "gates": "Gate",
    "channels": "Channel",
    "touchpoints": "Touchpoint",
    "expectations": "Expectation",
    "journey": "Journey",
    "population": "Population",
    "dmu": "DMU",
    "scoring": "Scoring",
}


def element_of(path: Path) -> Path | None:
    """The element a longer path (a diagnostic's) is about."""
    if not path:
        return None
    head = path[0]
    if head in LISTS and len(path) >= 2 and isinstance(path[1], int):
        return (head, path[1])
    if head in LISTS:
        return None
    if head in TABLES:
        return (str(head),)
    return None


def resolve(j: Journey | None, sel: Path | None) -> Any:
    """The element at ``sel``, or None when it does not exist (any more)."""
    if j is None or not sel:
        return None
    node = getattr(j, str(sel[0]), None)
    if len(sel) == 1:
        return node
    if isinstance(node, list) and isinstance(sel[1], int) and 0 <= sel[1] < len(node):
        return node[sel[1]]
    return None


def exists(j: Journey | None, sel: Path | None) -> bool:
    if not sel or j is None:
        return False
    if len(sel) == 1:
        return sel[0] in TABLES
    return resolve(j, sel) is not None


def describe(j: Journey | None, sel: Path | None) -> str:
    """A short label: ``stage aware``, ``transition aware -> research``, ``scoring``.

    Ids come from the file: the label shows them :func:`visible` (still to be shown as plain
    text, not markup, by the widget)."""
    return visible(_describe(j, sel))


def _describe(j: Journey | None, sel: Path | None) -> str:
    element = resolve(j, sel)
    if not sel:
        return "nothing"
    kind = SINGULAR.get(str(sel[0]), str(sel[0])).lower()
    if element is None:
        return kind
    if hasattr(element, "id") and sel[0] in LISTS:
        return f"{kind} {element.id}"
    if sel[0] == "transitions":
        return f"transition {element.from_} -> {element.to}"
    if sel[0] == "stalls":
        return f"stall in {element.stage} ({element.cause})"
    if sel[0] == "expectations":
        return f"expectation {element.stage} @ week {element.week}"
    return kind


def kind_of(sel: Path | None) -> str | None:
    """The edit kind ("stage", "persona"...) of a selected element that has an id."""
    if sel and len(sel) == 2:
        return KIND_OF_LIST.get(str(sel[0]))
    return None


def after_removal(j: Journey, sel: Path) -> Path | None:
    """What to select once ``sel`` was removed: its neighbour in the same list, else nothing."""
    if len(sel) == 2:
        items = getattr(j, str(sel[0]), [])
        if items:
            return (sel[0], min(int(sel[1]), len(items) - 1))
    return None
