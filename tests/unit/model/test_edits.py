"""Edit operations: references follow renames, removals cascade what they announce, bad edits raise."""

from __future__ import annotations

import copy
import dataclasses
import re

import pytest

from journeytui.model import Gate, Journey, Schedule, Stage, Transition, edit, load_text
from journeytui.model.edit import EditError
from journeytui.model.refs import walk_refs
from journeytui.validate import check

RICH = """\
[journey]
id = "rich"
title = "Every kind of reference"
horizon = 52

[population.initial]
a = 100
b = 10

[population.arrivals]
a = 5.0

[population.mix]
p1 = 1.0
p2 = 2.0

[dmu.composition]
p1 = 1
p2 = 2

[scoring]
mql_threshold = 20.0
handoff_to = "b"
handoff_from = ["a"]
handoff_channel = "c1"

[scoring.behaviours]
download = 10.0
open = 5.0

[[stages]]
id = "a"
name = "A"
entry = true
phase = 1

[[stages]]
id = "b"
name = "B"
phase = 2

[[stages]]
id = "c"
name = "C"
phase = 3

[[stages]]
id = "won"
name = "Won"
kind = "won"
phase = 4

[[stages]]
id = "lost"
name = "Lost"
kind = "lost"
phase = 4

[[transitions]]
from = "a"
to = "b"
probability = 0.2
by_persona.p1 = 0.3
gate = "g"

[[transitions]]
from = "a"
to = "lost"
probability = 0.05

[[transitions]]
from = "b"
to = "c"
probability = 0.1

[[transitions]]
from = "b"
to = "lost"
probability = 0.05

[[transitions]]
from = "c"
to = "won"
probability = 0.1
by_persona.p2 = 0.2

[[transitions]]
from = "c"
to = "b"
probability = 0.02
cause = "competitor launch"

[[stalls]]
stage = "b"
probability = 0.02
duration.kind = "fixed"
duration.weeks = 4
cause = "budget freeze"

[[personas]]
id = "p1"
name = "部長"
role = "decision_maker"
channels = ["c1", "c2"]

[[personas]]
id = "p2"
name = "担当"
role = "user"
channels = ["c2"]

[[gates]]
id = "g"
stage = "c"

[[channels]]
id = "c1"
name = "Email"

[[channels]]
id = "c2"
name = "Web"

[[touchpoints]]
id = "t1"
name = "Step email"
type = "step_email"
channel = "c1"
stages = ["a", "b", "c"]
schedule.days = [1, 3, 5, 7]
behaviour = "download"
lift.b = 1.2
lift.c = 1.1

[[touchpoints]]
id = "t2"
name = "Follow-up"
type = "case_study"
channel = "c2"
stages = ["b", "c"]
personas = ["p1", "p2"]
schedule.every_weeks = 2
schedule.after = "t1"
behaviour = "open"

[[expectations]]
stage = "won"
week = 52
min = 0.01
"""
"""Every kind of reference, clean under the validator."""

REF_CODES = {"E202", "E203", "E204", "E205", "E206", "E207"}


@pytest.fixture
def rich() -> Journey:
    result = load_text(RICH)
    assert result.diagnostics == []
    assert check(result.journey) == []
    return result.journey


ALL_IDS = [
    ("stage", "a"),
    ("stage", "b"),
    ("stage", "c"),
    ("stage", "won"),
    ("stage", "lost"),
    ("persona", "p1"),
    ("persona", "p2"),
    ("channel", "c1"),
    ("channel", "c2"),
    ("gate", "g"),
    ("touchpoint", "t1"),
    ("touchpoint", "t2"),
    ("behaviour", "download"),
    ("behaviour", "open"),
]


# -- rename --------------------------------------------------------------------------
def _renamed_path(path, is_key: bool, old: str, new: str):
    return (*path[:-1], new) if is_key and path[-1] == old else path


