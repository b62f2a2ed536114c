"""The results file of a sweep: one row per scenario, written as each finishes, resumable.

CSV (``.csv``) or JSON lines (``.jsonl``, ``.ndjson``, ``.json``). Each row carries the hash
of the inputs it was computed from (journey, sweep, weeks, runs, seed, common random
numbers); a rerun with the same ``--out`` skips the scenarios already there, and refuses a
file written from different inputs rather than mix stale rows in. A line cut short by an
interrupted write is dropped on resume. When the sweep completes the file is rewritten in
scenario order (atomically), so the finished file is byte-identical whatever the engine,
the worker count or the order scenarios finished in. No Textual.

Parquet is not offered: pyarrow is ~100 MB for a table of a few thousand rows that CSV and
pandas/polars read just as well.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from journeytui.sweep.spec import SweepFile

SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
METRICS = [
    "cost",
    "touch_cost",
    "won",
    "won_p05",
    "won_p95",
    "pipeline",
    "cost_per_win",
    "objective",
    "feasible",
    "status",
    "message",
    "engine",
    "seed",
]


class ResultsError(Exception):
    """The results file cannot be used (stale, unreadable, unknown format); the message says why."""


def results_format(path: str) -> str:
    fmt = SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise ResultsError(f"--out {path}: use a .csv or .jsonl file name")
    return fmt


def _columns(sweep: SweepFile) -> list[str]:
    return ["index", "scenario", *[f"lever:{lv.id}" for lv in sweep.levers], *METRICS, "input"]


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, float) else str(v)


def _parse_cell(name: str, text: str) -> Any:
    if text == "":
        return None
    if name in ("status", "message", "engine", "scenario", "input"):
        return text
    if name == "feasible":
        return text == "true"
    if name in ("index", "seed"):
        return int(text)
    return float(text)


def dumps_row(row: dict[str, Any], sweep: SweepFile, fmt: str, input_hash: str) -> str:
    """One line of the results file for ``row``."""
    if fmt == "jsonl":
        return json.dumps({**row, "input": input_hash}, ensure_ascii=False, separators=(",", ":")) + "\n"
    flat = {"index": row["index"], "scenario": row["scenario"], "input": input_hash}
    flat.update({f"lever:{k}": v for k, v in row["levers"].items()})
    flat.update({k: row.get(k) for k in METRICS})
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([_cell(flat.get(c)) for c in _columns(sweep)])
    return buf.getvalue()


def _header(sweep: SweepFile, fmt: str) -> str:
    if fmt == "jsonl":
        return ""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(_columns(sweep))
    return buf.getvalue()


def _parse_line(line: str, sweep: SweepFile, fmt: str, header: list[str] | None) -> dict[str, Any]:
    if fmt == "jsonl":
        row: dict[str, Any] = json.loads(line)
        return row
    assert header is not None
    cells = next(csv.reader([line]))
    flat = dict(zip(header, cells, strict=True))
    out: dict[str, Any] = {"levers": {}}
    for name, text in flat.items():
        if name.startswith("lever:"):
            out["levers"][name[6:]] = float(text)
        else:
            out[name] = _parse_cell(name, text)
    return out


def read_rows(path: str, sweep: SweepFile) -> list[dict[str, Any]]:
    """Every row of a finished or partial results file of ``sweep``, whatever inputs it came from
    (the app reads a sweep's results to apply one scenario's values). Raises :class:`ResultsError`."""
    fmt = results_format(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ResultsError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise ResultsError(f"{path} is not a sweep results file (not UTF-8 text)") from None
    header = None
    if fmt == "csv":
        header = next(csv.reader([lines[0]])) if lines else None
        if header != _columns(sweep):
            raise ResultsError(f"{path}:1: its columns are not those of this sweep file's levers")
        lines = lines[1:]
    rows = []
    for n, line in enumerate(lines, start=2 if header else 1):
        try:
            row = _parse_line(line, sweep, fmt, header)
            if set(row["levers"]) != {lv.id for lv in sweep.levers}:
                raise ValueError
        except (ValueError, StopIteration, TypeError, KeyError):
            raise ResultsError(f"{path}:{n}: not a row of this sweep's results") from None
        rows.append(row)
    return rows


class ResultsFile:
    """Appends rows to ``path`` as scenarios finish; :meth:`done` reads what a previous run wrote."""

    def __init__(self, path: str, sweep: SweepFile, input_hash: str) -> None:
        self.path = path
        self.sweep = sweep
        self.fmt = results_format(path)
        self.input_hash = input_hash
        self._fh: io.TextIOWrapper | None = None

    def done(self) -> dict[str, dict[str, Any]]:
        """Rows already in the file, by scenario key (a torn last line is cut off first).

        Raises :class:`ResultsError` when the file holds rows from other inputs.
        """
        p = Path(self.path)
        if not p.exists():
            return {}
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise ResultsError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        if raw and not raw.endswith(b"\n"):
            cut = raw.rfind(b"\n") + 1
            with open(self.path, "r+b") as fh:
                fh.truncate(cut)
            raw = raw[:cut]
        try:
            lines = raw.decode("utf-8").splitlines()
        except UnicodeDecodeError:
            raise ResultsError(f"{self.path} is not a sweep results file (not UTF-8 text)") from None
        header = None
        if self.fmt == "csv" and lines:
            header = next(csv.reader([lines[0]]))
            if header != _columns(self.sweep):
                raise ResultsError(
                    f"{self.path} holds results with other columns (another sweep file); "
                    "choose another --out, or delete it to start again"
                )
            lines = lines[1:]
        rows: dict[str, dict[str, Any]] = {}
        for n, line in enumerate(lines, start=2 if header else 1):
            try:
                row = _parse_line(line, self.sweep, self.fmt, header)
            except (ValueError, StopIteration, TypeError) as exc:
                raise ResultsError(f"{self.path}:{n}: not a sweep results row ({type(exc).__name__})") from None
            if row.get("input") != self.input_hash:
                raise ResultsError(
                    f"{self.path} holds results computed from a different journey, sweep file or settings "
                    "(--runs, --seed, --no-crn, weeks); choose another --out, or delete it to start again"
                )
            rows[str(row.get("scenario"))] = row
        return rows

    def open(self) -> None:
        """Open the file for appending (writing the CSV header to a new file). Raises OSError."""
        if self._fh is None:
            new = not Path(self.path).exists() or Path(self.path).stat().st_size == 0
            self._fh = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115 - kept open across rows
            if new:
                self._fh.write(_header(self.sweep, self.fmt))
                self._fh.flush()

    def append(self, row: dict[str, Any]) -> None:
        """Write one row and flush it, so an interruption loses at most the scenarios running."""
        self.open()
        assert self._fh is not None
        self._fh.write(dumps_row(row, self.sweep, self.fmt, self.input_hash))
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            self._fh = None

    def finish(self, rows: list[dict[str, Any]]) -> None:
        """Rewrite the file atomically with every row in scenario order."""
        from journeytui.model.save import atomic_write

        self.close()
        ordered = sorted(rows, key=lambda r: int(r["index"]))
        text = _header(self.sweep, self.fmt) + "".join(
            dumps_row({k: v for k, v in r.items() if k != "input"}, self.sweep, self.fmt, self.input_hash)
            for r in ordered
        )
        atomic_write(self.path, text)
