"""Validation: structural, semantic and graph checks with stable codes and positions.

Plain Python; never imports Textual. ``journeytui validate`` and the app's
problems panel both call :func:`validate_text` / :func:`check`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path as FsPath

from journeytui.diagnostics import Diagnostic
from journeytui.model.load import LoadResult, load_file, load_text
from journeytui.model.structure import Finding
from journeytui.model.types import Journey
from journeytui.validate.graph import check_graph
from journeytui.validate.rules import RULES

__all__ = ["check", "expand_paths", "findings", "validate_file", "validate_paths", "validate_text"]


def findings(journey: Journey) -> list[Finding]:
    """Every semantic and graph finding for a model, with paths into the model."""
    out: list[Finding] = []
    for rule in RULES:
        out.extend(rule(journey))
    out.extend(check_graph(journey))
    return out


def check(journey: Journey, file: str = "", result: LoadResult | None = None) -> list[Diagnostic]:
    """Diagnostics for a model; positions come from ``result`` when the model was loaded from a file."""
    diags = []
    for f in findings(journey):
        line, col = result.position(f.path, f.at_value) if result is not None else (1, 1)
        diags.append(Diagnostic(f.code, f.message, file, line, col, f.path))
    return diags


def _complete(result: LoadResult) -> LoadResult:
    if result.journey is not None:
        result.diagnostics.extend(check(result.journey, result.file, result))
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result


def validate_text(text: str, file: str = "<string>") -> LoadResult:
    """Load ``text`` and run every check; the result holds all diagnostics, sorted."""
    return _complete(load_text(text, file))


def validate_file(path: FsPath | str) -> LoadResult:
    """Load a file and run every check; never raises for bad input."""
    return _complete(load_file(path))


def expand_paths(paths: Iterable[str]) -> Iterator[tuple[str, Diagnostic | None]]:
    """Files to validate: each file as given, each folder's *.toml files (recursively), sorted.

    Symlinked folders are followed once (a link back up the tree is not a loop); a *.toml
    entry that is not a regular file (a fifo, a device, a broken link) is listed too, so that
    reading it reports why it is refused instead of the walk hanging on it or hiding it.
    """
    for raw in paths:
        if not os.path.isdir(raw):
            yield raw, None
            continue
        files, problems = _journey_files(raw)
        yield from ((p.file, p) for p in problems)
        if not files and not problems:
            yield raw, Diagnostic("E003", f"folder {raw} holds no *.toml journey files", raw)
        for f in files:
            yield f, None


def _journey_files(root: str) -> tuple[list[str], list[Diagnostic]]:
    """The *.toml entries under ``root`` (sorted, .venv folders left out), and folders that could not be listed."""
    found: list[FsPath] = []
    problems: list[Diagnostic] = []
    seen: set[tuple[int, int]] = set()

    def cannot_list(exc: OSError) -> None:
        where = str(exc.filename or root)
        problems.append(Diagnostic("E002", f"cannot list folder {where}: {exc.strerror or exc}", where))

    for folder, subfolders, names in os.walk(root, onerror=cannot_list, followlinks=True):
        try:
            info = os.stat(folder)
        except OSError as exc:
            cannot_list(exc)
            subfolders.clear()
            continue
        if (info.st_dev, info.st_ino) in seen:  # reached again through a symlink: already walked
            subfolders.clear()
            continue
        seen.add((info.st_dev, info.st_ino))
        subfolders[:] = [d for d in subfolders if d != ".venv"]
        found.extend(FsPath(folder, n) for n in names if n.endswith(".toml"))
    return [str(f) for f in sorted(found)], problems


def validate_paths(paths: Iterable[str]) -> list[LoadResult]:
    """Validate files and folders as the command line does."""
    results = []
    for name, problem in expand_paths(paths):
        if problem is not None:
            results.append(LoadResult(file=name, diagnostics=[problem]))
        else:
            results.append(validate_file(name))
    return results
