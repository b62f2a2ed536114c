"""The canonical form of a commented journey file, every comment kept with its element.

``journeytui fmt`` rewrites a file into the canonical form (:func:`journeytui.model.save.dumps`:
fixed table and key order, defaults left out, one spacing). That form has no comments, so for a
commented file the comments are carried over, each with what it belongs to:

* a comment on its own line(s) belongs to the item that follows it (a table header or a key)
  and is written on the lines just above that item, blank lines inside the block kept;
* a comment after an item on the same line stays at the end of that item's last line;
* comments after the last item stay at the end of the file;
* a comment above or after a key that the canonical form leaves out (a default value) goes
  with the nearest item that is still written: the first one inside it (a table written as
  its sub-tables) or else the element or table holding it.

Comments inside an array or inline table cannot follow their element when the value is
rewritten, so such a file is refused (:class:`CommentsInValue`) and left as it is. The result
is verified like every save: it loads back to the same journey and holds the same comments,
each exactly once, or :class:`~journeytui.model.save.RoundTripError` is raised and nothing is
written. No Textual.
"""

from __future__ import annotations

import bisect
import collections

from journeytui.diagnostics import Path
from journeytui.model.locate import Positions, locate
from journeytui.model.save import RoundTripError, dumps, line_ending, schema_header, verify, with_line_ending
from journeytui.model.types import Journey

END: Path = ("<end of file>",)
"""The anchor of the comments after the last item."""

HEAD: Path = ("<start of file>",)
"""The anchor of the file's opening comments: those above the first item, up to a blank line."""


class CommentsInValue(RoundTripError):
    """A comment inside an array or inline table: the file is left as it is."""

    def __init__(self, line: int, column: int) -> None:
        super().__init__(f"a comment inside a value at {line}:{column} cannot be kept when the value is rewritten")
        self.line, self.column = line, column


def _comment_at(text: str, offset: int) -> str:
    end = text.find("\n", offset)
    return text[offset : len(text) if end < 0 else end].rstrip("\r").rstrip()


def _comments(text: str, pos: Positions) -> list[int]:
    """Offsets of the file's comments, less a leading ``#:schema`` line (the canonical form keeps it)."""
    return [c for c in pos.comments if not (c == 0 and text.startswith("#:schema"))]


def _attach(text: str, pos: Positions) -> tuple[dict[Path, list[str]], dict[Path, list[str]]]:
    """Leading blocks (lines, blank ones inside a block kept) and trailing comments, by item path."""
    anchors = sorted(pos.anchors)
    starts = [a[0] for a in anchors]
    leading: dict[Path, list[str]] = {}
    trailing: dict[Path, list[str]] = collections.defaultdict(list)
    first_of_block: dict[Path, int] = {}
    for c in _comments(text, pos):
        line_start = text.rfind("\n", 0, c) + 1
        if text[line_start:c].strip():  # after an item on the same line
            k = bisect.bisect_right(starts, c) - 1
            trailing[anchors[k][1] if k >= 0 else END].append(_comment_at(text, c))
        else:
            k = bisect.bisect_right(starts, c)
            path = anchors[k][1] if k < len(anchors) else END
            first_of_block.setdefault(path, line_start)
    index = {p: i for i, (_, p) in enumerate(anchors)}
    for path, start in first_of_block.items():
        at = index.get(path) if path != END else None
        stop = text.rfind("\n", 0, anchors[at][0]) + 1 if at is not None else len(text)
        # only comment lines and blank lines lie between a block's first comment and its item
        lines = [line.strip() for line in text[start:stop].replace("\r\n", "\n").split("\n")]
        before = text[:start].partition("\n")[2] if text.startswith("#:schema") else text[:start]
        if at == 0 and not before.strip() and "" in lines[:-1]:
            # the file opens with comments set off by a blank line: the file's own, kept on top
            cut = len(lines) - 1 - lines[:-1][::-1].index("") - 1
            leading[HEAD], lines = _trimmed(lines[:cut]), lines[cut + 1 :]
        if _trimmed(lines):
            leading[path] = _trimmed(lines)
    return leading, dict(trailing)


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


def keep_comments(text: str, journey: Journey, positions: Positions | None = None) -> str:
    """The canonical text of ``journey`` for a file whose current text is ``text``, with the
    file's comments carried over (module docstring). Raises :class:`CommentsInValue` or
    :class:`~journeytui.model.save.RoundTripError`; line endings are kept."""
    pos = positions if positions is not None else locate(text)
    if pos.inner_comments:
        raise CommentsInValue(*pos.line_col(pos.inner_comments[0]))
    leading, trailing = _attach(text, pos)
    canon = dumps(journey, schema_header(text))
    cpos = locate(canon)
    canon_lines = canon.split("\n")
    order = [p for _, p in sorted(cpos.anchors)]
    line_of = {p: cpos.line_col(o)[0] - 1 for o, p in cpos.anchors}
    next_line = {p: line_of[q] for p, q in zip(order, [*order[1:], None], strict=True) if q is not None}
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

    above: dict[int, list[str]] = collections.defaultdict(list)
    after: dict[int, list[str]] = collections.defaultdict(list)
    tail: list[str] = []
    head = leading.pop(HEAD, [])
    for path, block in leading.items():
        t = _target(path, first_inside, line_of)
        (tail if t == END else above[line_of[t]]).extend(block)
    for path, comments in trailing.items():
        t = _target(path, first_inside, line_of)
        (tail if t == END else after[last_line(t)]).extend(comments)
    out: list[str] = []
    start = 1 if canon.startswith("#:schema") else 0
    if head:
        out = [*canon_lines[:start], *head, ""]
        canon_lines = canon_lines[start:]
        above = collections.defaultdict(list, {i - start: v for i, v in above.items()})
        after = collections.defaultdict(list, {i - start: v for i, v in after.items()})
    for i, line in enumerate(canon_lines):
        out.extend(above.get(i, ()))
        out.append(line + "".join(f"  {c}" for c in after.get(i, ())) if i in after else line)
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
