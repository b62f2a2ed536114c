"""Benchmark the graph layout alone (not a test): `python bench/bench_layout.py [--stages N]`.

Lays out the generated valid journey of bench/_journeys.py (``large_journey``) with the layout
the app uses and, as the same-run baseline, with the layout before its rewrite (kept in
tests/tui/graph_layout_reference.py, which the tests hold the new one equal to). CPU time,
best of five, with the journey exempted from the garbage collector as the app does; then
the first band of rows drawn (what the first screen costs on top).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _journeys import large_journey

from journeytui.model.load import load_text
from journeytui.model.save import dumps
from journeytui.tui import graph_layout

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "tui"))
import graph_layout_reference


def _best(run: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stages", type=int, default=10_000)
    args = parser.parse_args()
    journey = load_text(dumps(large_journey(args.stages))).journey
    assert journey is not None
    gc.freeze()
    print(f"before: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    old = _best(lambda: graph_layout_reference.layout(journey))
    new = _best(lambda: graph_layout.layout(journey))
    first = _best(lambda: graph_layout.layout(journey).row(0)) - new
    print(f"after: load average {os.getloadavg()[0]:.1f}")
    print(f"{args.stages:,} stages, {len(journey.transitions):,} transitions, CPU, best of 5:")
    print(f"  layout before the rewrite  {old * 1000:7.1f} ms")
    print(f"  layout now                 {new * 1000:7.1f} ms   ({old / new:.1f}x faster)")
    print(f"  + the first band of rows   {first * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
