"""Read CRM stage history: long and wide CSV layouts, presets for common exports, a stage map.

Every problem with the input is an :class:`InputError` naming the file and, where there is
one, the line; nothing is ever written by reading.

The long layout is read by pyarrow's CSV reader, its ISO 8601 timestamp parser and dictionary
encoding (:func:`_read_long_arrow`), whenever it can vouch for every line; bench/bench_calibrate.py
compares it with the csv module and polars (1,000,000 rows: about 0.4 s of CPU against 3 s for the
csv module with numpy dates and 1.2 s for polars). On anything it cannot vouch for (blank lines,
line breaks inside quoted fields, a bad or mixed date, an empty id or stage, a short row) the
precise pass reads the file again: a file without quote characters is split at line breaks and
commas (every line checked to have the header's number of fields), any other file goes through
the ``csv`` module; that pass names the line of the problem. The wide layout always takes the
precise pass (its files hold one row per lead, far fewer rows).
"""

from __future__ import annotations

import csv
import gc
import io
import os
import re
import tomllib
import warnings
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from journeytui import DOCS_URL
from journeytui.model.types import Journey

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
"""Files larger than this are refused before reading (``--max-bytes`` raises it)."""

_SNIFF = 65536
_WIDE_PATTERN = r"^Became an? (.+) Date$"

_FIRST_SECOND = int(datetime(1, 1, 1, tzinfo=UTC).timestamp())
_LAST_SECOND = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
"""The range of Python's datetime (what the precise pass reads) in Unix seconds."""


class InputError(Exception):
    """Bad input (an export or a stage map): the message is meant for the user."""

    def __init__(self, message: str, file: str = "", line: int | None = None) -> None:
        self.file = file
        self.line = line
        where = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
        super().__init__(where + message)


def show(text: str, limit: int = 60) -> str:
    """A value from a stranger's file, safe to print: quoted, control characters escaped, cut short."""
    cut = text if len(text) <= limit else text[:limit] + "..."
    return repr(cut) if cut.isprintable() else ascii(cut)


@dataclass(frozen=True)
class Preset:
    """The documented column names of one export shape."""

    layout: str  # "long" or "wide"
    lead: str
    stage: str = ""
    time: str = ""
    persona: str = ""
    pattern: str = _WIDE_PATTERN
    description: str = ""


PRESETS: dict[str, Preset] = {
    "salesforce": Preset(
        "long", "OpportunityId", "StageName", "CreatedDate", description="Salesforce OpportunityHistory export"
    ),
    "marketo": Preset(
        "long",
        "Lead ID",
        "New Status",
        "Activity Date",
        description="Marketo 'Change Status in Progression' activities (Old Status is not needed)",
    ),
    "hubspot": Preset(
        "wide", "Record ID", description="HubSpot contacts export with the 'Became a ... Date' lifecycle properties"
    ),
}


@dataclass
class StageMap:
    """CRM stage names -> journey stage ids (many to one), names to ignore, outcome names."""

    names: dict[str, str] = field(default_factory=dict)
    ignore: set[str] = field(default_factory=set)
    personas: dict[str, str] = field(default_factory=dict)

    def lookup(self, name: str) -> str | None:
        """The stage id for ``name`` ("" when ignored, None when unmapped); exact, then case-insensitive."""
        if name in self.ignore:
            return ""
        hit = self.names.get(name)
        if hit is None:
            hit = self.names.get(name.casefold())
        if hit is None and name.casefold() in self.ignore:
            return ""
        return hit


def default_stage_map(journey: Journey) -> StageMap:
    """Without a map file: each journey stage's id and name, case-insensitive."""
    m = StageMap()
    for s in journey.stages:
        for key in (s.id, s.name):
            if key:
                m.names.setdefault(key, s.id)
                m.names.setdefault(key.casefold(), s.id)
    for p in journey.personas:
        for key in (p.id, p.name, p.role):
            m.personas.setdefault(key.casefold(), p.id)
    return m


