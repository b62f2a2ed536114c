"""JSON Schema (draft-07) of the journey format, generated from the model.

Editors use it for completion and inline checks (taplo / Even Better TOML, via a
``#:schema`` first line); it covers structure only, the validator covers meaning.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, get_args, get_origin

from journeytui import __version__
from journeytui.model.structure import ID_PATTERN, MAX_ID_LENGTH, fields_of
from journeytui.model.types import Journey

SCHEMA_ID = "https://journeytui.invalid/schema/journey.schema.json"

# Per-kind requirements that a plain field list cannot say.
_EXTRA: dict[str, dict[str, Any]] = {
    "Duration": {
        "allOf": [
            {"if": {"properties": {"kind": {"const": "fixed"}}}, "then": {"required": ["weeks"]}},
            {"if": {"properties": {"kind": {"const": "geometric"}}}, "then": {"required": ["mean"]}},
            {"if": {"properties": {"kind": {"const": "uniform"}}}, "then": {"required": ["min", "max"]}},
        ]
    },
    "Schedule": {
        "not": {"required": ["days", "every_weeks"]},
        "allOf": [{"properties": {"days": {"uniqueItems": True}}}],  # one send a day (E104)
    },
}


def _type(tp: Any, meta: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        return _type(inner[0], meta, defs)
    if dataclasses.is_dataclass(tp):
        name = typing.cast(type, tp).__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            defs[name] = _object(tp, defs)  # type: ignore[arg-type]
        return {"$ref": f"#/definitions/{name}"}
    if origin is list:
        (item,) = get_args(tp)
        return {"type": "array", "items": _type(item, meta, defs)}
    if origin is dict:
        _, item = get_args(tp)
        return {"type": "object", "additionalProperties": _type(item, meta, defs)}
    if origin is Literal:
        return {"type": "string", "enum": list(get_args(tp))}
    if tp is bool:
        return {"type": "boolean"}
    if tp in (int, float):
        out: dict[str, Any] = {"type": "integer" if tp is int else "number"}
        if meta.get("prob"):
            out.update(minimum=0, maximum=1)
        else:
            if meta.get("ge") is not None:
                out["minimum"] = meta["ge"]
            if meta.get("gt") is not None:
                out["exclusiveMinimum"] = meta["gt"]
            if meta.get("le") is not None:
                out["maximum"] = meta["le"]
        return out
    if tp is str:
        if meta.get("id"):
            return {"type": "string", "pattern": ID_PATTERN, "maxLength": MAX_ID_LENGTH}
        return {"type": "string"}
    raise TypeError(f"no schema for {tp!r}")


def _object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required = []
    for fi in fields_of(cls):
        prop = _type(fi.type, fi.meta, defs)
        if "$ref" in prop:
            prop = {"allOf": [prop]}
        prop["description"] = fi.meta.get("doc", "")
        if not fi.required:
            default = fi.default_value()
            if default is not None and not dataclasses.is_dataclass(default):
                prop["default"] = default
        else:
            required.append(fi.key)
        props[fi.key] = prop
    out: dict[str, Any] = {
        "type": "object",
        "description": (cls.__doc__ or "").strip().splitlines()[0],
        "properties": props,
        "additionalProperties": False,
    }
    if required:
        out["required"] = required
    out.update(_EXTRA.get(cls.__name__, {}))
    return out


def journey_schema() -> dict[str, Any]:
    """The JSON Schema of a journey file."""
    defs: dict[str, Any] = {}
    root = _object(Journey, defs)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": f"journeytui journey file (format 1, journeytui {__version__})",
        **root,
        "definitions": defs,
    }
