"""Benchmark sweeps (not a test): `python bench/bench_sweep.py [--scenarios N] [--measure M] [--quick]`.

Issue 13's cases:

1. Scenarios of the flagship's plain chain with stalls (bench_sim.plain_journey: stages,
   transitions, stalls and personas; no arrivals or touchpoints), 100,000 leads, 104 weeks,
   20 runs each, two levers varied by a Latin hypercube; the issue asks for 10,000 scenarios
   in under 60 s. Per scenario, CPU and wall, in one process: the same-run baseline is the
   full path (apply + validate + compile + the count engine's states + the compiled kernel +
   the row, as every scenario ran before sweep/fast.py), then the fast path (the journey
   compiled once, each scenario's chances patched), their CPU ratio, the rows checked
   identical, and the kernel's own share (the floor); then the fast path on 1 and 2 local
   worker processes (wall, and CPU in all processes). `--measure M` runs only M scenarios,
   evenly spaced, and says the totals are extrapolated; `--pool-all` runs all N on the
   pools; `--numpy-baseline` adds the full path with numpy's multinomial draws.
2. The same scenarios with ``--exact`` (the plain chain's exact forecast, no runs), on 1 and 2
   local worker processes.
3. Full-model scenarios of the flagship (scoring, lifts, gates, capacity: the per-lead engine),
   on 1 and then 2 workers of the local process pool and of a Dask LocalCluster (started and
   warmed before the clock starts): wall time and the speed-up.

Times are wall-clock; the machine is shared, so CPU times are printed too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sim import plain_journey

from journeytui.model import load_journey
from journeytui.sim import counts, simulate
from journeytui.sweep.evaluate import Context, evaluate
from journeytui.sweep.fast import fast_path
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
values = [0.08, 0.10, 0.12, 0.14]

[[levers]]
id = "inside_sales"
kind = "capacity"
channel = "inside_sales"
values = [40, 80]
"""


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def plain(n: int, measured: int | None, workers: tuple[int, ...], pool_all: bool, numpy_baseline: bool) -> None:
    """The plain-chain sweep: `measured` of its `n` LHS scenarios (all when None), each the full
    way (apply, validate, compile, build the states, run; the path before sweep/fast.py) and
    through the fast path, in this process, then on local worker pools (all `n` scenarios
    with `pool_all`). Rows must be identical. With `numpy_baseline`, also the full way with
    numpy's multinomial draws instead of the compiled kernel (the count engine before it)."""
    journey = plain_journey()
    sweep = parse_sweep(PLAIN_SWEEP).sweep
    assert sweep is not None
    ctx = Context(journey, sweep, weeks=104, runs=20, seed=0, leads=100_000)
    todo = scenarios(sweep, "lhs", n, seed=0)
    part = todo if measured is None or measured >= len(todo) else todo[:: max(1, len(todo) // measured)][:measured]
    sampled = len(part) < len(todo)
    print(
        f"plain chain + stalls, 100,000 leads x 104 weeks x 20 runs, {len(todo):,} LHS scenarios"
        + (
            f" ({len(part):,} of them measured, evenly spaced; totals extrapolated x{len(todo) / len(part):.1f})"
            if sampled
            else ""
        )
        + f" (load average {os.getloadavg()[0]:.1f}):"
    )
    simulate(journey, leads=100_000, weeks=104, runs=20, seed=0)  # compile or load the kernel first
    if numpy_baseline:
        w0, c0 = _clock()
        with _numpy_draws():
            for sc in part:
                evaluate(ctx, sc, fast=False)
        w1, c1 = _clock()
        print(
            f"  full path, numpy draws, 1 process:   {(w1 - w0) / len(part) * 1000:6.1f} ms wall, "
            f"{(c1 - c0) / len(part) * 1000:6.1f} ms CPU each"
        )
    w0, c0 = _clock()
    old_rows = [evaluate(ctx, sc, fast=False) for sc in part]
    w1, c1 = _clock()
    old_cpu = (c1 - c0) / len(part)
    print(
        f"  full path (apply, validate, compile, states, kernel), 1 process: {(w1 - w0) / len(part) * 1000:6.1f} ms "
        f"wall, {old_cpu * 1000:6.1f} ms CPU per scenario; {len(todo):,} scenarios: {old_cpu * len(todo):,.0f} s CPU"
    )
    w0, c0 = _clock()
    new_rows = [evaluate(ctx, sc) for sc in part]
    w1, c1 = _clock()
    new_cpu = (c1 - c0) / len(part)
    fp = fast_path(ctx)
    print(
        f"  fast path (compiled once, chances patched), 1 process:  {(w1 - w0) / len(part) * 1000:6.1f} ms wall, "
        f"{new_cpu * 1000:6.1f} ms CPU per scenario ({old_cpu / new_cpu:.2f}x less CPU than the full path); "
        f"{len(todo):,} scenarios: {new_cpu * len(todo):,.0f} s CPU, so {new_cpu * len(todo) / 2:,.0f} s on two "
        f"idle cores ({fp.patched} patched, {fp.full} full)"
    )
    assert json.dumps(new_rows) == json.dumps(old_rows), "the fast path changed a row"
    kernel = _kernel_cpu(ctx, part)
    print(f"  of which the compiled kernel's draws: {kernel * 1000:6.1f} ms CPU per scenario (the floor)")
    pooled = todo if pool_all else part
    for w in workers:
        w0, c0 = _clock()
        k0 = _children_cpu()
        rows = run_scenarios(ctx, pooled, "local", w)
        wall = time.perf_counter() - w0
        cpu = time.process_time() - c0 + _children_cpu() - k0
        label = "extrapolated" if len(pooled) < len(todo) else "measured"
        print(
            f"  fast path, {w} local worker(s), {len(pooled):,} scenarios: {wall:6.1f} s wall, {cpu:6.1f} s CPU in all "
            f"processes ({cpu / len(pooled) * 1000:.1f} ms a scenario); {len(todo):,} scenarios: "
            f"{wall * len(todo) / len(pooled):,.0f} s wall ({label}; target 60 s; load average now "
            f"{os.getloadavg()[0]:.1f})"
        )
        by_key = {r["scenario"]: json.dumps(r) for r in new_rows}
        assert all(by_key[r["scenario"]] == json.dumps(r) for r in rows if r["scenario"] in by_key)
    print(f"  engines: {sorted({r.get('engine') for r in new_rows})}")


def _kernel_cpu(ctx: Context, part: list[Any]) -> float:
    """CPU seconds per scenario spent in the compiled kernel's loop (the fast path again)."""
    from journeytui.sim import kernel

    inner = kernel._run_closed
    spent = [0.0]

    def timed(*args: Any) -> None:
        t = time.process_time()
        inner(*args)
        spent[0] += time.process_time() - t

    kernel._run_closed = timed
    try:
        for sc in part:
            evaluate(ctx, sc)
    finally:
        kernel._run_closed = inner
    return spent[0] / len(part)


@contextlib.contextmanager
def _numpy_draws() -> Iterator[None]:
    """The count engine with numpy's multinomials (the kernel threshold out of reach)."""
    old = counts.KERNEL_CELLS
    counts.KERNEL_CELLS = math.inf
    try:
        yield
    finally:
        counts.KERNEL_CELLS = old


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


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (pool workers, Dask worker processes)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def full(workers: tuple[int, ...]) -> None:
    """Full-model scenarios (the per-lead engine) on the local process pool and on a Dask
    LocalCluster (started and warmed before the clock starts), 1 then 2 workers: wall time,
    the CPU of every process (local pool), and the speed-up."""
    journey = load_journey(ROOT / "journeys" / "b2b-it-tool.toml")
    sweep = parse_sweep(FULL_SWEEP).sweep
    assert sweep is not None
    ctx = Context(journey, sweep, weeks=52, runs=10, seed=0)
    todo = scenarios(sweep)
    print(f"full flagship model, {len(todo)} scenarios x 10 runs x 52 weeks (load average {os.getloadavg()[0]:.1f}):")
    for engine in ("local", "dask"):
        times = {}
        for w in workers:
            cluster = _warm_cluster(w) if engine == "dask" else None
            w0, c0 = _clock()
            k0 = _children_cpu()
            address = cluster[0].scheduler_address if cluster else None
            rows = run_scenarios(ctx, todo, engine, w, address)
            times[w] = time.perf_counter() - w0
            cpu = time.process_time() - c0 + _children_cpu() - k0
            if cluster:
                cluster[1].close()
                cluster[0].close()
            print(
                f"  {engine:5s} engine, {w} worker(s): {times[w]:5.1f} s wall"
                + (f", {cpu:5.1f} s CPU in all processes" if engine == "local" else "")
                + f" ({len(rows)} rows; load average now {os.getloadavg()[0]:.1f})"
            )
        if 1 in times and 2 in times:
            print(f"  {engine:5s} engine: speed-up with 2 workers {times[1] / times[2]:.2f}x")


def _warm_cluster(workers: int) -> tuple[Any, Any]:
    """A LocalCluster of `workers` processes whose workers have imported the sweep code: the
    cluster's start (seconds on a loaded machine) is timed apart from the sweep."""
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    )
    client = Client(cluster)
    client.run(_import_sweep)
    print(f"  (a LocalCluster of {workers} worker(s) started and warmed in {time.perf_counter() - t0:.1f} s)")
    return cluster, client


def _import_sweep() -> None:
    import journeytui.sim.montecarlo
    import journeytui.sweep.evaluate  # noqa: F401


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenarios", type=int, default=10_000, help="plain-chain scenarios (default 10,000)")
    ap.add_argument(
        "--measure", type=int, default=None, help="run only this many of them, evenly spaced, and extrapolate"
    )
    ap.add_argument("--quick", action="store_true", help="40 plain-chain scenarios measured, 400 exact")
    ap.add_argument("--pool-all", action="store_true", help="run all plain-chain scenarios on the worker pools")
    ap.add_argument("--numpy-baseline", action="store_true", help="also the full path with numpy's draws")
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="pool sizes for the plain chain")
    ap.add_argument("--skip", nargs="*", default=[], choices=["plain", "exact", "full"], help="cases to leave out")
    args = ap.parse_args()
    if "plain" not in args.skip:
        plain(
            args.scenarios, 40 if args.quick else args.measure, tuple(args.workers), args.pool_all, args.numpy_baseline
        )
    if "exact" not in args.skip:
        exact(400 if args.quick else args.scenarios, (1, 2))
    if "full" not in args.skip:
        full((1, 2))


if __name__ == "__main__":
    main()
