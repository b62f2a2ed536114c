"""Structural findings: unknown keys, wrong types, missing fields, bad values, ranges; partial models."""

from __future__ import annotations

import pytest

from journeytui.model import Journey, JourneyMeta, Stage, load_text
from journeytui.model.structure import dotted, structure, unstructure

HEAD = '[journey]\nid = "j"\ntitle = "t"\n'
STAGE = '\n[[stages]]\nid = "s"\nname = "S"\n'


def diags(text: str) -> list[tuple[str, int, int, str]]:
    return [(d.code, d.line, d.column, d.message) for d in load_text(text).diagnostics]


def test_unknown_key_with_did_you_mean_points_at_the_key() -> None:
    [(code, line, col, msg)] = diags(HEAD + STAGE + "enrty = true\n")
    assert (code, line, col) == ("E101", 8, 1)
    assert msg == "unknown key `enrty` in `[stages[0]]`; did you mean `entry`?"


def test_unknown_key_without_a_close_match_lists_the_allowed_keys() -> None:
    [(code, _, _, msg)] = diags(HEAD + "zzz = 1\n")
    assert code == "E101"
    assert "(allowed: id, title, description, time_unit, horizon, currency, format)" in msg


def test_unknown_top_level_table() -> None:
    [(code, line, col, msg)] = diags(HEAD + "\n[stage]\nid = 1\n")
    assert (code, line, col) == ("E101", 5, 1)
    assert "did you mean `stages`?" in msg


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("entry = 1", "`stages[0].entry` must be a boolean, not an integer"),
        ("phase = true", "`stages[0].phase` must be an integer, not a boolean"),
        ("phase = 2.0", "`stages[0].phase` must be an integer, not a float"),
        ('phase = "2"', "`stages[0].phase` must be an integer, not a string"),
        ("name = 1979-05-27", "`stages[0].name` must be a string, not a date"),
        ('notes = ["a"]', "`stages[0].notes` must be a string, not an array"),
    ],
)
def test_wrong_types_are_e102_at_the_value(line: str, expected: str) -> None:
    text = (
        HEAD + STAGE.replace('name = "S"\n', "") + line + "\n"
        if line.startswith("name")
        else HEAD + STAGE + line + "\n"
    )
    found = [d for d in diags(text) if d[0] == "E102"]
    assert [(d[1], d[2], d[3]) for d in found] == [(text.count("\n"), line.index("=") + 3, expected)]


@pytest.mark.parametrize("value", ["true", '"0.5"', "[0.5]"])
def test_a_probability_of_the_wrong_type_is_e102(value: str) -> None:
    text = HEAD + STAGE + f'\n[[transitions]]\nfrom = "s"\nto = "s"\nprobability = {value}\n'
    assert [d[0] for d in diags(text)] == ["E102"]


def test_an_integer_where_a_number_is_expected_is_fine() -> None:
    result = load_text(HEAD + STAGE + '\n[[transitions]]\nfrom = "s"\nto = "s"\nprobability = 1\n')
    assert result.diagnostics == []
    assert result.journey.transitions[0].probability == 1.0


def test_missing_required_fields_are_e103_at_the_table() -> None:
    found = diags(HEAD + '\n[[stages]]\nname = "S"\n\n[[transitions]]\nfrom = "s"\n')
    assert [(c, line, col) for c, line, col, _ in found] == [("E103", 5, 1), ("E103", 8, 1), ("E103", 8, 1)]
    assert found[0][3] == "`[stages[0]]` is missing required field `id`"
    assert {m for *_, m in found[1:]} == {
        "`[transitions[0]]` is missing required field `to`",
        "`[transitions[0]]` is missing required field `probability`",
    }


def test_a_missing_journey_table_still_checks_the_rest() -> None:
    result = load_text(STAGE + "enrty = true\n")
    assert sorted(d.code for d in result.diagnostics) == ["E101", "E103"]
    assert result.journey is not None
    assert result.journey.journey == JourneyMeta(id="", title="")
    assert [s.id for s in result.journey.stages] == ["s"]


def test_invalid_enum_value_with_a_hint() -> None:
    [(code, line, col, msg)] = diags(HEAD + STAGE + 'kind = "wonn"\n')
    assert (code, line, col) == ("E104", 8, 8)
    assert msg == '`stages[0].kind` is "wonn", which is not one of "open", "won", "lost"; did you mean "won"?'