@pytest.mark.parametrize(("kind", "old"), [x for x in ALL_IDS if x != ("touchpoint", "t2")])  # t2: nothing refers to it
def test_rename_updates_every_reference_and_nothing_else(rich: Journey, kind: str, old: str) -> None:
    new = "新しい_" + old
    before = list(walk_refs(rich))
    assert any(k == kind and r == old for k, r, _, _ in before), "the fixture should reference every id"
    out = edit.rename(rich, kind, old, new)
    expected = [
        (k, new if (k, r) == (kind, old) else r, _renamed_path(p, key and k == kind, old, new), key)
        for k, r, p, key in before
    ]
    assert list(walk_refs(out)) == expected
    assert new in edit.ids(out, kind) and old not in edit.ids(out, kind)
    assert edit.ids(out, kind).index(new) == edit.ids(rich, kind).index(old)  # same place
    assert check(out) == []


def test_rename_stage_covers_each_kind_of_place(rich: Journey) -> None:
    out = edit.rename(rich, "stage", "b", "検討")
    assert [(t.from_, t.to) for t in out.transitions][:4] == [
        ("a", "検討"),
        ("a", "lost"),
        ("検討", "c"),
        ("検討", "lost"),
    ]
    assert out.stalls[0].stage == "検討"
    assert out.touchpoints[0].stages == ["a", "検討", "c"]
    assert list(out.touchpoints[0].lift) == ["検討", "c"]  # key order kept
    assert list(out.population.initial) == ["a", "検討"]
    assert out.scoring.handoff_to == "検討"
    assert out.stages[1].id == "検討"


def test_rename_persona_channel_gate_touchpoint(rich: Journey) -> None:
    out = edit.rename(rich, "persona", "p1", "部長")
    assert out.transitions[0].by_persona == {"部長": 0.3}
    assert list(out.dmu.composition) == ["部長", "p2"] and list(out.population.mix) == ["部長", "p2"]
    assert out.touchpoints[1].personas == ["部長", "p2"]
    out = edit.rename(rich, "channel", "c1", "mail")
    assert (out.touchpoints[0].channel, out.personas[0].channels, out.scoring.handoff_channel) == (
        "mail",
        ["mail", "c2"],
        "mail",
    )
    assert edit.rename(rich, "gate", "g", "committee").transitions[0].gate == "committee"
    assert edit.rename(rich, "touchpoint", "t1", "step1").touchpoints[1].schedule.after == "step1"
    out = edit.rename(rich, "behaviour", "download", "dl")
    assert list(out.scoring.behaviours) == ["dl", "open"] and out.touchpoints[0].behaviour == "dl"


def test_rename_to_the_same_id_is_a_no_op(rich: Journey) -> None:
    assert edit.rename(rich, "stage", "a", "a") == rich


@pytest.mark.parametrize(
    ("kind", "old", "new", "message"),
    [
        ("stage", "a", "b", 'a stage with id "b" already exists'),
        ("stage", "a", "a b", "is not a valid id"),
        ("stage", "a", "", "must not be empty"),
        ("stage", "zz", "y", 'there is no stage "zz"'),
        ("persona", "p1", "p2", 'a persona with id "p2" already exists'),
        ("widget", "a", "b", "unknown kind of element: widget"),
    ],
)
def test_rename_errors(rich: Journey, kind: str, old: str, new: str, message: str) -> None:
    with pytest.raises(EditError, match=re.escape(message)):
        edit.rename(rich, kind, old, new)


# -- remove and its announced effects ----------------------------------------------------
_REMOVED = re.compile(r"^(?:  then )?(?:the )?(\w+) .* is removed")
_PLURAL = {
    "stage": "stages",
    "transition": "transitions",
    "stall": "stalls",
    "persona": "personas",
    "gate": "gates",
    "channel": "channels",
    "touchpoint": "touchpoints",
    "expectation": "expectations",
    "scoring": "scoring",
}


