"""Where a journey refers to ids: one walk over the model, driven by field metadata.

Used by the validator (unknown references) and by edits (rename and remove
update every reference).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from typing import Any

from journeytui.diagnostics import Path
from journeytui.model.structure import fields_of
from journeytui.model.types import Journey

ID_LISTS = {
    "stages": "stage",
    "personas": "persona",
    "channels": "channel",
    "touchpoints": "touchpoint",
    "gates": "gate",
}


def known_ids(journey: Journey) -> dict[str, list[str]]:
    """Every id a reference may name, by kind."""
    ids = {kind: [e.id for e in getattr(journey, attr)] for attr, kind in ID_LISTS.items()}
    ids["behaviour"] = list(journey.scoring.behaviours) if journey.scoring else []
    return ids


def defined_in_data(data: Any) -> dict[str, set[str]]:
    """Every id the file's raw data defines, by kind, whether or not its element loaded into the
    model: an element or table with an error of its own (a string where a number belongs in
    `[scoring]`, a bad behaviour score) is left out of the model, but what refers to it is not wrong."""
    out: dict[str, set[str]] = {kind: set() for kind in (*ID_LISTS.values(), "behaviour")}
    if not isinstance(data, dict):
        return out
    for attr, kind in ID_LISTS.items():
        elems = data.get(attr)
        if isinstance(elems, list):
            out[kind] = {e["id"] for e in elems if isinstance(e, dict) and isinstance(e.get("id"), str)}
    scoring = data.get("scoring")
    behaviours = scoring.get("behaviours") if isinstance(scoring, dict) else None
    if isinstance(behaviours, dict):
        out["behaviour"] = set(behaviours)
    return out


def _holds_dataclass(tp: Any) -> bool:
    """Whether a value of type ``tp`` may hold a dataclass (itself, in a list, a mapping or a union)."""
    if dataclasses.is_dataclass(tp):
        return True
    return any(_holds_dataclass(a) for a in typing.get_args(tp) if a is not type(None))


_Plan = tuple[tuple[str, str, str | None, str | None, bool], ...]
_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    """The fields of ``cls`` a walk must look at: (name, key, ref kind, key ref kind, may nest),
    worked out once per type; a field with neither references nor dataclasses inside is left out."""
    plan = _PLANS.get(cls)
    if plan is None:
        plan = tuple(
            (fi.name, fi.key, fi.meta.get("ref"), fi.meta.get("key_ref"), _holds_dataclass(fi.type))
            for fi in fields_of(cls)
        )
        plan = tuple(p for p in plan if p[2] or p[3] or p[4])
        _PLANS[cls] = plan
    return plan


def walk_refs(obj: Any, path: Path = ()) -> Iterator[tuple[str, str, Path, bool]]:
    """Every reference in ``obj``: (kind, id, path, is_mapping_key)."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return
    for name, key, kind, key_kind, nests in _plan(type(obj)):
        value = getattr(obj, name)
        here = (*path, key)
        if kind and isinstance(value, str):
            yield kind, value, here, False
        elif kind and isinstance(value, list):
            for i, v in enumerate(value):
                if isinstance(v, str):
                    yield kind, v, (*here, i), False
        if key_kind and isinstance(value, dict):
            for k in value:
                yield key_kind, k, (*here, k), True
        if not nests:
            continue
        if isinstance(value, list):
            for i, v in enumerate(value):
                # scalars hold no references inside: skip them without a generator each (speed)
                if not isinstance(v, str | int | float):
                    yield from walk_refs(v, (*here, i))
        elif dataclasses.is_dataclass(value):
            yield from walk_refs(value, here)
