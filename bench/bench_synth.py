"""Benchmark: `synth`'s paths from the per-lead engine, against the engine's own run without a recorder.

In the same run, CPU time (best of 3) on the flagship over 52 weeks, at the file's population and
at a larger cohort:

* the baseline: ``simulate(runs=1, engine="leads")``, the engine alone (no recorder);
* the same with a recorder that drops what it gets: the recorder's own cost (a key comparison
  per lead slot per week);
* ``sample_paths`` (the full model, and ``plain_chain=True``): the run, the recording and the
  sorting into per-lead paths;
* ``to_csv`` of the full model's paths (the long layout), for scale.

Run: ``.venv/bin/python bench/bench_synth.py [LEADS]``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from journeytui.calibrate.synth import sample_paths, to_csv
from journeytui.model import load_journey
from journeytui.sim.montecarlo import simulate

ROOT = Path(__file__).resolve().parents[1]
WEEKS = 52


def cpu(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Best CPU seconds of ``repeat`` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        c0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - c0)
    return best, out


def main(big: int = 50_000) -> int:
    journey = load_journey(ROOT / "journeys" / "b2b-it-tool.toml")
    print(f"flagship, {WEEKS} weeks, CPU seconds (best of 3); load average {os.getloadavg()[0]:.1f}")
    for leads in (None, big):

        def drop(week: int, slots: np.ndarray, keys: np.ndarray) -> None:
            return None

        base, _ = cpu(lambda: simulate(journey, leads, WEEKS, runs=1, seed=0, engine="leads"))  # noqa: B023
        rec, _ = cpu(lambda: simulate(journey, leads, WEEKS, runs=1, seed=0, engine="leads", recorder=drop))  # noqa: B023
        full, paths = cpu(lambda: sample_paths(journey, WEEKS, 0, leads))  # noqa: B023
        plain, _ = cpu(lambda: sample_paths(journey, WEEKS, 0, leads, plain_chain=True))  # noqa: B023
        csv, _ = cpu(lambda: to_csv(journey, paths, "long"), repeat=1)  # noqa: B023
        n = int(paths.lead.max()) + 1
        print(f"initial cohort {leads or 'the file'}: {n:,} leads, {paths.lead.size:,} entries")
        print(f"  baseline: the engine alone                {base:7.3f} s")
        print(f"  the engine with a recorder                {rec:7.3f} s  ({rec / base:.2f}x)")
        print(f"  sample_paths, full model                  {full:7.3f} s  ({full / base:.2f}x)")
        print(f"  sample_paths, plain chain                 {plain:7.3f} s  ({plain / base:.2f}x)")
        print(f"  to_csv, long layout (for scale)           {csv:7.3f} s  ({csv / base:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:2])))
