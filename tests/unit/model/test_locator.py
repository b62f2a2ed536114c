"""Key paths map back to line:col, for TOML syntax of every shape, and diagnostics use it."""

from __future__ import annotations

import pytest

from journeytui.model import load_text
from journeytui.model.locate import locate
from journeytui.validate import validate_text

DOC = '''\
# a comment with ] and [
[journey]
id = "j"   # trailing ] comment [
"quoted key" = 1
'日本語' = "値"
"認知".x = 2
a.b.c = 3
inline = { x = 1, y = [1, "]#", 3], z = { w = "}" } }
ml = """
line ] # not a comment
"""
lit = \'\'\'
x # ] \'\'\'
arr = [
  "a#]",  # comment ]
  [1, 2],
  { k = "v" },
]
after = true

[[stages]]
id = "s1"

[[stages]]
id = "s2"
[stages.sub]
x = 1

[[stages.items]]
y = 2
[[stages.items]]
y = 3

[[stages]]
id = "s3"
'''


@pytest.fixture(scope="module")
def pos():
    return locate(DOC)


@pytest.mark.parametrize(
    ("path", "key", "value"),
    [
        (("journey",), (2, 1), (2, 1)),
        (("journey", "id"), (3, 1), (3, 6)),
        (("journey", "quoted key"), (4, 1), (4, 16)),
        (("journey", "日本語"), (5, 1), (5, 9)),
        (("journey", "認知", "x"), (6, 6), (6, 10)),
        (("journey", "a", "b", "c"), (7, 5), (7, 9)),
        (("journey", "inline", "x"), (8, 12), (8, 16)),
        (("journey", "inline", "y", 1), (8, 27), (8, 27)),
        (("journey", "inline", "y", 2), (8, 33), (8, 33)),
        (("journey", "inline", "z", "w"), (8, 43), (8, 47)),
        (("journey", "ml"), (9, 1), (9, 6)),
        (("journey", "lit"), (12, 1), (12, 7)),
        (("journey", "arr", 0), (15, 3), (15, 3)),
        (("journey", "arr", 1, 1), (16, 7), (16, 7)),
        (("journey", "arr", 2, "k"), (17, 5), (17, 9)),
        (("journey", "after"), (19, 1), (19, 9)),
        (("stages", 0), (21, 1), (21, 1)),
        (("stages", 0, "id"), (22, 1), (22, 6)),
        (("stages", 1, "id"), (25, 1), (25, 6)),
        (("stages", 1, "sub", "x"), (27, 1), (27, 5)),
        (("stages", 1, "items", 0, "y"), (30, 1), (30, 5)),
        (("stages", 1, "items", 1, "y"), (32, 1), (32, 5)),
        (("stages", 2, "id"), (35, 1), (35, 6)),
    ],
)
def test_keys_and_values_are_located(pos, path, key, value) -> None:
    assert pos.find(path, prefer_value=False) == key
    assert pos.find(path) == value


def test_an_unknown_path_falls_back_to_its_nearest_ancestor(pos) -> None:
    assert pos.find(("stages", 1, "missing")) == (24, 1)
    assert pos.find(("nowhere", "at", "all")) == (1, 1)


def test_comments_are_found_and_strings_are_not_comments(pos) -> None:
    assert [pos.line_col(c) for c in pos.comments] == [(1, 1), (3, 12), (15, 11)]


def test_crlf_line_endings_and_tabs() -> None:
    p = locate('[journey]\r\n\tid\t=\t"j"\r\ntitle = "t"\r\n')
    assert p.find(("journey", "id")) == (2, 7)
    assert p.find(("journey", "title"), prefer_value=False) == (3, 1)


def test_escaped_quotes_do_not_end_strings() -> None:
    p = locate('a = "x\\"]#"\nb = """q\\"""#"""\nc = "\\\\"\nd = 1\n')
    assert p.find(("d",)) == (4, 5)
    assert p.comments == []


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _replace_value(text: str, path: tuple, literal: str) -> tuple[str, int, int]:
    """``text`` with the scalar at ``path`` replaced by ``literal``; and the value's line and column."""
    result = load_text(text)
    offset = result.positions.values[path]
    end = offset
    while end < len(text) and text[end] not in " \t\r\n#,]}":
        end += 1
    line, col = result.positions.line_col(offset)
    return text[:offset] + literal + text[end:], line, col


def _first(result, attr: str, pred) -> int:
    return next(i for i, x in enumerate(getattr(result.journey, attr)) if pred(x))


def test_an_out_of_range_probability_in_the_flagship_is_reported_at_its_value(flagship_text: str) -> None:
    loaded = load_text(flagship_text)
    i = len(loaded.journey.transitions) // 2
    text, line, col = _replace_value(flagship_text, ("transitions", i, "probability"), "1.08")
    [d] = validate_text(text, "flagship.toml").diagnostics
    assert d.code == "E301"
    assert (d.file, d.line, d.column) == ("flagship.toml", line, col)
    assert text.splitlines()[line - 1][col - 1 :].startswith("1.08")


def test_an_unknown_stage_in_the_flagship_points_at_the_reference(flagship_text: str) -> None:
    loaded = load_text(flagship_text)
    i = _first(loaded, "transitions", lambda t: t.to == "lost")
    text, line, col = _replace_value(flagship_text, ("transitions", i, "to"), '"lsot"')
    [d] = validate_text(text).diagnostics
    assert d.code == "E202" and 'did you mean "lost"' in d.message
    assert (d.line, d.column) == (line, col)


def test_a_probability_sum_error_points_at_the_stage_id(flagship_text: str) -> None:
    loaded = load_text(flagship_text)
    i = _first(loaded, "transitions", lambda t: t.from_ == "sales" and not t.by_persona)
    text, _, _ = _replace_value(flagship_text, ("transitions", i, "probability"), "0.99")
    si = _first(loaded, "stages", lambda s: s.id == "sales")
    e302 = [d for d in validate_text(text).diagnostics if d.code == "E302"]
    assert e302 and all(d.path == ("stages", si, "id") for d in e302)
    assert (e302[0].line, e302[0].column) == loaded.positions.find(("stages", si, "id"))
    assert text.splitlines()[e302[0].line - 1] == 'id = "sales"'


def test_positions_skip_elements_that_failed_to_load(minimal_text: str) -> None:
    # Break the first stage: the model loses it, so later model indices shift by one,
    # but diagnostics about later stages must still point at their own lines.
    text = minimal_text.replace('name = "Lead"', "name = 5")
    text = text.replace('id = "lost"', 'id = "won"')
    result = validate_text(text)
    e102 = next(d for d in result.diagnostics if d.code == "E102")
    assert (e102.line, e102.column) == (_line_of(text, "name = 5"), 8)
    e201 = next(d for d in result.diagnostics if d.code == "E201")
    assert result.journey is not None and [s.id for s in result.journey.stages] == ["won", "won"]
    assert e201.path == ("stages", 1, "id")  # index into the model ...
    lines = text.splitlines()
    assert lines[e201.line - 1] == 'id = "won"' and lines[e201.line] == 'name = "Lost"'  # ... position in the file