def _announced_removals(effects: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in effects:
        m = _REMOVED.match(line)
        if m:
            attr = _PLURAL[m.group(1)]
            counts[attr] = counts.get(attr, 0) + 1
    return counts


LISTS = ("stages", "transitions", "stalls", "personas", "gates", "channels", "touchpoints", "expectations")


def _removal_matches_announcement(j: Journey, kind: str, element_id: str) -> Journey:
    effects = edit.removal_effects(j, kind, element_id)
    out = edit.remove(j, kind, element_id)
    removed = {attr: len(getattr(j, attr)) - len(getattr(out, attr)) for attr in LISTS}
    announced = _announced_removals(effects)
    own = edit.KINDS.get(kind)
    expected = {attr: announced.get(attr, 0) + (1 if attr == own else 0) for attr in LISTS}
    assert removed == expected, effects
    assert (out.scoring is None) == (j.scoring is None or "scoring" in announced)
    # Every reference that is announced as dropped is gone, and no reference to the id is left.
    assert edit.references(out, kind, element_id) == []
    if kind == "behaviour":
        assert element_id not in out.scoring.behaviours
    else:
        assert element_id not in edit.ids(out, kind)
    return out


@pytest.mark.parametrize(("kind", "element_id"), ALL_IDS)
def test_remove_changes_exactly_what_removal_effects_announces(rich: Journey, kind: str, element_id: str) -> None:
    _removal_matches_announcement(rich, kind, element_id)


def test_remove_matches_its_announcement_on_every_flagship_element(flagship_path) -> None:
    j = load_text(flagship_path.read_text(encoding="utf-8")).journey
    for kind in ("stage", "persona", "channel", "touchpoint", "gate", "behaviour"):
        for element_id in edit.ids(j, kind):
            _removal_matches_announcement(j, kind, element_id)


def test_removing_a_gates_stage_removes_the_gate_and_ungates_its_transitions(rich: Journey) -> None:
    effects = edit.removal_effects(rich, "stage", "c")
    assert "gate g is removed: its `stage` is this stage" in effects
    assert "  then transition a -> b is no longer gated" in effects
    assert not any(re.search(r"\[\d+\]", e) for e in effects)  # names, never array positions
    out = edit.remove(rich, "stage", "c")
    assert out.gates == []
    assert [(t.from_, t.to, t.gate) for t in out.transitions] == [
        ("a", "b", None),
        ("a", "lost", None),
        ("b", "lost", None),
    ]
    assert out.touchpoints[0].stages == ["a", "b"] and out.touchpoints[0].lift == {"b": 1.2}


def test_removing_a_gate_ungates_transitions(rich: Journey) -> None:
    assert edit.removal_effects(rich, "gate", "g") == ["transition a -> b is no longer gated"]
    out = edit.remove(rich, "gate", "g")
    assert out.transitions[0].gate is None and out.gates == []


def test_removing_a_touchpoint_retriggers_followers_on_stage_entry(rich: Journey) -> None:
    out = edit.remove(rich, "touchpoint", "t1")
    assert out.touchpoints[0].id == "t2" and out.touchpoints[0].schedule.after is None


def test_removing_a_channel_takes_its_touchpoints_along(rich: Journey) -> None:
    out = edit.remove(rich, "channel", "c1")
    assert [tp.id for tp in out.touchpoints] == ["t2"]
    assert out.touchpoints[0].schedule.after is None
    assert out.personas[0].channels == ["c2"] and out.scoring.handoff_channel is None


@pytest.mark.parametrize(("kind", "element_id"), ALL_IDS)
def test_remove_leaves_no_dangling_reference(rich: Journey, kind: str, element_id: str) -> None:
    out = edit.remove(rich, kind, element_id)
    assert [d for d in check(out) if d.code in REF_CODES] == []


def test_removing_the_only_targeted_persona_does_not_widen_a_touchpoint(rich: Journey) -> None:
    j = edit.set_field(rich, ("touchpoints", 1, "personas"), ["p1"])
    out = edit.remove(j, "persona", "p1")
    assert all(tp.personas for tp in out.touchpoints if tp.id == "t2")


def test_remove_unknown_raises(rich: Journey) -> None:
    with pytest.raises(EditError, match='there is no stage "zz"'):
        edit.remove(rich, "stage", "zz")
    with pytest.raises(EditError, match='there is no behaviour "zz"'):
        edit.remove(rich, "behaviour", "zz")
    with pytest.raises(EditError, match=re.escape("there is no transitions[9]")):
        edit.remove_at(rich, "transitions", 9)


def test_remove_at_and_append(rich: Journey) -> None:
    out = edit.remove_at(rich, "stalls", 0)
    assert out.stalls == []
    back = edit.append(out, "stalls", rich.stalls[0])
    assert back == rich and back.stalls[0] is not rich.stalls[0]


# -- add, retarget, move -----------------------------------------------------------------
def test_add_at_an_index(rich: Journey) -> None:
    out = edit.add(rich, "stage", Stage(id="育成", name="Nurture"), index=1)
    assert [s.id for s in out.stages] == ["a", "育成", "b", "c", "won", "lost"]


@pytest.mark.parametrize(
    ("element", "message"),
    [
        (Stage(id="a", name="dup"), 'a stage with id "a" already exists'),
        (Stage(id="a\u200db", name="zwj"), "U+200D is not allowed"),
        (Stage(id="", name="empty"), "must not be empty"),
    ],
)
def test_add_errors(rich: Journey, element: Stage, message: str) -> None:
    with pytest.raises(EditError, match=re.escape(message)):
        edit.add(rich, "stage", element)


def test_add_refuses_an_element_with_unknown_references(rich: Journey) -> None:
    with pytest.raises(EditError):
        edit.add(rich, "gate", Gate(id="g2", stage="nowhere"))


def test_add_transition(rich: Journey) -> None:
    out = edit.add_transition(rich, Transition(from_="a", to="c", probability=0.01, cause="skip"))
    assert (out.transitions[-1].from_, out.transitions[-1].to) == ("a", "c")


@pytest.mark.parametrize(
    ("t", "message"),
    [
        (Transition(from_="a", to="zz", probability=0.1), 'there is no stage "zz"'),
        (Transition(from_="a", to="b", probability=0.1), "a transition a -> b already exists"),
        (Transition(from_="a", to="c", probability=1.5), "a probability must be between 0 and 1"),
        (Transition(from_="a", to="c", probability=float("nan")), "a probability must be between 0 and 1"),
        (Transition(from_="a", to="c", probability=-0.1), "a probability must be between 0 and 1"),
        (Transition(from_="a", to="c", probability="0.1"), "a probability must be between 0 and 1"),  # type: ignore[arg-type]
        (Transition(from_="a", to="c", probability=True), "a probability must be between 0 and 1"),
    ],
)
def test_add_transition_errors(rich: Journey, t: Transition, message: str) -> None:
    with pytest.raises(EditError, match=re.escape(message)):
        edit.add_transition(rich, t)


def test_retarget(rich: Journey) -> None:
    out = edit.retarget(rich, 1, to="won")
    assert (out.transitions[1].from_, out.transitions[1].to) == ("a", "won")
    out = edit.retarget(rich, 1, from_="c")
    assert (out.transitions[1].from_, out.transitions[1].to) == ("c", "lost")
    with pytest.raises(EditError, match='there is no stage "zz"'):
        edit.retarget(rich, 1, to="zz")
    with pytest.raises(EditError, match="a transition a -> b already exists"):
        edit.retarget(rich, 1, to="b")
    with pytest.raises(EditError, match="there is no transition #99"):
        edit.retarget(rich, 99, to="b")


def test_move_clamps_at_both_ends(rich: Journey) -> None:
    assert [s.id for s in edit.move(rich, "stages", 0, 2).stages] == ["b", "c", "a", "won", "lost"]
    assert [s.id for s in edit.move(rich, "stages", 0, 99).stages] == ["b", "c", "won", "lost", "a"]
    assert [s.id for s in edit.move(rich, "stages", 3, -99).stages] == ["won", "a", "b", "c", "lost"]
    with pytest.raises(EditError):
        edit.move(rich, "stages", 5, 1)


# -- set_field and parse_text -------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "value", "where", "expected"),
    [
        (("transitions", 0, "probability"), 0.25, ("transitions", 0, "probability"), 0.25),
        (("transitions", 0, "probability"), 1, ("transitions", 0, "probability"), 1),
        (("transitions", 0, "by_persona", "p2"), 0.4, ("transitions", 0, "by_persona"), {"p1": 0.3, "p2": 0.4}),
        (("transitions", 1, "to"), "won", ("transitions", 1), Transition(from_="a", to="won", probability=0.05)),
        (("dmu", "composition", "p1"), 3, ("dmu", "composition"), {"p1": 3, "p2": 2}),
        (("stages", 0, "phase"), None, ("stages", 0), Stage(id="a", name="A", entry=True)),
        (("stages", 0, "kind"), "lost", ("stages", 0, "kind"), "lost"),
        (("touchpoints", 0, "schedule", "days"), [2, 4], ("touchpoints", 0, "schedule"), Schedule(days=[2, 4])),
        (("touchpoints", 0, "stages", 0), "c", ("touchpoints", 0, "stages"), ["c", "b", "c"]),
        (("journey", "title"), "認知から受注まで", ("journey", "title"), "認知から受注まで"),
    ],
)
def test_set_field(rich: Journey, path, value, where, expected) -> None:
    out = edit.set_field(rich, path, value)
    assert edit.get(out, where) == expected
    assert edit.get(rich, where) != expected


