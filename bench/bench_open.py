"""Benchmark opening the app (not a test): `python bench/bench_open.py [--runs N]`.

Issue 4 asks that opening the flagship journey shows the graph in under a second.
Measured headless: from creating the app to the first frame with the graph laid out,
median of N runs. Baseline in the same run: loading and validating the same file
(`validate_file`), the work the app cannot avoid. Also times one edit + re-render on a
generated 50-stage journey ("edits feel immediate").
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from _journeys import big_journey

from journeytui.bundled import flagship
from journeytui.model import edit
from journeytui.model.save import dumps
from journeytui.tui.app import create_app
from journeytui.tui.widgets.graph import JourneyGraph
from journeytui.validate import validate_file


async def _open_once(path: Path) -> float:
    start = time.perf_counter()
    app = create_app(path, watch_file=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        graph = app.query_one(JourneyGraph)
        assert graph.canvas.regions, "the graph was not laid out"
        elapsed = time.perf_counter() - start
    return elapsed


async def _edit_once(path: Path, runs: int) -> float:
    app = create_app(path, watch_file=False)
    times = []
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        for i in range(runs):
            start = time.perf_counter()
            app.apply(f"set p{i}", lambda j, i=i: edit.set_field(j, ("transitions", 0, "probability"), 0.1 + i / 1000))
            await pilot.pause()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    path = flagship()

    base = []
    for _ in range(args.runs):
        start = time.perf_counter()
        validate_file(path)
        base.append(time.perf_counter() - start)
    opened = [asyncio.run(_open_once(path)) for _ in range(args.runs)]
    b, o = statistics.median(base), statistics.median(opened)
    print(f"load + validate {path.name}: {b * 1000:8.1f} ms (baseline)")
    verdict = "ok" if o < 1 else "SLOW"
    print(f"open app, graph shown:    {o * 1000:8.1f} ms  = {o / b:.0f}x baseline  (target < 1000 ms: {verdict})")

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.toml"
        big.write_text(dumps(big_journey()), encoding="utf-8")
        start = time.perf_counter()
        validate_file(big)
        vb = time.perf_counter() - start
        ob = asyncio.run(_open_once(big))
        e = asyncio.run(_edit_once(big, args.runs))
    print(f"50-stage journey: load + validate {vb * 1000:.1f} ms; open {ob * 1000:.1f} ms")
    print(f"50-stage journey: one edit until repainted (forecast: in a worker): {e * 1000:.1f} ms (median)")
    print("10,000 stages: python bench/bench_large_app.py")


if __name__ == "__main__":
    main()
