"""Benchmark the app on a large journey (not a test): `python bench/bench_large_app.py [--stages N] [--runs R]`.

Issue 8 (point 7) asks that a 10,000-stage journey opens in the app in under 2 s and that
edits answer in under 200 ms, with heavy work (forecast, checks) in workers that never
freeze input. Measured headless on the generated journey of bench/_journeys.py (a chain
with skips, regressions, stalls and a drop-out to "lost" from every stage), with the
50-stage journey as the same-run baseline:

- open: from creating the app (reading the file included) until the graph is laid out
  and a key press has been handled (the UI is interactive), forecast still running;
- edit: one probability edit through the undo history until the screen has been
  repainted (the new label in the graph, "updating…" in the strip), median of R runs;
- key: an arrow key in the graph until repainted (what navigation costs);
- settled: until the worker's forecast of that edit is on screen (not a target).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from _journeys import big_journey

from journeytui.model import edit
from journeytui.model.save import dumps
from journeytui.tui.app import JourneyApp, create_app
from journeytui.tui.widgets.graph import JourneyGraph

OPEN_BUDGET, EDIT_BUDGET = 2.0, 0.2


async def _settled(app: JourneyApp, pilot, seconds: float = 120.0) -> float:  # type: ignore[no-untyped-def]
    """Until the forecast of the journey now is on screen (the checks may still run: not timed)."""
    start = time.perf_counter()
    while app.forecast_pending:
        if time.perf_counter() - start > seconds:
            return float("inf")
        await pilot.pause(0.01)
    return time.perf_counter() - start


async def _measure(path: Path, runs: int) -> dict[str, float]:
    start = time.perf_counter()
    app = create_app(path, watch_file=False)
    out: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.query_one(JourneyGraph).canvas.regions, "the graph was not laid out"
        await pilot.press("down")
        assert app.selection == ("stages", 1)
        out["open"] = time.perf_counter() - start
        out["first settled"] = await _settled(app, pilot)
        edits, keys, settled = [], [], []
        for i in range(runs):
            t0 = time.perf_counter()
            app.apply(f"p{i}", lambda j, i=i: edit.set_field(j, ("transitions", 0, "probability"), 0.1 + i / 1000))
            await pilot.pause()
            edits.append(time.perf_counter() - t0)
            settled.append(await _settled(app, pilot))
            t0 = time.perf_counter()
            await pilot.press("down" if i % 2 == 0 else "up")
            keys.append(time.perf_counter() - t0)
        out["edit"] = statistics.median(edits)
        out["key"] = statistics.median(keys)
        out["settled"] = statistics.median(settled)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (50, args.stages):
            path = Path(tmp) / f"large-{n}.toml"
            path.write_text(dumps(big_journey(n)), encoding="utf-8")
            results[n] = asyncio.run(_measure(path, args.runs))
    base, big = results[50], results[args.stages]
    print(f"{'':28}{'50 stages':>12}{f'{args.stages:,} stages':>16}   target")
    for key, label, budget in (
        ("open", "open: graph shown, key ok", OPEN_BUDGET),
        ("edit", "edit: repainted", EDIT_BUDGET),
        ("key", "arrow key: repainted", EDIT_BUDGET),
        ("first settled", "forecast after open", None),
        ("settled", "forecast after an edit", None),
    ):
        verdict = "" if budget is None else f"< {budget * 1000:.0f} ms: {'ok' if big[key] < budget else 'SLOW'}"
        print(f"{label:28}{base[key] * 1000:10.1f} ms{big[key] * 1000:12.1f} ms   {verdict}")


if __name__ == "__main__":
    main()
