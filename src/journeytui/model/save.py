"""Write journeys: the canonical form, the comment-preserving path, safe writes to disk.

Two ways to turn a model into text (docs/format.md, "Saving"):

* :func:`dumps` is the canonical form: top-level tables, then one ``[[array]]``
  entry per element, fields in model order, defaults left out, nested mappings
  as dotted keys, every value written by tomli-w. ``journeytui fmt`` writes it.
* :func:`render` is what the app uses. A file already in canonical form gets
  the canonical form again. Any other file (comments, hand-made ordering) is
  edited in place with tomlkit, touching only values that changed, so comments,
  key order and layout survive. An unchanged model gives the original bytes.

Whatever the path, the text is loaded back before it is returned and must give
exactly the model it was made from (:class:`RoundTripError` otherwise): a save
never writes a file that would open as something other than what the user sees.
Both paths keep the file's line endings (CRLF stays CRLF).

:func:`atomic_write` puts text on disk: through symlinks to their target, in one
rename (or in place, for a file with several hard links), keeping mode and owner,
refusing a read-only file unless told otherwise, and leaving no temporary file.
"""

from __future__ import annotations

import collections
import contextlib
import difflib
import errno
import hashlib
import itertools
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

import tomli_w
import tomlkit
from tomlkit.items import AoT, Array, Comment, InlineTable, Null, Table, Trivia, Whitespace

from journeytui.model.load import Unreadable, read_bytes
from journeytui.model.structure import dotted, unstructure
from journeytui.model.types import Journey

INLINE_ARRAY_WIDTH = 88


class RoundTripError(ValueError):
    """The text a save would write does not load back to the model held: nothing is written."""


class MergeError(RoundTripError):
    """The comment-preserving merge could not produce the model; the canonical form may still can."""


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
    first = text.split("\n", 1)[0].removesuffix("\r")
    return first + "\n" if first.startswith("#:schema") else ""


def canonical(text: str, journey: Journey) -> str:
    """The canonical text for a file whose current text is ``text`` (its line endings kept)."""
    return with_line_ending(dumps(journey, schema_header(text)), line_ending(text))


# -- line endings ------------------------------------------------------------------
_LONE_LF = re.compile(r"(?<!\r)\n")


def line_ending(text: str) -> str:
    """``"\\r\\n"`` when every line of ``text`` ends in CRLF, else ``"\\n"``.

    A file mixing both is left mixed: only lines a save adds or rewrites get LF.
    """
    return "\r\n" if "\r\n" in text and not _LONE_LF.search(text) else "\n"


def with_line_ending(text: str, newline: str) -> str:
    """``text`` with each bare LF written as ``newline``. Safe inside TOML multi-line
    strings: a reader turns their CRLF back into LF (and the result is checked anyway)."""
    return _LONE_LF.sub(newline, text) if newline != "\n" else text


# -- comment-preserving path ----------------------------------------------------
_ABSENT = object()


def _identity(elem: Any) -> Any:
    """What pairs an entry before an edit with the same entry after it."""
    if isinstance(elem, dict) and "id" in elem:
        return ("id", elem["id"])
    if isinstance(elem, dict) and "from" in elem and "to" in elem:
        return ("edge", elem["from"], elem["to"])
    return ("value", repr(elem))  # stalls, expectations: an unchanged entry pairs with itself


