"""Benchmark: read and fit 1,000,000 stage entries (the budget: under 5 s on the project's 2-core machine).

Writes a synthetic long-layout export of the flagship journey with about a million rows, then times:

* the baseline, in the same run: the standard library's csv module merely iterating the rows;
* pyarrow's and polars' CSV readers, when installed (they are not dependencies: this is how the
  choice of reader was measured);
* ``read_events`` (csv module + date parsing + stage mapping) and ``calibrate`` (the fit).

Run: ``.venv/bin/python bench/bench_calibrate.py [ROWS]``.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import time
from pathlib import Path

from journeytui.calibrate.events import read_events
from journeytui.calibrate.fit import calibrate, parse_when
from journeytui.calibrate.synth import START, as_of_date, sample_paths, to_csv
from journeytui.model import load_journey

ROOT = Path(__file__).resolve().parents[1]


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
        print(f"{n:,} rows, {path.stat().st_size / 1e6:.0f} MB")

        t0 = time.perf_counter()
        with open(path, encoding="utf-8", newline="") as fh:
            count = sum(1 for _ in csv.reader(fh))
        base = time.perf_counter() - t0
        print(f"baseline: csv module, iterate {count:,} rows: {base:.2f} s")
        try:
            import pyarrow.csv as pacsv  # type: ignore[import-not-found]

            t0 = time.perf_counter()
            pacsv.read_csv(path)
            print(f"pyarrow read_csv: {time.perf_counter() - t0:.2f} s")
        except ImportError:
            print("pyarrow: not installed (not a dependency)")
        try:
            import polars as pl  # type: ignore[import-not-found]

            t0 = time.perf_counter()
            pl.read_csv(path)
            print(f"polars read_csv: {time.perf_counter() - t0:.2f} s")
        except ImportError:
            print("polars: not installed (not a dependency)")

        t0, c0 = time.perf_counter(), time.process_time()
        log = read_events(str(path), journey)
        t_read = time.perf_counter() - t0
        t1 = time.perf_counter()
        cal = calibrate(journey, log, as_of=parse_when(as_of_date(START, weeks)))
        t_fit = time.perf_counter() - t1
        total, cpu = t_read + t_fit, time.process_time() - c0
        print(f"read_events: {t_read:.2f} s; calibrate: {t_fit:.2f} s; total {total:.2f} s ({len(cal.changes)} values)")
        # the machine is shared: CPU time is what the code costs when the cores are not contended
        print(f"CPU time: {cpu:.2f} s; load average: {os.getloadavg()[0]:.1f}")
        print("PASS" if total < 5.0 else "SLOW", "(budget 5 s, wall clock)")
        return 0 if total < 5.0 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
