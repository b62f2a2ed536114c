"""Read a journey file safely and build the model, with positioned diagnostics.

Every failure mode a user can hit (missing path, a folder, binary or non-UTF-8
bytes, a huge file, invalid TOML, absurd nesting) becomes a diagnostic, never
a traceback. Structural problems come back with line and column.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from journeytui.diagnostics import Diagnostic
from journeytui.diagnostics import Path as DataPath
from journeytui.model.depth import MAX_DEPTH, too_deep
from journeytui.model.structure import data_path, fields_of, structure
from journeytui.model.toml10 import TOMLDecodeError, loads
from journeytui.model.types import Journey

if TYPE_CHECKING:
    from journeytui.model.locate import Positions

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Journey files are hand-written; anything larger is refused unread."""

JOURNEY_KEYS = frozenset(f.key for f in fields_of(Journey))
"""The journey format's top-level keys: a TOML file with none of them is not a journey."""

_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass
class LoadResult:
    """What loading one file produced. ``journey`` is None when nothing could be built."""

    file: str
    text: str | None = None
    data: dict[str, Any] | None = None
    journey: Journey | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    kept: dict[DataPath, list[int]] = field(default_factory=dict)
    """Data index of each model list element (see :func:`structure.data_path`)."""
    bom: bool = False
    """The text began with a byte-order mark (not part of ``text``; a save writes it back)."""
    not_journey: bool = False
    """Loaded with ``journeys_only`` and found to be valid TOML with none of :data:`JOURNEY_KEYS`
    (another tool's file): not checked, no diagnostics."""
    _positions: Positions | None = field(default=None, repr=False, compare=False)

    @property
    def positions(self) -> Positions:
        """Where each key and value sits in the text, found on first use.

        Only files with findings (and ``fmt``) need positions; scanning for them
        costs as much as parsing, so a clean file never pays for it.
        """
        if self._positions is None:
            from journeytui.model.locate import Positions, locate  # here: a clean file never needs it

            self._positions = Positions()
            if self.data is not None and self.text is not None:
                with contextlib.suppress(RecursionError):  # absurd nesting: no positions, no crash
                    self._positions = locate(self.text)
        return self._positions

    def position(self, model_path: DataPath, prefer_value: bool = True) -> tuple[int, int]:
        """Line and column in the file of a path into the model."""
        return self.positions.find(data_path(model_path, self.kept), prefer_value=prefer_value)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


class Unreadable(Exception):
    """A path that cannot be read as a journey file; the message says why, in words for the user."""


_CHUNK = 1024 * 1024


