"""Benchmark sweeps (not a test): `python bench/bench_sweep.py [--scenarios N] [--quick]`.

Issue 13's cases:

1. Scenarios of the flagship's plain chain with stalls (bench_sim.plain_journey: stages,
   transitions, stalls and personas; no arrivals or touchpoints), 100,000 leads, 104 weeks,
   20 runs each, two levers varied; the issue asks for 10,000 scenarios. Reported: seconds per
   scenario through the sweep (apply + validate + the full model + the row), against the
   same-run baseline of one bare ``simulate`` call with the same settings (the ratio is the
   sweep's own overhead), and the projected time for 10,000 scenarios.
2. The same scenarios with ``--exact`` (the plain chain's exact forecast, no runs), on 1 and 2
   local worker processes.
3. Full-model scenarios of the flagship (scoring, lifts, gates, capacity: the per-lead engine),
   on 1 and then 2 local worker processes: wall time and the speed-up.

Times are wall-clock; the machine is shared, so the CPU time of the process is printed too.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sim import plain_journey

from journeytui.model import load_journey
from journeytui.sim import simulate
from journeytui.sweep.evaluate import Context
from journeytui.sweep.runner import run_scenarios
from journeytui.sweep.scenarios import scenarios
from journeytui.sweep.spec import parse_sweep

ROOT = Path(__file__).resolve().parents[1]

PLAIN_SWEEP = """
[[levers]]
id = "compare_to_evaluate"
kind = "transition"
from = "compare"
to = "evaluate"
min = 0.05
max = 0.15
step = 0.0001

[[levers]]
id = "budget_freeze"
kind = "stall"
stage = "compare"
cause = "budget freeze"
min = 0.0
max = 0.02
step = 0.002
"""

FULL_SWEEP = """
[[levers]]
id = "roi_content"
kind = "transition"
from = "compare"
to = "evaluate"
values = [0.08, 0.10, 0.12]

[[levers]]
id = "inside_sales"
kind = "capacity"
channel = "inside_sales"
values = [40, 80]
"""


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def plain(n: int) -> None:
    journey = plain_journey()
    sweep = parse_sweep(PLAIN_SWEEP).sweep
    assert sweep is not None
    ctx = Context(journey, sweep, weeks=104, runs=20, seed=0, leads=100_000)
    todo = scenarios(sweep, "lhs", n, seed=0)
    w0, c0 = _clock()
    simulate(journey, leads=100_000, weeks=104, runs=20, seed=0)
    w1, c1 = _clock()
    rows = run_scenarios(ctx, todo)
    w2, c2 = _clock()
    base, per = w1 - w0, (w2 - w1) / len(rows)
    print(f"plain chain + stalls, 100,000 leads x 104 weeks x 20 runs, {len(rows):,} scenarios:")
    print(f"  baseline simulate: {base:.3f} s wall ({c1 - c0:.3f} s CPU)")
    cpu = (c2 - c1) / len(rows)
    print(f"  per scenario:      {per:.3f} s wall ({cpu:.3f} s CPU); ratio {per / base:.2f}x the baseline")
    print(f"  10,000 scenarios:  about {per * 10_000 / 60:,.0f} minutes on one process (target: 60 s)")
    print(f"  engines: {sorted({r.get('engine') for r in rows})}")


def exact(n: int, workers: tuple[int, ...]) -> None:
    """The same scenarios with `--exact`: each the exact forecast (expected counts, no runs)."""
    journey = plain_journey()
    sweep = parse_sweep(PLAIN_SWEEP).sweep
    assert sweep is not None
    ctx = Context(journey, sweep, weeks=104, runs=20, seed=0, leads=100_000, exact=True)
    todo = scenarios(sweep, "lhs", n, seed=0)
    for w in workers:
        w0, c0 = _clock()
        rows = run_scenarios(ctx, todo, "local", w)
        w1, c1 = _clock()
        print(
            f"plain chain + stalls, --exact, {len(rows):,} scenarios on {w} worker(s): {w1 - w0:.1f} s wall "
            f"({(w1 - w0) / len(rows) * 1000:.1f} ms per scenario; main process CPU {c1 - c0:.1f} s)"
        )


def full(workers: tuple[int, ...]) -> None:
    journey = load_journey(ROOT / "journeys" / "b2b-it-tool.toml")
    sweep = parse_sweep(FULL_SWEEP).sweep
    assert sweep is not None
    ctx = Context(journey, sweep, weeks=52, runs=10, seed=0)
    todo = scenarios(sweep)
    times = {}
    for w in workers:
        t0, _ = _clock()
        rows = run_scenarios(ctx, todo, "local", w)
        times[w] = time.perf_counter() - t0
        print(f"full flagship model, {len(rows)} scenarios x 10 runs on {w} worker(s): {times[w]:.1f} s wall")
    if 1 in times and 2 in times:
        print(f"  speed-up with 2 workers: {times[1] / times[2]:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenarios", type=int, default=10_000, help="plain-chain scenarios (default 10,000)")
    ap.add_argument("--quick", action="store_true", help="40 plain-chain scenarios")
    args = ap.parse_args()
    plain(40 if args.quick else args.scenarios)
    exact(400 if args.quick else args.scenarios, (1, 2))
    full((1, 2))


if __name__ == "__main__":
    main()
