"""Turn parsed TOML into model dataclasses, and model dataclasses back into plain data.

The conversion is driven by the dataclasses' type hints and field metadata
(:func:`journeytui.model.types.spec`), so the model, the loader and the JSON
Schema cannot drift apart. Structural problems (unknown key, wrong type,
missing field, bad value, out of range) become findings with a key path; an
element that cannot be built is left out so that the rest can still be checked.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import types
import typing
import unicodedata
from dataclasses import MISSING, dataclass
from typing import Any, Literal, get_args, get_origin

from journeytui.diagnostics import Path

# Valid for ECMA-262 in unicode mode (what JSON Schema tools use) as well as Python's re: there
# only syntax characters (``^$\.*+?()[]{}|``), ``/`` and ``-`` may be escaped, so the quotes stand bare.
_NOT_IN_IDS = (
    r"\s\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff" + "\"'" + r"#=.,:;\[\]{}()<>\\/|!?*+&%$@`~^"
)
ID_PATTERN = f"^[^{_NOT_IN_IDS}-][^{_NOT_IN_IDS}]*$"
"""A permissive id pattern for the JSON Schema: ECMA-262 regexes (what JSON Schema uses) have
no Unicode classes, so it only excludes what is never part of an id; :func:`check_id` decides."""
MAX_ID_LENGTH = 64


@dataclass(frozen=True)
class Finding:
    """A problem found while converting, before positions are known."""

    code: str
    message: str
    path: Path
    at_value: bool = True


class _Skip(Exception):
    """The value could not be converted; the caller uses a default or drops the element."""


@dataclass(frozen=True)
class FieldInfo:
    """A model field as the loader uses it: TOML key, resolved type, default and metadata."""

    name: str
    key: str
    type: Any
    required: bool
    default: Any
    meta: dict[str, Any]

    def default_value(self) -> Any:
        f = self.default
        return f() if callable(f) else f


_FIELDS: dict[type, tuple[FieldInfo, ...]] = {}


def fields_of(cls: type) -> tuple[FieldInfo, ...]:
    """The fields of a model dataclass, with resolved types and metadata (cached)."""
    if cls in _FIELDS:
        return _FIELDS[cls]
    fields = dataclasses.fields(cls)
    # Types written as objects (model/types.py) need no evaluation; strings are resolved.
    as_text = any(isinstance(f.type, str) for f in fields)
    hints = typing.get_type_hints(cls) if as_text else {f.name: f.type for f in fields}
    out = []
    for f in fields:
        meta = dict(f.metadata)
        key = meta.get("key") or f.name
        if f.default is not MISSING:
            default: Any = f.default
            required = False
        elif f.default_factory is not MISSING:
            default = f.default_factory
            required = False
        else:
            default, required = None, True
        out.append(FieldInfo(f.name, key, hints[f.name], required, default, meta))
    _FIELDS[cls] = tuple(out)
    return _FIELDS[cls]


def type_name(tp: Any) -> str:
    """How a type is named in messages, in TOML words."""
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in get_args(tp) if a is not type(None))
    if origin is Literal:
        return "one of " + ", ".join(f'"{a}"' for a in get_args(tp))
    if origin is list:
        return "an array"
    if origin is dict or dataclasses.is_dataclass(tp):
        return "a table"
    return {str: "a string", int: "an integer", float: "a number", bool: "a boolean"}.get(tp, str(tp))


def toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"  # e.g. `phase = 2.0` where an integer is wanted: say what it is
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"  # dates and times


def _id_char(c: str, first: bool) -> bool:
    """Letters and digits of any script, ``_``; after the first character also ``-`` and
    combining marks (the vowel signs of Thai or Devanagari words)."""
    category = unicodedata.category(c)
    if c == "_" or category[0] in "LN":
        return True
    return not first and (c == "-" or category in ("Mn", "Mc"))


def _char_name(c: str | None) -> str:
    name = unicodedata.name(c, "") if c is not None else ""
    return f": {name.lower()}" if name else ""


_ASCII_ID = re.compile(rf"[A-Za-z0-9_][A-Za-z0-9_-]{{0,{MAX_ID_LENGTH - 1}}}")
"""An ASCII id that :func:`check_id` accepts (letters, digits, ``_``, ``-`` after the first; no ``->``)."""


def check_id(value: str) -> str | None:
    """Why ``value`` is not a usable id, or None."""
    if _ASCII_ID.fullmatch(value):  # the common case, decided in one call
        return None
    if not value:
        return "an id must not be empty"
    if len(value) > MAX_ID_LENGTH:
        return f"an id must be at most {MAX_ID_LENGTH} characters"
    bad = next((c for i, c in enumerate(value) if not _id_char(c, first=i == 0)), None)
    if bad is not None or "->" in value:
        shown = f"U+{ord(bad):04X}" if bad is not None else '"->"'

        return (
            f'"{value}" is not a valid id: use letters (any script), digits, "_" and "-", '
            f"starting with a letter, digit or underscore ({shown} is not allowed{_char_name(bad)})"
        )
    return None


class Structurer:
    """Converts plain data to dataclasses and collects findings."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.kept: dict[Path, list[int]] = {}
        """For each array in the data, the data index of each element the model kept."""

    def report(self, code: str, message: str, path: Path, at_value: bool = True) -> None:
        self.findings.append(Finding(code, message, path, at_value))

    def table(self, data: Any, cls: type, path: Path) -> Any:
        if not isinstance(data, dict):
            self.report("E102", f"`{_dotted(path)}` must be a table, not {toml_type(data)}", path)
            raise _Skip
        known = _keys_of(cls)
        for key in data if not known.keys() >= data.keys() else ():  # one set comparison when all are known
            if key not in known:
                hint = _close_match(key, list(known))
                msg = f"unknown key `{clip(key)}` in {_where(path)}"
                msg += f"; did you mean `{hint[0]}`?" if hint else f" (allowed: {', '.join(known)})"
                self.report("E101", msg, (*path, key), at_value=False)
        kwargs: dict[str, Any] = {}
        failed = False
        for fi, fallback, plan, fast in _table_plan(cls):
            if fast is not None and fi.key in data:
                # The common values need no conversion and have nothing to report: take them as
                # they are (exactly what value() returns for them), without its calls.
                v = data[fi.key]
                if (
                    (fast == "str" and type(v) is str)
                    or (fast == "id" and type(v) is str and _ASCII_ID.fullmatch(v))
                    or (fast == "bool" and type(v) is bool)
                    or (fast == "prob" and type(v) is float and 0.0 <= v <= 1.0)
                ):
                    kwargs[fi.name] = v
                    continue
            if fi.key not in data:
                if fi.required:
                    self.report("E103", f"{_where(path)} is missing required field `{fi.key}`", path, at_value=False)
                    if fallback is None:
                        failed = True
                    else:
                        kwargs[fi.name] = fallback() if callable(fallback) else fallback
                continue
            try:
                kwargs[fi.name] = self.value(data[fi.key], fi.type, (*path, fi.key), fi.meta, plan)
            except _Skip:
                if fi.required and fallback is None:
                    failed = True
                elif fi.required:
                    kwargs[fi.name] = fallback() if callable(fallback) else fallback
        if failed:
            raise _Skip
        return cls(**kwargs)

    def value(self, v: Any, tp: Any, path: Path, meta: dict[str, Any], plan: tuple[str, Any] | None = None) -> Any:
        kind, arg = plan or _plan(tp)
        if kind == "union":
            return self.value(v, arg, path, meta)
        if kind == "table":
            return self.table(v, arg, path)
        if kind == "list":
            if not isinstance(v, list):
                return self._wrong(v, tp, path)
            out = []
            kept = []
            item = _plan(arg)  # once for the list, not per item
            if item[0] == "table":  # [[stages]] and the like: straight to table(), as value() would go
                for i, x in enumerate(v):
                    try:
                        out.append(self.table(x, item[1], (*path, i)))
                        kept.append(i)
                    except _Skip:
                        pass
            else:
                for i, x in enumerate(v):
                    try:
                        out.append(self.value(x, arg, (*path, i), meta, item))
                        kept.append(i)
                    except _Skip:
                        pass
            self.kept[path] = kept
            return out
        if kind == "dict":
            if not isinstance(v, dict):
                return self._wrong(v, tp, path)
            result = {}
            item = _plan(arg)
            for k, x in v.items():
                # not contextlib.suppress: this runs for every entry of every mapping
                try:  # noqa: SIM105
                    result[k] = self.value(x, arg, (*path, k), meta, item)
                except _Skip:
                    pass
            return result
        if kind == "literal":
            allowed = arg
            if not isinstance(v, str):
                return self._wrong(v, tp, path)
            if v not in allowed:
                hint = _close_match(v, [str(a) for a in allowed])
                msg = f'`{_dotted(path)}` is "{clip(v)}", which is not {type_name(tp)}'
                if hint:
                    msg += f'; did you mean "{hint[0]}"?'
                self.report("E104", msg, path)
                raise _Skip
            return v
        if tp is bool:
            if not isinstance(v, bool):
                return self._wrong(v, tp, path)
            return v
        if tp is int:
            if isinstance(v, bool) or not isinstance(v, int):
                return self._wrong(v, tp, path)
            return self._range(v, path, meta)
        if tp is float:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return self._wrong(v, tp, path)
            try:
                f = float(v)
            except OverflowError:
                f = math.inf if v > 0 else -math.inf
            return self._range(f, path, meta)
        if tp is str:
            if not isinstance(v, str):
                return self._wrong(v, tp, path)
            if meta.get("id"):
                why = check_id(v)
                if why:
                    self.report("E104", why, path)
                    raise _Skip
                if not v.isascii() and unicodedata.normalize("NFC", v) != v:
                    self.report("W104", f'id "{v}" is not in Unicode NFC form; it may look like a different id', path)
            return v
        raise TypeError(f"unsupported type {tp!r}")  # a bug in the model, not in the file

    def _wrong(self, v: Any, tp: Any, path: Path) -> Any:
        self.report("E102", f"`{_dotted(path)}` must be {type_name(tp)}, not {toml_type(v)}", path)
        raise _Skip

    def _range(self, x: float, path: Path, meta: dict[str, Any]) -> float:
        # the dotted name only when reporting: this runs for every number of the file
        if meta.get("prob"):
            if math.isnan(x) or math.isinf(x) or not 0.0 <= x <= 1.0:
                self.report("E301", f"`{_dotted(path)}` is {_num(x)}; a probability must be between 0 and 1", path)
                raise _Skip
            return x
        if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
            self.report("E105", f"`{_dotted(path)}` must be a finite number, not {_num(x)}", path)
            raise _Skip
        ge, le, gt = meta.get("ge"), meta.get("le"), meta.get("gt")
        if (ge is not None and x < ge) or (gt is not None and x <= gt) or (le is not None and x > le):
            lo = f">= {_num(ge)}" if ge is not None else (f"> {_num(gt)}" if gt is not None else "")
            hi = f"<= {_num(le)}" if le is not None else ""
            bounds = " and ".join(b for b in (lo, hi) if b)
            self.report("E105", f"`{_dotted(path)}` is {_num(x)}; it must be {bounds}", path)
            raise _Skip
        return x


