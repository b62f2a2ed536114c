"""Validation: structural, semantic and graph checks with stable codes and positions.

Plain Python; never imports Textual. ``journeytui validate`` and the app's
problems panel both call :func:`validate_text` / :func:`check`.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
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

__all__ = [
    "Checked",
    "check",
    "check_entries",
    "check_paths",
    "expand_paths",
    "findings",
    "validate_file",
    "validate_paths",
    "validate_text",
]

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


def validate_file(path: FsPath | str, journeys_only: bool = False) -> LoadResult:
    """Load a file and run every check; never raises for bad input.

    ``journeys_only``: valid TOML with none of the journey format's top-level keys is another
    tool's file: nothing is checked and the result says ``not_journey``.
    """
    with _collector_paused():
        result = load_file(path, journeys_only)
        return result if result.not_journey else _complete(result)


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
    for name, problem, optional in discover.entries(paths, chosen):
        if problem is not None:
            results.append(LoadResult(file=name, diagnostics=[problem]))
        else:
            result = validate_file(name, optional)
            if not result.not_journey:  # another tool's TOML file found by a walk: not a journey
                results.append(result)
    if settings is not None:
        for r in results:
            r.diagnostics[:] = [d for d in r.diagnostics if settings.enabled(d.code, r.file)]
    return results


@dataclass
class Checked:
    """What checking some files found: every diagnostic, and the optional files that were not journeys."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    not_journeys: list[str] = field(default_factory=list)


def _diagnose(items: list[tuple[str, bool]]) -> Checked:
    """Check some ``(name, optional)`` files (run in a worker process: only the findings travel back)."""
    out = Checked()
    for name, optional in items:
        result = validate_file(name, optional)
        if result.not_journey:
            out.not_journeys.append(name)
        else:
            out.diagnostics.extend(result.diagnostics)
    return out


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
    entries = list(discover.entries(paths, settings or Settings()))
    diags = [e.problem for e in entries if e.problem is not None]
    files = [e for e in entries if e.problem is None]
    checked = check_entries([e.name for e in files], {e.name for e in files if e.optional}, jobs)
    diags.extend(checked.diagnostics)
    if settings is not None:
        diags = [d for d in diags if settings.enabled(d.code, d.file)]
    return sorted(diags, key=Diagnostic.sort_key), len(entries) - len(checked.not_journeys)


def check_entries(names: list[str], optional: Collection[str] = (), jobs: int | None = None) -> Checked:
    """Check these files, in worker processes when there are many (see :func:`check_paths`).

    Those in ``optional`` (found by a folder walk, or named under ``--force-exclude``) are checked
    only if they are journeys: valid TOML without any journey key is listed in ``not_journeys``.
    """
    jobs = _workers() if jobs is None else jobs
    items = [(name, name in optional) for name in names]
    found = _in_workers(items, jobs) if jobs > 1 and len(items) >= PARALLEL_FROM else None
    return found if found is not None else _diagnose(items)


def _in_workers(names: list[tuple[str, bool]], jobs: int) -> Checked | None:
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
            out = Checked()
            for found in pool.map(_diagnose, chunks):
                out.diagnostics.extend(found.diagnostics)
                out.not_journeys.extend(found.not_journeys)
            return out
    except (OSError, NotImplementedError, BrokenProcessPool):  # no processes here (limits, platform)
        return None
