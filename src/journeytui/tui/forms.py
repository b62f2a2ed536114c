"""Form fields derived from the model's field metadata (plain Python, no Textual).

The inspector builds one editor per :class:`FieldInfo`; this module decides which
editor, shows a value as text, and turns typed text back into a checked value
through :mod:`journeytui.model.edit`, so a form accepts exactly what the loader does.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from journeytui.diagnostics import Path
from journeytui.model import edit
from journeytui.model.structure import FieldInfo, check_id, fields_of
from journeytui.model.types import Journey

LARGE = 400
"""A journey with more stages, transitions, stalls and touchpoints than this is "large": the app
checks it in a worker after edits, and the inspector checks typed values on enter, not per key."""
MAX_CHOICES = 200
"""A reference field with more choices than this is typed (and checked) instead of a drop-down."""


def size_of(j: Journey) -> int:
    """How many elements the checks walk over, roughly."""
    return len(j.stages) + len(j.transitions) + len(j.stalls) + len(j.touchpoints)


@dataclass(frozen=True)
class FormField:
    """One editable field of the selected element."""

    path: Path
    info: FieldInfo
    editor: str
    """"text", "id", "choice", "ref", "bool", "group" (a nested table), "table" (the heading of a
    mapping such as scoring behaviours), "entry" (one row of it: empty removes it) or "mapping"
    (the row that adds entries: ``key = value, ...``)."""
    choices: tuple[str, ...] = ()
    optional: bool = False

    @property
    def key(self) -> str:
        return self.info.key

    @property
    def doc(self) -> str:
        return str(self.info.meta.get("doc") or "")


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    if get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        return args[0], True
    return tp, False


def form_fields(j: Journey, element_path: Path, element: Any) -> list[FormField]:
    """The fields of ``element`` (at ``element_path``), nested tables flattened after a group row."""
    out: list[FormField] = []
    for info in fields_of(type(element)):
        path = (*element_path, info.key)
        tp, optional = _strip_optional(info.type)
        if dataclasses.is_dataclass(tp):
            value = getattr(element, info.name)
            out.append(FormField(path, info, "group", optional=optional))
            if value is not None:
                out.extend(form_fields(j, path, value))
            continue
        field = _field(j, path, info, tp, optional)
        if field.editor == "mapping":  # a table: a heading, one row per entry, a row to add more
            entries = getattr(element, info.name) or {}
            out.append(FormField(path, info, "table", optional=optional))
            out.extend(FormField((*path, key), info, "entry", optional=True) for key in entries)
        out.append(field)
    return out


def _field(j: Journey, path: Path, info: FieldInfo, tp: Any, optional: bool) -> FormField:
    if info.meta.get("id"):
        return FormField(path, info, "id")
    if tp is bool:
        return FormField(path, info, "bool")
    if get_origin(tp) is Literal:
        return FormField(path, info, "choice", tuple(str(a) for a in get_args(tp)), optional)
    ref = info.meta.get("ref")
    if ref and tp is str:
        return FormField(path, info, "ref", tuple(edit.ids(j, ref)), optional)
    if get_origin(tp) is dict:
        return FormField(path, info, "mapping", optional=optional)
    return FormField(path, info, "text", optional=optional)


def to_text(value: Any) -> str:
    """A value as the user types it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, list):
        return ", ".join(to_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} = {to_text(v)}" for k, v in value.items())
    return str(value)


def parse_mapping(j: Journey, path: Path, text: str) -> dict[str, Any]:
    """``"a = 1, b = 20%"`` as ``{"a": 1.0, "b": 0.2}``; each value parsed for its entry's type."""
    out: dict[str, Any] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        sep = "=" if "=" in part else ":"
        if sep not in part:
            raise edit.EditError(f'write entries as "key = value", not "{part.strip()}"')
        key, _, raw = part.partition(sep)
        key = key.strip().strip('"')
        if not key:
            raise edit.EditError("an entry needs a key before =")
        value = edit.parse_text(j, (*path, key), raw)
        if value is None:
            raise edit.EditError(f"`{key}` needs a value")
        out[key] = value
    return out


def parse(j: Journey, f: FormField, text: str) -> Any:
    """The checked value for ``text`` typed into field ``f``; raises EditError with the reason.

    For the row that adds entries to a table the value is the whole table with them added."""
    if f.editor == "id":
        new = text.strip()
        why = check_id(new)
        if why:
            raise edit.EditError(why)
        return new
    if f.editor == "mapping":
        value: Any = {**(edit.get(j, f.path) or {}), **parse_mapping(j, f.path, text)}
    else:
        value = edit.parse_text(j, f.path, text)
    edit.set_field(j, f.path, value)  # dry run: the same checks as the real edit
    return value


def current(j: Journey, f: FormField) -> Any:
    """The value ``f`` edits (the row that adds entries to a table starts empty)."""
    if f.editor == "mapping":
        return None
    try:
        return edit.get(j, f.path)
    except edit.EditError:
        return None
