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


def _dataclasses_in(tp: Any) -> list[type]:
    """The dataclasses a value of type ``tp`` may hold (itself, in a list, a mapping or a union)."""
    if dataclasses.is_dataclass(tp):
        return [tp]  # type: ignore[list-item]
    return [c for a in typing.get_args(tp) if a is not type(None) for c in _dataclasses_in(a)]


_Plan = tuple[tuple[str, str, str | None, str | None, bool], ...]
_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    """The fields of ``cls`` a walk must look at: (name, key, ref kind, key ref kind, may nest),
    worked out once per type. A field with neither references nor dataclasses that hold some
    inside is left out: a walk never descends into the stages, which refer to nothing."""
    plan = _PLANS.get(cls)
    if plan is None:
        _PLANS[cls] = ()  # a class nested in itself is not walked twice while planning
        rows = []
        for fi in fields_of(cls):
            nests = any(_plan(c) for c in _dataclasses_in(fi.type))
            if fi.meta.get("ref") or fi.meta.get("key_ref") or nests:
                rows.append((fi.name, fi.key, fi.meta.get("ref"), fi.meta.get("key_ref"), nests))
        plan = _PLANS[cls] = tuple(rows)
    return plan


Ref = tuple[str, str, Path, bool]
"""A reference: (kind, id, path, is_mapping_key)."""


def walk_refs(obj: Any, path: Path = ()) -> Iterator[Ref]:
    """Every reference in ``obj``: (kind, id, path, is_mapping_key), in field order."""
    out: list[Ref] = []
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        _collect(obj, path, None, out)
    return iter(out)


def unknown_refs(obj: Any, known: dict[str, set[str]]) -> list[Ref]:
    """The references in ``obj`` to ids not in ``known[kind]``: :func:`walk_refs` less the
    known ones, in the same order, with a path built only for those left."""
    out: list[Ref] = []
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        _collect(obj, (), known, out)
    return out


def _collect(obj: Any, path: Path, known: dict[str, set[str]] | None, out: list[Ref]) -> None:
    """Append the references in the dataclass ``obj`` (those not ``known``) to ``out``.

    A plain recursive function that appends: a walk of a 10,000-stage journey meets 200,000
    objects, and a generator per object cost more than the rest of the check."""
    for name, key, kind, key_kind, nests in _plan(type(obj)):
        value = getattr(obj, name)
        if kind:
            skip = known[kind] if known is not None else ()
            if isinstance(value, str):
                if value not in skip:
                    out.append((kind, value, (*path, key), False))
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    if isinstance(v, str) and v not in skip:
                        out.append((kind, v, (*path, key, i), False))
        if key_kind and isinstance(value, dict):
            skip = known[key_kind] if known is not None else ()
            for k in value:
                if k not in skip:
                    out.append((key_kind, k, (*path, key, k), True))
        if not nests:
            continue
        if isinstance(value, list):
            for i, v in enumerate(value):
                if dataclasses.is_dataclass(v):
                    _collect(v, (*path, key, i), known, out)
        elif dataclasses.is_dataclass(value):
            _collect(value, (*path, key), known, out)