def test_set_field_none_on_a_mapping_entry_removes_it(rich: Journey) -> None:
    out = edit.set_field(rich, ("transitions", 0, "by_persona", "p1"), None)
    assert out.transitions[0].by_persona == {}


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            ("transitions", 0, "probability"),
            1.5,
            "`transitions[0].probability` is 1.5; a probability must be between 0 and 1",
        ),
        (("transitions", 0, "probability"), float("nan"), "is nan; a probability must be between 0 and 1"),
        (("transitions", 0, "probability"), "0.5", "must be a number, not a string"),
        (("transitions", 0, "probability"), True, "must be a number, not a boolean"),
        (("journey", "horizon"), 2.5, "must be an integer, not a float"),
        (("journey", "horizon"), 0, "it must be >= 1 and <= 10000"),
        (("stages", 0, "kind"), "wonn", 'did you mean "won"?'),
        (("stages", 0, "id"), "x", "ids are changed with rename"),
        (("stages", 0, "name"), None, "`stages[0].name` cannot be empty"),
        (("stages", 0, "nope"), 1, "Stage has no field `nope`"),
        (("transitions", 0, "to"), "nowhere", 'there is no stage "nowhere"'),
        (("transitions", 0, "gate"), "nogate", 'there is no gate "nogate"'),
        (("touchpoints", 0, "channel"), "fax", 'there is no channel "fax"'),
        (("touchpoints", 0, "behaviour"), "like", 'there is no behaviour "like"'),
        (("touchpoints", 0, "stages", 0), "nowhere", 'there is no stage "nowhere"'),
    ],
)
def test_set_field_errors(rich: Journey, path, value, message: str) -> None:
    with pytest.raises(EditError, match=re.escape(message)):
        edit.set_field(rich, path, value)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("touchpoints", 0, "stages"), ["nowhere"]),
        (("scoring", "handoff_from"), ["nowhere"]),
        (("personas", 0, "channels"), ["fax"]),
        (("transitions", 0, "by_persona", "ghost"), 0.2),
        (("touchpoints", 0, "lift", "nowhere"), 2.0),
        (("population", "initial", "nowhere"), 5),
    ],
)
def test_set_field_refuses_unknown_ids_in_lists_and_mapping_keys(rich: Journey, path, value) -> None:
    with pytest.raises(EditError, match="there is no"):
        edit.set_field(rich, path, value)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (("transitions", 0, "probability"), "15%", 0.15),
        (("transitions", 0, "probability"), " 0.2 ", 0.2),
        (("transitions", 0, "by_persona", "p1"), "7.5%", 0.075),
        (("stages", 0, "entry"), "true", True),
        (("stages", 0, "entry"), "No", False),
        (("stages", 0, "phase"), "", None),
        (("journey", "horizon"), "1_000", 1000),
        (("touchpoints", 0, "stages"), "a, b", ["a", "b"]),
        (("touchpoints", 0, "stages"), "", []),
        (("touchpoints", 0, "schedule", "days"), "1, 3, 5, 7", [1, 3, 5, 7]),
        (("stages", 0, "name"), "  認知  ", "認知"),
    ],
)
def test_parse_text(rich: Journey, path, text: str, expected) -> None:
    got = edit.parse_text(rich, path, text)
    assert got == (pytest.approx(expected) if isinstance(expected, float) else expected)
    assert type(got) is type(expected)