def _pairs(old: list[Any], new: list[Any]) -> list[int | None]:
    """For each entry of ``new``, the entry of ``old`` it continues (None: a new entry).

    The two lists of identities are aligned like lines in a diff: runs that match pair up;
    what is left pairs by identity (a move), the n-th of equal identities with the n-th, so
    duplicates never collapse into one; then what is still left of a run replaced by another
    run pairs position by position (a rename, a retarget, an edited stall keeps its table and
    comments). As many entries as before with other identities pair position by position when
    that keeps at least as many identities paired as the diff does (renames).
    """
    old_ids, new_ids = [_identity(e) for e in old], [_identity(e) for e in new]
    # Entries sharing an identity (E201 files) are told apart by their values: deleting or moving
    # one of two stages `b` pairs the one that stays with its own table, not with its twin's.
    twins = {k for ids in (old_ids, new_ids) for k, n in collections.Counter(ids).items() if n > 1}
    if twins:
        old_ids = [(k, repr(e)) if k in twins else k for k, e in zip(old_ids, old, strict=True)]
        new_ids = [(k, repr(e)) if k in twins else k for k, e in zip(new_ids, new, strict=True)]
    if old_ids == new_ids:  # the usual save: values changed, nothing added, removed or moved
        return list(range(len(new)))
    pairs: list[int | None] = [None] * len(new)
    # autojunk keeps the alignment near-linear on hostile files with thousands of equal entries;
    # entries it skips are paired by the steps below.
    opcodes = difflib.SequenceMatcher(None, old_ids, new_ids).get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                pairs[j] = i
    taken = {i for i in pairs if i is not None}
    left: dict[Any, collections.deque[int]] = {}
    for i, ident in enumerate(old_ids):
        if i not in taken:
            left.setdefault(ident, collections.deque()).append(i)
    for j, ident in enumerate(new_ids):  # moves first: a swap is two moves, not two renames
        if pairs[j] is None and left.get(ident):
            pairs[j] = i = left[ident].popleft()
            taken.add(i)
    for tag, i1, i2, j1, j2 in opcodes:  # then renames: what is left of a replaced run, in order
        if tag == "replace":
            olds = [i for i in range(i1, i2) if i not in taken]
            news = [j for j in range(j1, j2) if pairs[j] is None]
            for i, j in _closest(olds, news, old, new):
                pairs[j] = i
    if len(old_ids) == len(new_ids) and collections.Counter(old_ids) != collections.Counter(new_ids):
        # As many entries as before with other identities: renames, or entries removed and others
        # added. Position by position unless the diff keeps more identities paired: with
        # duplicates it can pair a renamed twin with the wrong entry and leave one unpaired
        # ([c, c, a] -> [z, c, b]), losing its comments; a removal plus an addition
        # ([a, b, c] -> [b, c, d]) keeps more identities paired by the diff.
        same = sum(a == b for a, b in zip(old_ids, new_ids, strict=True))
        kept = sum(i is not None and old_ids[i] == new_ids[j] for j, i in enumerate(pairs))
        if same >= kept:
            return list(range(len(new)))
    return pairs


ALIGN_CELLS = 40_000
"""Above this many (old, new) couples in a replaced run, it pairs by position alone."""


def _closest(olds: list[int], news: list[int], old: list[Any], new: list[Any]) -> list[tuple[int, int]]:
    """Pair every entry of the shorter of ``olds`` and ``news`` (indices into ``old`` and ``new``),
    in order, keeping the most fields equal: with one entry removed and another retargeted in the
    same save, the retargeted one keeps its own table and comments, not the removed one's. Ties
    (and runs of equal length) pair by position, the first with the first."""
    if len(olds) == len(news) or len(olds) * len(news) > ALIGN_CELLS:
        return list(zip(olds, news, strict=False))
    flip = len(news) > len(olds)
    long, short = (news, olds) if flip else (olds, news)

    def alike(a: int, b: int) -> int:
        x, y = (old[b], new[a]) if flip else (old[a], new[b])
        if isinstance(x, dict) and isinstance(y, dict):
            return sum(1 for k, v in x.items() if y.get(k, _ABSENT) == v)
        return int(x == y)

    # best[i][j]: the most equal fields with short[:j] each paired within long[:i]
    m, n = len(long), len(short)
    best = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(1, m + 1):
        for j in range(1, min(i, n) + 1):
            paired = best[i - 1][j - 1] + alike(long[i - 1], short[j - 1])
            best[i][j] = paired if j == i else max(best[i - 1][j], paired)
    out = []
    i, j = m, n
    while j:
        if i > j and best[i - 1][j] >= best[i - 1][j - 1] + alike(long[i - 1], short[j - 1]):
            i -= 1  # a tie leaves the later entry of the longer side out: the earlier ones pair
        else:
            out.append((short[j - 1], long[i - 1]) if flip else (long[i - 1], short[j - 1]))
            i, j = i - 1, j - 1
    return out[::-1]


