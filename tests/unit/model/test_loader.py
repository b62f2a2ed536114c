"""The loader never raises for bad input: each failure mode is one diagnostic with a sensible position."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from journeytui.model import JourneyLoadError, load_file, load_journey, load_text
from journeytui.model.depth import MAX_DEPTH
from journeytui.model.load import MAX_FILE_BYTES
from journeytui.validate import validate_text

HEAD = '[journey]\nid = "j"\ntitle = "t"\n'


def only(result, code: str):
    """The single diagnostic of ``result``, which must have ``code``."""
    assert [d.code for d in result.diagnostics] == [code], result.diagnostics
    return result.diagnostics[0]


def stage_with_id(ident: str) -> str:
    return HEAD + f'\n[[stages]]\nid = "{ident}"\nname = "n"\n'


@pytest.mark.parametrize("text", ["", "   \n\t\n\n", "\n"])
def test_empty_or_blank_text_is_e001(text: str) -> None:
    d = only(load_text(text, "x.toml"), "E001")
    assert "empty" in d.message
    assert (d.file, d.line, d.column) == ("x.toml", 1, 1)


def test_empty_file_is_e001(write) -> None:
    result = load_file(write("empty.toml", ""))
    assert only(result, "E001").message.startswith("file is empty")
    assert result.journey is None


def test_binary_file_is_e002(write) -> None:
    d = only(load_file(write("bin.toml", b"[journey]\x00\x01\x02\xff")), "E002")
    assert "binary" in d.message


def test_invalid_utf8_points_at_the_bad_byte(write) -> None:
    d = only(load_file(write("latin1.toml", '[journey]\nid = "j"\ntitle = "caf\xe9"\n'.encode("latin-1"))), "E002")
    assert "UTF-8" in d.message
    assert (d.line, d.column) == (3, 13)


def test_a_directory_is_e002(tmp_path: Path) -> None:
    d = only(load_file(tmp_path), "E002")
    assert "folder" in d.message and str(tmp_path) in d.message


def test_a_missing_path_is_e002(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    d = only(load_file(missing), "E002")
    assert d.message == f"no such file: {missing}"
    assert d.file == str(missing)


def test_an_unreadable_file_is_e002(write) -> None:
    path = write("secret.toml", HEAD)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running with privileges that read a chmod 000 file (root)")
        d = only(load_file(path), "E002")
        assert "permission denied" in d.message
    finally:
        path.chmod(0o644)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    with big.open("wb") as fh:  # sparse: no 10 MB written
        fh.truncate(MAX_FILE_BYTES + 1)
    started = time.perf_counter()
    d = only(load_file(big), "E002")
    assert time.perf_counter() - started < 1.0
    assert "10 MB" in d.message


def test_a_file_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "limit.toml"
    path.write_bytes(HEAD.encode() + b"#" * (MAX_FILE_BYTES - len(HEAD)))
    result = load_file(path)
    assert all(d.code != "E002" for d in result.diagnostics)
    assert result.journey is not None


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("x = " + "[" * 5000 + "]" * 5000, (1, 4 + MAX_DEPTH)),
        ("x = " + "{a = " * 3000 + "1" + "}" * 3000, (1, 6 + 5 * (MAX_DEPTH - 1))),
    ],
    ids=["arrays", "inline-tables"],
)
def test_absurd_nesting_is_e004_where_it_goes_too_deep(text: str, where: tuple[int, int]) -> None:
    d = only(load_text(text), "E004")
    assert f"more than {MAX_DEPTH} levels deep" in d.message
    assert (d.line, d.column) == where


def test_deeply_nested_table_headers_are_e004_at_the_header() -> None:
    result = load_text("x = 1\n[" + ".".join(["deep"] * 3000) + "]\nx = 1\n")
    d = only(result, "E004")
    assert (d.line, d.column) == (2, 1)
    assert d.message.startswith("table header nested")


def test_nesting_at_the_limit_is_read() -> None:
    parts = ".".join(["a"] * MAX_DEPTH)
    result = load_text(parts + " = 1\n" + HEAD)
    assert [d.code for d in result.diagnostics] == ["E101"]  # read and structured: an unknown key


def test_a_5000_digit_integer_is_a_clear_error() -> None:
    d = only(load_text(HEAD + "horizon = " + "9" * 5000 + "\n"), "E001")
    assert "too large" in d.message
    assert len(d.message) < 200


def test_a_5000_digit_integer_is_reported_where_it_is() -> None:
    d = only(load_text(HEAD + "horizon = " + "9" * 5000 + "\n"), "E001")
    assert (d.line, d.column) == (4, 11)


def test_a_4000_digit_integer_is_out_of_range_at_its_position() -> None:
    d = only(load_text(HEAD + "horizon = " + "9" * 4000 + "\n"), "E105")
    assert (d.line, d.column) == (4, 11)
    assert "4001 digits" in d.message and len(d.message) < 200


def test_toml_syntax_error_has_line_and_column() -> None:
    d = only(load_text('[journey]\nid = "j"\ntitle = \n'), "E001")
    assert d.message.startswith("invalid TOML: ")
    assert (d.line, d.column) == (3, 9)


@pytest.mark.parametrize(
    "ident",
    ["a\u200db", "a\u202eb", "\u0301a", "a b", " a", "-a", "a.b", "a->b", "", "x" * 65],
    ids=[
        "zero-width-joiner",
        "rtl-override",
        "leading-combining-mark",
        "space",
        "leading-space",
        "leading-dash",
        "dot",
        "arrow",
        "empty",
        "too-long",
    ],
)
def test_odd_ids_are_e104_at_the_value(ident: str) -> None:
    result = load_text(stage_with_id(ident))
    d = only(result, "E104")
    assert (d.line, d.column) == (6, 6)
    assert d.path == ("stages", 0, "id")
    assert result.journey is not None and result.journey.stages == []


@pytest.mark.parametrize(
    "ident", ["\u212b", "\uf900", "\u1100\u1161"], ids=["angstrom-sign", "cjk-compatibility", "hangul-jamo"]
)
def test_non_nfc_ids_are_w104(ident: str) -> None:
    result = load_text(stage_with_id(ident))
    d = only(result, "W104")
    assert (d.line, d.column) == (6, 6)
    assert result.journey is not None and result.journey.stages[0].id == ident


@pytest.mark.parametrize("ident", ["認知", "比較_検討", "ステージ-1", "商談2", "_x", "1st"])
def test_japanese_and_plain_ids_are_fine(ident: str) -> None:
    result = load_text(stage_with_id(ident))
    assert result.diagnostics == []
    assert result.journey.stages[0].id == ident


@pytest.mark.parametrize("ident", ["ลูกค้า", "ग्राहक"], ids=["thai", "devanagari"])
def test_ids_in_scripts_with_combining_vowel_signs_are_fine(ident: str) -> None:
    assert load_text(stage_with_id(ident)).diagnostics == []


def test_a_bom_is_skipped_and_positions_stay_right(write) -> None:
    path = write("bom.toml", ("\ufeff" + HEAD + "bogus = 1\n").encode("utf-8"))
    result = load_file(path)
    d = only(result, "E101")
    assert (d.line, d.column) == (4, 1)
    assert result.journey.journey.id == "j"


def test_load_journey_raises_with_the_first_error(write) -> None:
    path = write("bad.toml", HEAD + "horizon = -1\n")
    with pytest.raises(JourneyLoadError) as info:
        load_journey(path)
    assert str(info.value) == f"{path}:4:11: E105 `journey.horizon` is -1; it must be >= 1 and <= 10000"
    assert info.value.result.journey is not None


def test_load_journey_returns_a_clean_journey(flagship_path: Path) -> None:
    assert load_journey(flagship_path).journey.id == "b2b-it-tool"


def test_a_duplicate_key_is_named_where_it_is_set_again() -> None:
    text = '[journey]\nid = "x"\ntitle = "X"\n\n[[stages]]\nid = "won"\nname = "Won"\nkind = "won"\nname = "again"\n'
    [d] = load_text(text, "j.toml").diagnostics
    assert (d.code, d.line, d.column) == ("E001", 9, 1)
    assert d.message == "invalid TOML: duplicate key `name` (first set on line 7): a key can be set once per table"
    dotted = '[journey]\nid = "x"\n  a . "b c" = 1\n  a."b c" = 2\n'
    [d] = load_text(dotted, "j.toml").diagnostics
    assert (d.line, d.column) == (4, 3) and 'duplicate key `a."b c"` (first set on line 3)' in d.message
    quoted = '[journey]\nid = "x"\n"id" = "y"\n'  # one key, written two ways
    [d] = load_text(quoted, "j.toml").diagnostics
    assert (d.line, d.column) == (3, 1) and "duplicate key `id` (first set on line 2)" in d.message


def test_a_table_declared_twice_is_named_as_toml_writes_it_at_its_header() -> None:
    text = '[journey]\nid = "x"\ntitle = "X"\n\n  [ journey ]\nhorizon = 5\n'
    [d] = load_text(text, "j.toml").diagnostics
    assert (d.code, d.line, d.column) == ("E001", 5, 3)
    assert d.message == (
        "invalid TOML: table `[journey]` declared twice (first declared on line 1): a table can be declared once"
    )
    in_string = '[journey]\ndescription = """\n[population]\n"""\n[population]\na = 1\n[population]\n'
    [d] = load_text(in_string, "j.toml").diagnostics  # a header inside a multi-line string is text
    assert (d.line, "(first declared on line 5)" in d.message) == (7, True), d.message
    [d] = load_text('[[stages]]\nid = "a"\n[stages]\n', "j.toml").diagnostics
    assert d.message == "invalid TOML: `[stages]` is an array of tables (`[[stages]]` on line 1): use `[[stages]]`"
    [d] = load_text("[journey.x]\na = 1\n[journey]\nx.b = 2\n", "j.toml").diagnostics
    assert d.line == 4 and "`journey.x` is a table declared by its own header (`[journey.x]` on line 1)" in d.message
    nested = '[journey]\nid = "x"\n[journey."a b"]\nq = 1\n[journey.\'a b\']\n'
    [d] = load_text(nested, "j.toml").diagnostics
    assert (d.line, d.column) == (
        5,
        1,
    ) and 'table `[journey."a b"]` declared twice (first declared on line 3)' in d.message


def test_an_unknown_dotted_table_is_located_at_its_header() -> None:
    text = '[journey]\nid = "x"\ntitle = "X"\n\n[metadata.owner]\nname = "me"\n'
    found = [d for d in validate_text(text, "j.toml").diagnostics if d.code == "E101"]
    assert [(d.line, d.column) for d in found] == [(5, 2)] and "`metadata`" in found[0].message