def test_invalid_enum_value_without_a_hint() -> None:
    [(code, _, _, msg)] = diags(HEAD + STAGE + 'team = "xyz"\n')
    assert code == "E104" and "did you mean" not in msg


def test_one_broken_element_leaves_the_others_checked() -> None:
    text = (
        HEAD
        + '\n[[stages]]\nid = "a"\nname = 7\n'  # broken: name is not a string
        + '\n[[stages]]\nid = "b"\nname = "B"\nphase = -1\n'  # loads, without its phase
        + '\n[[stages]]\nid = "c"\nname = "C"\nteem = "x"\n'  # loads; unknown key reported
    )
    result = load_text(text)
    assert sorted((d.code, d.line) for d in result.diagnostics) == [("E101", 17), ("E102", 7), ("E105", 12)]
    assert [s.id for s in result.journey.stages] == ["b", "c"]
    assert result.journey.stages[0].phase is None
    assert result.kept[("stages",)] == [1, 2]


@pytest.mark.parametrize(
    ("literal", "shown"),
    [("nan", "nan"), ("inf", "inf"), ("-inf", "-inf"), ("+nan", "nan"), ("1.5", "1.5"), ("-0.1", "-0.1")],
)
def test_probabilities_outside_0_1_nan_or_infinite_are_e301(literal: str, shown: str) -> None:
    text = (
        HEAD + STAGE + f'\n[[transitions]]\nfrom = "s"\nto = "s"\nprobability = {literal}\nby_persona.p = {literal}\n'
    )
    found = diags(text)
    assert [(c, line, col) for c, line, col, _ in found] == [("E301", 12, 15), ("E301", 13, 16)]
    assert found[0][3] == f"`transitions[0].probability` is {shown}; a probability must be between 0 and 1"


@pytest.mark.parametrize("literal", ["nan", "inf", "1e400"])
def test_non_finite_numbers_elsewhere_are_e105(literal: str) -> None:
    [(code, line, col, msg)] = diags(HEAD + f"\n[population]\narrivals.s = {literal}\n")
    assert (code, line, col) == ("E105", 6, 14)
    assert "finite" in msg


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("horizon = 0", "`journey.horizon` is 0; it must be >= 1 and <= 10000"),
        ("horizon = 10001", "`journey.horizon` is 10001; it must be >= 1 and <= 10000"),
        ("horizon = 99999999999999999999", "`journey.horizon` is 1e+20; it must be >= 1 and <= 10000"),
        ("format = 2", "`journey.format` is 2; it must be >= 1 and <= 1"),
    ],
)
def test_out_of_range_numbers_are_e105(line: str, fragment: str) -> None:
    [(code, _, _, msg)] = diags(HEAD + line + "\n")
    assert code == "E105"
    assert msg == fragment


def test_huge_lead_counts_are_refused() -> None:
    [(code, _, _, msg)] = diags(HEAD + "\n[population]\naccounts = 9223372036854775807\n")
    assert code == "E105"
    assert "<= 100000000" in msg


def test_a_table_where_a_value_is_expected_and_vice_versa() -> None:
    found = diags('dmu = "x"\n' + HEAD + STAGE + "kind.x = 1\n")
    assert [(c, line, col, m) for c, line, col, m in found] == [
        ("E102", 1, 7, "`dmu` must be a table, not a string"),
        ("E102", 9, 1, '`stages[0].kind` must be one of "open", "won", "lost", not a table'),
    ]


def test_dotted_paths_quote_non_bare_keys() -> None:
    assert dotted(("stages", 2, "id")) == "stages[2].id"
    assert dotted(("population", "initial", "認知")) == 'population.initial."認知"'
    assert dotted(()) == "<root>"


def test_structure_of_a_non_table_gives_no_model() -> None:
    obj, findings, _ = structure([], Journey)  # type: ignore[arg-type]
    assert obj is None
    assert [f.code for f in findings] == ["E102"]


def test_unstructure_leaves_defaults_out_but_keeps_always_fields() -> None:
    j = Journey(journey=JourneyMeta(id="j", title="t"), stages=[Stage(id="s", name="S")])
    assert unstructure(j) == {"journey": {"id": "j", "title": "t", "horizon": 52}, "stages": [{"id": "s", "name": "S"}]}
