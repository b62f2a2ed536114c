"""`journeytui fmt`: canonical rewrite, --check, --diff, and refusing to lose comments or touch broken files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from journeytui.cli import main


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def shuffled(canonical: str) -> str:
    """The same journey, hand-ordered: not canonical, no comments."""
    out = canonical.replace('id = "lead"\nname = "Lead"', 'name = "Lead"\nid = "lead"')
    assert out != canonical
    return out


def untouched(path: Path, content: str) -> bool:
    return path.read_text(encoding="utf-8") == content and path.stat().st_mtime_ns == 1


def freeze(path: Path) -> Path:
    os.utime(path, ns=(1, 1))
    return path


def test_rewrites_a_non_canonical_file(write, minimal_text: str, capsys) -> None:
    path = write("j.toml", shuffled(minimal_text))
    code, out, err = run(["fmt", str(path)], capsys)
    assert code == 0
    assert path.read_text(encoding="utf-8") == minimal_text
    assert out == f"Reformatted: {path}\n"
    assert err == "1 file reformatted, 0 already canonical\n"


def test_leaves_a_canonical_file_byte_identical(write, minimal_text: str, capsys) -> None:
    path = freeze(write("j.toml", minimal_text))
    code, out, err = run(["fmt", str(path)], capsys)
    assert (code, out) == (0, "")
    assert untouched(path, minimal_text)
    assert err == "0 files reformatted, 1 already canonical\n"


def test_bundled_journeys_are_canonical(repo_root: Path, capsys) -> None:
    code, out, err = run(["fmt", "--check", str(repo_root / "journeys")], capsys)
    assert (code, out) == (0, ""), err


def test_check_lists_files_and_changes_nothing(write, minimal_text: str, capsys) -> None:
    bad = freeze(write("bad.toml", shuffled(minimal_text)))
    good = freeze(write("good.toml", minimal_text))
    code, out, err = run(["fmt", "--check", str(bad), str(good)], capsys)
    assert code == 1
    assert out == f"Would reformat: {bad}\n"
    assert err == "1 file would be reformatted, 1 already canonical\n"
    assert untouched(bad, shuffled(minimal_text)) and untouched(good, minimal_text)


def test_check_on_canonical_files_exits_0(write, minimal_text: str, capsys) -> None:
    assert run(["fmt", "--check", str(write("good.toml", minimal_text))], capsys)[0] == 0


def test_diff_prints_a_unified_diff_and_changes_nothing(write, minimal_text: str, capsys) -> None:
    path = freeze(write("j.toml", shuffled(minimal_text)))
    code, out, _ = run(["fmt", "--diff", str(path)], capsys)
    assert code == 1
    assert untouched(path, shuffled(minimal_text))
    lines = out.splitlines()
    assert lines[:2] == [f"--- {path}", f"+++ {path} (canonical)"]
    removed = sorted(line[1:] for line in lines[2:] if line.startswith("-"))
    added = sorted(line[1:] for line in lines[2:] if line.startswith("+"))
    assert removed == added and removed in (['id = "lead"'], ['name = "Lead"'])  # a pure reordering


MESSY = """\
# A journey for the fmt test.
# Second line of the file's own notes.

[population.initial]  # who starts
lead = 1000

[journey]
title = "Mini"   # the title
id = "mini"
# one year
horizon = 52

[[stages]]
name = "Lead"
id = "lead"
entry = true
kind = "open"  # the default, which fmt leaves out

# the outcomes

[[stages]]
id = "won"
kind = "won"
name = "Won"

[[stages]]
id = "lost"
name = "Lost"
kind = "lost"

[[transitions]]
from = "lead"
to = "won"
# ten percent a week
probability = 0.1

[[transitions]]
to = "lost"
from = "lead"
probability = 0.05   # a guess

# end of the file
"""

FORMATTED = """\
# A journey for the fmt test.
# Second line of the file's own notes.

[journey]
id = "mini"
title = "Mini"  # the title
# one year
horizon = 52

[population.initial]  # who starts
lead = 1000

[[stages]]  # the default, which fmt leaves out
id = "lead"
name = "Lead"
entry = true

# the outcomes

[[stages]]
id = "won"
name = "Won"
kind = "won"

[[stages]]
id = "lost"
name = "Lost"
kind = "lost"

[[transitions]]
from = "lead"
to = "won"
# ten percent a week
probability = 0.1

[[transitions]]
from = "lead"
to = "lost"
probability = 0.05  # a guess

