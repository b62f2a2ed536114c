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


NOTED = """\
[journey]
title = "Notes above entries"
id = "noted"

# --- stages ---

# the first stage
[[stages]]
id = "a"
name = "A"
entry = true

# the second stage
# (two lines)
[[stages]]
id = "b"
name = "B"
# kind = "won"  (a commented-out key of b, right under its values)

# the third stage
[[stages]]
id = "c"
name = "C"
kind = "won"

# --- moves ---
[[transitions]]
from = "a"
to = "b"
probability = 0.2

# b to c
[[transitions]]
from = "b"
to = "c"
probability = 0.1
"""


def above(text: str) -> dict[str, str]:
    """Each comment line -> the first line of code after it, with an entry's id or from/to."""
    lines = text.splitlines()
    out = {}
    for n, line in enumerate(lines):
        if line.startswith("#"):
            code = [m for m in range(n + 1, len(lines)) if lines[m] and not lines[m].startswith("#")]
            if not code:
                out[line] = ""
                continue
            nxt = lines[code[0]]
            if nxt.startswith("[["):
                body = [x for x in lines[code[0] + 1 :]]
                body = body[: body.index("")] if "" in body else body
                nxt += " " + " ".join(x for x in body if x.startswith(("id ", "from ", "to ")))
            out[line] = nxt
    return out


@pytest.fixture
def noted():
    result = load_text(NOTED)
    assert result.diagnostics == [] and result.journey is not None
    return result.journey


def saved(journey, original: str = NOTED) -> str:
    out = render(journey, original)
    assert load_text(out).journey == journey
    return out


def test_removing_a_middle_entry_takes_its_own_comment_and_leaves_the_next_entrys_in_place(noted) -> None:
    out = saved(edit.remove_at(noted, "stages", 1))
    assert "# the second stage" not in out and "# (two lines)" not in out and "# kind" not in out
    assert above(out)["# the third stage"] == '[[stages]] id = "c"'
    assert above(out)["# the first stage"] == '[[stages]] id = "a"'


def test_removing_the_first_entry_keeps_the_banner_and_the_second_entrys_comment(noted) -> None:
    out = saved(edit.remove_at(noted, "transitions", 0))
    found = above(out)
    assert found["# --- moves ---"] == found["# b to c"] == '[[transitions]] from = "b" to = "c"'
    assert out.index("# --- moves ---") < out.index("# b to c")


def test_removing_the_last_entry_leaves_the_next_sections_banner_above_it(noted) -> None:
    out = saved(edit.remove_at(noted, "stages", 2))
    assert "# the third stage" not in out
    assert above(out)["# --- moves ---"] == '[[transitions]] from = "a" to = "b"'
    assert above(out)["# the second stage"] == '[[stages]] id = "b"'


def test_appending_an_entry_keeps_the_next_sections_banner_above_that_section(noted) -> None:
    out = saved(edit.add(noted, "stage", Stage(id="d", name="D")))
    found = above(out)
    assert found["# --- moves ---"] == '[[transitions]] from = "a" to = "b"'
    assert found["# the third stage"] == '[[stages]] id = "c"'
    assert '\n\n[[stages]]\nid = "d"' in out  # separated like the others


def test_moving_an_entry_moves_its_comment_and_keeps_commented_out_keys_with_it(noted) -> None:
    out = saved(edit.move(noted, "stages", 1, 1))  # b after c
    found = above(out)
    assert found["# the second stage"] == found["# (two lines)"] == '[[stages]] id = "b"'
    assert found["# the third stage"] == '[[stages]] id = "c"'
    assert out.index('id = "c"') < out.index("# the second stage") < out.index('id = "b"') < out.index("# kind")
    assert found["# --- moves ---"] == '[[transitions]] from = "a" to = "b"'


def test_moving_the_first_entry_down_leaves_the_text_above_the_array_on_top(noted) -> None:
    """The lines above the whole array may be a banner or the first entry's note: they stay."""
    out = saved(edit.move(noted, "stages", 0, 1))  # a after b
    found = above(out)
    assert found["# --- stages ---"] == found["# the first stage"] == found["# the second stage"]
    assert found["# the second stage"] == '[[stages]] id = "b"'
    assert out.index("# the second stage") < out.index('id = "b"') < out.index("# kind") < out.index('id = "a"')
    assert sorted(comments(out)) == sorted(comments(NOTED))


def comment_lines(text: str) -> list[str]:
    return sorted(line for line in text.splitlines() if line.lstrip().startswith("#"))


def test_a_note_moves_above_the_new_first_entry_when_no_blank_line_comes_before_the_array() -> None:
    """The section before ends in a value, right above the array: the note still goes above its entry
    (it went to the end of the array, above the next section's first entry)."""
    original = NOTED.replace('id = "noted"\n\n# --- stages ---\n\n# the first stage\n', 'id = "noted"\n')
    journey = load_text(original).journey
    out = saved(edit.remove_at(journey, "stages", 0), original)
    assert above(out)["# the second stage"] == '[[stages]] id = "b"'
    assert above(out)["# --- moves ---"] == '[[transitions]] from = "a" to = "b"'
    assert comment_lines(out) == comment_lines(original)


