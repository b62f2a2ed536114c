"""Where a journey refers to ids: one walk over the model, driven by field metadata.

Used by the validator (unknown references) and by edits (rename and remove
update every reference).
"""

from __future__ import annotations

import dataclasses
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


def walk_refs(obj: Any, path: Path = ()) -> Iterator[tuple[str, str, Path, bool]]:
    """Every reference in ``obj``: (kind, id, path, is_mapping_key)."""
    if not dataclasses.is_dataclass(obj):
        return
    for fi in fields_of(type(obj)):
        value = getattr(obj, fi.name)
        here = (*path, fi.key)
        kind, key_kind = fi.meta.get("ref"), fi.meta.get("key_ref")
        if kind and isinstance(value, str):
            yield kind, value, here, False
        elif kind and isinstance(value, list):
            for i, v in enumerate(value):
                if isinstance(v, str):
                    yield kind, v, (*here, i), False
        if key_kind and isinstance(value, dict):
            for k in value:
                yield key_kind, k, (*here, k), True
        if isinstance(value, list):
            for i, v in enumerate(value):
                # scalars hold no references inside: skip them without a generator each (speed)
                if not isinstance(v, str | int | float):
                    yield from walk_refs(v, (*here, i))
        elif dataclasses.is_dataclass(value):
            yield from walk_refs(value, here)
