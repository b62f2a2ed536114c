"""Render diagnostics: ruff-style text, JSON, GitHub workflow annotations, SARIF 2.1.0.

Machine formats never contain colour or a summary; text gets a summary line. File text
(the path, and ids or keys quoted in messages) is made safe for where it goes: visible
escapes in text and GitHub annotations, ``\\u`` escapes in JSON and SARIF
(:mod:`journeytui.textsafe`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from journeytui import DOCS_URL as _DOCS
from journeytui import HOMEPAGE, __version__
from journeytui.diagnostics import CODES, Diagnostic, Severity
from journeytui.textsafe import json_dumps, log_line, visible
from journeytui.validate import formats
from journeytui.validate.formats import Sources, end_of

FORMATS = ("text", "concise", "full", "json", "github", "sarif", "gitlab", "junit")
"""``text`` and ``concise`` are the same one-line-per-finding form (ruff calls it concise)."""
HOMEPAGE_URL = HOMEPAGE
"""The project's home page: ``[project.urls] Homepage`` in pyproject.toml (a test keeps them equal)."""
DOCS_URL = f"{_DOCS}/"
"""Where docs/ is published: ``[project.urls] Documentation``; SARIF rules link into diagnostics.md there."""
SRCROOT = "%SRCROOT%"
"""The SARIF base id of relative file names: the folder the command ran in."""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(diags: Sequence[Diagnostic], files: int, skipped: int = 0) -> str:
    """The last line of the human formats; ``skipped``: other tools' TOML files a walk found (not journeys)."""
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    counted = _plural(files, "file") + (
        f"; {_plural(skipped, 'other TOML file')} skipped: not journeys" if skipped else ""
    )
    if not diags:
        return f"All checks passed ({counted})."
    if skipped:
        return f"Found {_plural(errors, 'error')} and {_plural(warnings, 'warning')} in {counted}."
    return f"Found {_plural(errors, 'error')} and {_plural(warnings, 'warning')} in {_plural(files, 'file')}."


def text_line(d: Diagnostic) -> str:
    """One finding as ``path:line:col: CODE message``, on one line whatever the file holds."""
    return log_line(f"{d.file}:{d.line}:{d.column}: {d.code} {d.message}")


def text(diags: Sequence[Diagnostic], files: int, skipped: int = 0) -> str:
    lines = [text_line(d) for d in diags]
    return "\n".join([*lines, summary(diags, files, skipped)]) + "\n"


def as_json(diags: Sequence[Diagnostic], sources: Sources | None = None) -> str:
    rows = []
    for d in diags:
        end_line, end_column = end_of(sources if sources is not None else {}, d) or (None, None)
        rows.append(
            {
                "file": d.file,
                "line": d.line,
                "column": d.column,
                "end_line": end_line,
                "end_column": end_column,
                "code": d.code,
                "name": d.name,
                "severity": d.severity.value,
                "message": d.message,
            }
        )
    return json_dumps(rows, indent=2) + "\n"


def _escape_data(s: str) -> str:
    """A workflow command's message: GitHub's own escapes (``%``, CR, LF: the runner turns them
    back into line breaks inside the annotation, so no text from the file starts a log line of
    its own), then every other control character as a visible escape (the log renders ANSI)."""
    return visible(s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github(diags: Sequence[Diagnostic], sources: Sources | None = None) -> str:
    out = []
    for d in diags:
        level = "error" if d.is_error else "warning"
        span = end_of(sources if sources is not None else {}, d)
        ends = [f"endLine={span[0]}", f"col={d.column}", f"endColumn={span[1]}"] if span else [f"col={d.column}"]
        props = ",".join(
            [
                f"file={_escape_property(d.file)}",
                f"line={d.line}",
                *ends,
                f"title={_escape_property(f'{d.code} {d.name}')}",
            ]
        )
        out.append(f"::{level} {props}::{_escape_data(f'{d.code} {d.message}')}")
    return "\n".join(out) + ("\n" if out else "")


def _artifact(file: str) -> dict[str, str]:
    """A file name as a SARIF artifact location with a valid URI reference (RFC 3986).

    An absolute path becomes a ``file://`` URI; a relative one stays relative, with every
    character outside the unreserved set percent-encoded as UTF-8 (spaces, ``%``, ``#``,
    ``:``, Japanese names) and ``%SRCROOT%`` as its base.
    """
    if os.path.isabs(file):
        return {"uri": Path(file).as_uri()}
    # Path.as_posix: a backslash separates folders on Windows only; elsewhere it is part of a name (%5C).
    return {"uri": quote(Path(file).as_posix(), safe="/"), "uriBaseId": SRCROOT}


def sarif(diags: Sequence[Diagnostic], sources: Sources | None = None) -> str:
    used = sorted({d.code for d in diags})
    rules = [
        {
            "id": code,
            "name": CODES[code].name,
            "shortDescription": {"text": CODES[code].summary},
            "helpUri": f"{DOCS_URL}diagnostics.md#{code.lower()}",
            "defaultConfiguration": {"level": "error" if CODES[code].severity is Severity.ERROR else "warning"},
        }
        for code in used
    ]
    results = [
        {
            "ruleId": d.code,
            "ruleIndex": used.index(d.code),
            "level": "error" if d.is_error else "warning",
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(d.file),
                        "region": _region(d, sources if sources is not None else {}),
                    }
                }
            ],
        }
        for d in diags
    ]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "journeytui",
                        "version": __version__,
                        "informationUri": HOMEPAGE_URL,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json_dumps(log, indent=2) + "\n"


def _region(d: Diagnostic, sources: Sources) -> dict[str, int]:
    region = {"startLine": d.line, "startColumn": d.column}
    span = end_of(sources, d)
    if span is not None:
        region.update(endLine=span[0], endColumn=span[1])
    return region


def render(
    diags: Sequence[Diagnostic],
    fmt: str,
    files: int,
    sources: Sources | None = None,
    names: Sequence[str] = (),
    quiet: bool = False,
    skipped: int = 0,
) -> str:
    """The report in ``fmt``; ``sources`` (file -> text) give snippets and end positions, ``names``
    the files checked (JUnit lists them), ``quiet`` drops the summary line of the human formats."""
    src: Sources = sources if sources is not None else {}
    if fmt == "json":
        return as_json(diags, src)
    if fmt == "github":
        return github(diags, src)
    if fmt == "sarif":
        return sarif(diags, src)
    if fmt == "gitlab":
        return formats.gitlab(diags, src)
    if fmt == "junit":
        return formats.junit(diags, names)
    if fmt == "full":
        lines = formats.full(diags, src)
        if not quiet:
            lines.append(summary(diags, files, skipped))
        return "\n".join(lines) + ("\n" if lines else "")
    if quiet:
        return "".join(text_line(d) + "\n" for d in diags)
    return text(diags, files, skipped)
