"""Property: after any sequence of edits, what a save puts on disk loads to exactly the model held.

Journeys are generated (test_roundtrip's strategy), given duplicates on purpose (two
transitions between the same stages, two stages with one id: E201 files still open for
editing), written to disk canonical or commented, LF or CRLF, opened as the app opens them
(tui.document.Document, no Textual), edited with random model.edit operations, saved, and
read back from disk.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st
from test_roundtrip import SETTINGS, ids, journeys, probs, texts, with_comments

from journeytui.model import Journey, Persona, Stage, Stall, Transition, edit, load_file, load_text
from journeytui.model.edit import KINDS, EditError
from journeytui.model.save import MergeError, render
from journeytui.model.types import Duration
from journeytui.tui.document import Document


@st.composite
def with_duplicates(draw: st.DrawFn, j: Journey) -> Journey:
    """``j`` with copies of some entries: same identity (from/to pair, id), other values."""
    j = copy.deepcopy(j)
    for _ in range(draw(st.integers(0, 3))):
        what = draw(st.sampled_from(["transitions", "stages", "stalls"]))
        items: list[Any] = getattr(j, what)
        if not items:
            continue
        twin = copy.deepcopy(draw(st.sampled_from(items)))
        if what == "transitions":
            twin.probability, twin.cause = draw(probs), draw(texts)
        elif what == "stages":
            twin.name = draw(texts)
        items.insert(draw(st.integers(0, len(items))), twin)
    return j


def _some(draw: st.DrawFn, items: list[Any]) -> Any:
    return draw(st.sampled_from(items))


@st.composite
def one_edit(draw: st.DrawFn, j: Journey) -> tuple[str, Journey]:
    """One random edit of ``j`` as the app makes it; raises EditError when it does not apply."""
    op = draw(
        st.sampled_from(
            ["rename", "add", "remove", "add_transition", "retarget", "remove_at", "set", "move", "append_stall"]
        )
    )
    kinds = [k for k in KINDS if edit.ids(j, k)]
    stage_ids = edit.ids(j, "stage")
    if op == "rename" and kinds:
        kind = draw(st.sampled_from(kinds))
        return op, edit.rename(j, kind, _some(draw, edit.ids(j, kind)), draw(ids))
    if op == "add":
        kind = draw(st.sampled_from(["stage", "persona"]))
        new_id = draw(ids)
        element: Any = (
            Stage(id=new_id, name=draw(texts)) if kind == "stage" else Persona(id=new_id, name=draw(texts), role="user")
        )
        at = draw(st.integers(0, len(edit.ids(j, kind))))
        return op, edit.add(j, kind, element, at)
    if op == "remove" and kinds:
        kind = draw(st.sampled_from(kinds))
        return op, edit.remove(j, kind, _some(draw, edit.ids(j, kind)))
    if op == "add_transition" and stage_ids:
        t = Transition(from_=_some(draw, stage_ids), to=_some(draw, stage_ids), probability=draw(probs))
        return op, edit.add_transition(j, t)
    if op == "retarget" and j.transitions and stage_ids:
        i = draw(st.integers(0, len(j.transitions) - 1))
        return op, edit.retarget(j, i, to=_some(draw, stage_ids))
    if op == "remove_at":
        attr = draw(st.sampled_from(["transitions", "stalls", "expectations"]))
        return op, edit.remove_at(j, attr, draw(st.integers(0, max(0, len(getattr(j, attr)) - 1))))
    if op == "set":
        return op, _set_some_field(draw, j)
    if op == "move":
        attr = draw(st.sampled_from(["stages", "transitions", "stalls", "personas"]))
        n = len(getattr(j, attr))
        return op, edit.move(j, attr, draw(st.integers(0, max(0, n - 1))), draw(st.integers(-2, 2)))
    if op == "append_stall" and stage_ids:
        stall = Stall(stage=_some(draw, stage_ids), probability=draw(probs), duration=Duration("fixed", 2), cause="x")
        return op, edit.append(j, "stalls", stall)
    raise EditError("nothing to do")


def _set_some_field(draw: st.DrawFn, j: Journey) -> Journey:
    choices: list[tuple[tuple[Any, ...], st.SearchStrategy[Any]]] = [
        (("journey", "title"), texts),
        (("journey", "horizon"), st.integers(1, 200)),
        (("population", "accounts"), st.integers(0, 1000)),
    ]
    for i in range(len(j.transitions)):
        choices += [(("transitions", i, "probability"), probs), (("transitions", i, "cause"), texts)]
    for i in range(len(j.stages)):
        choices += [(("stages", i, "name"), texts), (("stages", i, "entry"), st.booleans())]
    for i in range(len(j.stalls)):
        choices.append((("stalls", i, "probability"), probs))
    for i in range(len(j.touchpoints)):
        choices.append((("touchpoints", i, "engagement"), probs))
    if j.scoring is not None:
        choices.append((("scoring", "decay"), probs))
    path, values = draw(st.sampled_from(choices))
    return edit.set_field(j, path, draw(values))


def _dumps(j: Journey) -> str:
    from journeytui.model import dumps

    return dumps(j)


@SETTINGS
@given(journeys().flatmap(with_duplicates), st.sampled_from(["canonical", "comments"]), st.booleans(), st.data())
def test_a_save_after_random_edits_loads_back_to_the_model_the_app_holds(
    j: Journey, layout: str, crlf: bool, data: st.DataObject
) -> None:
    text = with_comments(_dumps(j)) if layout == "comments" else _dumps(j)
    if crlf:
        text = text.replace("\n", "\r\n")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "journey.toml"
        path.write_bytes(text.encode("utf-8"))
        doc = Document.open(path)
        assert doc.journey == j and doc.history is not None
        for _ in range(data.draw(st.integers(1, 6), label="edits")):
            try:
                label, changed = data.draw(one_edit(doc.journey), label="edit")
            except EditError:
                continue
            doc.history.push(label, changed)
            if data.draw(st.booleans(), label="save now"):
                _save_and_check(doc, path, crlf)
        _save_and_check(doc, path, crlf)


def _save_and_check(doc: Document, path: Path, crlf: bool) -> None:
    held = doc.journey
    doc.save()  # a MergeError here (SaveRefused) fails the property: the merge must cope
    on_disk = path.read_bytes().decode("utf-8")
    reloaded = load_file(path)
    assert reloaded.journey == held
    assert not doc.dirty  # the app's "saved" marker tells the truth: the file is the model
    assert (on_disk.count("\n") == on_disk.count("\r\n")) if crlf else "\r\n" not in on_disk


@SETTINGS
@given(journeys().flatmap(with_duplicates), st.data())
def test_render_keeps_every_comment_line_of_entries_that_stay(j: Journey, data: st.DataObject) -> None:
    """Edits that remove nothing (set a field, rename) keep every comment line of the file."""
    original = with_comments(_dumps(j))
    changed = j
    for _ in range(data.draw(st.integers(1, 4))):
        try:
            changed = (
                _set_some_field(data.draw, changed)
                if data.draw(st.booleans()) or not edit.ids(changed, "stage")
                else edit.rename(
                    changed, "stage", data.draw(st.sampled_from(edit.ids(changed, "stage"))), data.draw(ids)
                )
            )
        except EditError:
            continue
    try:
        out = render(changed, original)
    except MergeError as exc:  # pragma: no cover - the failure message is the useful part
        raise AssertionError(f"the merge failed: {exc}") from exc
    assert load_text(out).journey == changed
    comments = [line for line in original.splitlines() if line.startswith("# ")]
    assert [line for line in out.splitlines() if line.startswith("# ")] == comments


def _remove_or_move(data: st.DataObject, j: Journey, attr: str, n: int) -> Journey:
    """``j`` with one of the ``n`` entries of ``attr`` removed or moved up to three places."""
    index = data.draw(st.integers(0, n - 1))
    if data.draw(st.booleans()):
        return edit.remove_at(j, attr, index)
    return edit.move(j, attr, index, data.draw(st.integers(-3, 3)))


@SETTINGS
@given(journeys(), st.sampled_from(["stages", "transitions"]), st.data())
def test_a_comment_above_an_entry_stays_above_it_when_others_are_removed_or_moved(
    j: Journey, attr: str, data: st.DataObject
) -> None:
    """Every entry but the array's first keeps the comment line written just above its header."""
    original = with_comments(_dumps(j))
    header = f"[[{attr}]]"

    def notes(text: str) -> dict[str, str]:
        """The line above each entry's header -> the entry's text (its header's block)."""
        lines = text.splitlines()
        out = {}
        for n, line in enumerate(lines):
            if line == header and n > 0:
                block = lines[n + 1 : next((m for m in range(n + 1, len(lines)) if not lines[m]), len(lines))]
                out["\n".join(block)] = lines[n - 1]
        return out

    before = notes(original)
    items = getattr(j, attr)
    if len(items) < 2:
        return
    first = next(iter(before), "")  # the array's first entry: the text above it stays above the array
    changed = j
    for _ in range(data.draw(st.integers(1, 4))):
        n = len(getattr(changed, attr))
        if n == 0:
            break
        changed = _remove_or_move(data, changed, attr, n)
    out = render(changed, original)
    assert load_text(out).journey == changed
    after = notes(out)
    for block, note in after.items():
        if block in before and block != first:
            assert note == before[block], (block, out)
    assert out.startswith("# top comment\n") and out.endswith("# trailing comment\n")


