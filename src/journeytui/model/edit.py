"""Edit operations on a journey: add, remove, rename, reorder, set a field.

Every operation returns a new :class:`Journey` (the input is never mutated), so
an undo history can keep snapshots, and raises :class:`EditError` with a
sentence for the user when the edit is not valid. The new journey shares every
part the edit did not touch with its input (copy-on-write: only the containers on
the changed paths are copied), so an edit costs the length of the lists it changes,
not the size of the journey; journeys are therefore values that nobody mutates in place. Renames update every
reference; removals say what else they change (:func:`removal_effects`) and
then cascade exactly that.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import types
import typing
from typing import Any, Literal, get_args, get_origin

from journeytui.diagnostics import Path
from journeytui.model.refs import walk_refs
from journeytui.model.structure import FieldInfo, Structurer, _Skip, check_id, dotted, fields_of
from journeytui.model.types import Journey, Transition

KINDS = {"stage": "stages", "persona": "personas", "channel": "channels", "touchpoint": "touchpoints", "gate": "gates"}
"""Kinds of element that have an id, and the journey list that holds them."""


class EditError(ValueError):
    """An edit that would make the journey invalid in a way the model cannot hold."""


# -- copy-on-write -------------------------------------------------------------------
def _shallow(node: Any) -> Any:
    if isinstance(node, list):
        return list(node)
    if isinstance(node, dict):
        return dict(node)
    return copy.copy(node)  # a dataclass: a new instance whose fields share the old values


class _Writer:
    """A new journey that shares everything with ``j`` until a path is asked for writing.

    :meth:`at` gives the node at a path as a fresh shallow copy that may be mutated, copying
    each container on the way once (the root, a list, an element, a mapping) and reusing the
    copies on later calls, so many changes in one list copy it once. Nothing of ``j`` changes.
    """

    def __init__(self, j: Journey) -> None:
        self.root: Journey = copy.copy(j)
        self._fresh: dict[int, Any] = {id(self.root): self.root}  # values keep the copies alive

    def at(self, path: Path) -> Any:
        node: Any = self.root
        for part in path:
            by_index = isinstance(part, int) or isinstance(node, dict)
            name = "" if by_index else _attr(node, str(part))
            child = node[part] if by_index else getattr(node, name)
            if id(child) not in self._fresh:
                child = _shallow(child)
                self._fresh[id(child)] = child
                if by_index:
                    node[part] = child
                else:
                    setattr(node, name, child)
            node = child
        return node


# -- looking things up -----------------------------------------------------------
def _elements(j: Journey, kind: str) -> list[Any]:
    if kind not in KINDS:
        raise EditError(f"unknown kind of element: {kind}")
    return getattr(j, KINDS[kind])  # type: ignore[no-any-return]


def ids(j: Journey, kind: str) -> list[str]:
    if kind == "behaviour":
        return list(j.scoring.behaviours) if j.scoring else []
    return [e.id for e in _elements(j, kind)]


def index_of(j: Journey, kind: str, element_id: str) -> int:
    for i, e in enumerate(_elements(j, kind)):
        if e.id == element_id:
            return i
    raise EditError(f'there is no {kind} "{element_id}"')


def references(j: Journey, kind: str, element_id: str) -> list[Path]:
    """Every path in the journey that refers to ``element_id`` of ``kind``."""
    return [path for k, ref, path, _ in walk_refs(j) if k == kind and ref == element_id]


# -- adding, renaming, removing ----------------------------------------------------
def _check_new_id(j: Journey, kind: str, new_id: str) -> None:
    why = check_id(new_id)
    if why:
        raise EditError(why)
    if new_id in ids(j, kind):
        raise EditError(f'a {kind} with id "{new_id}" already exists')


def add(j: Journey, kind: str, element: Any, index: int | None = None) -> Journey:
    """Add a stage, persona, channel, touchpoint or gate (at ``index``, default the end)."""
    _check_new_id(j, kind, element.id)
    for ref_kind, ref, path, _ in walk_refs(element):
        known = [*ids(j, ref_kind), *([element.id] if ref_kind == kind else [])]
        if ref not in known:
            raise EditError(f'`{dotted(path)}` refers to an unknown {ref_kind} "{ref}"')
    w = _Writer(j)
    items = w.at((KINDS[kind],))
    items.insert(len(items) if index is None else index, copy.deepcopy(element))
    return w.root


def add_transition(j: Journey, t: Transition, index: int | None = None) -> Journey:
    stage_ids = ids(j, "stage")
    for end in (t.from_, t.to):
        if end not in stage_ids:
            raise EditError(f'there is no stage "{end}"')
    if any(x.from_ == t.from_ and x.to == t.to for x in j.transitions):
        raise EditError(f"a transition {t.from_} -> {t.to} already exists")
    _check_probability(t.probability)
    w = _Writer(j)
    items = w.at(("transitions",))
    items.insert(len(items) if index is None else index, copy.deepcopy(t))
    return w.root


def retarget(j: Journey, index: int, *, from_: str | None = None, to: str | None = None) -> Journey:
    """Point transition ``index`` at other stages."""
    if not 0 <= index < len(j.transitions):
        raise EditError(f"there is no transition #{index}")
    t = j.transitions[index]
    new_from, new_to = from_ or t.from_, to or t.to
    stage_ids = ids(j, "stage")
    for end in (new_from, new_to):
        if end not in stage_ids:
            raise EditError(f'there is no stage "{end}"')
    if any(i != index and x.from_ == new_from and x.to == new_to for i, x in enumerate(j.transitions)):
        raise EditError(f"a transition {new_from} -> {new_to} already exists")
    w = _Writer(j)
    changed = w.at(("transitions", index))
    changed.from_, changed.to = new_from, new_to
    return w.root


def rename(j: Journey, kind: str, old: str, new: str) -> Journey:
    """Change an id and every reference to it (lists, fields and mapping keys)."""
    if old == new:
        return j
    if old not in ids(j, kind):
        raise EditError(f'there is no {kind} "{old}"')
    _check_new_id(j, kind, new)
    w = _Writer(j)
    for path in references(j, kind, old):
        _replace_ref(w, path, old, new)
    if kind == "behaviour":
        assert j.scoring is not None
        scoring = w.at(("scoring",))
        scoring.behaviours = {(new if k == old else k): v for k, v in scoring.behaviours.items()}
    else:
        w.at((KINDS[kind], index_of(j, kind, old))).id = new
    return w.root


def _replace_ref(w: _Writer, path: Path, old: str, new: str) -> None:
    parent = w.at(path[:-1])
    last = path[-1]
    if isinstance(parent, dict):  # a mapping keyed by ids: keep the key order
        items = [(new if k == old else k, v) for k, v in parent.items()]
        parent.clear()
        parent.update(items)
    elif isinstance(parent, list):
        parent[last] = new  # type: ignore[index]
    else:
        setattr(parent, _attr(parent, str(last)), new)


def _holder(j: Journey, path: Path) -> tuple[str, int | None] | None:
    """The element a reference at ``path`` takes down with it, if the field is required.

    (attr, index) for an element of a top-level list, (attr, None) for a top-level
    table such as scoring; None when the reference can simply be dropped.
    """
    if len(path) == 4 and isinstance(path[1], int) and isinstance(path[3], int):
        # The last entry of a list where empty means "all": dropping it would widen the element.
        owner = _get(j, path[:2])
        info = next((f for f in fields_of(type(owner)) if f.key == path[2]), None)
        if info is not None and info.meta.get("all_if_empty") and len(_get(j, path[:3])) == 1:
            return (str(path[0]), path[1])
        return None
    if len(path) == 3 and isinstance(path[1], int):
        owner = _get(j, path[:2])
    elif len(path) == 2:
        owner = _get(j, path[:1])
    else:
        return None
    info = next((f for f in fields_of(type(owner)) if f.key == path[-1]), None)
    if info is None or not info.required or get_origin(info.type) in (list, dict):
        return None
    return (str(path[0]), path[1] if len(path) == 3 else None)  # type: ignore[return-value]


def _owned(j: Journey, attr: str, index: int | None) -> list[tuple[str, str]]:
    """Ids that go with an element when it is removed: (kind, id)."""
    element = _get(j, (attr,) if index is None else (attr, index))
    if attr == "scoring":
        return [("behaviour", b) for b in element.behaviours]
    sub_kind = next((k for k, a in KINDS.items() if a == attr), None)
    return [(sub_kind, element.id)] if sub_kind and getattr(element, "id", None) else []


def removal_effects(j: Journey, kind: str, element_id: str) -> list[str]:
    """What else removing ``element_id`` changes, one sentence each naming elements (empty: nothing else)."""
    effects: list[str] = []
    for path in references(j, kind, element_id):
        holder = _holder(j, path)
        if holder is not None:
            attr, index = holder
            if attr == "scoring":
                label = "the scoring table (its behaviours and the MQL hand-off)"
            else:
                label = element_label(j, (attr,) if index is None else (attr, index))
            why = f"its `{path[-1]}` is this {kind}" if isinstance(path[-1], str) else f"it targets only this {kind}"
            effects.append(f"{label} is removed: {why}")
            for sub_kind, sub_id in _owned(j, attr, index):
                effects.extend("  then " + e for e in removal_effects(j, sub_kind, sub_id))
        elif kind == "touchpoint" and path[-1] == "after":
            effects.append(f"{element_label(j, path[:2])} is sent on stage entry instead of after this touchpoint")
        elif kind == "gate":
            effects.append(f"{element_label(j, path[:2])} is no longer gated")
        else:
            in_list = len(path) > 1 and isinstance(path[1], int)
            owner = element_label(j, path[:2]) if in_list else f"[{path[0]}]"
            keys = [str(p) for p in path[2 if in_list else 1 :] if not isinstance(p, int)]
            if keys and keys[-1] == element_id:  # a mapping keyed by the id: its entry goes
                where = ".".join(keys[:-1])
                effects.append(f"{owner}: `{where}` drops its entry for this {kind}" if where else f"{owner} drops it")
            else:
                effects.append(f"{owner}: `{'.'.join(keys)}` no longer lists this {kind}")
    return list(dict.fromkeys(effects))


_SINGULAR = {
    "stages": "stage",
    "transitions": "transition",
    "stalls": "stall",
    "personas": "persona",
    "channels": "channel",
    "touchpoints": "touchpoint",
    "gates": "gate",
    "expectations": "expectation",
}


def element_label(j: Journey, path: Path) -> str:
    """How a person names an element: ``touchpoint whitepaper``, ``transition lead -> won``,
    ``stall in stage evaluate (budget freeze)``; never an array position."""
    try:
        element = _get(j, path)
    except (KeyError, IndexError, AttributeError, TypeError):
        return dotted(path)
    kind = _SINGULAR.get(str(path[0]), str(path[0]))
    if isinstance(element, Transition):
        return f"transition {element.from_} -> {element.to}"
    ident = getattr(element, "id", None)
    if ident:
        return f"{kind} {ident}"
    name = getattr(element, "name", None)
    if name:
        return f'{kind} "{name}"'

    stage = getattr(element, "stage", None)
    cause = getattr(element, "cause", None)
    if stage:
        return f"{kind} in stage {stage}" + (f" ({cause})" if cause else "")
    return dotted(path)


def _path_key(path: Path) -> tuple[tuple[int, Any], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, p) for p in path)


def remove(j: Journey, kind: str, element_id: str) -> Journey:
    """Remove an element and cascade exactly what :func:`removal_effects` describes."""
    w = _Writer(j)
    _remove_in_place(w, kind, element_id)
    return w.root


def _remove_in_place(w: _Writer, kind: str, element_id: str) -> None:
    """Remove in the writer's journey (reads see the changes made so far; writes copy on the way)."""
    j = w.root
    if kind == "behaviour":
        if j.scoring is None or element_id not in j.scoring.behaviours:
            raise EditError(f'there is no behaviour "{element_id}"')
        del w.at(("scoring", "behaviours"))[element_id]
    else:
        index = index_of(j, kind, element_id)  # first: an unknown kind or id is an EditError
        del w.at((KINDS[kind],))[index]
    paths = references(j, kind, element_id)
    holders = {h for h in (_holder(j, p) for p in paths) if h is not None}
    # Elements with ids (and scoring's behaviours) go by id, so that what refers to them goes too.
    cascade = [owned for attr, index in holders for owned in _owned(j, attr, index)]

    def inside_holder(p: Path) -> bool:
        return any(p[: 1 if i is None else 2] == ((a,) if i is None else (a, i)) for a, i in holders)

    partial = [p for p in paths if _holder(j, p) is None and not inside_holder(p)]
    for path in sorted(partial, key=_path_key, reverse=True):  # highest indices first
        _drop_ref(w, path)
    for sub_kind, sub_id in cascade:
        if sub_id in ids(j, sub_kind):
            _remove_in_place(w, sub_kind, sub_id)
    # The rest hold no ids (transitions, stalls, expectations; scoring) and go by position,
    # which the cascade above never shifts: it only clears fields and drops list entries.
    for attr, position in sorted(((a, i) for a, i in holders if a not in KINDS.values()), key=lambda h: -(h[1] or 0)):
        if position is None:
            setattr(j, attr, None)  # the writer's root is always its own copy
        else:
            del w.at((attr,))[position]