@functools.cache
def _plan(tp: Any) -> tuple[str, Any]:
    """How :meth:`Structurer.value` converts a type, worked out once per type (it runs for every value)."""
    origin = get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return "union", next(a for a in get_args(tp) if a is not type(None))
    if dataclasses.is_dataclass(tp):
        return "table", tp
    if origin is list:
        return "list", get_args(tp)[0]
    if origin is dict:
        return "dict", get_args(tp)[1]
    if origin is Literal:
        return "literal", get_args(tp)
    return "scalar", None


def _fast(fi: FieldInfo) -> str | None:
    """Which values of a field :meth:`Structurer.table` may take as they are: "str" (any string),
    "id" (an ASCII id), "bool", "prob" (a float from 0 to 1); None: always through value()."""
    kind, arg = _plan(fi.type)
    tp = arg if kind == "union" else fi.type
    meta = fi.meta
    if tp is str:
        return "id" if meta.get("id") else "str"
    if tp is bool:
        return "bool"
    if tp is float and meta.get("prob"):
        return "prob"
    return None


@functools.cache
def _table_plan(cls: type) -> tuple[tuple[FieldInfo, Any, tuple[str, Any], str | None], ...]:
    """Each field of a model class with its fallback, how its value converts and whether common
    values may be taken as they are (:func:`_fast`), worked out once per class."""
    return tuple((fi, fi.meta.get("fallback"), _plan(fi.type), _fast(fi)) for fi in fields_of(cls))