PERSONAS_FIRST = """\
[journey]
title = "Personas written before stages"
id = "personas-first"

[[personas]]
id = "p1"
name = "P1"
role = "user"

# the second persona
[[personas]]
id = "p2"
name = "P2"
role = "user"

[[stages]]
id = "a"
name = "A"
entry = true

# stage b
[[stages]]
id = "b"
name = "B"
entry = true
"""


def test_a_note_above_the_new_first_entry_survives_the_array_before_losing_its_last_entry() -> None:
    """The array before is saved after this one (the file's order is not the model's): the note put
    above the new first stage must not stay with the deleted last persona."""
    journey = load_text(PERSONAS_FIRST).journey
    out = saved(edit.remove_at(edit.remove_at(journey, "stages", 0), "personas", 1), PERSONAS_FIRST)
    assert above(out)["# stage b"] == '[[stages]] id = "b"'
    assert "# the second persona" not in out


def test_a_note_above_the_new_first_entry_does_not_follow_the_array_before_when_it_is_reordered() -> None:
    journey = load_text(PERSONAS_FIRST).journey
    out = saved(edit.move(edit.remove_at(journey, "stages", 0), "personas", 1, -1), PERSONAS_FIRST)
    found = above(out)
    assert found["# stage b"] == '[[stages]] id = "b"'
    assert found["# the second persona"] == '[[personas]] id = "p2"'
    assert comment_lines(out) == comment_lines(PERSONAS_FIRST)


def test_a_value_edit_leaves_the_spacing_between_entries_as_written() -> None:
    """Some entries separated by a blank line, some not: editing one value adds no blank lines."""
    original = NOTED.replace('name = "A"\nentry = true\n\n# the second stage\n', 'name = "A"\nentry = true\n')
    journey = load_text(original).journey
    out = saved(edit.set_field(journey, ("stages", 2, "name"), "Cee"), original)
    assert changed_lines(original, out) == ['-name = "C"', '+name = "Cee"']


SECTIONS = """\
[journey]
title = "A banner above every section"
id = "sections"

# --- stages ---
[[stages]]
id = "a"
name = "A"
entry = true

# --- channels ---
[[channels]]
id = "web"
name = "Web"

# --- touchpoints ---
[[touchpoints]]
id = "paper"
name = "Paper"
type = "whitepaper"
channel = "web"
stages = ["a"]

# --- expectations ---
[[expectations]]
stage = "a"
week = 1
metric = "share"
min = 0.5
"""


def test_emptying_two_neighbouring_arrays_keeps_the_next_sections_banner() -> None:
    """Removing the only channel removes its only touchpoint: both arrays go, and the banner above
    the expectations (kept at the end of the last touchpoint) must not go with them."""
    journey = load_text(SECTIONS).journey
    assert journey is not None and load_text(SECTIONS).diagnostics == []
    out = saved(edit.remove(journey, "channel", "web"), SECTIONS)
    assert "[[channels]]" not in out and "[[touchpoints]]" not in out
    assert above(out)["# --- expectations ---"].startswith("[[expectations]]")
    assert comment_lines(out) == comment_lines(SECTIONS)


def test_emptying_the_array_that_opens_the_file_keeps_the_next_sections_banner() -> None:
    original = """\
[[channels]]
id = "web"
name = "Web"

# --- the journey ---
[journey]
title = "Channels first"
id = "channels-first"

[[stages]]
id = "a"
name = "A"
entry = true
"""
    journey = load_text(original).journey
    out = saved(edit.remove(journey, "channel", "web"), original)
    assert out.startswith("# --- the journey ---\n[journey]\n")


def test_a_removal_and_a_retarget_in_one_save_keep_each_comment_with_its_own_entry(noted) -> None:
    """Delete a transition, retarget the next one, save: the retargeted one keeps its own table
    (paired by position, it took the deleted one's comment and its own comment was dropped)."""
    three = NOTED + '\n# c back to a\n[[transitions]]\nfrom = "c"\nto = "a"\nprobability = 0.05\ncause = "churn"\n'
    journey = load_text(three).journey
    changed = edit.retarget(edit.remove_at(journey, "transitions", 1), 1, to="b")
    out = saved(changed, three)
    assert "# b to c" not in out
    assert above(out)["# c back to a"] == '[[transitions]] from = "c" to = "b"'
    assert out.index("# c back to a") < out.index('cause = "churn"')


@pytest.mark.parametrize("change", ["remove the last", "move the last up"])
def test_a_new_last_entry_ends_the_file_as_the_old_one_did(change: str) -> None:
    """The blank line that separated two entries does not end up at the end of the file."""
    text = "\n\n".join(
        [
            '[journey]\ntitle = "x"\nid = "x"',
            '[[stages]]\nid = "a"\nname = "A"\nentry = true',
            '[[stages]]\nid = "b"\nname = "B"\nentry = true',
            '[[stages]]\nid = "w"\nname = "W"\nkind = "won"\n',
        ]
    )
    j = load_text(text).journey
    assert j is not None
    changed = edit.remove_at(j, "stages", 2) if change == "remove the last" else edit.move(j, "stages", 2, -2)
    out = render(changed, text)
    assert load_text(out).journey == changed
    assert out.endswith("entry = true\n") and not out.endswith("\n\n")
