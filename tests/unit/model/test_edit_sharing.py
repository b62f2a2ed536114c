"""Edits copy only what they change: the input is never mutated, and unrelated parts are shared.

The undo history keeps one journey per step, and the app edits 10,000-stage journeys: a
deep copy per edit cost seconds there. These tests pin the copy-on-write contract of
model/edit.py: the input stays equal to a deep copy taken before the edit, every part of
the result equal to the input's is the very same object, and the containers the edit
changed are new objects (mutating them cannot reach the input).
"""

from __future__ import annotations

import copy
import dataclasses

from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from test_roundtrip import SETTINGS, journeys
from test_save_property import one_edit

from journeytui.model import Journey, Stage, Transition, edit
from journeytui.model.edit import EditError


def _assert_shared_where_equal(before: Journey, after: Journey) -> None:
    """Every top-level field of ``after`` that equals ``before``'s is the same object; in a list
    the edit changed, equal elements at the same place are shared, but for the one the edit
    wrote (a value set to what it was) or moved past an equal twin."""
    written = []  # top-level fields equal to the input's yet copied: only the one an edit wrote to
    for f in dataclasses.fields(Journey):
        old, new = getattr(before, f.name), getattr(after, f.name)
        if old == new:
            if old is not new:
                written.append(f.name)
        elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
            copied = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a == b and a is not b]
            assert len(copied) <= 2, f"{f.name}{copied} are equal but were copied"
    assert len(written) <= 1, f"{written} are equal but were copied"


@settings(SETTINGS, phases=(Phase.explicit, Phase.reuse, Phase.generate))  # shrinking these is slow
@given(journeys(), st.data())
def test_an_edit_never_changes_its_input_and_shares_what_it_leaves_alone(j: Journey, data: st.DataObject) -> None:
    for _ in range(3):
        snapshot = copy.deepcopy(j)
        try:
            _, out = data.draw(one_edit(j))
        except EditError:
            continue
        assert j == snapshot  # the input, deeply, is as it was
        _assert_shared_where_equal(j, out)
        j = out


def _chain(n: int) -> Journey:
    stages = [Stage(id=f"s{i}", name=f"S{i}", entry=i == 0) for i in range(n)] + [Stage(id="won", name="W", kind="won")]
    ts = [Transition(from_=f"s{i}", to=f"s{i + 1}" if i + 1 < n else "won", probability=0.2) for i in range(n)]
    return Journey(journey=dataclasses.replace(journeys_meta()), stages=stages, transitions=ts)


def journeys_meta():  # type: ignore[no-untyped-def]
    from journeytui.model.types import JourneyMeta

    return JourneyMeta(id="chain", title="chain")


def test_setting_one_probability_copies_one_transition_and_the_list_holding_it() -> None:
    j = _chain(1000)
    out = edit.set_field(j, ("transitions", 10, "probability"), 0.3)
    assert out.transitions[10].probability == 0.3 and j.transitions[10].probability == 0.2
    assert out.transitions is not j.transitions and out.transitions[10] is not j.transitions[10]
    assert all(out.transitions[i] is j.transitions[i] for i in range(1000) if i != 10)
    assert out.stages is j.stages and out.journey is j.journey
    # the changed element is the result's own: changing it later cannot reach the input
    out.transitions[10].probability = 0.9
    assert j.transitions[10].probability == 0.2


def test_renaming_a_stage_copies_only_what_refers_to_it() -> None:
    j = _chain(1000)
    out = edit.rename(j, "stage", "s500", "middle")
    changed = [i for i in range(1000) if out.transitions[i] is not j.transitions[i]]
    assert changed == [499, 500]  # s499 -> s500 and s500 -> s501
    assert out.transitions[499].to == "middle" and out.transitions[500].from_ == "middle"
    assert j.transitions[499].to == "s500" and j.stages[500].id == "s500"
    assert [i for i in range(1001) if out.stages[i] is not j.stages[i]] == [500]


def test_removing_a_stage_leaves_the_input_whole() -> None:
    j = _chain(200)
    snapshot = copy.deepcopy(j)
    out = edit.remove(j, "stage", "s100")
    assert j == snapshot
    assert "s100" not in edit.ids(out, "stage")
    assert all(t.from_ != "s100" and t.to != "s100" for t in out.transitions)
    assert out.transitions[0] is j.transitions[0]