def load_stage_map(path: str, journey: Journey) -> StageMap:
    """Read a stage map file (docs/calibration.md, "The stage map") and check it against the journey."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the stage map: {exc.strerror or exc}", path) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError("the stage map is not UTF-8 text", path) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise InputError(f"not valid TOML: {exc}", path, int(m.group(1)) if m else None) from None
    text = raw.decode("utf-8")

    def line_of(name: str) -> int | None:
        for i, ln in enumerate(text.splitlines(), 1):
            if name in ln:
                return i
        return None

    known = {s.id for s in journey.stages}
    unknown_keys = set(data) - {"stages", "ignore", "won", "lost", "personas"}
    if unknown_keys:
        key = sorted(unknown_keys)[0]
        raise InputError(f"unknown key {show(key)} (expected stages, ignore, won, lost, personas)", path, line_of(key))
    out = default_stage_map(journey)
    stages = data.get("stages", {})
    if not isinstance(stages, dict):
        raise InputError("[stages] must be a table of CRM name = journey stage id", path, line_of("stages"))
    for name, target in stages.items():
        if not isinstance(target, str) or target not in known:
            raise InputError(
                f"CRM stage {show(name)} maps to {show(str(target))}, which is not a stage of the journey "
                f"(stages: {', '.join(sorted(known))})",
                path,
                line_of(name),
            )
        out.names[name] = target
        out.names[name.casefold()] = target
    for key, kind in (("won", "won"), ("lost", "lost")):
        names = data.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InputError(f"`{key}` must be a list of CRM stage names", path, line_of(key))
        if not names:
            continue
        target = next((s.id for s in journey.stages if s.kind == kind), None)
        if target is None:
            raise InputError(f"`{key}` lists names but the journey has no {kind} stage", path, line_of(key))
        for n in names:
            out.names[n] = target
            out.names[n.casefold()] = target
    ignore = data.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(n, str) for n in ignore):
        raise InputError("`ignore` must be a list of CRM stage names", path, line_of("ignore"))
    out.ignore = set(ignore) | {n.casefold() for n in ignore}
    personas = data.get("personas", {})
    persona_ids = {p.id for p in journey.personas}
    if not isinstance(personas, dict):
        raise InputError("[personas] must be a table of CRM value = persona id", path, line_of("personas"))
    for name, pid in personas.items():
        if pid not in persona_ids:
            raise InputError(f"{show(name)} maps to {show(str(pid))}, which is not a persona", path, line_of(name))
        out.personas[name.casefold()] = pid
    return out


@dataclass
class EventLog:
    """Stage entries, one per row kept: which lead, which journey stage, when (UTC seconds), which line."""

    file: str
    stages: list[str]
    lead_ids: list[str]
    personas: list[str | None]
    lead: np.ndarray
    stage: np.ndarray
    ts: np.ndarray
    line: np.ndarray
    warnings: list[str] = field(default_factory=list)

    @property
    def has_personas(self) -> bool:
        return any(p is not None for p in self.personas)

    def sorted(self) -> EventLog:
        """Events ordered by lead, then time, then file order (ties keep the export's order)."""
        order = np.lexsort((self.line, self.ts, self.lead))
        return EventLog(
            self.file,
            self.stages,
            self.lead_ids,
            self.personas,
            self.lead[order],
            self.stage[order],
            self.ts[order],
            self.line[order],
            list(self.warnings),
        )


@dataclass(frozen=True)
class Columns:
    """Which columns hold what. Empty strings: not given (a preset or the default fills them)."""

    layout: str = "long"
    lead: str = "lead_id"
    stage: str = "stage"
    time: str = "timestamp"
    persona: str = ""
    pattern: str = _WIDE_PATTERN


def columns_for(preset: str | None, **overrides: str | None) -> Columns:
    """The columns of ``preset`` (or the plain long layout) with any explicit options applied."""
    base = Columns()
    if preset:
        p = PRESETS[preset]
        base = Columns(p.layout, p.lead, p.stage or base.stage, p.time or base.time, p.persona, p.pattern)
    values = {k: v for k, v in overrides.items() if v}
    return Columns(**{**base.__dict__, **values})


class _Dates:
    """ISO 8601 dates and times to UTC seconds; refuses a mix of zone-aware and naive values."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.aware: bool | None = None
        self.cache: dict[str, int] = {}

    def __call__(self, value: str, line: int) -> int:
        hit = self.cache.get(value)
        if hit is not None:
            return hit
        text = value.strip()
        dt: datetime | None
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            alt = text.replace("/", "-") if re.match(r"^\d{4}/\d{1,2}/\d{1,2}", text) else ""
            try:
                dt = datetime.fromisoformat(alt) if alt else None
            except ValueError:
                dt = None
            if dt is None:
                raise InputError(
                    f"cannot read the date {show(value)}: use ISO 8601 (2024-04-01, 2024-04-01T09:30:00Z, "
                    "2024-04-01 09:30:00+09:00)",
                    self.file,
                    line,
                ) from None
        aware = dt.tzinfo is not None
        if self.aware is None:
            self.aware = aware
        elif aware != self.aware:
            first = "with a time zone" if self.aware else "without a time zone"
            raise InputError(
                f"the date {show(value)} is {'with' if aware else 'without'} a time zone but earlier dates are "
                f"{first}: mixed zones cannot be ordered; export all dates in one form",
                self.file,
                line,
            )
        if not aware:
            dt = dt.replace(tzinfo=UTC)
        secs = int(dt.timestamp())
        if len(value) <= 10:  # plain dates repeat; datetimes rarely do
            self.cache[value] = secs
        return secs


def _open_checked(path: str, max_bytes: int) -> None:
    try:
        size = os.stat(path).st_size
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    if size > max_bytes:
        raise InputError(
            f"the file is {size / 1e6:,.0f} MB, over the {max_bytes / 1e6:,.0f} MB limit; "
            "split the export by date, or raise the limit with --max-bytes",
            path,
        )
    if not head.strip():
        raise InputError("the file is empty: expected a CSV export with a header row", path)
    if b"\x00" in head:
        raise InputError("this is a binary file, not a CSV export", path)


def read_events(
    path: str,
    journey: Journey,
    columns: Columns | None = None,
    stage_map: StageMap | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> EventLog:
    """Read an export into an :class:`EventLog` of journey stages; raise :class:`InputError` on bad input."""
    columns = columns or Columns()
    stage_map = stage_map or default_stage_map(journey)
    _open_checked(path, max_bytes)
    stages = [s.id for s in journey.stages]
    index = {s: i for i, s in enumerate(stages)}
    reader = _Reader(path, journey, columns, stage_map, index)
    if columns.layout == "long":
        with open(path, "rb") as fh:
            raw = fh.read()
        if _read_long_arrow(reader, raw):
            return reader.finish(stages)
        # the fast reader could not vouch for every line: the precise pass names the problem's line
        reader = _Reader(path, journey, columns, stage_map, index)
        del raw
    # millions of small row lists would set off the cycle collector again and again: none are cycles
    was = gc.isenabled()
    gc.disable()
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InputError("not UTF-8 text: export the file as UTF-8", path, line) from None
        del data
        if '"' in text:  # quoted fields (commas or line breaks inside): the csv module
            reader.read(csv.reader(io.StringIO(text, newline="")))
        else:  # no quotes: splitting at commas is the same reading, several times faster
            reader.read(_Split(text))
    except csv.Error as exc:
        raise InputError(f"not readable as CSV: {exc}", path, reader.line or None) from None
    finally:
        if was:
            gc.enable()
    return reader.finish(stages)


def _read_long_arrow(reader: _Reader, raw: bytes) -> bool:
    """The long layout through pyarrow's CSV reader and its ISO 8601 timestamp parser, into ``reader``.

    False (nothing kept) whenever the result might differ from the precise pass or a message would
    need a line number pyarrow cannot give: a header with quotes, a row count that is not the line
    count (blank lines, line breaks inside quoted fields), a row with the wrong number of fields, a
    date pyarrow does not read or a mix of dates with and without a zone, an empty id or stage.
    Unmapped stage names are counted here with their first line (row i is line i + 2)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    end = raw.find(b"\n")
    head = raw[: end if end >= 0 else len(raw)].rstrip(b"\r")
    if b'"' in head or end < 0:
        return False
    try:
        header = head.decode("utf-8").split(",")
    except UnicodeDecodeError:
        return False
    cols = reader._header(header)
    c = reader.columns
    try:
        lead_col = reader._need(cols, c.lead, "--lead-column")
        stage_col = reader._need(cols, c.stage, "--stage-column")
        time_col = reader._need(cols, c.time, "--time-column")
        persona_col = reader._need(cols, c.persona, "--persona-column") if c.persona else -1
    except InputError:
        return False  # the precise pass says which column is missing
    if not c.persona:  # a column named "persona" is used without being asked for
        persona_col = next((i for n, i in cols.items() if n.casefold() == "persona"), -1)
    rows = raw.count(b"\n") - (1 if raw.endswith(b"\n") else 0)
    names = [f"c{i}" for i in range(len(header))]
    wanted = sorted({lead_col, stage_col, time_col, persona_col} - {-1})
    try:
        table = pacsv.read_csv(
            pa.py_buffer(raw),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={names[i]: pa.string() for i in wanted},
                include_columns=[names[i] for i in wanted],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return False
    if table.num_rows != rows or rows == 0:
        return False
    when = table.column(names[time_col])
    ts_arr = None
    for kind in (pa.timestamp("us"), pa.timestamp("us", "UTC")):  # naive dates are UTC; a mix is refused
        try:
            ts_arr = pc.cast(when, kind)
            break
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    if ts_arr is None or ts_arr.null_count:
        return False
    ts = np.floor_divide(ts_arr.cast(pa.int64()).to_numpy(), 1_000_000)
    if len(ts) and (ts.min() < _FIRST_SECOND or ts.max() > _LAST_SECOND):
        return False  # pyarrow reads years past 9999; the precise pass names the line
    lead_enc = table.column(names[lead_col]).combine_chunks().dictionary_encode()
    if pc.any(pc.equal(pc.utf8_trim_whitespace(lead_enc.dictionary), "")).as_py():
        return False
    ids = lead_enc.dictionary.to_pylist()  # in order of first appearance, like the precise pass
    lead = lead_enc.indices.to_numpy().astype(np.int32)
    stage_enc = table.column(names[stage_col]).combine_chunks().dictionary_encode()
    stage_names = stage_enc.dictionary.to_pylist()
    stage_ix = stage_enc.indices.to_numpy()
    codes = np.full(len(stage_names), -1, dtype=np.int16)
    for k, name in enumerate(stage_names):
        if not name.strip():
            return False
        sid = reader.map.lookup(name.strip())
        if sid is None:
            at = np.flatnonzero(stage_ix == k)
            reader.unmapped[name] = (int(at.size), int(at[0]) + 2)
        elif sid:
            codes[k] = reader.index[sid]
    stage = codes[stage_ix]
    reader.lead_ix.update(zip(ids, range(len(ids)), strict=True))
    reader.personas.extend([None] * len(ids))
    if persona_col >= 0:
        enc = table.column(names[persona_col]).combine_chunks().dictionary_encode()
        values = enc.dictionary.to_pylist()
        vix = enc.indices.to_numpy()
        filled = np.array([bool(v.strip()) for v in values], dtype=bool)[vix]
        # the last non-empty value per lead wins: first occurrence in the reversed rows
        rl, rv = lead[filled][::-1], vix[filled][::-1]
        who, at = np.unique(rl, return_index=True)
        reader.assign_personas(zip(who.tolist(), [values[v] for v in rv[at].tolist()], strict=True))
    reader.append_rows(lead, stage, ts, np.arange(2, len(stage) + 2, dtype=np.int64))  # no blank or split lines
    return True


class _Split:
    """Rows of a CSV text without quotes, with csv.reader's ``line_num`` and iteration."""

    def __init__(self, text: str) -> None:
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if text.endswith("\n"):
            text = text[:-1]
        head, _, self.body = text.partition("\n")
        self.head = head.split(",")
        self._rows: list[list[str]] | None = None
        self.line_num = 0

    @property
    def rows(self) -> list[list[str]]:
        if self._rows is None:
            self._rows = [self.head] + ([line.split(",") for line in self.body.split("\n")] if self.body else [])
        return self._rows

    def flat(self, width: int) -> list[str] | None:
        """After the header: every field in one list, when every line has exactly ``width`` fields."""
        if self.line_num != 1 or not self.body:
            return None
        raw = np.frombuffer(self.body.encode("utf-8"), dtype=np.uint8)
        breaks = np.flatnonzero(raw == 10)
        commas = np.flatnonzero(raw == 44)
        per_line = np.diff(np.searchsorted(commas, np.concatenate([[-1], breaks, [raw.size]])))
        if per_line.size == 0 or np.any(per_line != width - 1):
            return None
        self.line_num = 1 + per_line.size
        return self.body.replace("\n", ",").split(",")

    def __iter__(self) -> _Split:
        return self

    def __next__(self) -> list[str]:
        if self.line_num == 0:  # the header, without splitting the rest
            self.line_num = 1
            return self.head
        if self.line_num >= len(self.rows):
            raise StopIteration
        self.line_num += 1
        return self.rows[self.line_num - 1]

    def rest(self) -> list[list[str]]:
        """Every row not read yet, at once."""
        out = self.rows[self.line_num :]
        self.line_num = len(self.rows)
        return out


class _Reader:
    """One pass over the rows, collecting compact arrays."""

    def __init__(
        self, path: str, journey: Journey, columns: Columns, stage_map: StageMap, index: dict[str, int]
    ) -> None:
        self.path = path
        self.columns = columns
        self.map = stage_map
        self.index = index
        self.dates = _Dates(path)
        self.line = 0
        self.lead_ix: dict[str, int] = {}
        self.personas: list[str | None] = []
        self.unknown_personas: dict[str, int] = {}
        self.a_lead = array("i")
        self.a_stage = array("h")
        self.a_ts = array("q")
        self.a_line = array("q")
        self.unmapped: dict[str, tuple[int, int]] = {}
        self.ignored = 0
        self.resolved: dict[str, int] = {}

    def _header(self, header: list[str]) -> dict[str, int]:
        names = [h.strip() for h in header]
        return {n: i for i, n in enumerate(names)}

    def _need(self, cols: dict[str, int], name: str, option: str) -> int:
        if name in cols:
            return cols[name]
        folded = {k.casefold(): v for k, v in cols.items()}
        if name.casefold() in folded:
            return folded[name.casefold()]
        found = ", ".join(show(c, 30) for c in list(cols)[:12])
        raise InputError(
            f"no column {show(name)} ({option}); the header has: {found}. Name the column with {option} or "
            "pick a --preset",
            self.path,
            1,
        )

    def _stage(self, name: str, line: int) -> int | None:
        hit = self.resolved.get(name)
        if hit is not None:
            return hit if hit >= 0 else None
        sid = self.map.lookup(name.strip())
        if sid is None:
            n, first = self.unmapped.get(name, (0, line))
            self.unmapped[name] = (n + 1, first)
            return None
        if sid == "":
            self.resolved[name] = -1
            return None
        self.resolved[name] = self.index[sid]
        return self.index[sid]

    def _lead(self, key: str, persona: str) -> int:
        ix = self.lead_ix.get(key)
        if ix is None:
            ix = len(self.personas)
            self.lead_ix[key] = ix
            self.personas.append(None)
        if persona:
            pid = self.map.personas.get(persona.strip().casefold())
            if pid is None:
                self.unknown_personas[persona] = self.unknown_personas.get(persona, 0) + 1
            else:
                self.personas[ix] = pid
        return ix

    def _add(self, lead: int, stage_name: str, when: str, line: int) -> None:
        st = self._stage(stage_name, line)
        if st is None:
            if stage_name.strip() and self.map.lookup(stage_name.strip()) == "":
                self.ignored += 1
            return
        self.a_lead.append(lead)
        self.a_stage.append(st)
        self.a_ts.append(self.dates(when, line))
        self.a_line.append(line)

    def read(self, rows: Any) -> None:
        header = next(rows, None)
        self.line = rows.line_num
        if header is None or not any(h.strip() for h in header):
            raise InputError("the first line is not a header row", self.path, 1)
        cols = self._header(header)
        c = self.columns
        lead_col = self._need(cols, c.lead, "--lead-column")
        persona_col = self._need(cols, c.persona, "--persona-column") if c.persona else -1
        if not c.persona:  # a column named "persona" is used without being asked for
            persona_col = next((i for n, i in cols.items() if n.casefold() == "persona"), -1)
        if c.layout == "wide":
            pat = re.compile(c.pattern)
            wide = [(i, m.group(1)) for i, h in enumerate(header) if (m := pat.match(h.strip()))]
            if not wide:
                raise InputError(
                    f"no stage-date columns matching {show(c.pattern)} (e.g. 'Became a Lead Date')", self.path, 1
                )
            self._read_wide(rows, len(header), lead_col, persona_col, wide)
        else:
            stage_col = self._need(cols, c.stage, "--stage-column")
            time_col = self._need(cols, c.time, "--time-column")
            self._read_long(rows, len(header), lead_col, persona_col, stage_col, time_col)

    def _short(self, row: list[str], width: int) -> None:
        raise InputError(f"expected {width} fields like the header, found {len(row)}", self.path, self.line)

    def _read_long(self, rows: Any, width: int, lead_col: int, persona_col: int, stage_col: int, time_col: int) -> None:
        """Column-at-a-time: the rows are read in one go and each column is turned into codes with
        dict look-ups and numpy (dates parsed by numpy when they share one ISO form); only a problem
        sends the reader back over the rows one by one, to name its line."""
        first = rows.line_num + 1
        flat = rows.flat(width) if isinstance(rows, _Split) else None
        lines: list[int] | range
        if flat is not None:  # every line has the header's fields: columns are slices of one split
            lines = range(first, first + len(flat) // width)

            def column(i: int) -> list[str]:
                return flat[i::width]
        else:
            data = rows.rest() if isinstance(rows, _Split) else list(rows)
            # line numbers are the row positions unless a quoted field spans lines
            lines = range(first, first + len(data))
            if rows.line_num != first - 1 + len(data):
                lines = self._line_numbers(first - 1)
            need = max(lead_col, stage_col, time_col, persona_col) + 1
            if data and min(map(len, data)) < need:
                for row, line in zip(data, lines, strict=True):
                    if len(row) < need and any(x.strip() for x in row):
                        self.line = line
                        self._short(row, width)
                keep = [i for i, row in enumerate(data) if len(row) >= need]
                data = [data[i] for i in keep]
                lines = [lines[i] for i in keep]

            def column(i: int) -> list[str]:
                return list(map(itemgetter(i), data))

        self.line = rows.line_num
        keys = column(lead_col)
        names = column(stage_col)
        dates = column(time_col)
        # one hashing pass: each id -> the row it first appears on; then numbered densely in that order
        firsts: dict[str, int] = {}
        first_row = np.fromiter(map(firsts.setdefault, keys, range(len(keys))), dtype=np.int64, count=len(keys))
        uniq, dense = np.unique(first_row, return_inverse=True)
        lead = dense.astype(np.int32)
        ix = self.lead_ix
        ix.update({keys[i]: j for j, i in enumerate(uniq.tolist())})
        self.personas.extend([None] * (len(ix) - len(self.personas)))
        bad = next((k for k in ix if not k.strip()), None)
        if bad is not None:
            self.line = lines[keys.index(bad)]
            raise InputError("the lead id is empty", self.path, self.line)
        codes = {}
        for name in set(names):
            if not name.strip():
                self.line = lines[names.index(name)]
                raise InputError("the stage is empty", self.path, self.line)
            sid = self.map.lookup(name.strip())
            if sid is None:
                rows_of = [i for i, n in enumerate(names) if n == name]
                self.unmapped[name] = (len(rows_of), lines[rows_of[0]])
            codes[name] = -1 if not sid else self.index[sid]
        stage = np.fromiter(map(codes.__getitem__, names), dtype=np.int16, count=len(names))
        ts = self._fast_dates(dates, lines)
        if persona_col >= 0:
            values = column(persona_col)
            if any(not v.strip() for v in set(values)):
                last: dict[int, str] = {}
                for code, value in zip(lead.tolist(), values, strict=True):
                    if value.strip():
                        last[code] = value
            else:  # every row has a value: the last one per lead wins, in one dict build
                last = dict(zip(lead.tolist(), values, strict=True))
            self.assign_personas(last.items())
        self.append_rows(lead, stage, ts, np.asarray(lines, dtype=np.int64))

    def assign_personas(self, last: Iterable[tuple[int, str]]) -> None:
        """Each lead's persona from its last non-empty value (lead code, value); unknown values are counted."""
        for code, value in last:
            pid = self.map.personas.get(value.strip().casefold())
            if pid is None:
                self.unknown_personas[value] = self.unknown_personas.get(value, 0) + 1
            else:
                self.personas[code] = pid

    def append_rows(self, lead: np.ndarray, stage: np.ndarray, ts: np.ndarray, lines: np.ndarray) -> None:
        """Keep the rows whose stage is in the journey (stage code >= 0); the others count as ignored."""
        kept = stage >= 0
        self.ignored += int((~kept).sum()) - sum(n for n, _ in self.unmapped.values())
        self.a_lead.frombytes(lead[kept].tobytes())
        self.a_stage.frombytes(stage[kept].tobytes())
        self.a_ts.frombytes(ts[kept].astype(np.int64).tobytes())
        self.a_line.frombytes(lines[kept].astype(np.int64).tobytes())

    def _line_numbers(self, after: int) -> list[int]:
        """The line each record starts on (for files whose quoted fields span lines)."""
        out = []
        with open(self.path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            start = reader.line_num + 1
            for _ in reader:
                out.append(start)
                start = reader.line_num + 1
        return out

    def _fast_dates(self, dates: list[str], lines: list[int] | range) -> np.ndarray:
        """UTC seconds of each date; numpy when every value has one ISO form, else one by one."""
        joined = "\x00".join(dates) + "\x00"
        zulu = joined.count("Z\x00")
        # ISO dates have two dashes each: more means a negative offset may be there (then look for one)
        offsets = "+" in joined or (
            joined.count("-") != 2 * len(dates) and re.search(r"T[\d:.]+-\d", joined) is not None
        )
        if not offsets and zulu in (0, len(dates)) and joined.count("Z") == zulu:
            plain = joined[:-1].replace("Z", "").split("\x00") if zulu else dates
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    parsed = np.array(plain, dtype="datetime64[s]")
                seconds = parsed.astype(np.int64)
                # numpy reads years past 9999 too: those go one by one, to be refused at their line
                if not np.isnat(parsed).any() and seconds.min() >= _FIRST_SECOND and seconds.max() <= _LAST_SECOND:
                    return seconds
            except (ValueError, Warning):
                pass
        return np.array([self.dates(d, line) for d, line in zip(dates, lines, strict=True)], dtype=np.int64)

    def _read_wide(self, rows: Any, width: int, lead_col: int, persona_col: int, wide: list[tuple[int, str]]) -> None:
        need = max([lead_col, persona_col] + [i for i, _ in wide]) + 1
        for row in rows:
            self.line = rows.line_num
            if len(row) < need:
                if not any(x.strip() for x in row):
                    continue
                self._short(row, width)
            key = row[lead_col]
            if not key.strip():
                raise InputError("the record id is empty", self.path, self.line)
            lead = self._lead(key, row[persona_col] if persona_col >= 0 else "")
            for i, name in wide:
                if row[i].strip():
                    self._add(lead, name, row[i], self.line)

    def finish(self, stages: list[str]) -> EventLog:
        if self.unmapped:
            worst = sorted(self.unmapped.items(), key=lambda kv: kv[1][1])
            name, (n, first) = worst[0]
            others = ", ".join(f"{show(k, 30)} ({v[0]} rows)" for k, v in worst[1:6])
            raise InputError(
                f"stage name {show(name)} ({n} rows) is not a journey stage"
                + (f"; also unmapped: {others}" if others else "")
                + f". Map CRM names to stage ids with --map FILE ([stages], ignore = [...]; {DOCS_URL}/calibration.md)",
                self.path,
                first,
            )
        if not self.a_lead:
            raise InputError("no stage entries: the file has a header but no rows with a mapped stage", self.path)
        log = EventLog(
            self.path,
            stages,
            list(self.lead_ix),
            self.personas,
            np.frombuffer(self.a_lead, dtype=np.int32).copy(),
            np.frombuffer(self.a_stage, dtype=np.int16).copy(),
            np.frombuffer(self.a_ts, dtype=np.int64).copy(),
            np.frombuffer(self.a_line, dtype=np.int64).copy(),
        )
        if self.ignored:
            log.warnings.append(f"{self.ignored} rows with ignored stage names were skipped")
        if self.unknown_personas:
            names = ", ".join(show(k, 30) for k in sorted(self.unknown_personas)[:5])
            log.warnings.append(
                f"persona values not in the journey ({names}): those leads count in the pooled fit only; "
                "map them under [personas] in the stage map"
            )
        return _clean(log)


def _clean(log: EventLog) -> EventLog:
    """Sort by lead and time, drop exact duplicate rows, and say what was changed."""
    # an export listed lead by lead in time order (the usual shape) needs no sort (lexsort is stable)
    step_lead = np.diff(log.lead)
    in_order = bool(np.all(step_lead >= 0)) and bool(np.all((step_lead > 0) | (np.diff(log.ts) >= 0)))
    order = np.arange(log.lead.size) if in_order else np.lexsort((log.line, log.ts, log.lead))
    if not in_order and np.any(order[1:] < order[:-1]):
        lead_sorted = log.lead[order]
        # leads whose rows the file listed out of time order (rows of other leads interleaving is fine)
        same = lead_sorted[1:] == lead_sorted[:-1]
        back = same & (log.line[order][1:] < log.line[order][:-1])
        n = int(np.unique(lead_sorted[1:][back]).size)
        if n:
            log.warnings.append(f"{n} leads had rows out of time order in the file; they were sorted by date")
    out = EventLog(
        log.file,
        log.stages,
        log.lead_ids,
        log.personas,
        log.lead[order],
        log.stage[order],
        log.ts[order],
        log.line[order],
        list(log.warnings),
    )
    dup = (out.lead[1:] == out.lead[:-1]) & (out.ts[1:] == out.ts[:-1]) & (out.stage[1:] == out.stage[:-1])
    if dup.any():
        keep = np.concatenate([[True], ~dup])
        first = int(out.line[1:][dup][0])
        out.warnings.append(
            f"{int(dup.sum())} duplicate rows (same lead, stage and time) were dropped, e.g. line {first}"
        )
        out.lead, out.stage, out.ts, out.line = out.lead[keep], out.stage[keep], out.ts[keep], out.line[keep]
    # a repeated entry of the stage the lead is already in is not a move
    again = (out.lead[1:] == out.lead[:-1]) & (out.stage[1:] == out.stage[:-1])
    if again.any():
        keep = np.concatenate([[True], ~again])
        out.warnings.append(f"{int(again.sum())} repeated entries into the stage a lead was already in were merged")
        out.lead, out.stage, out.ts, out.line = out.lead[keep], out.stage[keep], out.ts[keep], out.line[keep]
    return out