def _merge_table(
    container: Any, old: dict[str, Any], new: dict[str, Any], kept: dict[Any, list[int]] | None = None
) -> None:
    """Apply the change ``old -> new`` to a tomlkit table, touching nothing else.

    Keys the model never had (unknown keys, explicit defaults) are left as written.
    ``kept`` (top level only) says which array entry of the file each model element came from.
    """
    kept = kept or {}
    for key in old:
        if key not in new and key in container:
            current = container[key]
            _refuse_losing_entries(current, kept.get((key,)), key)
            # Emptied in the model: keep what the model never held (entries that failed to load, unknown keys).
            if isinstance(current, AoT) and isinstance(old[key], list):
                _merge_aot(current, old[key], [], kept.get((key,)), container)
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
        _refuse_losing_entries(current, kept.get((key,)), key)
        if isinstance(value, dict) and isinstance(current, (Table, InlineTable)):
            _merge_table(current, before if isinstance(before, dict) else {}, value)
        elif isinstance(value, list) and isinstance(current, AoT):
            _merge_aot(current, before if isinstance(before, list) else [], value, kept.get((key,)), container)
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


def _refuse_losing_entries(current: Any, held: list[int] | None, key: str) -> None:
    """An inline array is rewritten whole: refuse when it holds entries that did not load,
    which would otherwise vanish without a word."""
    if isinstance(current, Array) and held is not None and len(held) < len(current):
        raise MergeError(f"`{key}` is an inline array with entries that did not load; they cannot be kept")


def _holders(tables: list[Any], old: list[Any], kept: list[int] | None) -> list[Any]:
    """The file's table for each entry of ``old`` (the model as loaded from that file).

    The loader recorded which file entry each model element came from (``kept``); entries it
    could not load are in the file but not in the model, and must not take anyone's values.
    """
    if kept is not None and len(kept) == len(old) and all(0 <= k < len(tables) for k in kept):
        return [tables[k] for k in kept]
    if len(tables) == len(old):
        return tables
    raise MergeError("cannot tell which entry of the file holds which element")


def _merge_aot(
    aot: AoT, old: list[Any], new: list[dict[str, Any]], kept: list[int] | None = None, parent: Any = None
) -> None:
    """Apply ``old -> new`` to an array of tables, keeping each entry's comments and key order.

    Each entry of ``new`` is merged into the table of the entry it continues (:func:`_pairs`).
    Comment lines written just above an entry's header move with that entry (:class:`_Leads`).
    """
    tables = list(aot)
    holders = _holders(tables, old, kept)
    leads = _Leads.detach(aot, tables, parent)  # first: keys a merge adds go before them otherwise
    rebuilt = []
    for i, elem in zip(_pairs(old, new), new, strict=True):
        table, before = (holders[i], old[i]) if i is not None else (tomlkit.table(), {})
        _merge_table(table, before, elem)
        rebuilt.append(table)
    arranged = _with_orphans(tables, holders, rebuilt)
    _arrange(aot, tables, arranged)
    if leads is not None:
        leads.attach(arranged)


def _last_body(item: Any) -> list[Any]:
    """The body whose end is the text just above the next header: a table's own, or that of
    its last sub-table (``[stages.x]`` or ``[[stages.x]]`` written at its end)."""
    if isinstance(item, AoT):
        item = item[-1]
    body = item.value.body
    while body and _is_section(body[-1][1]):
        last = body[-1][1]
        if isinstance(last, AoT) and not len(last):
            break
        body = (last[-1] if isinstance(last, AoT) else last).value.body
    return body


def _is_section(item: Any) -> bool:
    return isinstance(item, AoT) or (isinstance(item, Table) and not isinstance(item, InlineTable))


def _ends_blank(body: list[Any]) -> bool:
    """The body ends in whitespace: a blank line before what follows it."""
    return bool(body) and isinstance(body[-1][1], Whitespace)


def _block_start(body: list[Any], end: int) -> int:
    """Where the run of comment lines ending at ``end`` starts, when a blank line (or the start of
    ``body``) comes before it; ``end`` when there is no such run."""
    k = end
    while k > 0 and body[k - 1][0] is None and isinstance(body[k - 1][1], Comment):
        k -= 1
    if k == end:
        return end
    before = body[k - 1][1] if k > 0 else None
    if before is None or (isinstance(before, Whitespace) and "\n" in before.s):
        return k
    return end  # comments right under a value: commented-out keys of the entry above


