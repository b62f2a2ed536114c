"""Benchmark the what-if loop (not a test): `python bench/bench_whatif.py [--runs N]`.

Issue 5 asks that a nudge updates the forecast and KPIs within 100 ms on a 50-stage journey.
Measured on a generated journey (50 open stages in a chain with skips, regressions, stalls,
four personas with per-persona overrides, arrivals), median of N runs:

- baseline: a bare exact forecast (`journeytui.sim.forecast`), the work no what-if can avoid;
- domain: nudge + live forecast + bottleneck figures (what the app computes per nudge);
- app: the nudge action in the running app (the edit through the undo history, validation,
  the forecast, the graph layout and every panel), and a `+` key press through the headless
  pilot until the screen is repainted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from _journeys import big_journey

from journeytui.model.save import dumps
from journeytui.sim import forecast
from journeytui.sim.live import live_forecast, stage_health
from journeytui.sim.sensitivity import nudge
from journeytui.tui.app import create_app

BUDGET_MS = 100.0


def _median_ms(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


async def _app_nudges(path: Path, runs: int) -> tuple[float, float, float]:
    """Medians: the nudge action alone, a nudge key press through the pilot until repainted,
    and an unbound key press through the pilot (what the pilot itself costs)."""
    app = create_app(path, watch_file=False)
    handler, pressed, idle = [], [], []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.selection = ("transitions", 0)
        await pilot.pause()
        for k in range(runs):
            start = time.perf_counter()
            app.action_nudge(1 if k % 2 == 0 else -1)
            handler.append(time.perf_counter() - start)
            await pilot.pause()
            start = time.perf_counter()
            await pilot.press("plus" if k % 2 == 0 else "minus")
            await pilot.pause()
            pressed.append(time.perf_counter() - start)
            start = time.perf_counter()
            await pilot.press("f12")  # bound to nothing
            await pilot.pause()
            idle.append(time.perf_counter() - start)
    return tuple(statistics.median(x) * 1000 for x in (handler, pressed, idle))  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    j = big_journey(personas=4)
    baseline = _median_ms(lambda: forecast(j), args.runs)
    flip = [0]

    def domain() -> None:
        flip[0] ^= 1
        moved = nudge(j, "transitions", 0, 0.01 if flip[0] else -0.01)
        stage_health(moved, live_forecast(moved))

    domain_ms = _median_ms(domain, args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.toml"
        path.write_text(dumps(j), encoding="utf-8")
        handler_ms, press_ms, idle_ms = asyncio.run(_app_nudges(path, args.runs))
    print(f"50-stage journey, 104 weeks, 4 personas, median of {args.runs} runs")
    print(f"baseline  exact forecast                      {baseline:7.1f} ms")
    print(f"domain    nudge + forecast + health           {domain_ms:7.1f} ms")
    print(f"app       nudge action (edit+forecast+panels) {handler_ms:7.1f} ms   (budget {BUDGET_MS:.0f} ms)")
    print(f"app       key press -> repaint (headless)     {press_ms:7.1f} ms")
    print(f"baseline  unbound key press -> repaint        {idle_ms:7.1f} ms   (the pilot's own cost)")
    print(f"app       nudge beyond the pilot's cost       {press_ms - idle_ms:7.1f} ms   (budget {BUDGET_MS:.0f} ms)")


if __name__ == "__main__":
    main()