@functools.cache
def _keys_of(cls: type) -> dict[str, Any]:
    """The file keys of a model class (cached: looked up for every table of the file)."""
    return {fi.key: fi for fi in fields_of(cls)}


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, int) and abs(x) >= 10**15:
        return (
            f"{float(x):g}"
            if x.bit_length() < 1000
            else f"an integer of about {int(x.bit_length() * 0.30103) + 1} digits"
        )
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:g}" if abs(x) >= 1e15 else str(x)
    return text if len(text) <= 24 else text[:21] + "..."


SHOWN_TEXT = 40
"""Longest piece of a file's text (a key, a value) quoted whole in a message."""


def clip(text: str, limit: int = SHOWN_TEXT) -> str:
    """``text`` shortened for a message: a stranger's 2 MB key must not become a 2 MB line."""
    return text if len(text) <= limit else f"{text[: limit - 3]}... ({len(text):,} characters)"


def _close_match(word: str, choices: list[str]) -> list[str]:
    """The allowed word ``word`` most resembles; none for a word far longer than any (difflib is slow on those)."""
    if len(word) > 2 * max(map(len, choices), default=0) + 8:
        return []
    import difflib  # here: only a file with a misspelling needs it

    return difflib.get_close_matches(word, choices, n=1, cutoff=0.6)