class _Leads:
    """Comment lines written just above an array-of-tables header belong to the entry below.

    tomlkit stores them at the end of the previous entry, so deleting or moving an entry would
    leave its comment with its neighbour. They are detached before the array is rearranged and
    attached again above the same entries. Two blocks stay where they are: the one above the
    whole array (a section banner as often as the first entry's note: never deleted), and the
    last entry's trailing lines (they are above whatever follows the array).

    When another entry becomes the first, its lines go between the text above the array and its
    header (in the header's own leading text: the section before may be an array this merge
    rearranges later, and must not carry them off). When every entry goes, the last entry's
    trailing lines are added after the text above the array (or at the end of the section before).
    """

    def __init__(
        self,
        lead: dict[int, list[Any]],
        tail: list[Any],
        slot: tuple[list[Any], int] | None,
        tables: list[Any],
        spaced: bool,
        after: bool,
        below: Any,
    ) -> None:
        self.lead, self.tail, self.slot, self.first, self.spaced = lead, tail, slot, tables[0], spaced
        self.adjacent = {(id(a), id(b)) for a, b in itertools.pairwise(tables)}
        self.after = after  # something (a section, keys) comes before the array in its parent
        self.below = below  # the table written right after the array, if any
        self.last = tables[-1]
        end = _last_body(tables[-1])
        self.last_spaced = _ends_blank(end)  # the array ended in a blank line

    @classmethod
    def detach(cls, aot: AoT, tables: list[Any], parent: Any) -> _Leads | None:
        if not tables:
            return None
        slot = None
        after = False
        below = None
        if parent is not None and hasattr(parent, "body"):
            body = parent.body
            at = next((n for n, (_, item) in enumerate(body) if item is aot), None)
            after = bool(at)
            nxt = body[at + 1][1] if at is not None and at + 1 < len(body) else None
            while at and isinstance(body[at - 1][1], Null):  # an array emptied earlier in this merge
                at -= 1
            if isinstance(nxt, Table) and not isinstance(nxt, InlineTable) and not nxt.is_super_table():
                below = nxt
            if (
                at is not None
                and at > 0
                and _is_section(prev := body[at - 1][1])
                and (len(prev) or isinstance(prev, Table))
            ):
                body = _last_body(body[at - 1][1])  # the section before holds the text above the array
                at = len(body)
            if at is not None and at > 0 and isinstance(body[at - 1][1], (Comment, Whitespace)):
                slot = (body, at - 1)
            elif at is not None and at > 0 and at == len(body):
                slot = (body, at)  # the section before ends in a value: text goes after it
        ends = [_last_body(t) for t in tables]
        blocks = []
        for end in ends:  # the lines above the next entry's header, or above what follows the array
            start = _block_start(end, len(end))
            blocks.append([item for _, item in end[start:]])
            del end[start:]
        lead = {id(table): block for table, block in zip(tables[1:], blocks, strict=False)}
        spaced = any(_ends_blank(body) for body in ends[:-1])
        return cls(lead, blocks[-1], slot, tables, spaced, after, below)

    def attach(self, arranged: list[Any]) -> None:
        for before, table in itertools.pairwise(arranged):
            body = _last_body(before)
            # A blank line only between entries that were not neighbours: a save rewrites no other spacing.
            new_pair = (id(before), id(table)) not in self.adjacent
            if new_pair and self.spaced and not _ends_blank(body):
                body.append((None, Whitespace("\n")))
            body.extend((None, item) for item in self.lead.get(id(table), []))
        if arranged:
            end = _last_body(arranged[-1])
            if arranged[-1] is not self.last and not self.last_spaced:
                while _ends_blank(end) and end[-1][0] is None:
                    end.pop()  # a new last entry: no blank line where the array had none (end of file)
            end.extend((None, item) for item in self.tail)
        if arranged and arranged[0] is self.first:
            return
        above = self.lead.get(id(arranged[0]), []) if arranged else self.tail
        text = "".join(item.as_string() for item in above)
        if not text:
            return
        if arranged:  # right above the new first entry's header, after the text above the array
            first = arranged[0]
            body, at = self.slot or ([], 0)
            blank = self.after and not (at < len(body) and isinstance(body[at][1], Whitespace))
            first.trivia.indent = ("\n" if blank else "") + text + first.trivia.indent
            return
        if self.slot is None and self.below is not None:  # the array opened the file: above the next table
            self.below.trivia.indent = text + self.below.trivia.indent
            return
        if self.slot is None:  # nowhere to keep them (not seen in a journey): refuse rather than lose them
            raise MergeError("comment lines below the last entry of an emptied array have no place to go")
        body, at = self.slot  # after the text above the array, which stays: a blank line between
        if at == len(body):
            body.extend([(None, Whitespace("\n")), (None, _raw(text))])
        elif isinstance(item := body[at][1], Whitespace) and at == len(body) - 1:
            body.append((None, _raw(text)))  # a run of comments after a blank line, as the file had it
        elif isinstance(item, Whitespace):
            body[at] = (None, Whitespace(item.s + text))
        else:
            body[at] = (None, _raw(item.as_string() + "\n" + text))