def _drop_ref(w: _Writer, path: Path) -> None:
    parent = w.at(path[:-1])
    last = path[-1]
    if isinstance(parent, dict):
        parent.pop(last, None)
    elif isinstance(parent, list):
        del parent[last]  # type: ignore[arg-type]
    else:
        setattr(parent, _attr(parent, str(last)), None)


def remove_at(j: Journey, attr: str, index: int) -> Journey:
    """Remove element ``index`` of a list without ids (transitions, stalls, expectations)."""
    items = getattr(j, attr)
    if not 0 <= index < len(items):
        raise EditError(f"there is no {attr}[{index}]")
    w = _Writer(j)
    del w.at((attr,))[index]
    return w.root


def append(j: Journey, attr: str, element: Any) -> Journey:
    """Append a stall or expectation (elements without ids)."""
    w = _Writer(j)
    w.at((attr,)).append(copy.deepcopy(element))
    return w.root


def move(j: Journey, attr: str, index: int, delta: int) -> Journey:
    """Reorder: move element ``index`` of list ``attr`` by ``delta`` places (clamped)."""
    items = getattr(j, attr)
    if not 0 <= index < len(items):
        raise EditError(f"there is no {attr}[{index}]")
    target = max(0, min(len(items) - 1, index + delta))
    w = _Writer(j)
    lst = w.at((attr,))
    lst.insert(target, lst.pop(index))
    return w.root


