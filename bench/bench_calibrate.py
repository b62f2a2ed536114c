"""Benchmark: read and fit 1,000,000 stage entries (the budget: under 5 s on the project's 2-core machine).

Writes a synthetic long-layout export of the flagship journey with about a million rows, then times,
in the same run (wall clock and CPU time, which counts every thread):

* the baseline: the standard library's csv module merely iterating the rows;
* the readers compared for the choice: the csv module with numpy's date parsing (the precise pass
  ``read_events`` falls back to on bad input), pyarrow and polars (when installed: polars is not a
  dependency), each reading the columns as text and parsing the ISO 8601 timestamps;
* ``read_events`` (pyarrow, stage mapping, sorting check) and ``calibrate`` (the fit), the budget.

Run: ``.venv/bin/python bench/bench_calibrate.py [ROWS]``.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from journeytui.calibrate import events
from journeytui.calibrate.events import read_events
from journeytui.calibrate.fit import calibrate, parse_when
from journeytui.calibrate.synth import START, as_of_date, sample_paths, to_csv
from journeytui.model import load_journey

ROOT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU seconds of one call, and its result."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def pyarrow_read(path: Path) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    names = ["lead_id", "stage", "timestamp", "persona"]
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())))
    return pc.cast(table["timestamp"], pa.timestamp("us", "UTC"))


def polars_read(path: Path) -> Any:
    import polars as pl  # type: ignore[import-not-found]

    frame = pl.read_csv(path, infer_schema=False)
    return frame["timestamp"].str.to_datetime(time_zone="UTC", strict=True)


def main(rows: int = 1_000_000) -> int:
    journey = load_journey(ROOT / "journeys" / "b2b-it-tool.toml")
    weeks = 104
    # the flagship makes about 5 entries per lead over two years: scale the cohort to the rows asked for
    paths = sample_paths(journey, weeks, seed=0, leads=max(1000, int(rows / 5.2) - 120 * weeks))
    text = to_csv(journey, paths, "long", seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        path.write_text(text, encoding="utf-8")
        n = text.count("\n") - 1
        print(f"{n:,} rows, {path.stat().st_size / 1e6:.0f} MB; load average {os.getloadavg()[0]:.1f}")

        def iterate() -> int:
            with open(path, encoding="utf-8", newline="") as fh:
                return sum(1 for _ in csv.reader(fh))

        base_wall, base_cpu, _ = timed(iterate)
        print(f"baseline: csv module, iterate the rows: {base_wall:.2f} s wall, {base_cpu:.2f} s CPU")

        def line(name: str, wall: float, cpu: float) -> None:
            print(f"{name}: {wall:.2f} s wall, {cpu:.2f} s CPU ({cpu / base_cpu:.2f}x the baseline's CPU)")

        print("reading and parsing the dates (reader comparison):")
        real = events._read_long_arrow
        events._read_long_arrow = lambda reader, raw: False  # type: ignore[assignment]
        try:
            wall, cpu, _ = timed(lambda: read_events(str(path), journey))
            line("  csv module + numpy (read_events' precise pass)", wall, cpu)
        finally:
            events._read_long_arrow = real
        for name, fn in (("pyarrow", pyarrow_read), ("polars", polars_read)):
            try:
                line(f"  {name}", *timed(lambda fn=fn: fn(path))[:2])
            except ImportError:
                print(f"  {name}: not installed")

        t_read, c_read, log = timed(lambda: read_events(str(path), journey))
        t_fit, c_fit, cal = timed(lambda: calibrate(journey, log, as_of=parse_when(as_of_date(START, weeks))))
        total, cpu = t_read + t_fit, c_read + c_fit
        print(f"read_events (pyarrow): {t_read:.2f} s wall, {c_read:.2f} s CPU")
        fm = cal.full_model or {}
        print(
            f"calibrate: {t_fit:.2f} s wall, {c_fit:.2f} s CPU ({len(cal.changes)} values; full-model match: "
            f"{fm.get('iterations', 0)} iterations, converged {fm.get('converged')})"
        )
        print(
            f"read + fit: {total:.2f} s wall, {cpu:.2f} s CPU ({total / base_wall:.1f}x the baseline's wall, "
            f"{cpu / base_cpu:.1f}x its CPU); load average {os.getloadavg()[0]:.1f}"
        )
        # the machine is shared: CPU time is what the code costs when the cores are not contended
        print("PASS" if total < 5.0 else "SLOW", "(budget 5 s, wall clock)")
        return 0 if total < 5.0 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
