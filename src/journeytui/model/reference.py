"""The field reference of the journey format, rendered as Markdown from the model.

docs/format.md embeds it between markers; a test keeps the two in step, so the
documentation cannot drift from what the loader accepts.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, get_args, get_origin

from journeytui.model.structure import fields_of
from journeytui.model.types import Journey

START = "<!-- fields:start (generated from src/journeytui/model/types.py) -->"
END = "<!-- fields:end -->"


def _type(tp: Any) -> str:
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _type(next(a for a in get_args(tp) if a is not type(None)))
    if origin is Literal:
        return " \\| ".join(f'`"{a}"`' for a in get_args(tp))
    if origin is list:
        return f"array of {_type(get_args(tp)[0])}"
    if origin is dict:
        return f"table of {_type(get_args(tp)[1])}"
    if dataclasses.is_dataclass(tp):
        return f"table ({typing.cast(type, tp).__name__})"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}[tp]


def _default(fi: Any) -> str:
    if fi.required:
        return "**required**"
    v = fi.default_value()
    if v is None or v == [] or v == {}:
        return "optional"
    if dataclasses.is_dataclass(v):
        return "see below"
    if isinstance(v, str):
        return f'`"{v}"`' if v else '`""`'
    if isinstance(v, bool):
        return f"`{str(v).lower()}`"
    return f"`{v}`"


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def _notes(meta: dict[str, Any]) -> str:
    extra = []
    if meta.get("prob"):
        extra.append("0 to 1")
    else:
        lo, hi = meta.get("ge"), meta.get("le")
        if lo is not None and hi is not None:
            extra.append(f"{_num(lo)} to {_num(hi)}")
    if meta.get("ref"):
        extra.append(f"{meta['ref']} id(s)")
    if meta.get("key_ref"):
        extra.append(f"keys are {meta['key_ref']} ids")
    return f" ({'; '.join(extra)})" if extra else ""


SECTIONS = [
    ("[journey]", "JourneyMeta"),
    ("[population]", "Population"),
    ("[dmu]", "Dmu"),
    ("[scoring]", "Scoring"),
    ("[[stages]]", "Stage"),
    ("[[transitions]]", "Transition"),
    ("[[stalls]]", "Stall"),
    ("stall `duration`", "Duration"),
    ("[[personas]]", "Persona"),
    ("[[gates]]", "Gate"),
    ("[[channels]]", "Channel"),
    ("[[touchpoints]]", "Touchpoint"),
    ("touchpoint `schedule`", "Schedule"),
    ("[[expectations]]", "Expectation"),
]


def _classes() -> dict[str, type]:
    found: dict[str, type] = {}

    def visit(cls: type) -> None:
        found[cls.__name__] = cls
        for fi in fields_of(cls):
            tp = fi.type
            while get_origin(tp) in (typing.Union, types.UnionType, list):
                tp = next(a for a in get_args(tp) if a is not type(None))
            if dataclasses.is_dataclass(tp) and typing.cast(type, tp).__name__ not in found:
                visit(tp)  # type: ignore[arg-type]

    visit(Journey)
    return found


def field_reference() -> str:
    classes = _classes()
    out = [START]
    for title, name in SECTIONS:
        cls = classes[name]
        out += [
            "",
            f"### {title}",
            "",
            (cls.__doc__ or "").strip(),
            "",
            "| key | type | default | meaning |",
            "|---|---|---|---|",
        ]
        for fi in fields_of(cls):
            out.append(f"| `{fi.key}` | {_type(fi.type)} | {_default(fi)} | {fi.meta['doc']}{_notes(fi.meta)} |")
    out += ["", END]
    return "\n".join(out)
