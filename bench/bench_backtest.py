"""Benchmark: the full-model backtest on the flagship's own full-model history, warm start against
the fresh start it replaced, in the same run.

For each seed, ``synth``'s history of the flagship (one per-lead engine run with every feature) is
backtested twice with the same fit and seeds (``backtest``, 100 runs):

* the baseline, the **fresh start**: the origin's leads in new accounts laid out stage by stage,
  free, scores and the sales queue at zero, personas drawn (the code before the warm start, kept
  here as :func:`fresh_start_runs`);
* the **warm start** (calibrate/backtest.py ``warm_start_runs``): the history's own leads in their
  accounts with the hidden state of warm-up leads alike.

Prints each seed's overall coverage (share of week x stage cells inside p05..p95; 0.90 nominal),
the mean per stage, WAPE and the CPU time of each (calibration included) with their ratio.

Run: ``.venv/bin/python bench/bench_backtest.py [HISTORY_WEEKS CUTOFF_WEEK WEEKS FOLDS SEED...]``
(default: 40 29 4 3 20 21 22 23 24 25 26 27).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

import journeytui.calibrate.backtest as B
from journeytui.calibrate.events import EventLog
from journeytui.calibrate.fit import WEEK, Calibration
from journeytui.calibrate.synth import Paths, sample_paths
from journeytui.model import load_journey
from journeytui.model.types import Journey

FLAGSHIP = Path(__file__).resolve().parents[1] / "journeys" / "b2b-it-tool.toml"


def as_log(p: Paths) -> EventLog:
    """Paths as the reader would give them: an hour into each entry's week (tests' calibrate_helpers)."""
    n = int(p.lead.max()) + 1
    ts = (p.week * WEEK + 3600).astype(np.int64)
    personas = [p.personas[k] if k >= 0 else None for k in p.persona.tolist()]
    return EventLog(
        "x.csv", p.stages, [f"L{i}" for i in range(n)], personas, p.lead.astype(np.int32), p.stage.astype(np.int16),
        ts, np.arange(ts.size) + 2,
    )  # fmt: skip


def fresh_start_runs(
    fitted: Journey, cal: Calibration, past: EventLog, origin: int, weeks: int, runs: int, seed: int,
    rng: np.random.Generator,
) -> np.ndarray:  # fmt: skip
    """The baseline: the origin's open-stage leads as the journey's initial cohort of a plain ``simulate``."""
    from journeytui.sim.montecarlo import simulate

    stage0, _, _ = B.origin_state(fitted, past, origin, rng)
    stages = [s.id for s in fitted.stages]
    counts = np.bincount(stage0, minlength=len(stages))
    initial = {s: int(counts[i]) for i, s in enumerate(stages) if counts[i]}
    draws = min(runs, B.PARAMETER_DRAWS)
    out = []
    for d in range(draws):
        per = runs // draws + (1 if d < runs % draws else 0)
        j = B._drawn_journey(fitted, cal, rng, initial)
        res = simulate(j, weeks=weeks, runs=per, seed=seed * 1000 + d, engine="leads")
        cols = [res.stages.index(s) for s in stages]
        out.append(res.runs_counts[1:, :, cols].transpose(1, 0, 2))
    return np.concatenate(out, axis=0).astype(float)


def main() -> None:
    args = [int(a) for a in sys.argv[1:]] or [40, 29, 4, 3, *range(20, 28)]
    hist, cut, weeks, folds, seeds = args[0], args[1], args[2], args[3], args[4:] or [20]
    journey = load_journey(FLAGSHIP)
    warm = B.warm_start_runs
    cover: dict[str, list[list[float]]] = {"fresh": [], "warm": []}
    wape: dict[str, list[float]] = {"fresh": [], "warm": []}
    cpu = {"fresh": 0.0, "warm": 0.0}
    stages: list[str] = []
    for seed in seeds:
        log = as_log(sample_paths(journey, hist, seed))
        for name, fn in (("fresh", fresh_start_runs), ("warm", warm)):
            B.warm_start_runs = fn  # type: ignore[assignment]
            t0 = time.process_time()
            d = B.backtest(journey, log, cutoff=cut * WEEK, weeks=weeks, folds=folds, runs=100, seed=seed)
            cpu[name] += time.process_time() - t0
            stages = d["stages"]
            cover[name].append([d["coverage"][s] for s in stages] + [d["coverage"]["overall"]])
            wape[name].append(d["wape"]["overall"])
        print(f"seed {seed}: coverage fresh {cover['fresh'][-1][-1]:.2f}, warm {cover['warm'][-1][-1]:.2f}", flush=True)
    B.warm_start_runs = warm
    print(f"history {hist} weeks, cutoff week {cut}, {folds} origins x {weeks} weeks, 100 runs, seeds {seeds}")
    print("per stage:", ", ".join(stages), "| overall")
    for name in ("fresh", "warm"):
        a = np.array(cover[name])
        print(
            f"{name:5s} coverage mean {a.mean(axis=0).round(2).tolist()} (overall {a[:, -1].min():.2f}-"
            f"{a[:, -1].max():.2f}), WAPE {np.mean(wape[name]):.3f}, CPU {cpu[name]:.1f} s"
        )
    print(f"CPU warm / fresh: {cpu['warm'] / cpu['fresh']:.2f}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
