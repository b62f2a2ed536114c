"""Run a sweep's scenarios: in this process, in a process pool, or on Dask.

Every engine calls the same :func:`journeytui.sweep.evaluate.evaluate` on the same
(context, scenario) pairs; each scenario's seed comes from the root seed and its identity,
so the rows are the same whatever the engine, the worker count or the order they finish.
Rows are handed to ``on_row`` as they finish (the results file appends them). The sweep's
compiled baseline (sweep/fast.py) is built once here and travels with the context, so each
worker process receives it once. No Textual.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
from collections.abc import Callable, Iterator
from typing import Any

from journeytui.sweep.evaluate import Context, evaluate
from journeytui.sweep.fast import fast_path
from journeytui.sweep.scenarios import Scenario

ENGINES = ("local", "dask")
CONNECT_TIMEOUT_ENV = "JOURNEYTUI_DASK_CONNECT_TIMEOUT"
"""Seconds to wait for a --scheduler to answer (default 10)."""


class EngineError(Exception):
    """The engine cannot run or stopped (an unreachable scheduler, a lost cluster); the message says why."""


_CTX: Context | None = None
"""The sweep's inputs in a pool worker process, sent once when the worker starts."""


def _init_worker(ctx: Context) -> None:
    global _CTX
    _CTX = ctx


def _evaluate_chunk(chunk: list[Scenario]) -> list[dict[str, Any]]:
    assert _CTX is not None
    return [evaluate(_CTX, sc) for sc in chunk]


def _local(ctx: Context, todo: list[Scenario], workers: int) -> Iterator[dict[str, Any]]:
    if workers <= 1:
        for sc in todo:
            yield evaluate(ctx, sc)
        return
    # Scenarios go to the pool in chunks (the inputs once per worker): a cheap scenario (an
    # exact forecast takes ~10 ms) would otherwise spend as long in pickling as in computing.
    size = max(1, min(32, len(todo) // (workers * 8)))
    fast_path(ctx)  # built here once: each worker receives the context with it
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    with cf.ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(ctx,)) as pool:
        futures = [pool.submit(_evaluate_chunk, chunk) for chunk in chunks]
        try:
            for fut in cf.as_completed(futures):
                yield from fut.result()
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _client(scheduler: str | None, workers: int) -> Any:
    """A dask.distributed Client: on an existing scheduler, or on a new LocalCluster."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a dependency, but say so rather than crash
        raise EngineError("--engine dask needs dask.distributed: pip install 'dask[distributed]'") from None
    if scheduler:
        try:
            timeout = float(os.environ.get(CONNECT_TIMEOUT_ENV) or 10)
        except ValueError:
            timeout = 10.0
        try:
            return Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        cluster = LocalCluster(
            n_workers=max(1, workers), threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
    except Exception as exc:  # a worker process that cannot start: say so, never a traceback
        raise EngineError(f"cannot start a local Dask cluster: {type(exc).__name__}: {exc}") from None
    return Client(cluster, set_as_default=False)


def _dask(ctx: Context, todo: list[Scenario], workers: int, scheduler: str | None) -> Iterator[dict[str, Any]]:
    from distributed import as_completed

    client = _client(scheduler, workers)
    fast_path(ctx)  # built here once: scattered to each worker with the context
    try:
        shared = client.scatter(ctx, broadcast=True, hash=False)
        # One task per scenario, named by its identity: a task lost with a worker is run again
        # elsewhere by the scheduler, and its row arrives once.
        futures = [client.submit(evaluate, shared, sc, key=f"scenario-{sc.key}-{sc.index}", pure=False) for sc in todo]
        try:
            for fut in as_completed(futures, loop=client.loop):
                try:
                    yield fut.result()
                except Exception as exc:  # a task that failed on every worker it was tried on
                    raise EngineError(f"a scenario failed on the Dask cluster: {type(exc).__name__}: {exc}") from None
        except BaseException:
            client.cancel(futures)
            raise
    except (OSError, TimeoutError) as exc:
        raise EngineError(f"lost the Dask cluster: {exc}") from None
    finally:
        cluster = client.cluster
        client.close()
        if cluster is not None and not scheduler:
            cluster.close()


def run_scenarios(
    ctx: Context,
    todo: list[Scenario],
    engine: str = "local",
    workers: int = 1,
    scheduler: str | None = None,
    on_row: Callable[[dict[str, Any]], Any] | None = None,
) -> list[dict[str, Any]]:
    """Evaluate ``todo``; each row goes to ``on_row`` as it finishes. Returns the rows (finish order)."""
    if engine not in ENGINES:
        raise EngineError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    rows = []
    stream = _local(ctx, todo, workers) if engine == "local" else _dask(ctx, todo, workers, scheduler)
    for row in stream:
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows
