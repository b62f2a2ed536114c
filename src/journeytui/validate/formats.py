"""More ways to print findings, as ruff offers them: full (with the source line), GitLab Code
Quality JSON, JUnit XML and a count per code (``--statistics``), and where a finding ends.

Findings carry where they start; :func:`end_of` finds where the TOML token there ends (a
key, a string, a number, a table header), so formats with ranges (SARIF, GitHub, GitLab,
JSON) can underline the whole token.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence

from journeytui.diagnostics import CODES, Diagnostic
from journeytui.textsafe import json_dumps, log_line, visible

Sources = Mapping[str, str]
"""File name -> its text, for snippets and end positions (files that could not be read are absent)."""


_XML_INVALID = re.compile("[\ufffe\uffff\ud800-\udfff]")


def _xml_text(s: str) -> str:
    """File text safe in XML 1.0 and on a terminal: visible escapes, no characters XML forbids."""
    return _XML_INVALID.sub(lambda m: f"\\u{ord(m.group()):04x}", visible(s))


def _line(sources: Sources, d: Diagnostic) -> str | None:
    text = sources.get(d.file)
    if text is None:
        return None
    lines = text.split("\n")
    if not 1 <= d.line <= len(lines):
        return None
    return lines[d.line - 1].rstrip("\r")


def end_of(sources: Sources, d: Diagnostic) -> tuple[int, int] | None:
    """``(end_line, end_column)``, exclusive, of the token a finding points at; None when unknown."""
    row = _line(sources, d)
    start = d.column - 1
    if row is None or not 0 <= start < len(row):
        return None
    ch = row[start]
    end = start + 1
    if ch in "\"'":
        triple = row.startswith(ch * 3, start)
        if triple:
            close = row.find(ch * 3, start + 3)
            end = len(row) if close < 0 else close + 3
        else:
            i = start + 1
            while i < len(row) and row[i] != ch:
                i += 2 if (ch == '"' and row[i] == "\\") else 1
            end = min(len(row), i + 1)
    elif ch == "[":
        close = row.find("]]" if row.startswith("[[", start) else "]", start)
        end = len(row) if close < 0 else close + (2 if row.startswith("[[", start) else 1)
    elif ch in "{":
        end = len(row)
    else:
        i = start
        while i < len(row) and row[i] not in " \t=,]}#":
            i += 1
        end = max(i, start + 1)
    return d.line, end + 1


def full(diags: Sequence[Diagnostic], sources: Sources) -> list[str]:
    """ruff's full format: the finding, the source line underlined, and how to fix it."""
    out: list[str] = []
    for d in diags:
        out.append(log_line(f"{d.file}:{d.line}:{d.column}: {d.code} {d.message}"))
        row = _line(sources, d)
        span = end_of(sources, d)
        if row is not None and span is not None:
            end_col = span[1]
            number = str(d.line)
            pad = " " * len(number)
            shown = log_line(row.expandtabs(1))
            prefix = visible(row[: d.column - 1].expandtabs(1))
            token = visible(row[d.column - 1 : end_col - 1]) or " "
            out += [
                f"{pad} |",
                f"{number} | {shown}",
                f"{pad} | {' ' * _width(prefix)}{'^' * max(1, _width(token))}",
                f"{pad} |",
            ]
        fix = CODES[d.code].fix
        out += [f"  = help: {fix}", ""]
    return out


def _width(s: str) -> int:
    """Terminal cells: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in s)


def _fingerprint(d: Diagnostic, seen: Counter[tuple[str, str, str]]) -> str:
    """Stable across runs and unrelated edits: file, code, message and which occurrence it is."""
    import hashlib

    key = (d.file, d.code, d.message)
    seen[key] += 1
    return hashlib.sha256(repr((*key, seen[key])).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def gitlab(diags: Sequence[Diagnostic], sources: Sources) -> str:
    """GitLab Code Quality report (a JSON list; ``artifacts:reports:codequality`` in .gitlab-ci.yml)."""
    seen: Counter[tuple[str, str, str]] = Counter()
    rows = []
    for d in diags:
        end_line, end_col = end_of(sources, d) or (d.line, d.column)
        rows.append(
            {
                "description": f"{d.code} {d.message}",
                "check_name": d.code,
                "fingerprint": _fingerprint(d, seen),
                "severity": "major" if d.is_error else "minor",
                "location": {
                    "path": d.file,
                    "positions": {
                        "begin": {"line": d.line, "column": d.column},
                        "end": {"line": end_line, "column": end_col},
                    },
                },
            }
        )
    return json_dumps(rows, indent=2) + "\n"


def junit(diags: Sequence[Diagnostic], files: Sequence[str]) -> str:
    """JUnit XML: one test suite per file, one failing test case per finding (a passing one when clean)."""
    from xml.etree import ElementTree as ET

    root = ET.Element(
        "testsuites", name="journeytui", tests=str(max(len(diags), 1)), failures=str(len(diags)), errors="0"
    )
    by_file: dict[str, list[Diagnostic]] = {f: [] for f in files}
    for d in diags:
        by_file.setdefault(d.file, []).append(d)
    if not diags:
        suite = ET.SubElement(root, "testsuite", name="journeytui", tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name="No errors found")
    for file, found in by_file.items():
        if not found:
            continue
        name = _xml_text(file)
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(found)), failures=str(len(found)), errors="0")
        for d in found:
            case = ET.SubElement(
                suite, "testcase", name=f"journeytui.{d.code}", classname=name, line=str(d.line), column=str(d.column)
            )
            failure = ET.SubElement(case, "failure", message=_xml_text(f"{d.code} {d.message}"))
            failure.text = _xml_text(f"line {d.line}, col {d.column}, {d.message}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def statistics(diags: Sequence[Diagnostic]) -> str:
    """How many findings of each code, most frequent first (ruff's ``--statistics``)."""
    counts = Counter(d.code for d in diags)
    if not counts:
        return ""
    width = len(str(max(counts.values())))
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return "".join(f"{n:>{width}}\t{code}\t{CODES[code].name}\n" for code, n in rows)


def statistics_json(diags: Sequence[Diagnostic]) -> str:
    """``--statistics --format json``: a JSON array of ``{code, name, count, fixable_count, fixable}``,
    most frequent first, as ruff prints it (``fixable_count`` in recent ruff, ``fixable`` in older releases;
    nothing is fixable here: journeytui never edits a file for a finding)."""
    counts = Counter(d.code for d in diags)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    out = [
        {"code": code, "name": CODES[code].name, "count": n, "fixable_count": 0, "fixable": False} for code, n in rows
    ]
    return json_dumps(out, indent=2) + "\n"


def explain(code: str, docs_url: str) -> str:
    """``journeytui rule CODE``: what a code means and how to fix it, as Markdown."""
    c = CODES[code]
    return (
        f"# {c.code} {c.name} ({c.severity.value})\n\n{c.summary}\n\n"
        f"## How to fix\n\n{c.fix}\n\n"
        f"An example with its exact output: {docs_url}diagnostics.md#{c.code.lower()}\n"
        f"Silence one finding with `# journeytui: ignore[{c.code}]` on its line or its table's header.\n"
    )
