"""The canonical form of a commented journey file, every comment kept with its element.

``journeytui fmt`` rewrites a file into the canonical form (:func:`journeytui.model.save.dumps`:
fixed table and key order, defaults left out, one spacing). That form has no comments, so for a
commented file the comments are carried over, each with what it belongs to (the same owners as
the app's save, :mod:`journeytui.model.save`):

* a comment on its own line(s) belongs to the item that follows it (a table header or a key)
  and is written on the lines just above that item, blank lines inside the block kept;
* comment lines after the last key of a table (or array entry) belong to that table: they stay
  at the end of its body (a blank line before them kept), often a commented-out key. Only the
  lines that a blank line sets off from the body and that sit right above the next header
  belong to that header (a note above an entry);
* a comment after an item on the same line stays at the end of that item's last line (a line
  holds one: when two land on one line, as a left-out key's and its header's, the later one
  goes on its own line just above the item);
* comment lines set off from the last table by a blank line close the file and stay at its end;
* a comment above or after a key that the canonical form leaves out (a default value) goes
  with the nearest item that is still written: the first one inside it (a table written as
  its sub-tables) or else the element or table holding it;
* inside an array (``needs = [...]``), a comment line goes with the element below it and a
  comment after an element on its line stays after that element; such an array is written one
  element per line (indented four spaces, trailing comma), a comment after ``[`` stays on the
  opening line and the lines below the last element stay above ``]``. An array without
  comments keeps its canonical one-line form.

A value whose comments cannot be placed so (an array whose elements are not plain values, which
no valid journey holds) is written as it is in the file, comments and spacing included, while
the rest of the file is formatted. The result is verified like every save: it loads back to the
same journey and holds the same comments, each exactly once, or
:class:`~journeytui.model.save.RoundTripError` is raised and nothing is written. No Textual.
"""

from __future__ import annotations

import bisect
import collections
import tomllib
from dataclasses import dataclass, field
from typing import Any

from journeytui.diagnostics import Path
from journeytui.model.locate import Positions, locate
from journeytui.model.save import (
    RoundTripError,
    _literal,
    dumps,
    line_ending,
    schema_header,
    verify,
    with_line_ending,
)
from journeytui.model.structure import unstructure
from journeytui.model.types import Journey

END: Path = ("<end of file>",)
"""The anchor of the comments that close the file."""

HEAD: Path = ("<start of file>",)
"""The anchor of the file's opening comments: those above the first item, up to a blank line."""

INDENT = "    "
"""The indentation of an array element written on its own line."""


@dataclass
class _Array:
    """The comments inside one array value, by element index."""

    opening: list[str] = field(default_factory=list)  # after ``[`` on its line
    above: dict[int, list[str]] = field(default_factory=lambda: collections.defaultdict(list))
    after: dict[int, list[str]] = field(default_factory=lambda: collections.defaultdict(list))
    closing: list[str] = field(default_factory=list)  # lines below the last element
    every: list[str] = field(default_factory=list)  # all of them, in file order


@dataclass
class _Owners:
    """The file's comments, each with what it belongs to."""

    leading: dict[Path, list[str]] = field(default_factory=dict)
    """Comment lines above an item (blank lines inside the block kept)."""
    trailing: dict[Path, list[str]] = field(default_factory=lambda: collections.defaultdict(list))
    """Comments after an item on its (last) line."""
    ending: dict[Path, list[tuple[bool, list[str]]]] = field(default_factory=lambda: collections.defaultdict(list))
    """Comment lines at the end of a table's body: (set off from the body by a blank line, lines)."""
    arrays: dict[Path, _Array] = field(default_factory=dict)
    """Comments inside array values, by the array's path."""
    verbatim: dict[Path, str] = field(default_factory=dict)
    """Values kept as written (their comments inside), by the item's path."""


def _comment_at(text: str, offset: int) -> str:
    end = text.find("\n", offset)
    return text[offset : len(text) if end < 0 else end].rstrip("\r").rstrip()


def _comments(text: str, pos: Positions) -> list[int]:
    """Offsets of the file's comments, less a leading ``#:schema`` line (the canonical form keeps it)."""
    return [c for c in pos.comments if not (c == 0 and text.startswith("#:schema"))]


def _on_own_line(text: str, offset: int) -> bool:
    return not text[text.rfind("\n", 0, offset) + 1 : offset].strip()


def _line_before_is_blank(text: str, line_start: int) -> bool:
    """The line above the one starting at ``line_start`` holds nothing (a blank line)."""
    if line_start == 0:
        return False
    prev = text.rfind("\n", 0, line_start - 1) + 1
    return not text[prev : line_start - 1].strip()


