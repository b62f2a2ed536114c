"""Validation: structural, semantic and graph checks with stable codes and positions.

Plain Python; never imports Textual. ``journeytui validate`` and the app's
problems panel both call :func:`validate_text` / :func:`check`.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterable, Iterator
from pathlib import Path as FsPath

from journeytui.diagnostics import Diagnostic
from journeytui.model.load import LoadResult, load_file, load_text
from journeytui.model.refs import defined_in_data
from journeytui.model.structure import Finding
from journeytui.model.types import Journey
from journeytui.validate import discover, suppress
from journeytui.validate.config import Settings
from journeytui.validate.graph import check_graph
from journeytui.validate.rules import RULES, check_references

__all__ = ["check", "check_paths", "expand_paths", "findings", "validate_file", "validate_paths", "validate_text"]

PARALLEL_FROM = 200
"""From this many files, :func:`check_paths` spreads them over worker processes."""


def findings(journey: Journey, data: object = None) -> list[Finding]:
    """Every semantic and graph finding for a model, with paths into the model.

    ``data``: the file's raw data, when the model was loaded from one. Elements with errors of
    their own are left out of the model; references to them are then not reported again.
    """
    defined = defined_in_data(data) if data is not None else None
    out: list[Finding] = []
    for rule in RULES:
        out.extend(check_references(journey, defined) if rule is check_references else rule(journey))
    out.extend(check_graph(journey))
    return out


def check(journey: Journey, file: str = "", result: LoadResult | None = None, data: object = None) -> list[Diagnostic]:
    """Diagnostics for a model; positions come from ``result`` when the model was loaded from a file.

    ``data``: without ``result``, the raw data of the file the model was edited from, so references
    to elements the load left out (each with an error of its own) are not reported again.
    """
    diags = []
    for f in findings(journey, result.data if result is not None else data):
        line, col = result.position(f.path, f.at_value) if result is not None else (1, 1)
        diags.append(Diagnostic(f.code, f.message, file, line, col, f.path))
    return diags


def _complete(result: LoadResult) -> LoadResult:
    if result.journey is not None:
        result.diagnostics.extend(check(result.journey, result.file, result))
    result.diagnostics[:] = suppress.apply(result.diagnostics, result.text, result.file)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while one file is checked.

    A journey's data and model are trees (no reference cycles), so the collector finds nothing
    to free in them, but its full passes over the objects of a large file (200,000 for 10,000
    stages) took a quarter of validating it. Reference counting still frees everything. Only
    who paused it resumes it, so overlapping calls in threads leave it as they found it.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def validate_text(text: str, file: str = "<string>") -> LoadResult:
    """Load ``text`` and run every check; the result holds all diagnostics, sorted."""
    with _collector_paused():
        return _complete(load_text(text, file))


def validate_file(path: FsPath | str) -> LoadResult:
    """Load a file and run every check; never raises for bad input."""
    with _collector_paused():
        return _complete(load_file(path))


def expand_paths(paths: Iterable[str], settings: Settings | None = None) -> Iterator[tuple[str, Diagnostic | None]]:
    """Files to validate: each file as given, each folder's journey files (recursively, sorted), each once.

    Folders leave out other tools' TOML files, virtual environments, build output and what
    .gitignore ignores (see :mod:`journeytui.validate.discover` and ``settings``).
    """
    return discover.files(paths, settings or Settings())


def validate_paths(paths: Iterable[str], settings: Settings | None = None) -> list[LoadResult]:
    """Validate files and folders as the command line does, keeping the codes ``settings`` select."""
    chosen = settings or Settings()
    results = []
    for name, problem in expand_paths(paths, chosen):
        if problem is not None:
            results.append(LoadResult(file=name, diagnostics=[problem]))
        else:
            results.append(validate_file(name))
    if settings is not None:
        for r in results:
            r.diagnostics[:] = [d for d in r.diagnostics if settings.enabled(d.code, r.file)]
    return results


def _diagnose(names: list[str]) -> list[Diagnostic]:
    """Every diagnostic of some files (run in a worker process: only diagnostics travel back)."""
    return [d for name in names for d in validate_file(name).diagnostics]


def _ignore_interrupt() -> None:
    """Workers leave ctrl+c to the parent, which stops the pool (no traceback per worker)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_paths(
    paths: Iterable[str], jobs: int | None = None, settings: Settings | None = None
) -> tuple[list[Diagnostic], int]:
    """Every diagnostic (sorted) for files and folders, and how many files were checked.

    ``journeytui validate`` as a library call, for scripts (the command also reads standard
    input and keeps the sources for its output formats). Validating is CPU
    work of a few milliseconds per file, so with :data:`PARALLEL_FROM` files or more it runs
    in ``jobs`` worker processes (default: one per CPU); fewer files would not repay starting them.
    """
    entries = list(expand_paths(paths, settings))
    diags = [problem for _, problem in entries if problem is not None]
    names = [name for name, problem in entries if problem is None]
    diags.extend(check_files(names, jobs))
    if settings is not None:
        diags = [d for d in diags if settings.enabled(d.code, d.file)]
    return sorted(diags, key=Diagnostic.sort_key), len(entries)


def check_files(names: list[str], jobs: int | None = None) -> list[Diagnostic]:
    """The diagnostics of these files, in worker processes when there are many (see :func:`check_paths`)."""
    jobs = _workers() if jobs is None else jobs
    found = _in_workers(names, jobs) if jobs > 1 and len(names) >= PARALLEL_FROM else None
    return found if found is not None else _diagnose(names)


def _in_workers(names: list[str], jobs: int) -> list[Diagnostic] | None:
    """:func:`_diagnose` over ``names`` in ``jobs`` processes; None when processes cannot be had."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Chunks amortise the hand-over; several per worker keep all of them busy to the end.
    size = max(1, len(names) // (jobs * 8))
    chunks = [names[i : i + size] for i in range(0, len(names), size)]
    # fork where there is one: the workers start with everything already imported.
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    try:
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_ignore_interrupt) as pool:
            return [d for found in pool.map(_diagnose, chunks) for d in found]
    except (OSError, NotImplementedError, BrokenProcessPool):  # no processes here (limits, platform)
        return None
