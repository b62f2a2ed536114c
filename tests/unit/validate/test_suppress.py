"""The comment scanner behind inline suppression: strings are not comments, headers scope a table."""

from __future__ import annotations

from journeytui.diagnostics import Diagnostic
from journeytui.validate import suppress

TEXT = '''\
[journey]  # journeytui: ignore[E101]
id = "x # journeytui: ignore[W101]"  # a real comment
notes = """
# journeytui: ignore[W102]
[not-a-header]
"""
key = 'a#b'

[[stages]]
id = "lead"  # journeytui: ignore
'''


def test_scan_finds_comments_and_headers_outside_strings() -> None:
    comments, headers = suppress.scan(TEXT)
    assert [(line, text.strip()) for line, _col, text in comments] == [
        (1, "journeytui: ignore[E101]"),
        (2, "a real comment"),
        (10, "journeytui: ignore"),
    ]
    assert headers == [1, 9]


def test_a_header_comment_covers_its_table_and_a_line_comment_its_line() -> None:
    found = suppress.find(TEXT)
    assert [(s.first, s.last, s.codes) for s in found] == [(1, 8, ("E101",)), (10, 10, ())]


def test_apply_keeps_uncovered_findings_and_reports_unused() -> None:
    diags = [
        Diagnostic("E101", "unknown key", "f.toml", 5, 1),  # inside [journey]: silenced
        Diagnostic("E104", "bad", "f.toml", 5, 1),  # another code: kept
        Diagnostic("W103", "stay", "f.toml", 9, 1),  # the [[stages]] header line: kept
    ]
    out = suppress.apply(diags, TEXT, "f.toml")
    assert [(d.code, d.line) for d in out] == [("E104", 5), ("W103", 9), ("W901", 10)]
    assert "nothing is reported" in out[-1].message