def _before(text: str, start: int) -> str:
    """The text before ``start``, less a leading ``#:schema`` line."""
    return text[:start].partition("\n")[2] if text.startswith("#:schema") else text[:start]


def _attach(text: str, pos: Positions, journey: Journey) -> _Owners:
    owners = _Owners()
    anchors = sorted(pos.anchors)
    starts = [a[0] for a in anchors]
    header_of: list[Path | None] = []  # the table each item is in (a header is its own table)
    current: Path | None = None
    for offset, path in anchors:
        if text.startswith("[", offset):
            current = path
        header_of.append(current)
    inner = set(pos.inner_comments)
    first_of_block: dict[Path, int] = {}
    for c in _comments(text, pos):
        if c in inner:
            continue
        if not _on_own_line(text, c):  # after an item on the same line
            k = bisect.bisect_right(starts, c) - 1
            owners.trailing[anchors[k][1] if k >= 0 else END].append(_comment_at(text, c))
        else:
            k = bisect.bisect_right(starts, c)
            path = anchors[k][1] if k < len(anchors) else END
            first_of_block.setdefault(path, text.rfind("\n", 0, c) + 1)
    index = {p: i for i, (_, p) in enumerate(anchors)}
    for path, start in first_of_block.items():
        at = index.get(path) if path != END else None
        stop = text.rfind("\n", 0, anchors[at][0]) + 1 if at is not None else len(text)
        # only comment lines and blank lines lie between a block's first comment and its item
        lines = [line.strip() for line in text[start:stop].replace("\r\n", "\n").split("\n")]
        if at == 0 and not _before(text, start).strip() and "" in lines[:-1]:
            # the file opens with comments set off by a blank line: the file's own, kept on top
            cut = len(lines) - 1 - lines[:-1][::-1].index("") - 1
            owners.leading[HEAD], lines = _trimmed(lines[:cut]), lines[cut + 1 :]
        elif (at is None or (at > 0 and text.startswith("[", anchors[at][0]))) and anchors:
            # after the last item of a table, before the next header or the end of the file
            prev = len(anchors) - 1 if at is None else at - 1
            table = header_of[prev]
            spaced = _line_before_is_blank(text, start)
            body = lines[:-1] if lines and not lines[-1] else lines  # the line the item starts on
            if table is None:  # keys before any header (not a journey): all to what follows
                cut = 0
            elif at is None:  # the file's closing lines start at the first blank line
                cut = 0 if spaced else next((i for i, line in enumerate(body) if not line), len(body))
            else:  # the lines right above the header belong to it when a blank line (or the header) is above them
                cut = len(body)
                while cut > 0 and body[cut - 1]:
                    cut -= 1
                if cut == 0 and not spaced and not text.startswith("[", anchors[prev][0]):
                    cut = len(body)  # right under a value: commented-out keys of the table above
            if table is not None and _trimmed(body[:cut]):
                owners.ending[table].append((spaced, _trimmed(body[:cut])))
            lines = body[cut:]
        if _trimmed(lines):
            owners.leading[path] = _trimmed(lines)
    _attach_inner(text, pos, journey, owners, anchors, starts)
    return owners


def _attach_inner(
    text: str, pos: Positions, journey: Journey, owners: _Owners, anchors: list[tuple[int, Path]], starts: list[int]
) -> None:
    """Give each comment inside a value its element (or keep the value as written)."""
    if not pos.inner_comments:
        return
    data = unstructure(journey)
    containers = sorted((pos.values[p], end, p) for p, end in pos.ends.items() if p in pos.values)
    container_starts = [start for start, _, _ in containers]
    elements: dict[Path, list[int]] = {}
    for c in pos.inner_comments:
        item = anchors[bisect.bisect_right(starts, c) - 1][1]
        if item in owners.verbatim:
            continue
        k = bisect.bisect_left(container_starts, c) - 1
        while k >= 0 and containers[k][1] <= c:  # the latest-starting value still holding it: the innermost
            k -= 1
        if k < 0:  # not seen: every comment inside a value lies in an array or inline table
            raise RoundTripError(f"a comment at {pos.line_col(c)} lies in no value")
        path = containers[k][2]
        if path not in owners.arrays and _table_array(text, pos, path):
            # an array of inline tables is written as [[...]] entries: each comment goes with its entry
            _attach_to_entries(text, pos, path, c, owners)
            continue
        if path not in owners.arrays:
            if not _plain_array(text, pos, path, data):  # kept as written, every comment inside with it
                owners.verbatim[item] = text[pos.values[item] : pos.ends[item]].replace("\r\n", "\n")
                for p in [p for p in owners.arrays if p[: len(item)] == item]:
                    del owners.arrays[p]
                continue
            owners.arrays[path] = _Array()
            elements[path] = [pos.keys[(*path, i)] for i in range(_count(pos, path))]
        array = owners.arrays[path]
        array.every.append(_comment_at(text, c))
        if _on_own_line(text, c):
            i = bisect.bisect_right(elements[path], c)
            (array.above[i] if i < len(elements[path]) else array.closing).append(_comment_at(text, c))
        else:
            i = bisect.bisect_left(elements[path], c) - 1
            (array.after[i] if i >= 0 else array.opening).append(_comment_at(text, c))