# end of the file
"""


def _comments(text: str) -> list[str]:
    from journeytui.model.locate import locate

    pos = locate(text)
    return sorted(text[c:].split("\n", 1)[0].rstrip() for c in pos.comments)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_comments_are_kept_with_their_elements(write, capsys, newline: str) -> None:
    """fmt puts a commented file in canonical order and spacing, each comment with its element;
    a second run and --check find nothing to change; line endings are kept."""
    path = write("j.toml", MESSY.replace("\n", newline).encode())
    code, out, err = run(["fmt", "--check", str(path)], capsys)
    assert code == 1 and "Would reformat" in out
    code, out, err = run(["fmt", str(path)], capsys)
    assert code == 0, err
    data = path.read_bytes().decode()
    assert data == FORMATTED.replace("\n", newline)
    assert _comments(data) == _comments(MESSY)
    code, out, err = run(["fmt", "--check", str(path)], capsys)
    assert code == 0 and out == "" and "0 files would be reformatted, 1 already canonical" in err
    freeze(path)
    code, _, _ = run(["fmt", str(path)], capsys)
    assert code == 0 and path.read_bytes().decode() == data and path.stat().st_mtime_ns == 1  # not even rewritten


def test_the_formatted_file_is_the_same_journey(write, capsys) -> None:
    from journeytui.model.load import load_text
    from journeytui.model.structure import unstructure

    path = write("j.toml", MESSY)
    run(["fmt", str(path)], capsys)
    before, after = load_text(MESSY).journey, load_text(path.read_text(encoding="utf-8")).journey
    assert before is not None and after is not None and unstructure(before) == unstructure(after)


END_OF_TABLES = """\
[population.initial]
lead = 1000
# commented-out won = 3

[journey]
title = "Mini"
id = "mini"
horizon = 52
# journey = "end"

[[stages]]
name = "Lead"
id = "lead"
entry = true
# notes = "x"

# the stage that wins
[[stages]]
id = "won"
kind = "won"
name = "Won"

[[stages]]
id = "lost"
name = "Lost"
kind = "lost"

[[transitions]]
from = "lead"
to = "won"
probability = 0.1

[[transitions]]
to = "lost"
from = "lead"
probability = 0.05
# probability = 0.07

# closing notes
"""

END_OF_TABLES_FORMATTED = """\
[journey]
id = "mini"
title = "Mini"
horizon = 52
# journey = "end"

[population.initial]
lead = 1000
# commented-out won = 3

[[stages]]
id = "lead"
name = "Lead"
entry = true
# notes = "x"

# the stage that wins
[[stages]]
id = "won"
name = "Won"
kind = "won"

[[stages]]
id = "lost"
name = "Lost"
kind = "lost"

[[transitions]]
from = "lead"
to = "won"
probability = 0.1

[[transitions]]
from = "lead"
to = "lost"
probability = 0.05
# probability = 0.07

# closing notes
"""


def test_comments_at_the_end_of_a_table_stay_with_it(write, capsys) -> None:
    """Comment lines right under a table's last key (a commented-out key) stay at the end of that
    table when fmt moves it; lines set off by a blank line right above a header go with that
    header; the lines set off from the last table close the file (issue 10, point 4)."""
    path = write("j.toml", END_OF_TABLES)
    code, out, err = run(["fmt", str(path)], capsys)
    assert code == 0, err
    assert path.read_text(encoding="utf-8") == END_OF_TABLES_FORMATTED
    code, out, err = run(["fmt", "--check", str(path)], capsys)
    assert code == 0 and out == "", err


ARRAY = """\
[journey]
id = "mini"
title = "Mini"
horizon = 52

[scoring]
mql_threshold = 10.0
handoff_to = "won"
handoff_from = [ "lead",  # first
   "won",# second

   # the last one
   "lost"
   # more to come
]  # after the array

[[stages]]
id = "lead"
name = "Lead"
entry = true

[[stages]]
id = "won"
name = "Won"
kind = "won"

[[stages]]
id = "lost"
name = "Lost"
kind = "lost"

[[transitions]]
probability = 0.1
to = "won"
from = "lead"
"""

ARRAY_FORMATTED = """\
[journey]
id = "mini"
title = "Mini"
horizon = 52

[scoring]
mql_threshold = 10.0
handoff_to = "won"
handoff_from = [
    "lead",  # first
    "won",  # second
    # the last one
    "lost",
    # more to come
]  # after the array

[[stages]]
id = "lead"
name = "Lead"
entry = true

[[stages]]
id = "won"
name = "Won"
kind = "won"

