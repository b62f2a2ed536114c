"""Benchmark the app on a large journey (not a test): `python bench/bench_large_app.py [--stages N] [--errors]`.

Issue 8 (point 7) asks that a 10,000-stage journey opens in the app in under 2 s and that
edits answer in under 200 ms, with heavy work (forecast, checks) in workers that never
freeze input. Measured headless on the generated journey of bench/_journeys.py
(``large_journey``: a valid file, phases of ten stages, skips, regressions, stalls,
personas, channels and touchpoints; ``--errors`` uses ``big_journey`` instead, whose one
phase per stage is out of range from stage 1,000 on: 9,000 E105 errors in the problems
panel), with the 50-stage journey of the same generator as the same-run baseline, and the same
large journey once more opened as before this stop: the graph layout before its rewrite
(tests/tui/graph_layout_reference.py, patched into the graph widget) and the garbage collector
running during the load and Textual's start (``--no-old-layout`` skips that run):

- open: from creating the app (reading the file included) until the graph is laid out
  and a key press has been handled (the UI is interactive), forecast and checks still running;
- edit: one probability edit through the undo history until the screen has been
  repainted (the new label in the graph, "updating…" in the strip), median of R runs,
  while the checks and forecast of the previous edit may still run;
- key: an arrow key in the graph until repainted (what navigation costs);
- settled: until the worker's forecast and checks of that edit are on screen (not a target).

Each figure is wall time and, in brackets, the CPU time of the UI thread (``time.thread_time``:
what the app itself spent; the rest is waiting for the machine). Compare the ratio to
the baseline: on a loaded machine the seconds move, the ratio much less.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _journeys import big_journey, large_journey

from journeytui.model import edit
from journeytui.model.save import dumps
from journeytui.model.types import Journey
from journeytui.tui.app import JourneyApp
from journeytui.tui.document import Document
from journeytui.tui.widgets import graph as graph_widget
from journeytui.tui.widgets.graph import JourneyGraph

REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "tui"

OPEN_BUDGET, EDIT_BUDGET = 2.0, 0.2
Timing = tuple[float, float]
"""(wall, UI-thread CPU) seconds."""


async def _settled(app: JourneyApp, pilot, seconds: float = 300.0) -> float:  # type: ignore[no-untyped-def]
    """Until the forecast and the checks of the journey now are on screen."""
    start = time.perf_counter()
    while app.forecast_pending or app.checks_pending:
        if time.perf_counter() - start > seconds:
            return float("inf")
        await pilot.pause(0.01)
    return time.perf_counter() - start


def _median(pairs: list[Timing]) -> Timing:
    return statistics.median(w for w, _ in pairs), statistics.median(c for _, c in pairs)


def _before(on: bool) -> None:
    """Open as before this stop (``on``): the layout before its rewrite patched into the graph
    widget, the file loaded with the garbage collector running and the journey exempted from it
    on mount instead of before Textual starts; or put the current code back."""
    import gc
    import importlib
    import sys

    from journeytui.tui import app as app_module
    from journeytui.tui import graph_layout

    saved = _SAVED.setdefault("now", (JourneyApp.__init__, JourneyApp.on_mount, app_module.create_app))
    if not on:
        graph_widget.relayout, graph_widget.JourneyCanvas = graph_layout.relayout, graph_layout.JourneyCanvas  # type: ignore[misc]
        JourneyApp.__init__, JourneyApp.on_mount, app_module.create_app = saved  # type: ignore[method-assign]
        return
    sys.path.insert(0, str(REFERENCE))
    reference = importlib.import_module("graph_layout_reference")
    graph_widget.relayout, graph_widget.JourneyCanvas = reference.relayout, reference.JourneyCanvas  # type: ignore[misc]
    init, mount, _create = saved

    def init_unfrozen(self: JourneyApp, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def mount_frozen(self: JourneyApp) -> None:
        self._freeze_large()
        mount(self)

    def create_collecting(path: Path, *, watch_file: bool = True) -> JourneyApp:
        return JourneyApp(Document.open(path), watch_file=watch_file)

    JourneyApp.__init__, JourneyApp.on_mount = init_unfrozen, mount_frozen  # type: ignore[method-assign]
    app_module.create_app = create_collecting  # type: ignore[assignment]


_SAVED: dict[str, Any] = {}


async def _measure(path: Path, runs: int) -> dict[str, Timing]:
    start, cpu = time.perf_counter(), time.thread_time()
    from journeytui.tui import app as app_module

    app = app_module.create_app(path, watch_file=False)
    out: dict[str, Timing] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.query_one(JourneyGraph).canvas.regions, "the graph was not laid out"
        await pilot.press("down")
        assert app.selection == ("stages", 1)
        out["open"] = (time.perf_counter() - start, time.thread_time() - cpu)
        out["first settled"] = (await _settled(app, pilot), 0.0)
        edits, keys, settled = [], [], []
        for i in range(runs):
            t0, c0 = time.perf_counter(), time.thread_time()
            app.apply(f"p{i}", lambda j, i=i: edit.set_field(j, ("transitions", 0, "probability"), 0.1 + i / 1000))
            await pilot.pause()
            edits.append((time.perf_counter() - t0, time.thread_time() - c0))
            t0, c0 = time.perf_counter(), time.thread_time()
            await pilot.press("down" if i % 2 == 0 else "up")
            keys.append((time.perf_counter() - t0, time.thread_time() - c0))
            if i % 2:  # every other edit waits for the workers, the others answer while they run
                settled.append((await _settled(app, pilot), 0.0))
        out["edit"] = _median(edits)
        out["key"] = _median(keys)
        out["settled"] = _median(settled) if settled else (float("nan"), 0.0)
    return out


def _load() -> str:
    load = os.getloadavg()[0]
    return f"load average {load:.1f} on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--errors", action="store_true", help="the variant with 9,000 E105 errors (big_journey)")
    parser.add_argument("--no-old-layout", action="store_true", help="skip the run opened as before this stop")
    args = parser.parse_args()
    make: Callable[[int], Journey] = big_journey if args.errors else large_journey
    results: dict[str, dict[str, Timing]] = {}
    print(f"before: {_load()}")
    runs = [("50", 50, False), ("now", args.stages, False)]
    if not args.no_old_layout:
        runs.insert(1, ("old", args.stages, True))
    with tempfile.TemporaryDirectory() as tmp:
        for name, n, old in runs:
            path = Path(tmp) / f"large-{n}.toml"
            path.write_text(dumps(make(n)), encoding="utf-8")
            _before(old)
            results[name] = asyncio.run(_measure(path, args.runs))
            _before(False)
    print(f"after: {_load()}")
    base, big = results["50"], results["now"]
    if "old" in results:
        print(f"{args.stages:,} stages opened as before this stop -> now (same run):")
        for key in ("open", "edit", "key"):
            (ow, oc), (w, c) = results["old"][key], big[key]
            print(f"  {key:6}{ow * 1000:8.0f} ms ({oc * 1000:5.0f} cpu) -> {w * 1000:6.0f} ms ({c * 1000:5.0f} cpu)")
    print(f"{'':26}{'50 stages':>22}{f'{args.stages:,} stages':>22}{'ratio':>8}   target (wall)")
    for key, label, budget in (
        ("open", "open: graph shown, key ok", OPEN_BUDGET),
        ("edit", "edit: repainted", EDIT_BUDGET),
        ("key", "arrow key: repainted", EDIT_BUDGET),
        ("first settled", "checks+forecast after open", None),
        ("settled", "checks+forecast after edit", None),
    ):
        (bw, bc), (w, c) = base[key], big[key]
        verdict = "" if budget is None else f"< {budget * 1000:.0f} ms: {'ok' if w < budget else 'SLOW'}"
        cpu = key not in ("first settled", "settled")
        b_text = f"{bw * 1000:8.0f} ms" + (f" ({bc * 1000:5.0f} cpu)" if cpu else " " * 11)
        t_text = f"{w * 1000:8.0f} ms" + (f" ({c * 1000:5.0f} cpu)" if cpu else " " * 11)
        ratio = f"{w / bw:8.1f}" if bw >= 0.005 else f"{'-':>8}"  # a few ms: no meaningful ratio
        print(f"{label:26}{b_text:>22}{t_text:>22}{ratio}   {verdict}")


if __name__ == "__main__":
    main()