# -- setting fields ----------------------------------------------------------------
def _attr(obj: Any, key: str) -> str:
    for fi in fields_of(type(obj)):
        if fi.key == key:
            return fi.name
    raise EditError(f"{type(obj).__name__} has no field `{key}`")


def _get(j: Journey, path: Path) -> Any:
    node: Any = j
    for part in path:
        node = node[part] if isinstance(part, int) or isinstance(node, dict) else getattr(node, _attr(node, part))
    return node


def get(j: Journey, path: Path) -> Any:
    """The value at ``path`` (keys as in the file: ``("transitions", 0, "from")``)."""
    try:
        return _get(j, path)
    except (KeyError, IndexError, AttributeError) as exc:
        raise EditError(f"nothing at {dotted(path)}") from exc


def field_info(j: Journey, path: Path) -> tuple[FieldInfo, bool]:
    """The field a path ends in, and whether the path goes into the field's mapping or list."""
    node: Any = j
    info: FieldInfo | None = None
    inside = False
    for part in path:
        if dataclasses.is_dataclass(node) and isinstance(part, str):
            info = next((f for f in fields_of(type(node)) if f.key == part), None)
            if info is None:
                raise EditError(f"{type(node).__name__} has no field `{part}`")
            node = getattr(node, info.name)
            inside = False
        else:
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                node = None
            inside = True
    if info is None:
        raise EditError("a path must end in a field")
    return info, inside


