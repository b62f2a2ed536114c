"""Benchmark large journeys (not a test): `python bench/bench_large.py [--stages N] [--quick]`.

Issue 8, point 7. Each case prints its time and a baseline measured in the same run:

- validate a generated N-stage file (default 10,000; bench/_journeys.large_journey) against
  parsing the same text alone with the parser the loader uses (model/toml10.py: tomli 2.2's
  compiled build, else the standard library's tomllib), the floor no validator built on it
  can beat, and with tomllib;
- the exact forecast of the N-stage journey (sparse chain) against the original dense
  algorithm (sim/exact_dense.py) on a 1,000-stage journey, and the sparse one on the same;
- `report` on a 1,000-stage journey (forecast, KPI tree, sensitivity in one backward pass)
  against the old sensitivity's cost: one forecast per parameter, timed as forecasts x parameters;
- the stall bomb: six fixed stalls of ~10,000 weeks (the dense algorithm needed 26.8 GiB).

Numbers move with the machine's load; compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


from _journeys import large_journey, write_large

from journeytui.model import toml10
from journeytui.model.types import Duration, Stall
from journeytui.sim.exact import forecast
from journeytui.sim.exact_dense import forecast_dense
from journeytui.sim.live import live_forecast
from journeytui.sim.report import report
from journeytui.sim.sensitivity import params
from journeytui.validate import validate_file


def best(fn: Callable[[], object], runs: int) -> float:
    """The best of ``runs`` timings of ``fn`` (seconds)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def line(label: str, seconds: float, base_label: str, base: float) -> None:
    print(f"{label:<48} {seconds:8.3f} s   {base_label}: {base:8.3f} s   ratio {seconds / base:6.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stages", type=int, default=10_000)
    ap.add_argument("--quick", action="store_true", help="one run per case instead of three")
    args = ap.parse_args()
    runs = 1 if args.quick else 3
    n = args.stages
    with tempfile.TemporaryDirectory() as tmp:
        path = write_large(str(Path(tmp) / f"large{n}.toml"), n)
        text = Path(path).read_text(encoding="utf-8")
        size = len(text.encode())
        result = validate_file(path)
        assert result.journey is not None and not [d for d in result.diagnostics if d.is_error]
        v = best(lambda: validate_file(path), runs)
        parse = best(lambda: toml10.loads(text), runs)
        stdlib = best(lambda: tomllib.loads(text), runs)
        line(f"validate {n:,} stages ({size / 1e6:.1f} MB)", v, "parsing alone", parse)
        line(f"parsing alone ({toml10.parser_name()})", parse, "tomllib", stdlib)

    big = large_journey(n)
    fc = best(lambda: forecast(big), runs)
    mid = large_journey(1000)
    sparse_1k = best(lambda: forecast(mid), runs)
    dense_1k = best(lambda: forecast_dense(mid), 1)
    line(f"exact forecast, {n:,} stages x 4 personas x 104 weeks", fc, "same, 1,000 stages", sparse_1k)
    line("exact forecast, 1,000 stages (sparse)", sparse_1k, "dense (original), 1,000", dense_1k)

    rep = best(lambda: report(mid, source="large1000.toml"), 1)
    one = best(lambda: live_forecast(mid), runs)
    count = len(params(mid))
    line(f"report, 1,000 stages ({count:,} parameters)", rep, "old sensitivity (est.)", one * (count + 1))

    bomb = large_journey(2)
    bomb.stalls = [
        Stall(stage="s0", probability=0.01, duration=Duration(kind="fixed", weeks=10_000 - k), cause=f"c{k}")
        for k in range(6)
    ]
    line("stall bomb (6 fixed stalls of ~10,000 weeks)", best(lambda: forecast(bomb), runs), "1,000 stages", sparse_1k)


if __name__ == "__main__":
    main()