def _raw(text: str) -> Comment:
    """Comment lines as one item, rendered exactly as ``text``."""
    return Comment(Trivia(indent="", comment_ws="", comment=text.removesuffix("\n"), trail="\n"))


def _with_orphans(tables: list[Any], holders: list[Any], rebuilt: list[Any]) -> list[Any]:
    """``rebuilt`` plus the file's entries the model never held (they failed to load): each
    stays after the entry it followed, so nothing the user wrote is deleted or moved far."""
    held = {id(t) for t in holders}
    survivors = {id(t) for t in rebuilt}
    attached: dict[int | None, list[Any]] = {}
    anchor: int | None = None
    for t in tables:
        if id(t) not in held:
            attached.setdefault(anchor, []).append(t)
        elif id(t) in survivors:
            anchor = id(t)
    out = list(attached.get(None, []))
    for t in rebuilt:
        out.append(t)
        out.extend(attached.get(id(t), []))
    return out


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


def _first_difference(a: Any, b: Any, path: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    """The path of the first place where plain data ``a`` and ``b`` differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in [*a, *(k for k in b if k not in a)]:
            if a.get(k, _ABSENT) != b.get(k, _ABSENT):
                return _first_difference(a.get(k), b.get(k), (*path, k))
    elif isinstance(a, list) and isinstance(b, list) and a != b:
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return _first_difference(x, y, (*path, i))
        return (*path, min(len(a), len(b)))
    return path


def verify(text: str, journey: Journey, what: str = "the text to save") -> str:
    """``text`` if it loads back to exactly ``journey``; raises RoundTripError saying where not."""
    from journeytui.model.load import load_text

    reloaded = load_text(text).journey
    if reloaded == journey:
        return text
    where = dotted(_first_difference(unstructure(reloaded), unstructure(journey))) if reloaded else "the file"
    where = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in where)  # keys are file text
    raise RoundTripError(f"{what} would load back differently at `{where}`; nothing was written")


_MISSING = object()


def _rewrite_fields(doc: Any, data: dict[str, Any], journey: Journey, paths: Iterable[tuple[Any, ...]]) -> None:
    """Write the model's value at each table field of ``paths`` over the file's text (a default
    written out as it is, or the key removed when the model has none): the user confirmed the
    value the load put in place of one that had an error (``horizon = 1000000`` loads as 52)."""
    from journeytui.model import edit

    for path in paths:
        if not path or any(isinstance(part, int) for part in path):
            continue
        value: Any = data
        for part in path:
            value = value.get(part, _MISSING) if isinstance(value, dict) else _MISSING
        if value is _MISSING:  # left to its default in the model: write the default itself
            try:
                value = edit.get(journey, path)
            except (edit.EditError, TypeError):
                value = _MISSING
            if not isinstance(value, (bool, int, float, str)):
                value = _MISSING
        table: Any = doc
        for part in path[:-1]:
            if not isinstance(table, (Table, InlineTable, tomlkit.TOMLDocument)) or part not in table:
                table = None
                break
            table = table[part]
        if table is None:
            continue
        if value is _MISSING:
            if path[-1] in table:
                del table[path[-1]]
        else:
            table[path[-1]] = value


def render(journey: Journey, original: str | None, rewrite: Iterable[tuple[Any, ...]] = ()) -> str:
    """The text to save for ``journey``, given the file's current text (None: a new file).

    Raises ValueError when ``original`` cannot be parsed: there is no safe way to
    merge into it, and overwriting it would lose what the user wrote. Raises
    :class:`MergeError` when the comment-keeping merge would not load back to
    ``journey`` (:func:`render_canonical` is then the way to save, without comments).
    """
    from journeytui.model.load import load_text

    if original is None:
        return verify(dumps(journey), journey, "the canonical form")
    bom = "\ufeff" if original.startswith("\ufeff") else ""
    original = original.removeprefix(bom)
    before = load_text(original)
    if before.journey is None:
        raise ValueError("the file on disk does not parse; refusing to overwrite it")
    if canonical(original, before.journey) == original:
        return bom + verify(canonical(original, journey), journey, "the canonical form")
    try:
        doc = tomlkit.parse(original)
        new = unstructure(journey)
        _merge_table(doc, unstructure(before.journey), new, before.kept)
        _rewrite_fields(doc, new, journey, rewrite)
        text = with_line_ending(doc.as_string(), line_ending(original))
    except MergeError:
        raise
    except Exception as exc:  # tomlkit refusing a layout it cannot edit: say so, never crash the save
        raise MergeError(f"the file's layout cannot be edited in place ({type(exc).__name__})") from exc
    try:
        return bom + verify(text, journey, "keeping the file's comments and layout")
    except RoundTripError as exc:
        raise MergeError(str(exc)) from exc


def render_canonical(journey: Journey, original: str | None) -> str:
    """The canonical text to save for ``journey`` (comments dropped), checked like :func:`render`."""
    original = original or ""
    bom = "\ufeff" if original.startswith("\ufeff") else ""
    return bom + verify(canonical(original.removeprefix(bom), journey), journey, "the canonical form")


# -- writing files ----------------------------------------------------------------
STALE_TEMP_SECONDS = 10 * 60
"""A leftover ``.NAME.xxxxxxxx.tmp`` older than this is an interrupted save, not a live one:
a save writes and renames its temporary file within a second."""


class ReadOnlyFile(PermissionError):
    """The target has no write permission bit: overwriting it needs the user's say-so."""


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


def is_read_only(path: FsPath | str) -> bool:
    """True when ``path`` exists and no one may write it by its mode (``chmod a-w``).

    Mode bits, not os.access: root may write anything, yet a 0444 file says "do not".
    """
    try:
        return os.stat(path).st_mode & 0o222 == 0
    except OSError:
        return False


def write_target(path: FsPath | str) -> FsPath:
    """The file a write to ``path`` must change: a symlink's final target, not the link."""
    real = FsPath(os.path.realpath(path))
    if real.is_symlink():  # realpath stops at a loop
        raise OSError(errno.ELOOP, "too many levels of symbolic links", str(path))
    return real


def temp_pattern(name: str) -> re.Pattern[str]:
    """Names of the temporary files saves of ``name`` create (tempfile's 8 random characters)."""
    return re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.tmp")


def remove_stale_temps(target: FsPath, now: float | None = None) -> list[FsPath]:
    """Remove temporary files that interrupted saves of ``target`` left beside it; returns them.

    Only regular files of our own naming pattern older than STALE_TEMP_SECONDS go: a younger
    one may belong to a save running right now in another process.
    """
    now = time.time() if now is None else now
    pattern = temp_pattern(target.name)
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            if not pattern.fullmatch(entry.name):
                continue
            with contextlib.suppress(OSError):
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) and now - st.st_mtime > STALE_TEMP_SECONDS:
                    os.unlink(entry.path)
                    removed.append(FsPath(entry.path))
    return removed


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _keep_owner(fd: int, st: os.stat_result) -> None:
    """Give the new file the old one's owner and group, as far as we are allowed to."""
    for uid, gid in ((st.st_uid, st.st_gid), (-1, st.st_gid)):
        try:
            os.fchown(fd, uid, gid)
            return
        except PermissionError:  # only root may give a file away; a member may still set the group
            continue
        except OSError:
            return


