"""A save from the app keeps what a person wrote: comments, key order, unknown keys, broken entries."""

from __future__ import annotations

import difflib
import re

import pytest

from journeytui.model import Stage, edit, load_text, render

HAND_WRITTEN = """\
# Hand-written journey: comments and a non-canonical key order.
[journey]
title = "Hand made"   # the title comes first here
id = "hand"
horizon = 26

# --- stages -------------------------------------------------
[[stages]]
name = "Lead"    # shown in the app
entry = true
id = "lead"

[[stages]]
kind = "won"
id = "won"
name = "Won"

[[stages]]
id = "lost"
name = "Lost"
kind = "lost"

# --- moves --------------------------------------------------
[[transitions]]
probability = 0.1  # weekly
to = "won"
from = "lead"

[[transitions]]
to = "lost"
from = "lead"
probability = 0.05  # drain to competitors
cause = "chose a competitor"
# end of file
"""


def comments(text: str) -> list[str]:
    return [m.group() for m in re.finditer(r"#.*", text)]


def changed_lines(a: str, b: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


@pytest.fixture
def hand():
    result = load_text(HAND_WRITTEN)
    assert result.diagnostics == []
    assert result.journey is not None
    return result.journey


def test_unchanged_model_gives_the_original_bytes(hand) -> None:
    assert render(hand, HAND_WRITTEN) == HAND_WRITTEN


def test_setting_one_probability_changes_only_that_value(hand) -> None:
    changed = edit.set_field(hand, ("transitions", 1, "probability"), 0.07)
    out = render(changed, HAND_WRITTEN)
    assert changed_lines(HAND_WRITTEN, out) == [
        "-probability = 0.05  # drain to competitors",
        "+probability = 0.07  # drain to competitors",
    ]
    assert load_text(out).journey == changed


def test_setting_a_field_that_was_left_at_its_default_adds_one_line(hand) -> None:
    changed = edit.set_field(hand, ("stages", 0, "team"), "inside_sales")
    out = render(changed, HAND_WRITTEN)
    assert comments(out) == comments(HAND_WRITTEN)
    assert changed_lines(HAND_WRITTEN, out) == ['+team = "inside_sales"']
    assert load_text(out).journey == changed


def test_adding_a_stage_and_removing_a_transition_keeps_the_other_comments(hand) -> None:
    changed = edit.add(hand, "stage", Stage(id="nurture", name="育成"), index=1)
    changed = edit.remove_at(changed, "transitions", 0)
    out = render(changed, HAND_WRITTEN)
    reloaded = load_text(out)
    assert reloaded.journey == changed
    # Only the removed transition's own comment goes.
    assert comments(out) == [c for c in comments(HAND_WRITTEN) if c != "# weekly"]
    # Untouched tables keep their hand-made key order.
    assert 'title = "Hand made"   # the title comes first here\nid = "hand"' in out
    assert 'kind = "won"\nid = "won"\nname = "Won"' in out


def test_unknown_keys_and_broken_entries_survive_a_save() -> None:
    original = HAND_WRITTEN.replace(
        'id = "hand"\n', 'id = "hand"\nowner = "marketing team"  # not in the format\n'
    ).replace(
        "# end of file\n",
        "\n[[transitions]]  # broken: probability out of range\n"
        'from = "lead"\nto = "won"\nprobability = 1.5\n# end of file\n',
    )
    result = load_text(original)
    assert sorted(d.code for d in result.diagnostics) == ["E101", "E301"]
    assert result.journey is not None and len(result.journey.transitions) == 2
    changed = edit.set_field(result.journey, ("journey", "horizon"), 30)
    out = render(changed, original)
    assert 'owner = "marketing team"  # not in the format' in out
    assert "[[transitions]]  # broken: probability out of range" in out
    assert "probability = 1.5" in out
    assert comments(out) == comments(original)
    assert changed_lines(original, out) == ["-horizon = 26", "+horizon = 30"]


def test_removing_the_last_good_transition_keeps_a_broken_one() -> None:
    original = HAND_WRITTEN.replace(
        "# end of file\n", '\n[[transitions]]\nfrom = "lead"\nto = "nowhere"\nprobability = 7.0\n# end of file\n'
    )
    result = load_text(original)
    assert result.journey is not None and len(result.journey.transitions) == 2
    changed = edit.remove_at(edit.remove_at(result.journey, "transitions", 1), "transitions", 0)
    out = render(changed, original)
    assert "probability = 7.0" in out  # the user's broken entry is still there to fix


def test_renaming_a_stage_keeps_comments_and_order_of_the_elements_that_change(hand) -> None:
    renamed = edit.rename(hand, "stage", "lead", "見込み")
    out = render(renamed, HAND_WRITTEN)
    assert load_text(out).journey == renamed
    assert comments(out) == comments(HAND_WRITTEN)
    assert 'name = "Lead"    # shown in the app\nentry = true\nid = "見込み"' in out


def test_render_refuses_to_merge_into_a_file_that_does_not_parse(hand) -> None:
    with pytest.raises(ValueError, match="does not parse"):
        render(hand, "[journey\nid = ")


def test_a_canonical_file_with_a_schema_line_keeps_it(hand, minimal_text: str) -> None:
    original = "#:schema ./journey.schema.json\n" + minimal_text
    j = load_text(original).journey
    changed = edit.set_field(j, ("transitions", 0, "probability"), 0.2)
    out = render(changed, original)
    assert out.startswith("#:schema ./journey.schema.json\n[journey]\n")
    assert changed_lines(original, out) == ["-probability = 0.1", "+probability = 0.2"]