[[stages]]
id = "lost"
name = "Lost"
kind = "lost"

[[transitions]]
from = "lead"
to = "won"
probability = 0.1
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_comments_inside_an_array_stay_with_their_elements(write, capsys, newline: str) -> None:
    """A comment inside an array no longer stops fmt: the array is written one element per line
    with each comment beside or above its element, the rest of the file is formatted, and --check
    flags the file until then (issue 10, point 4: it used to pass a non-canonical file)."""
    path = freeze(write("j.toml", ARRAY.replace("\n", newline).encode()))
    code, out, err = run(["fmt", "--check", str(path)], capsys)
    assert code == 1 and out == f"Would reformat: {path}\n", err
    assert path.read_bytes() == ARRAY.replace("\n", newline).encode() and path.stat().st_mtime_ns == 1
    code, out, err = run(["fmt", str(path)], capsys)
    assert code == 0, err
    assert path.read_bytes().decode() == ARRAY_FORMATTED.replace("\n", newline)
    assert _comments(path.read_text(encoding="utf-8")) == _comments(ARRAY)
    code, out, err = run(["fmt", "--check", str(path)], capsys)
    assert code == 0 and out == "", err


def test_an_array_without_comments_stays_on_one_line(write, minimal_text: str, capsys) -> None:
    """Only an array holding comments is written one element per line."""
    text = minimal_text.replace("horizon = 52", "horizon = 52\n# a note\n")
    text += '\n[[personas]]\nid = "p"\nname = "P"\nrole = "decision_maker"\nneeds = [\n  "price",\n  "speed",\n]\n'
    path = write("j.toml", text)
    code, _, err = run(["fmt", str(path)], capsys)
    assert code == 0, err
    assert 'needs = ["price", "speed"]\n' in path.read_text(encoding="utf-8")


def test_comments_in_an_array_the_canonical_form_leaves_out(write, minimal_text: str, capsys) -> None:
    """An array equal to its default is not written: its comments go above the entry holding it,
    in file order, and its own trailing comment after the entry's header."""
    persona = (
        '\n[[personas]]\nid = "p"\nname = "P"\nrole = "decision_maker"\nneeds = [  # open\n  # none yet\n]  # after\n'
    )
    path = write("j.toml", minimal_text + persona)
    code, _, err = run(["fmt", str(path)], capsys)
    assert code == 0, err
    assert path.read_text(encoding="utf-8") == minimal_text + (
        '\n# open\n# none yet\n[[personas]]  # after\nid = "p"\nname = "P"\nrole = "decision_maker"\n'
    )
    assert run(["fmt", "--check", str(path)], capsys)[0] == 0


def test_two_trailing_comments_for_one_line(write, minimal_text: str, capsys) -> None:
    """A header's own trailing comment and that of a default key fmt leaves out both land on the
    header's line, which holds one comment: the other goes above the header (it used to end in
    "cannot format")."""
    text = minimal_text.replace('kind = "won"', 'kind = "won"  # won\nentry = false  # the default')
    text = text.replace('[[stages]]\nid = "won"', '[[stages]]  # the winners\nid = "won"')
    path = write("j.toml", text)
    code, _, err = run(["fmt", str(path)], capsys)
    assert code == 0, err
    out = path.read_text(encoding="utf-8")
    assert '\n# the default\n[[stages]]  # the winners\nid = "won"\nname = "Won"\nkind = "won"  # won\n' in out
    assert run(["fmt", "--check", str(path)], capsys)[0] == 0


def test_force_exclude_leaves_out_other_tools_files(write, minimal_text: str, capsys) -> None:
    """pre-commit passes every *.toml: with --force-exclude, pyproject.toml is not a journey to format."""
    project = write("pyproject.toml", '[project]\nname = "x"\n')
    journey = write("j.toml", minimal_text)
    code, _, err = run(["fmt", "--check", str(project), str(journey)], capsys)
    assert code == 1 and "cannot format" in err
    code, out, err = run(["fmt", "--check", "--force-exclude", str(project), str(journey)], capsys)
    assert code == 0 and out == "" and "1 already canonical" in err


def test_drop_comments_rewrites_them(write, minimal_text: str, capsys) -> None:
    path = write("j.toml", "# my notes\n" + shuffled(minimal_text))
    code, _, _ = run(["fmt", "--drop-comments", str(path)], capsys)
    assert code == 0 and path.read_text(encoding="utf-8") == minimal_text


