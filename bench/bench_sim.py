"""Benchmark the simulator (not a test): `python bench/bench_sim.py [--quick]`.

Cases (issue 3): plain transitions + stalls, 1,000,000 leads x 104 weeks, one run,
against the pure-Python reference loop (bench/reference_loop.py) on the same journey;
the full flagship model, 100,000 leads x 104 weeks x 20 runs; the exact forecast of a
50-stage journey with stalls. Prints lead-weeks per second and the ratio (engine and
reference measured in the same run, each the best of 3).

Issue 9: the count engine on the plain + stalls + personas journey, 1,000,000 leads x
104 weeks x 100 runs, against the per-lead engine per run (measured in the same run);
the full flagship model with the engine `auto` picks and with the per-lead engine forced.
Times are wall-clock and CPU (process) time: on a shared machine the CPU time is the
engine's own cost. `--full` runs only the full flagship model (the per-lead engine, issue 9
target < 3 s) with its same-run baselines (the numpy per-lead engine it replaces, and the
plain chain), and prints the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference_loop import run_reference

from journeytui.model import (
    Duration,
    Journey,
    JourneyMeta,
    Population,
    Stage,
    Stall,
    Transition,
    load_journey,
)
from journeytui.sim import forecast, simulate
from journeytui.sim.montecarlo import _prepare, run_leads, run_numpy

ROOT = Path(__file__).resolve().parents[1]
PLAIN_IGNORE = ["scoring", "lifts", "gates", "capacity"]


def plain_journey() -> Journey:
    """The flagship's stages, transitions, stalls and personas, without arrivals or touchpoints."""
    j = load_journey(ROOT / "journeys" / "b2b-it-tool.toml")
    j.population.arrivals = {}
    j.population.accounts = 0
    j.touchpoints = []
    j.scoring = None
    for t in j.transitions:
        t.gate = None
    return j


def fifty_stages() -> Journey:
    n = 50
    stages = [Stage(id=f"s{i}", name=f"s{i}", entry=i == 0) for i in range(n)]
    stages += [Stage(id="won", name="won", kind="won"), Stage(id="lost", name="lost", kind="lost")]
    trans = [Transition(from_=f"s{i}", to=f"s{i + 1}" if i + 1 < n else "won", probability=0.3) for i in range(n)]
    trans += [Transition(from_=f"s{i}", to="lost", probability=0.02) for i in range(n)]
    trans += [Transition(from_=f"s{i}", to=f"s{i - 1}", probability=0.05, cause="c") for i in range(1, n)]
    kinds = [
        Duration(kind="fixed", weeks=6),
        Duration(kind="uniform", min=2, max=8),
        Duration(kind="geometric", mean=5.0),
    ]
    stalls = [Stall(stage=f"s{i}", probability=0.03, duration=kinds[i % 3], cause="hold") for i in range(n)]
    return Journey(
        journey=JourneyMeta(id="fifty", title="fifty", horizon=104),
        population=Population(initial={"s0": 10000}),
        stages=stages,
        transitions=trans,
        stalls=stalls,
    )


def timed(fn: object, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best


def cpu_timed(fn: object, repeat: int = 1) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds of this process) over `repeat` calls."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def count_engine_case(scale: int, weeks: int) -> None:
    """Issue 9: the count engine against the per-lead engine on plain + stalls + personas."""
    j = plain_journey()
    leads, runs = 1_000_000 // scale, 100
    simulate(j, leads=1000, weeks=4, runs=2, engine="counts")  # warm up (imports, caches)
    w_counts, c_counts = cpu_timed(lambda: simulate(j, leads=leads, weeks=weeks, runs=runs, seed=1, engine="counts"))
    w_leads, c_leads = cpu_timed(lambda: simulate(j, leads=leads, weeks=weeks, runs=1, seed=1, engine="leads"), 2)
    per_run = c_counts / runs
    print(f"count engine: plain + stalls + personas, {leads:,} leads x {weeks} weeks x {runs} runs")
    print(f"  counts:    {w_counts:8.2f} s wall  {c_counts:8.2f} s CPU  (target < 0.2 s)")
    print(f"  per-lead:  {w_leads:8.2f} s wall  {c_leads:8.2f} s CPU  for ONE run (best of 2)")
    print(f"  ratio:     {c_leads / per_run:8.1f}x  per run, CPU   (target >= 100x)")