@pytest.mark.parametrize(
    ("path", "text", "message"),
    [
        (("journey", "horizon"), "1.5", "must be a whole number"),
        (("transitions", 0, "probability"), "abc%", "must be a number"),
        (("stages", 0, "entry"), "maybe", "must be true or false"),
        (("touchpoints", 0, "schedule", "days"), "1, x", "must be a whole number"),
    ],
)
def test_parse_text_errors(rich: Journey, path, text: str, message: str) -> None:
    with pytest.raises(EditError, match=re.escape(message)):
        edit.parse_text(rich, path, text)


def test_parse_then_set_a_percentage(rich: Journey) -> None:
    path = ("transitions", 0, "probability")
    out = edit.set_field(rich, path, edit.parse_text(rich, path, "15%"))
    assert out.transitions[0].probability == pytest.approx(0.15)
    with pytest.raises(EditError):
        edit.set_field(rich, path, edit.parse_text(rich, path, "150%"))


# -- purity ----------------------------------------------------------------------------------
OPERATIONS = [
    ("add", lambda j: edit.add(j, "stage", Stage(id="x", name="X"))),
    ("add_transition", lambda j: edit.add_transition(j, Transition(from_="a", to="c", probability=0.1))),
    ("rename", lambda j: edit.rename(j, "stage", "b", "bb")),
    ("remove", lambda j: edit.remove(j, "stage", "b")),
    ("remove channel", lambda j: edit.remove(j, "channel", "c1")),
    ("remove_at", lambda j: edit.remove_at(j, "transitions", 0)),
    ("append", lambda j: edit.append(j, "stalls", j.stalls[0])),
    ("retarget", lambda j: edit.retarget(j, 1, to="won")),
    ("move", lambda j: edit.move(j, "stages", 0, 1)),
    ("set_field", lambda j: edit.set_field(j, ("transitions", 0, "by_persona", "p2"), 0.1)),
    ("set_field list", lambda j: edit.set_field(j, ("touchpoints", 0, "stages", 0), "c")),
]


@pytest.mark.parametrize("op", [op for _, op in OPERATIONS], ids=[name for name, _ in OPERATIONS])
def test_edits_never_mutate_their_input(rich: Journey, op) -> None:
    snapshot = copy.deepcopy(rich)
    out = op(rich)
    assert rich == snapshot
    assert out != rich
    assert out is not rich
    # What the edit left alone is shared (copy-on-write; test_edit_sharing.py): what it changed is new.
    for f in dataclasses.fields(Journey):
        before, after = getattr(rich, f.name), getattr(out, f.name)
        if before == after:
            assert before is after, f.name
