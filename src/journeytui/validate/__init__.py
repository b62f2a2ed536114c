"""Validation: structural, semantic and graph checks with stable codes and positions.

Plain Python; never imports Textual. ``journeytui validate`` and the app's
problems panel both call :func:`validate_text` / :func:`check`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path as FsPath

from journeytui.diagnostics import Diagnostic
from journeytui.model.load import LoadResult, load_file, load_text
from journeytui.model.structure import Finding
from journeytui.model.types import Journey
from journeytui.validate import discover, suppress
from journeytui.validate.config import Settings
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
    result.diagnostics[:] = suppress.apply(result.diagnostics, result.text, result.file)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result


def validate_text(text: str, file: str = "<string>") -> LoadResult:
    """Load ``text`` and run every check; the result holds all diagnostics, sorted."""
    return _complete(load_text(text, file))


def validate_file(path: FsPath | str) -> LoadResult:
    """Load a file and run every check; never raises for bad input."""
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
