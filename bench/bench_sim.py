"""Benchmark the simulator (not a test): `python bench/bench_sim.py [--quick]`.

Cases (issue 3): plain transitions + stalls, 1,000,000 leads x 104 weeks, one run,
against the pure-Python reference loop (bench/reference_loop.py) on the same journey;
the full flagship model, 100,000 leads x 104 weeks x 20 runs; the exact forecast of a
50-stage journey with stalls. Prints lead-weeks per second and the ratio (engine and
reference measured in the same run, each the best of 3).
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (about 10x faster)")
    args = ap.parse_args()
    scale = 10 if args.quick else 1
    weeks = 104

    j = plain_journey()
    leads = 1_000_000 // scale
    # best of 3 for both sides: the machine may be busy with other work
    t_engine = timed(lambda: simulate(j, leads=leads, weeks=weeks, runs=1, seed=1), repeat=3)
    ref_leads = 20_000 // scale
    t_ref = timed(lambda: run_reference(j, ref_leads, weeks, seed=1), repeat=3)
    eng_rate = leads * weeks / t_engine
    ref_rate = ref_leads * weeks / t_ref
    print(f"plain + stalls, {leads:,} leads x {weeks} weeks x 1 run (best of 3)")
    print(f"  engine:    {t_engine:8.2f} s   {eng_rate / 1e6:8.2f} M lead-weeks/s")
    print(f"  reference: {t_ref:8.2f} s   {ref_rate / 1e6:8.3f} M lead-weeks/s ({ref_leads:,} leads)")
    print(f"  ratio:     {eng_rate / ref_rate:8.1f}x   (target >= 50x and < 2 s)")

    full = load_journey(ROOT / "journeys" / "b2b-it-tool.toml")
    leads, runs = 100_000 // scale, 20
    t_full = timed(lambda: simulate(full, leads=leads, weeks=weeks, runs=runs, seed=1))
    every = ("scoring", "lifts", "gates", "capacity")
    t_base = timed(lambda: simulate(full, leads=leads, weeks=weeks, runs=runs, seed=1, ignore=every))
    print(f"full model (flagship), {leads:,} leads x {weeks} weeks x {runs} runs")
    print(f"  engine:    {t_full:8.2f} s   {leads * weeks * runs / t_full / 1e6:8.2f} M lead-weeks/s   (target < 10 s)")
    print(f"  baseline:  {t_base:8.2f} s   the same journey's plain chain (scoring, lifts, gates, capacity ignored)")
    print(f"  ratio:     {t_full / t_base:8.1f}x   what the full model's features cost")

    big = fifty_stages()
    forecast(big)
    t_exact = timed(lambda: forecast(big), repeat=20)
    mc_leads = 10_000
    t_mc = timed(lambda: simulate(big, leads=mc_leads, weeks=weeks, runs=1, seed=1), repeat=3)
    print(f"exact forecast, 50 stages with stalls, {weeks} weeks: {t_exact * 1000:.2f} ms   (target < 10 ms)")
    print(f"  baseline:  {t_mc * 1000:8.2f} ms  one Monte Carlo run of {mc_leads:,} leads on the same journey")
    print(f"  ratio:     {t_mc / t_exact:8.1f}x   faster than that run, and exact")


if __name__ == "__main__":
    main()