ARRAYS = ["stages", "transitions", "stalls", "personas", "gates", "channels", "touchpoints", "expectations"]


def _shuffled_sections(text: str, order: list[int]) -> str:
    """``text`` (canonical) with its top-level sections in another order: the model's order is
    then not the file's, so an array is merged before or after the one written above it."""
    groups: dict[str, list[str]] = {}
    for block in ("\n\n" + text).split("\n\n["):
        if block.strip():
            name = block.split("\n", 1)[0].strip("[]").split(".")[0]
            groups.setdefault(name, []).append("[" + block.rstrip("\n") + "\n")
    names = list(groups)
    names = [names[i] for i in sorted(range(len(names)), key=lambda i: order[i % len(order)] * 100 + i)]
    return "\n".join("\n".join(groups[n]) for n in names)


@SETTINGS
@given(journeys(), st.lists(st.integers(0, 20), min_size=12, max_size=12), st.booleans(), st.data())
def test_removing_and_moving_entries_of_several_arrays_keeps_every_other_comment_in_place(
    j: Journey, order: list[int], spaced: bool, data: st.DataObject
) -> None:
    """Sections in any order, entries of any arrays removed (down to none) or moved in one save:
    the lines above the file, above each array and below it stay, every surviving entry that was
    not its array's first keeps the line above its header, and no comment is written twice."""
    text = _shuffled_sections(_dumps(j), order)
    if not spaced:  # entries written without blank lines between them
        text = text.replace("\n\n[[", "\n[[")
    original = with_comments(text)
    dropped = data.draw(st.sets(st.integers(0, 40)), label="notes left out")  # text above an array may be blank
    original = "".join(
        line
        for line in original.splitlines(keepends=True)
        if line.removeprefix("# note ").split(":")[0] not in {str(n) for n in dropped}
    )
    if spaced:  # a comment right under the last value belongs to that entry (commented-out keys)
        original = original.replace("\n# trailing comment\n", "\n\n# trailing comment\n")
    assume(load_text(original).journey == j)  # not when a text value holds a blank line and a "["

    def entries(text: str) -> dict[str, str]:
        """Each array entry's text (header and body) -> the line above its header."""
        lines = text.splitlines()
        out = {}
        for n, line in enumerate(lines):
            if line.startswith("[[") and n > 0:
                ends = (m for m in range(n + 1, len(lines)) if lines[m].startswith(("[", "#")) or not lines[m])
                end = next(ends, len(lines))
                out["\n".join(lines[n:end])] = lines[n - 1]
        return out

    firsts = set()
    for attr in ARRAYS:
        if getattr(j, attr):
            firsts.add(original.splitlines()[original.splitlines().index(f"[[{attr}]]") - 1])
    firsts = {line for line in firsts if line.startswith("#")}
    changed = j
    for _ in range(data.draw(st.integers(1, 6))):
        attr = data.draw(st.sampled_from(ARRAYS))
        n = len(getattr(changed, attr))
        if n == 0:
            continue
        changed = _remove_or_move(data, changed, attr, n)
    out = render(changed, original)
    assert load_text(out).journey == changed
    before, after = entries(original), entries(out)
    kept = [line for line in out.splitlines() if line.startswith("#")]
    assert len(kept) == len(set(kept)), out  # every "# note n" line is different in the original
    if spaced:  # without blank lines, the line above a header is the entry above's (commented-out keys)
        assert firsts | {"# top comment", "# trailing comment"} <= set(kept), out
        for entry, note in after.items():
            if entry in before and before[entry] not in firsts and before[entry].startswith("#"):
                assert note == before[entry], (entry, out)
