"""Read a journey file safely and build the model, with positioned diagnostics.

Every failure mode a user can hit (missing path, a folder, binary or non-UTF-8
bytes, a huge file, invalid TOML, absurd nesting) becomes a diagnostic, never
a traceback. Structural problems come back with line and column.
"""

from __future__ import annotations

import contextlib
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from journeytui.diagnostics import Diagnostic
from journeytui.diagnostics import Path as DataPath
from journeytui.model.locate import Positions, locate
from journeytui.model.structure import data_path, structure
from journeytui.model.types import Journey

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Journey files are hand-written; anything larger is refused unread."""

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
    _positions: Positions | None = field(default=None, repr=False, compare=False)

    @property
    def positions(self) -> Positions:
        """Where each key and value sits in the text, found on first use.

        Only files with findings (and ``fmt``) need positions; scanning for them
        costs as much as parsing, so a clean file never pays for it.
        """
        if self._positions is None:
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


def read_text(path: FsPath) -> tuple[str | None, Diagnostic | None]:
    """The file's text, or a diagnostic saying why it cannot be read."""
    name = str(path)

    def fail(msg: str) -> tuple[None, Diagnostic]:
        return None, Diagnostic("E002", msg, name)

    try:
        if not path.exists():
            return fail(f"no such file: {name}")
        if path.is_dir():
            return fail(f"{name} is a folder, not a journey file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return fail(
                f"file is {size / 1024 / 1024:.1f} MB; journey files are limited to {MAX_FILE_BYTES // 1024 // 1024} MB"
            )
        raw = path.read_bytes()
    except PermissionError:
        return fail(f"permission denied: {name}")
    except OSError as exc:
        return fail(f"cannot read {name}: {exc.strerror or exc}")
    if b"\x00" in raw:
        return fail("file is binary (it contains NUL bytes), not a TOML journey")
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


def load_text(text: str, file: str = "<string>") -> LoadResult:
    """Parse and build a journey from TOML text (a leading byte-order mark is ignored)."""
    text = text.removeprefix("\ufeff")
    result = LoadResult(file=file, text=text)
    if not text.strip():
        result.diagnostics.append(Diagnostic("E001", "file is empty; a journey needs at least a [journey] table", file))
        return result
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS.search(msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
        msg = _TOML_POS.sub("", msg).strip().rstrip(".")
        result.diagnostics.append(Diagnostic("E001", f"invalid TOML: {msg[:1].lower()}{msg[1:]}", file, line, col))
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


def load_file(path: FsPath | str) -> LoadResult:
    """Read and load one journey file; never raises for bad input."""
    p = FsPath(path)
    text, problem = read_text(p)
    if problem is not None:
        return LoadResult(file=str(path), diagnostics=[problem])
    assert text is not None
    return load_text(text, str(path))


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