def full_model_case(scale: int, weeks: int) -> None:
    """Issue 9: the full flagship model on the per-lead engine (compiled, sim/leadkernel.py),
    against the numpy per-lead engine it replaces and the plain chain (all in the same run)."""
    full = load_journey(ROOT / "journeys" / "b2b-it-tool.toml")
    leads, runs = 100_000 // scale, 20
    c, W, R, _ = _prepare(full, 1000, 4, 2, 1, (), None, "leads")
    run_leads(c, W, R, 1, {}, compiled=True)  # warm up (imports numba, loads the cached kernel)
    run_numpy(c, W, R, 1, {})
    load = os.getloadavg()[0]
    args = dict(leads=leads, weeks=weeks, runs=runs, seed=1, engine="leads")
    os.environ["JOURNEYTUI_THREADS"] = "1"
    w_full, c_full = cpu_timed(lambda: simulate(full, **args))  # type: ignore[arg-type]
    os.environ["JOURNEYTUI_THREADS"] = "2"
    w_two, c_two = cpu_timed(lambda: simulate(full, **args))  # type: ignore[arg-type]
    del os.environ["JOURNEYTUI_THREADS"]
    c, W, R, _ = _prepare(full, leads, weeks, runs, 1, (), None, "leads")
    settings: dict[str, object] = {}
    w_np, c_np = cpu_timed(lambda: run_numpy(c, W, R, 1, settings))
    every = ("scoring", "lifts", "gates", "capacity")
    os.environ["JOURNEYTUI_THREADS"] = "1"
    w_base, c_base = cpu_timed(lambda: simulate(full, ignore=every, **args))  # type: ignore[arg-type]
    del os.environ["JOURNEYTUI_THREADS"]
    print(f"full model (flagship), {leads:,} leads x {weeks} weeks x {runs} runs, per-lead engine")
    print(f"  compiled:  {w_full:8.2f} s wall  {c_full:8.2f} s CPU   one thread (target < 3 s)")
    print(f"  2 threads: {w_two:8.2f} s wall  {c_two:8.2f} s CPU   runs side by side (the default on 2 CPUs)")
    print(f"  numpy:     {w_np:8.2f} s wall  {c_np:8.2f} s CPU   the numpy per-lead engine (the old path)")
    print(f"  ratio:     {c_np / c_full:8.1f}x   CPU, numpy engine / compiled (one thread)")
    print(f"  plain:     {w_base:8.2f} s wall  {c_base:8.2f} s CPU   plain chain (scoring, lifts, gates, capacity off)")
    print(f"  load:      {load:8.2f}   1-minute load average before the run ({os.cpu_count()} CPUs)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (about 10x faster)")
    ap.add_argument("--full", action="store_true", help="only the full flagship model on the per-lead engine")
    args = ap.parse_args()
    scale = 10 if args.quick else 1
    weeks = 104
    if args.full:
        full_model_case(scale, weeks)
        return

    j = plain_journey()
    leads = 1_000_000 // scale
    # best of 3 for both sides: the machine may be busy with other work
    t_engine = timed(lambda: simulate(j, leads=leads, weeks=weeks, runs=1, seed=1, engine="leads"), repeat=3)
    ref_leads = 20_000 // scale
    t_ref = timed(lambda: run_reference(j, ref_leads, weeks, seed=1), repeat=3)
    eng_rate = leads * weeks / t_engine
    ref_rate = ref_leads * weeks / t_ref
    print(f"plain + stalls, {leads:,} leads x {weeks} weeks x 1 run, per-lead engine (best of 3)")
    print(f"  engine:    {t_engine:8.2f} s   {eng_rate / 1e6:8.2f} M lead-weeks/s")
    print(f"  reference: {t_ref:8.2f} s   {ref_rate / 1e6:8.3f} M lead-weeks/s ({ref_leads:,} leads)")
    print(f"  ratio:     {eng_rate / ref_rate:8.1f}x   (target >= 50x and < 2 s)")

    count_engine_case(scale, weeks)

    full = load_journey(ROOT / "journeys" / "b2b-it-tool.toml")
    leads, runs = 100_000 // scale, 20
    w_full, c_full = cpu_timed(lambda: simulate(full, leads=leads, weeks=weeks, runs=runs, seed=1, engine="leads"))
    t_full = timed(lambda: simulate(full, leads=leads, weeks=weeks, runs=runs, seed=1))
    every = ("scoring", "lifts", "gates", "capacity")
    t_base = timed(lambda: simulate(full, leads=leads, weeks=weeks, runs=runs, seed=1, ignore=every))
    print(f"full model (flagship), {leads:,} leads x {weeks} weeks x {runs} runs")
    print(f"  engine:    {t_full:8.2f} s   {leads * weeks * runs / t_full / 1e6:8.2f} M lead-weeks/s   (target < 3 s)")
    print(f"  per-lead:  {w_full:8.2f} s wall  {c_full:8.2f} s CPU  (engine forced to 'leads'; auto picks it too)")
    print(f"  baseline:  {t_base:8.2f} s   the same journey's plain chain (scoring, lifts, gates, capacity ignored)")
    print(f"  ratio:     {t_full / t_base:8.1f}x   what the full model's features cost")

    big = fifty_stages()
    forecast(big)
    t_exact = timed(lambda: forecast(big), repeat=20)
    mc_leads = 10_000
    t_mc = timed(lambda: simulate(big, leads=mc_leads, weeks=weeks, runs=1, seed=1, engine="leads"), repeat=3)
    print(f"exact forecast, 50 stages with stalls, {weeks} weeks: {t_exact * 1000:.2f} ms   (target < 10 ms)")
    print(f"  baseline:  {t_mc * 1000:8.2f} ms  one Monte Carlo run of {mc_leads:,} leads on the same journey")
    print(f"  ratio:     {t_mc / t_exact:8.1f}x   faster than that run, and exact")


if __name__ == "__main__":
    main()
