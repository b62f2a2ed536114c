"""Render diagnostics: ruff-style text, JSON, GitHub workflow annotations, SARIF 2.1.0.

Machine formats never contain colour or a summary; text gets a summary line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from journeytui import DOCS_URL as _DOCS
from journeytui import __version__
from journeytui.diagnostics import CODES, Diagnostic, Severity

FORMATS = ("text", "json", "github", "sarif")
DOCS_URL = f"{_DOCS}/diagnostics.md"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(diags: Sequence[Diagnostic], files: int) -> str:
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    if not diags:
        return f"All checks passed ({_plural(files, 'file')})."
    return f"Found {_plural(errors, 'error')} and {_plural(warnings, 'warning')} in {_plural(files, 'file')}."


def text(diags: Sequence[Diagnostic], files: int) -> str:
    lines = [f"{d.file}:{d.line}:{d.column}: {d.code} {d.message}" for d in diags]
    return "\n".join([*lines, summary(diags, files)]) + "\n"


def as_json(diags: Sequence[Diagnostic]) -> str:
    rows = [
        {
            "file": d.file,
            "line": d.line,
            "column": d.column,
            "code": d.code,
            "name": d.name,
            "severity": d.severity.value,
            "message": d.message,
        }
        for d in diags
    ]
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github(diags: Sequence[Diagnostic]) -> str:
    out = []
    for d in diags:
        level = "error" if d.is_error else "warning"
        props = ",".join(
            [
                f"file={_escape_property(d.file)}",
                f"line={d.line}",
                f"col={d.column}",
                f"title={_escape_property(f'{d.code} {d.name}')}",
            ]
        )
        out.append(f"::{level} {props}::{_escape_data(f'{d.code} {d.message}')}")
    return "\n".join(out) + ("\n" if out else "")


def sarif(diags: Sequence[Diagnostic]) -> str:
    used = sorted({d.code for d in diags})
    rules = [
        {
            "id": code,
            "name": CODES[code].name,
            "shortDescription": {"text": CODES[code].summary},
            "helpUri": f"{DOCS_URL}#{code.lower()}",
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
                        "artifactLocation": {"uri": d.file.replace("\\", "/")},
                        "region": {"startLine": d.line, "startColumn": d.column},
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
                    "driver": {"name": "journeytui", "version": __version__, "informationUri": DOCS_URL, "rules": rules}
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def render(diags: Sequence[Diagnostic], fmt: str, files: int) -> str:
    if fmt == "json":
        return as_json(diags)
    if fmt == "github":
        return github(diags)
    if fmt == "sarif":
        return sarif(diags)
    return text(diags, files)
