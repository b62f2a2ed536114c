"""Write journeys: the canonical form, the comment-preserving path, atomic saves.

Two ways to turn a model into text (docs/format.md, "Saving"):

* :func:`dumps` is the canonical form: top-level tables, then one ``[[array]]``
  entry per element, fields in model order, defaults left out, nested mappings
  as dotted keys, every value written by tomli-w. ``journeytui fmt`` writes it.
* :func:`render` is what the app uses. A file already in canonical form gets
  the canonical form again. Any other file (comments, hand-made ordering) is
  edited in place with tomlkit, touching only values that changed, so comments,
  key order and layout survive. An unchanged model gives the original bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

import tomli_w
import tomlkit
from tomlkit.items import AoT, Array, InlineTable, Table

from journeytui.model.load import Unreadable, read_bytes
from journeytui.model.structure import unstructure
from journeytui.model.types import Journey

INLINE_ARRAY_WIDTH = 88


# -- canonical form -----------------------------------------------------------
def _key(k: str) -> str:
    return tomli_w.dumps({k: 0})[: -len(" = 0\n")]


def _literal(v: Any) -> str:
    if isinstance(v, str) and "\r" in v:  # a raw CR in a multi-line string would be read back as LF
        return tomli_w.dumps({"v": v})[len("v = ") :].rstrip("\n")
    if isinstance(v, list) and all(not isinstance(x, (list, dict)) for x in v):
        inline = "[" + ", ".join(_literal(x) for x in v) + "]"
        if len(inline) <= INLINE_ARRAY_WIDTH:
            return inline
    return tomli_w.dumps({"v": v}, multiline_strings=True)[len("v = ") :].rstrip("\n")


def _table(name: str, d: dict[str, Any]) -> str:
    lines = []
    subs = []
    for k, v in d.items():
        if isinstance(v, dict):
            subs.append((k, v))
        else:
            lines.append(f"{_key(k)} = {_literal(v)}")
    # A table holding only sub-tables gets no header of its own.
    out = "\n".join([f"[{name}]", *lines]) + "\n" if lines or not subs else ""
    for k, v in subs:
        out += ("\n" if out else "") + _table(f"{name}.{_key(k)}", v)
    return out


def _element(name: str, d: dict[str, Any]) -> str:
    lines = [f"[[{name}]]"]
    for k, v in d.items():
        if isinstance(v, dict) and not v:  # an emptied table (e.g. a cleared schedule) must not vanish
            lines.append(f"{_key(k)} = {{}}")
        elif isinstance(v, dict):
            lines.extend(f"{_key(k)}.{_key(k2)} = {_literal(v2)}" for k2, v2 in v.items())
        else:
            lines.append(f"{_key(k)} = {_literal(v)}")
    return "\n".join(lines) + "\n"


def dumps(journey: Journey, header: str = "") -> str:
    """The canonical text of ``journey``. ``header`` (e.g. a ``#:schema`` line) goes first."""
    data = unstructure(journey)
    chunks = []
    for key, value in data.items():
        if isinstance(value, dict):
            chunks.append(_table(key, value))
        elif isinstance(value, list):
            chunks.extend(_element(key, elem) for elem in value)
    text = "\n".join(chunks)
    return header + text


def schema_header(text: str) -> str:
    """A leading ``#:schema`` line of ``text``, kept by the canonical form."""
    first = text.split("\n", 1)[0]
    return first + "\n" if first.startswith("#:schema") else ""


def canonical(text: str, journey: Journey) -> str:
    """The canonical text for a file whose current text is ``text``."""
    return dumps(journey, schema_header(text))


# -- comment-preserving path ----------------------------------------------------
_ABSENT = object()


def _identity(elem: Any, index: int) -> Any:
    if isinstance(elem, dict) and "id" in elem:
        return ("id", elem["id"])
    if isinstance(elem, dict) and "from" in elem and "to" in elem:
        return ("edge", elem["from"], elem["to"])
    return ("index", index)


def _unwrap(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


def _merge_table(container: Any, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Apply the change ``old -> new`` to a tomlkit table, touching nothing else.

    Keys the model never had (unknown keys, explicit defaults) are left as written.
    """
    for key in old:
        if key not in new and key in container:
            current = container[key]
            # Emptied in the model: keep what the model never held (entries that failed to load, unknown keys).
            if isinstance(current, AoT) and isinstance(old[key], list):
                _merge_aot(current, old[key], [])
            elif isinstance(current, (Table, InlineTable)) and isinstance(old[key], dict):
                _merge_table(current, old[key], {})
            if not isinstance(current, (AoT, Table, InlineTable)) or not len(current):
                del container[key]
    for key, value in new.items():
        before = old.get(key, _ABSENT)
        if before == value:
            continue
        if key not in container:
            container[key] = value
            continue
        current = container[key]
        if isinstance(value, dict) and isinstance(current, (Table, InlineTable)):
            _merge_table(current, before if isinstance(before, dict) else {}, value)
        elif isinstance(value, list) and isinstance(current, AoT):
            _merge_aot(current, before if isinstance(before, list) else [], value)
        elif isinstance(value, list) and isinstance(current, Array) and len(current) == len(value):
            olds: list[Any] = (
                before if isinstance(before, list) and len(before) == len(value) else [_ABSENT] * len(value)
            )
            for i, v in enumerate(value):
                if olds[i] == v:
                    continue
                if isinstance(v, dict) and isinstance(current[i], InlineTable):
                    _merge_table(current[i], olds[i] if isinstance(olds[i], dict) else {}, v)
                else:
                    current[i] = v
        else:
            container[key] = value


def _merge_aot(aot: AoT, old: list[Any], new: list[dict[str, Any]]) -> None:
    """Apply ``old -> new`` to an array of tables, keeping each entry's comments and key order.

    Entries are paired by identity (id, or the from/to pair); an entry whose identity
    changed (a rename, a retarget) is paired with the table at its old position.
    """
    tables = list(aot)
    table_ids = [_identity(_unwrap(t), i) for i, t in enumerate(tables)]
    old_ids = [_identity(e, i) for i, e in enumerate(old)]
    new_ids = [_identity(e, i) for i, e in enumerate(new)]
    if table_ids == old_ids == new_ids:
        for table, before, after in zip(tables, old, new, strict=True):
            _merge_table(table, before, after)
        return
    old_by_id = dict(zip(old_ids, old, strict=True))
    table_by_id = dict(zip(table_ids, tables, strict=True))
    wanted = set(new_ids)
    rebuilt = []
    for pos, (ident, elem) in enumerate(zip(new_ids, new, strict=True)):
        table = table_by_id.pop(ident, None)
        before = old_by_id.get(ident, {})
        if table is None and pos < len(old_ids) and old_ids[pos] not in wanted and old_ids[pos] in table_by_id:
            table, before = table_by_id.pop(old_ids[pos]), old[pos]
        if table is None:
            table, before = tomlkit.table(), {}
        _merge_table(table, before, elem)
        rebuilt.append(table)
    # Entries the model never held (they failed to load) are kept, not deleted.
    rebuilt.extend(t for ident, t in table_by_id.items() if ident not in old_by_id)
    _arrange(aot, tables, rebuilt)


def _arrange(aot: AoT, tables: list[Any], rebuilt: list[Any]) -> None:
    """Make ``aot`` hold ``rebuilt``, touching as little of the text as possible."""
    before_ids = [id(t) for t in tables]
    after_ids = [id(t) for t in rebuilt]
    kept = [x for x in before_ids if x in set(after_ids)]
    added = [t for t in rebuilt if id(t) not in set(before_ids)]
    if after_ids == kept + [id(t) for t in added]:  # same order: delete, then append
        for i in reversed(range(len(tables))):
            if id(tables[i]) not in set(after_ids):
                del aot[i]
        for table in added:
            aot.append(table)
        return
    while len(aot):
        del aot[0]
    for table in rebuilt:
        aot.append(table)


def render(journey: Journey, original: str | None) -> str:
    """The text to save for ``journey``, given the file's current text (None: a new file).

    Raises ValueError when ``original`` cannot be parsed: there is no safe way to
    merge into it, and overwriting it would lose what the user wrote.
    """
    from journeytui.model.load import load_text

    if original is None:
        return dumps(journey)
    before = load_text(original)
    if before.journey is None:
        raise ValueError("the file on disk does not parse; refusing to overwrite it")
    if canonical(original, before.journey) == original:
        return canonical(original, journey)
    doc = tomlkit.parse(original)
    _merge_table(doc, unstructure(before.journey), unstructure(journey))
    return doc.as_string()


# -- atomic writes and change detection ---------------------------------------
@dataclass(frozen=True)
class Fingerprint:
    """What a file looked like when it was read, to notice changes behind our back."""

    exists: bool
    digest: str

    @classmethod
    def of(cls, path: FsPath | str) -> Fingerprint:
        try:
            data = read_bytes(path)  # bounded, and never blocks on a fifo swapped in for the file
        except Unreadable as exc:
            if not os.path.exists(path):
                return cls(False, "")
            return cls(True, f"unreadable: {exc}")  # what stands there instead of a journey (fifo, huge file)
        return cls(True, hashlib.sha256(data).hexdigest())


def atomic_write(path: FsPath | str, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename: never a half-written file."""
    target = FsPath(path)
    directory = target.parent if str(target.parent) else FsPath(".")
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:  # a new file gets the usual permissions, not mkstemp's private 0600
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save(journey: Journey, path: FsPath | str, original: str | None = None) -> str:
    """Save ``journey`` to ``path`` atomically; returns the text written."""
    text = render(journey, original)
    if original is not None and text == original and FsPath(path).exists():
        return text
    atomic_write(path, text)
    return text