def _table_array(text: str, pos: Positions, path: Path) -> bool:
    """``path`` is an array whose elements are all inline tables (``stages = [{...}, {...}]``)."""
    if not text.startswith("[", pos.values[path]) or _count(pos, path) == 0:
        return False
    try:
        written = tomllib.loads("v = " + text[pos.values[path] : pos.ends[path]])["v"]
    except tomllib.TOMLDecodeError:
        return False
    return bool(written) and all(isinstance(v, dict) for v in written)


def _attach_to_entries(text: str, pos: Positions, path: Path, c: int, owners: _Owners) -> None:
    """A comment inside an array of inline tables: above an element, it leads that entry; after
    one on its line, it trails it; after the last one, it ends the last entry."""
    elements = [pos.keys[(*path, i)] for i in range(_count(pos, path))]
    line = _comment_at(text, c)
    if _on_own_line(text, c):
        i = bisect.bisect_right(elements, c)
        if i < len(elements):
            owners.leading.setdefault((*path, i), []).append(line)
        else:
            owners.ending[(*path, len(elements) - 1)].append((False, [line]))
    else:
        i = bisect.bisect_left(elements, c) - 1
        owners.trailing[(*path, max(i, 0))].append(line)


def _count(pos: Positions, path: Path) -> int:
    n = 0
    while (*path, n) in pos.keys:
        n += 1
    return n


def _plain_array(text: str, pos: Positions, path: Path, data: Any) -> bool:
    """``path`` is an array of plain values (no array or table inside) that holds what the model holds."""
    if not text.startswith("[", pos.values[path]):
        return False
    model: Any = data
    for step in path:
        try:
            model = model[step]
        except (KeyError, IndexError, TypeError):
            model = None
            break
    try:
        written = tomllib.loads("v = " + text[pos.values[path] : pos.ends[path]])["v"]
    except tomllib.TOMLDecodeError:
        return False
    if any(isinstance(v, (list, dict)) for v in written):
        return False
    return model is None or written == model  # None: a default the canonical form leaves out


def _trimmed(lines: list[str]) -> list[str]:
    """``lines`` without blank lines at either end."""
    start = next((i for i, line in enumerate(lines) if line), len(lines))
    end = len(lines) - next((i for i, line in enumerate(reversed(lines)) if line), len(lines))
    return lines[start:end]


def _target(path: Path, first_inside: dict[Path, Path], lines: dict[Path, int]) -> Path:
    """Where the comments of ``path`` go in the canonical text: the same item, else the first
    item inside it, else the nearest item holding it, else the end of the file."""
    if path in lines or path in (END, HEAD):
        return path
    inside = first_inside.get(path)
    if inside is not None:
        return inside
    for n in range(len(path) - 1, 0, -1):
        if path[:n] in lines:
            return path[:n]
    return END


def _array_lines(prefix: str, values: list[Any], array: _Array) -> list[str]:
    """An array written one element per line, its comments kept with their elements."""
    out = [prefix + "[" + "".join(f"  {c}" for c in array.opening)]
    for i, v in enumerate(values):
        comment, *more = array.after.get(i, [""])
        out.extend(INDENT + c for c in [*array.above.get(i, ()), *more])  # one comment a line: the others above
        first, *rest = (_literal(v) + ",").split("\n")  # the lines of a multi-line string stay as they are
        out.extend([INDENT + first, *rest])
        out[-1] += f"  {comment}" if comment else ""
    out.extend(INDENT + c for c in array.closing)
    out.append("]")
    return out