def set_field(j: Journey, path: Path, value: Any) -> Journey:
    """Set the value at ``path`` after checking it as the loader would; None clears an optional field."""
    info, inside = field_info(j, path)
    tp = info.type
    if inside:  # an entry of a mapping or list field: check against the item type
        args = get_args(_strip_optional(tp))
        tp = args[-1]
    if value is None:
        if inside:
            w = _Writer(j)
            parent = w.at(path[:-1])
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
            return w.root
        if info.required or not _is_optional(tp):
            raise EditError(f"`{dotted(path)}` cannot be empty")
    else:
        s = Structurer()
        with contextlib.suppress(_Skip):
            value = s.value(value, tp, path, info.meta)
        errors = [f for f in s.findings if not f.code.startswith("W")]
        if errors:
            raise EditError(errors[0].message)
        if info.meta.get("id"):
            raise EditError("ids are changed with rename, which updates every reference")
        _check_refs(j, path, info.meta, value, inside)
    w = _Writer(j)
    parent = w.at(path[:-1])
    last = path[-1]
    if isinstance(parent, (dict, list)):
        parent[last] = value  # type: ignore[index]
    else:
        setattr(parent, _attr(parent, str(last)), value)
    return w.root


def _check_refs(j: Journey, path: Path, meta: dict[str, Any], value: Any, inside: bool) -> None:
    """Refuse a value that names ids that do not exist (in the value, its items or its keys)."""
    ref, key_ref = meta.get("ref"), meta.get("key_ref")
    named: list[tuple[str, Any]] = []
    if ref:
        named += [(ref, v) for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    if key_ref and inside:
        named.append((key_ref, path[-1]))
    elif key_ref and isinstance(value, dict):
        named += [(key_ref, k) for k in value]
    for kind, name in named:
        if name not in ids(j, kind):
            raise EditError(f'there is no {kind} "{name}"')


def _strip_optional(tp: Any) -> Any:
    if get_origin(tp) in (typing.Union, types.UnionType):
        return next(a for a in get_args(tp) if a is not type(None))
    return tp


def _is_optional(tp: Any) -> bool:
    return get_origin(tp) in (typing.Union, types.UnionType) and type(None) in get_args(tp)


def _check_probability(p: float) -> None:
    if not isinstance(p, (int, float)) or isinstance(p, bool) or math.isnan(p) or not 0 <= p <= 1:
        raise EditError(f"a probability must be between 0 and 1, not {p}")


def parse_text(j: Journey, path: Path, text: str) -> Any:
    """Turn what a user typed into a value for ``path`` (for the app's forms).

    Numbers, booleans (true/false/yes/no), comma-separated lists; an empty text
    means None (clear an optional field). Raises EditError when it cannot.
    """
    info, inside = field_info(j, path)
    tp = _strip_optional(info.type)
    if inside:
        tp = _strip_optional(get_args(tp)[-1])
    text = text.strip()
    if text == "":
        return [] if get_origin(tp) is list else None
    return _parse(tp, text, dotted(path))


def _parse(tp: Any, text: str, name: str) -> Any:
    origin = get_origin(tp)
    if origin is list:
        (item,) = get_args(tp)
        return [_parse(item, part.strip(), name) for part in text.split(",") if part.strip()]
    if tp is bool:
        low = text.lower()
        if low in ("true", "yes", "y", "1", "on"):
            return True
        if low in ("false", "no", "n", "0", "off"):
            return False
        raise EditError(f"`{name}` must be true or false")
    if tp is int:
        try:
            return int(text.replace("_", ""))
        except ValueError:
            raise EditError(f"`{name}` must be a whole number, not {text!r}") from None
    if tp is float:
        try:
            return float(text.replace("_", "").rstrip("%")) / (100 if text.endswith("%") else 1)
        except ValueError:
            raise EditError(f"`{name}` must be a number, not {text!r}") from None
    if origin is Literal or tp is str:
        return text
    raise EditError(f"`{name}` cannot be typed in as text")