def _dotted(path: Path) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + (clip(p) if re.fullmatch(r"[A-Za-z0-9_-]+", p) else f'"{clip(p)}"')
    return out or "<root>"


def dotted(path: Path) -> str:
    """``("stages", 2, "id")`` as ``stages[2].id``."""
    return _dotted(path)


def _where(path: Path) -> str:
    return f"`[{_dotted(path)}]`" if path else "the file"


def structure(data: dict[str, Any], cls: type) -> tuple[Any | None, list[Finding], dict[Path, list[int]]]:
    """Build ``cls`` from ``data``. Returns (object or None, findings, kept indices)."""
    s = Structurer()
    try:
        obj = s.table(data, cls, ())
    except _Skip:
        obj = None
    return obj, s.findings, s.kept


def data_path(model_path: Path, kept: dict[Path, list[int]]) -> Path:
    """Translate a path into the model to the path into the file's data.

    They differ when elements that failed to load were left out of the model.
    """
    out: Path = ()
    for part in model_path:
        if isinstance(part, int) and out in kept:
            indices = kept[out]
            part = indices[part] if 0 <= part < len(indices) else part
        out = (*out, part)
    return out


def unstructure(obj: Any) -> Any:
    """Plain data for ``obj`` in canonical field order, defaults left out."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for fi in fields_of(type(obj)):
            v = getattr(obj, fi.name)
            if not fi.required and not fi.meta.get("always") and v == fi.default_value():
                continue
            if v is None:
                continue
            out[fi.key] = unstructure(v)
        return out
    if isinstance(obj, list):
        return [unstructure(x) for x in obj]
    if isinstance(obj, dict):
        return {k: unstructure(v) for k, v in obj.items()}
    return obj