def _fsync_dir(directory: FsPath) -> None:
    """Make the rename itself durable (where the platform allows opening a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: FsPath | str, text: str, *, allow_read_only: bool = False) -> None:
    """Write ``text`` to ``path`` so that the file is never half-written.

    * A symlink is written through: its final target changes, the link stays a link.
    * The text goes to ``.NAME.<random>.tmp`` beside the target, is flushed to disk and then
      renamed over it. The new file keeps the old one's mode and, where permitted, owner.
    * A file with several hard links is overwritten in place instead (a rename would give
      this name a new file and leave the other links with the old text): see
      :func:`_overwrite_in_place`.
    * A read-only target (no write bit) raises :class:`ReadOnlyFile` unless ``allow_read_only``.
    * A target that is not a file (a terminal, a pipe such as /dev/stdout) is simply written into.
    * Stale temporary files of earlier interrupted saves are removed; ours is removed on any error.
    """
    target = write_target(path)
    try:
        st: os.stat_result | None = target.stat()
    except FileNotFoundError:
        st = None
    if st is not None and st.st_mode & 0o222 == 0 and not allow_read_only:
        raise ReadOnlyFile(errno.EACCES, "the file is read-only", str(path))
    data = text.encode("utf-8")
    if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        # A terminal, a pipe (``--out /dev/stdout``): nothing to replace, and replacing a device
        # node with a file would be wrong. Write into it.
        with open(target, "wb") as fh:
            fh.write(data)
        return
    remove_stale_temps(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
            if st is not None:
                _keep_owner(fd, st)
            # chmod after chown: a chown clears set-id bits. New files get the usual mode, not mkstemp's 0600.
            os.fchmod(fd, stat.S_IMODE(st.st_mode) if st is not None else _new_file_mode())
        finally:
            os.close(fd)
        if st is not None and stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
            _overwrite_in_place(target, data, st)
        else:
            os.replace(tmp, target)
            _fsync_dir(target.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _overwrite_in_place(target: FsPath, data: bytes, st: os.stat_result) -> None:
    """Rewrite a hard-linked file in place, so every link sees the new text (vim's
    ``backupcopy=auto`` does the same). The complete new text is already flushed to the
    temporary file, so a full disk fails before the file is touched; if writing the file
    itself fails, its old bytes are put back."""
    old = target.read_bytes()
    writable = st.st_mode & stat.S_IWUSR
    if not writable:  # allowed read-only: lend ourselves the write bit for the moment
        os.chmod(target, stat.S_IMODE(st.st_mode) | stat.S_IWUSR)
    try:
        fd = os.open(target, os.O_WRONLY)
        try:
            try:
                _write_all(fd, data)
                os.ftruncate(fd, len(data))
                os.fsync(fd)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.lseek(fd, 0, os.SEEK_SET)
                    _write_all(fd, old)
                    os.ftruncate(fd, len(old))
                    os.fsync(fd)
                raise
        finally:
            os.close(fd)
    finally:
        if not writable:
            os.chmod(target, stat.S_IMODE(st.st_mode))


def save(
    journey: Journey,
    path: FsPath | str,
    original: str | None = None,
    *,
    drop_layout: bool = False,
    allow_read_only: bool = False,
    force: bool = False,
    rewrite: Iterable[tuple[Any, ...]] = (),
) -> str:
    """Save ``journey`` to ``path`` atomically; returns the text written.

    ``original`` is the file's text when it was read (None: write the canonical form).
    ``drop_layout`` writes the canonical form even over a commented file (after a
    :class:`MergeError`). An unchanged model is not written unless ``force``. ``rewrite``:
    table fields whose model value replaces the file's even where the model did not change
    (a value the load replaced because it had an error, confirmed by the user).
    """
    text = render_canonical(journey, original) if drop_layout else render(journey, original, rewrite)
    if not force and original is not None and text == original and FsPath(path).exists():
        return text
    atomic_write(path, text, allow_read_only=allow_read_only)
    return text