def keep_comments(text: str, journey: Journey, positions: Positions | None = None) -> str:
    """The canonical text of ``journey`` for a file whose current text is ``text``, with the
    file's comments carried over (module docstring). Raises
    :class:`~journeytui.model.save.RoundTripError`; line endings are kept."""
    pos = positions if positions is not None else locate(text)
    owners = _attach(text, pos, journey)
    canon = dumps(journey, schema_header(text))
    cpos = locate(canon)
    canon_lines = canon.split("\n")
    order = [p for _, p in sorted(cpos.anchors)]
    line_of = {p: cpos.line_col(o)[0] - 1 for o, p in cpos.anchors}
    next_line = {p: line_of[q] for p, q in zip(order, [*order[1:], None], strict=True) if q is not None}
    headers = sorted(line_of[p] for p in order if canon_lines[line_of[p]].startswith("["))
    first_inside: dict[Path, Path] = {}
    for p in order:
        for n in range(1, len(p)):
            first_inside.setdefault(p[:n], p)

    def last_line(p: Path) -> int:
        """The last line of item ``p``'s value: the line before the next item, less blank lines."""
        i = line_of[p]
        if canon_lines[i].startswith("["):
            return i
        j = next_line.get(p, len(canon_lines)) - 1
        while j > i and not canon_lines[j].strip():
            j -= 1
        return j

    def body_end(p: Path) -> int:
        """The last line of the body of table ``p`` (of the table holding key ``p``)."""
        i = line_of[p]
        k = bisect.bisect_right(headers, i)
        i = headers[k - 1] if k else i
        j = (headers[k] if k < len(headers) else len(canon_lines)) - 1
        while j > i and not canon_lines[j].strip():
            j -= 1
        return j

    above: dict[int, list[str]] = collections.defaultdict(list)
    after: dict[int, list[str]] = collections.defaultdict(list)
    below: dict[int, list[tuple[bool, list[str]]]] = collections.defaultdict(list)
    replace: dict[int, tuple[list[str], int]] = {}
    tail: list[str] = []
    head = owners.leading.pop(HEAD, [])
    for path, block in owners.leading.items():
        t = _target(path, first_inside, line_of)
        (tail if t == END else above[line_of[t]]).extend(block)
    for path, comments in owners.trailing.items():
        t = _target(path, first_inside, line_of)
        (tail if t == END else after[last_line(t)]).extend(comments)
    for path, blocks in owners.ending.items():
        t = _target(path, first_inside, line_of)
        if t == END:
            tail.extend(line for _, block in blocks for line in block)
        else:
            below[body_end(t)].extend(blocks)
    data = unstructure(journey)
    for path, array in owners.arrays.items():
        if path not in line_of:  # a value the canonical form leaves out: its comments go to its holder
            t = _target(path, first_inside, line_of)
            (tail if t == END else above[line_of[t]]).extend(array.every)
            continue
        value: Any = data
        for step in path:
            value = value[step]
        i = line_of[path]
        prefix = canon_lines[i][: cpos.line_col(cpos.values[path])[1] - 1]
        replace[i] = (_array_lines(prefix, value, array), last_line(path))
    for path, written in owners.verbatim.items():
        if path not in line_of:  # not seen in a valid journey: the comments go to the nearest item
            t = _target(path, first_inside, line_of)
            wrapped = f"v = {written}"
            (tail if t == END else above[line_of[t]]).extend(_comment_at(wrapped, c) for c in locate(wrapped).comments)
            continue
        i = line_of[path]
        prefix = canon_lines[i][: cpos.line_col(cpos.values[path])[1] - 1]
        replace[i] = ((prefix + written).split("\n"), last_line(path))
    out: list[str] = []
    start = 1 if canon.startswith("#:schema") else 0
    i = 0
    while i < len(canon_lines):
        if head and i == start:
            out.extend([*head, ""])
        lines, last = replace.get(i, ([canon_lines[i]], i))
        first, *more = after.get(last, [""])
        out.extend([*above.get(i, ()), *more])  # a line holds one comment: the others go above its item
        out.extend(lines)
        out[-1] += f"  {first}" if first else ""
        for spaced, block in below.get(last, ()):
            out.extend(["", *block] if spaced else block)
        i = last + 1
    body = "\n".join(out).rstrip("\n") + "\n"
    if tail:
        body += "\n" + "\n".join(tail).strip("\n") + "\n"
    result = with_line_ending(body, line_ending(text))
    verify(result, journey, "the canonical form with the file's comments")
    before = sorted(_comment_at(text, c) for c in _comments(text, pos))
    new_pos = locate(result)
    kept = sorted(_comment_at(result, c) for c in _comments(result, new_pos))
    if kept != before:
        raise RoundTripError("the canonical form would not keep every comment exactly once")
    return result