def _size(n: int) -> str:
    mb = 1024 * 1024
    return f"{n // mb} MB" if n % mb == 0 else f"{n:,} bytes"


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (fifo)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bytes(path: FsPath | str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file at ``path``, refusing anything else. Raises :class:`Unreadable`.

    Never blocks and never reads more than ``limit`` + 1 bytes: a fifo, a device
    (``/dev/zero`` reports size 0), a socket or a folder is refused before it is
    read, and a file larger than ``limit``, or one that grows past it while being
    read, is refused after ``limit`` + 1 bytes. Symlinks to regular files are fine:
    the checks apply to the file finally opened.
    """
    name = str(path)
    try:
        # Refuse by the name first (a fifo or device is then never opened), then check the
        # file actually opened: it may have been swapped in between.
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise Unreadable(f"{name} is a folder, not a journey file")
        if not stat.S_ISREG(mode):
            raise Unreadable(f"{name} is {_kind(mode)}, not a journey file: only regular files are read")
        # O_NONBLOCK: opening a fifo swapped in after the stat must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise Unreadable(f"no such file: {name}") from None
    except PermissionError:
        raise Unreadable(f"permission denied: {name}") from None
    except OSError as exc:
        raise Unreadable(f"cannot read {name}: {exc.strerror or exc}") from None
    except ValueError:  # a NUL in the name: no file can have it
        raise Unreadable(f"no such file: {name} (a file name cannot hold a NUL character)") from None
    try:
        return _read_regular(fd, name, limit)
    except OSError as exc:
        raise Unreadable(f"cannot read {name}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _read_regular(fd: int, name: str, limit: int) -> bytes:
    """Read the open ``fd`` if it is a regular file of at most ``limit`` bytes, counting what is read."""
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode):
        raise Unreadable(f"{name} is a folder, not a journey file")
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable(f"{name} is {_kind(info.st_mode)}, not a journey file: only regular files are read")
    too_large = f"journey files are limited to {_size(limit)}"
    if info.st_size > limit:
        raise Unreadable(f"file is larger than {_size(limit)} ({info.st_size:,} bytes); {too_large}")
    if hasattr(os, "O_NONBLOCK"):  # reads of a regular file may block again (it was opened non-blocking)
        os.set_blocking(fd, True)
    # The size from fstat is only a hint (a file may grow while it is read): count what is read.
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise Unreadable(f"file is larger than {_size(limit)} (it grew while being read); {too_large}")
    return b"".join(chunks)


def read_text(path: FsPath | str) -> tuple[str | None, Diagnostic | None]:
    """The file's text, or a diagnostic saying why it cannot be read."""
    name = str(path)
    try:
        raw = read_bytes(path)
    except Unreadable as exc:
        return None, Diagnostic("E002", str(exc), name)
    if b"\x00" in raw:
        return None, Diagnostic("E002", "file is binary (it contains NUL bytes), not a TOML journey", name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, Diagnostic("E002", "file is not valid UTF-8 text", name, line, col)
    return text, None


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
_KEY_AT_START = re.compile(rf"^(\s*)({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")


def _key_parts(key: str) -> tuple[str, ...] | None:
    """A TOML key as written (``a."b c".d``, ``"id"``) as its parts, decoded: ``id`` and ``"id"`` are one key."""
    try:
        node: Any = loads(f"{key} = 0")
    except (TOMLDecodeError, RecursionError, ValueError):
        return None
    parts: list[str] = []
    while isinstance(node, dict) and len(node) == 1:
        [(name, node)] = node.items()
        parts.append(name)
    return tuple(parts)


_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _shown_key(parts: tuple[str, ...]) -> str:
    """A key as TOML would write it (bare parts bare, others quoted), cut at 40 characters."""
    text = ".".join(p if _BARE.fullmatch(p) else '"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in parts)
    return text if len(text) <= 40 else text[:40] + "..."


def _duplicate_key(text: str, line: int, col: int, fallback: str) -> tuple[int, int, str]:
    """tomllib reports a key set twice after its value, without its name: name it, at the key,
    and say where it was first set (the nearest earlier line in the same table)."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return line, col, fallback
    m = _KEY_AT_START.match(lines[line - 1])
    parts = _key_parts(m.group(2)) if m else None
    if not m or not parts:
        return line, col, fallback
    where = ""
    for back in range(line - 2, -1, -1):
        earlier = lines[back]
        if earlier.lstrip().startswith("["):
            break
        first = _KEY_AT_START.match(earlier)
        if first and _key_parts(first.group(2)) == parts:
            where = f" (first set on line {back + 1})"
            break
    shown = _shown_key(parts)
    return line, len(m.group(1)) + 1, f"invalid TOML: duplicate key `{shown}`{where}: a key can be set once per table"


def toml_error(text: str, exc: BaseException) -> tuple[int, int, str]:
    """Where and what a TOML parse error is, as a person reads it: ``(line, column, message)``
    with the message in lower case, keys and tables named as TOML writes them, at the key or
    header, with the line they were first set on (tomllib names them as Python tuples, after
    the value). For journey files and settings files alike."""
    msg = str(exc) or type(exc).__name__
    m = _TOML_POS.search(msg)
    line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
    msg = _TOML_POS.sub("", msg).strip().rstrip(".")
    msg = f"{msg[:1].lower()}{msg[1:]}"
    if msg.endswith("cannot overwrite a value"):
        line, col, msg = _duplicate_key(text, line, col, msg)
    elif _DECLARED_TWICE.search(msg):
        line, col, msg = _table_twice(text, line, col, msg)
    return line, col, msg.removeprefix("invalid TOML: ")


_DECLARED_TWICE = re.compile(r"(?:cannot declare (\(.*\)) twice|cannot redefine namespace (\(.*\)))$")
_HEADER = re.compile(rf"^(\s*)(\[\[?)\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*\]")


def _table_twice(text: str, line: int, col: int, fallback: str) -> tuple[int, int, str]:
    """tomllib names a table declared twice as a Python tuple (``('journey',)``) after its name: name
    it as TOML does, at its header, and say where it was first declared."""
    import ast

    m = _DECLARED_TWICE.search(fallback)
    try:
        parts = tuple(ast.literal_eval(m.group(1) or m.group(2))) if m else ()
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        parts = ()
    lines = text.split("\n")
    if not parts or not all(isinstance(p, str) for p in parts) or not 1 <= line <= len(lines):
        return line, col, fallback
    shown = _shown_key(parts)
    at = _HEADER.match(lines[line - 1])
    if at:
        col = len(at.group(1)) + 1
    first_line, array = 0, False
    quote = ""  # inside a multi-line string: a header there is text
    for back in range(line - 1):
        row = lines[back]
        if not quote:
            first = _HEADER.match(row)
            if first and _key_parts(first.group(3)) == parts:
                first_line, array = back + 1, first.group(2) == "[["
                break
        for q in ('"""', "'''"):
            if (not quote or quote == q) and row.count(q) % 2:
                quote = "" if quote else q
    if not at and m and m.group(2):  # a dotted key (x.b = 2) into a table a header declared
        where = f" (`[{shown}]` on line {first_line})" if first_line else ""
        return line, col, f"`{shown}` is a table declared by its own header{where}: set its keys there"
    if array and at and at.group(2) == "[":
        return line, col, f"`[{shown}]` is an array of tables (`[[{shown}]]` on line {first_line}): use `[[{shown}]]`"
    where = f" (first declared on line {first_line})" if first_line else ""
    return line, col, f"table `[{shown}]` declared twice{where}: a table can be declared once"


def not_a_journey(data: object) -> bool:
    """Whether parsed TOML is another tool's file: a table with none of the journey format's keys."""
    return isinstance(data, dict) and JOURNEY_KEYS.isdisjoint(data)


def other_tool_keys(path: FsPath | str) -> list[str] | None:
    """The top-level keys of a file that is valid TOML with none of the journey format's keys
    (another tool's file; an empty list for an empty one), else None. Parses, builds nothing."""
    text, problem = read_text(FsPath(path))
    if problem is not None or text is None:
        return None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return []
    if too_deep(text) is not None:
        return None
    try:
        data = loads(text, depth_checked=True)
    except (ValueError, RecursionError):  # TOMLDecodeError is a ValueError
        return None
    return sorted(data) if not_a_journey(data) else None


def load_text(text: str, file: str = "<string>", journeys_only: bool = False) -> LoadResult:
    """Parse and build a journey from TOML text (a leading byte-order mark is ignored).

    ``journeys_only``: TOML without any journey key (an empty file too) is not built nor
    checked; the result says ``not_journey``. Text that does not parse is reported as ever.
    """
    bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    result = LoadResult(file=file, text=text, bom=bom)
    if journeys_only and not text.strip():
        result.not_journey = True
        result.data = {}
        return result
    if not text.strip():
        result.diagnostics.append(Diagnostic("E001", "file is empty; a journey needs at least a [journey] table", file))
        return result
    deep = too_deep(text)
    if deep is not None:
        line, col = _line_col(text, deep.offset)
        msg = f"{deep.what} nested more than {MAX_DEPTH} levels deep; journey files need only a few levels"
        result.diagnostics.append(Diagnostic("E004", msg, file, line, col))
        return result
    try:
        data = loads(text, depth_checked=True)
    except TOMLDecodeError as exc:
        line, col, msg = toml_error(text, exc)
        result.diagnostics.append(Diagnostic("E001", f"invalid TOML: {msg}", file, line, col))
        return result
    except RecursionError:
        result.diagnostics.append(Diagnostic("E001", "invalid TOML: values are nested too deeply", file))
        return result
    except ValueError:  # tomllib lets int() refuse numbers of thousands of digits
        limit = sys.get_int_max_str_digits()
        m = re.search(f"[0-9_]{{{limit},}}", text)
        line, col = _line_col(text, m.start()) if m else (1, 1)
        msg = f"invalid TOML: a number with more than {limit} digits is too large to read"
        result.diagnostics.append(Diagnostic("E001", msg, file, line, col))
        return result
    result.data = data
    if journeys_only and not_a_journey(data):
        result.not_journey = True
        return result
    try:
        journey, findings, result.kept = structure(data, Journey)
    except RecursionError:
        result.diagnostics.append(Diagnostic("E102", "values are nested too deeply to be a journey", file))
        return result
    result.journey = journey
    for f in findings:
        line, col = result.positions.find(f.path, prefer_value=f.at_value)
        result.diagnostics.append(Diagnostic(f.code, f.message, file, line, col, f.path))
    return result


def load_file(path: FsPath | str, journeys_only: bool = False) -> LoadResult:
    """Read and load one journey file; never raises for bad input (``journeys_only``: see :func:`load_text`)."""
    p = FsPath(path)
    text, problem = read_text(p)
    if problem is not None:
        return LoadResult(file=str(path), diagnostics=[problem])
    assert text is not None
    return load_text(text, str(path), journeys_only)


def load_journey(path: FsPath | str) -> Journey:
    """Load a journey or raise :class:`JourneyLoadError` listing the errors."""
    result = load_file(path)
    if result.journey is None or not result.ok:
        raise JourneyLoadError(result)
    return result.journey


class JourneyLoadError(Exception):
    def __init__(self, result: LoadResult) -> None:
        self.result = result
        errors = [d for d in result.diagnostics if d.is_error] or result.diagnostics
        first = errors[0] if errors else None
        text = f"{first.file}:{first.line}:{first.column}: {first.code} {first.message}" if first else result.file
        super().__init__(text)