def test_hashes_inside_strings_are_not_comments(write, minimal_text: str, capsys) -> None:
    text = shuffled(minimal_text).replace('title = "Mini"', 'title = "Mini #1"\ndescription = """\nissue #2 ] [x]\n"""')
    path = write("j.toml", text)
    code, _, err = run(["fmt", str(path)], capsys)
    assert code == 0, err
    assert 'title = "Mini #1"' in path.read_text(encoding="utf-8")


def test_a_schema_line_is_kept_and_is_not_a_comment(write, minimal_text: str, capsys) -> None:
    path = write("j.toml", "#:schema ./journey.schema.json\n" + shuffled(minimal_text))
    code, _, err = run(["fmt", str(path)], capsys)
    assert code == 0, err
    assert path.read_text(encoding="utf-8") == "#:schema ./journey.schema.json\n" + minimal_text


@pytest.mark.parametrize(
    "content",
    [
        '[journey]\nid = "j"\ntitle = ',  # TOML syntax
        '[journey]\nid = "j"\ntitle = "t"\ncolour = "red"\n\n[[stages]]\nname = "S"\nid = "s"\n',  # unknown key
    ],
    ids=["syntax", "unknown-key"],
)
def test_refuses_files_with_errors_without_touching_them(write, capsys, content: str) -> None:
    path = freeze(write("j.toml", content))
    code, out, err = run(["fmt", str(path)], capsys)
    assert code == 1 and out == ""
    assert f"cannot format {path}: fix its errors first" in err
    assert untouched(path, content)


def test_a_file_with_only_warnings_is_formatted(write, minimal_text: str, capsys) -> None:
    text = shuffled(minimal_text).replace("horizon = 52", "horizon = 5")
    path = write("j.toml", text)
    assert run(["fmt", str(path)], capsys)[0] == 0
    assert path.read_text(encoding="utf-8") == minimal_text.replace("horizon = 52", "horizon = 5")


def test_a_missing_file_and_an_empty_folder_are_skipped(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    code, _, err = run(["fmt", str(tmp_path / "missing.toml"), str(tmp_path / "empty")], capsys)
    assert code == 1
    assert "E002" in err and "E003" in err and "2 skipped" in err


def test_a_folder(write, minimal_text: str, tmp_path: Path, capsys) -> None:
    a = write("js/a.toml", shuffled(minimal_text))
    b = write("js/sub/b.toml", shuffled(minimal_text))
    code, out, _ = run(["fmt", str(tmp_path / "js")], capsys)
    assert code == 0 and out == f"Reformatted: {a}\nReformatted: {b}\n"
    assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8") == minimal_text


def test_no_paths_is_a_usage_error(capsys) -> None:
    code, _, err = run(["fmt"], capsys)
    assert code == 2 and "usage:" in err


def test_a_canonical_crlf_file_passes_check(write, minimal_text: str, capsys) -> None:
    """Line endings are the file's own: a canonical journey written with CRLF is canonical."""
    path = write("win.toml", minimal_text.replace("\n", "\r\n").encode())
    code, out, err = run(["fmt", "--check", str(path)], capsys)
    assert code == 0 and out == "" and "1 already canonical" in err


def test_comments_in_an_array_of_inline_tables_go_with_their_entries(tmp_path: Path) -> None:
    """`stages = [{...}, ...]` is written as [[stages]] entries: a comment above an element leads its
    entry, one after it trails its header, one after the last ends the last entry (found in review:
    all of them landed in one block above the first entry)."""
    path = tmp_path / "inline.toml"
    path.write_text(
        "stages = [\n"
        "  # first stage\n"
        '  { id = "start", name = "開始", entry = true }, # after start\n'
        "  # outcomes\n"
        '  { id = "won", name = "Won", kind = "won" },\n'
        '  { id = "lost", name = "Lost", kind = "lost" }, # trailing lost\n'
        "  # end of stages\n"
        "]\n\n"
        '[journey]\nid = "f"\ntitle = "t"\n\n[population.initial]\nstart = 1000\n\n'
        '[[transitions]]\nfrom = "start"\nto = "won"\nprobability = 0.05\n',
        encoding="utf-8",
    )
    assert main(["fmt", str(path)]) == 0
    out = path.read_text(encoding="utf-8")
    assert '# first stage\n[[stages]]  # after start\nid = "start"' in out
    assert '# outcomes\n[[stages]]\nid = "won"' in out
    assert '[[stages]]  # trailing lost\nid = "lost"' in out
    assert 'kind = "lost"\n# end of stages\n' in out
    assert main(["fmt", "--check", str(path)]) == 0  # a second pass changes nothing
