"""Hostile saves: duplicate entries (E201 files open for editing) must never be merged into one.

The files are written at run time. Each test saves through the app's own path (tui.document,
or the app with ctrl+s) and then reads the bytes on disk back.
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import pytest

from journeytui.model import Stage, edit, load_file, load_text, render
from journeytui.model.save import MergeError
from journeytui.tui.app import create_app
from journeytui.tui.document import Document, LayoutLost
from journeytui.tui.screens.dialogs import ConfirmScreen, PromptScreen

save_module = importlib.import_module("journeytui.model.save")  # the module; the package exports a save() function

DUPLICATES = """\
# Two moves from lead to won: one journey file from a real team had this (E201).
[journey]
id = "dup"
title = "Duplicates"
horizon = 52

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
cause = "webinar"

[[transitions]]
from = "lead"
to = "won"
probability = 0.05
cause = "trade show"

[[transitions]]
from = "lead"
to = "lost"
probability = 0.02
"""


def causes(path: Path) -> list[tuple[str, str, float, str]]:
    j = load_file(path).journey
    assert j is not None
    return [(t.from_, t.to, t.probability, t.cause) for t in j.transitions]


def wrong_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the merge pick the wrong table for each entry, as the old collapse-by-key bug did."""
    monkeypatch.setattr(save_module, "_holders", lambda tables, old, kept: list(reversed(tables)))


@pytest.fixture
def dup_file(tmp_path: Path) -> Path:
    path = tmp_path / "dup.toml"
    path.write_text(DUPLICATES, encoding="utf-8")
    codes = [d.code for d in Document.open(path).diagnostics()]
    assert "E201" in codes  # the file is what the issue describes, and it opens for editing
    return path


def test_renaming_a_stage_keeps_both_duplicate_transitions(dup_file: Path) -> None:
    doc = Document.open(dup_file)
    assert doc.history is not None
    doc.history.apply("rename", lambda j: edit.rename(j, "stage", "won", "closed"))
    doc.save()
    assert causes(dup_file) == [
        ("lead", "closed", 0.1, "webinar"),
        ("lead", "closed", 0.05, "trade show"),
        ("lead", "lost", 0.02, ""),
    ]
    assert "# Two moves from lead to won" in dup_file.read_text(encoding="utf-8")
    assert not doc.dirty and Document.open(dup_file).journey == doc.journey


@pytest.mark.parametrize("index", [0, 1])
def test_editing_one_duplicate_changes_only_that_one(dup_file: Path, index: int) -> None:
    doc = Document.open(dup_file)
    assert doc.history is not None
    doc.history.apply("set", lambda j: edit.set_field(j, ("transitions", index, "probability"), 0.3))
    doc.save()
    expected = [("lead", "won", 0.1, "webinar"), ("lead", "won", 0.05, "trade show"), ("lead", "lost", 0.02, "")]
    expected[index] = (*expected[index][:2], 0.3, expected[index][3])
    assert causes(dup_file) == expected


def test_removing_the_first_duplicate_keeps_the_second(dup_file: Path) -> None:
    doc = Document.open(dup_file)
    assert doc.history is not None
    doc.history.apply("remove", lambda j: edit.remove_at(j, "transitions", 0))
    doc.save()
    assert causes(dup_file) == [("lead", "won", 0.05, "trade show"), ("lead", "lost", 0.02, "")]


def test_duplicate_stage_ids_and_a_rename_of_the_first(tmp_path: Path) -> None:
    text = DUPLICATES.replace('id = "lost"\nname = "Lost"', 'id = "won"\nname = "Also won"')
    path = tmp_path / "stages.toml"
    path.write_text(text, encoding="utf-8")
    doc = Document.open(path)
    assert doc.history is not None
    doc.history.apply("rename", lambda j: edit.rename(j, "stage", "won", "closed"))
    doc.save()
    j = load_file(path).journey
    assert j is not None and j == doc.journey
    assert [(s.id, s.name) for s in j.stages] == [("lead", "Lead"), ("closed", "Won"), ("won", "Also won")]


def test_a_merge_that_would_not_load_back_is_refused_and_nothing_is_written(
    dup_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The safety net: the old collapse-by-key bug, put back on purpose, cannot reach the disk."""
    doc = Document.open(dup_file)
    assert doc.history is not None
    doc.history.apply("set", lambda j: edit.set_field(j, ("transitions", 0, "cause"), "seminar"))
    held = doc.journey
    wrong_tables(monkeypatch)
    with pytest.raises(MergeError, match=r"load back differently at `transitions\[0\]"):
        render(doc.journey, DUPLICATES)  # type: ignore[arg-type]
    with pytest.raises(LayoutLost):
        doc.save()
    assert dup_file.read_text(encoding="utf-8") == DUPLICATES
    assert doc.dirty and doc.journey is held  # the user's model is untouched, the marker tells the truth
    doc.save(drop_layout=True)  # what the app offers next: the canonical form
    assert load_file(dup_file).journey == held and not doc.dirty


def test_in_the_app_rename_and_ctrl_s_writes_both_duplicates(dup_file: Path) -> None:
    async def scenario() -> None:
        app = create_app(dup_file, watch_file=False)
        async with app.run_test(size=(100, 32)) as pilot:
            app.selection = ("stages", 1)
            await pilot.pause()
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, PromptScreen)
            app.screen.query_one("Input").value = "closed"  # type: ignore[attr-defined]
            await pilot.press("enter")
            await pilot.pause()
            assert app.doc.dirty
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not app.doc.dirty and "●" not in app.title

    asyncio.run(scenario())
    assert causes(dup_file)[:2] == [("lead", "closed", 0.1, "webinar"), ("lead", "closed", 0.05, "trade show")]


def test_in_the_app_a_failed_merge_asks_before_dropping_comments(
    dup_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong_tables(monkeypatch)

    async def scenario() -> None:
        app = create_app(dup_file, watch_file=False)
        async with app.run_test(size=(100, 32)) as pilot:
            assert app.doc.history is not None
            app.apply("set cause", lambda j: edit.set_field(j, ("transitions", 0, "cause"), "seminar"))
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("n")
            await pilot.pause()
            assert dup_file.read_text(encoding="utf-8") == DUPLICATES and app.doc.dirty
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await pilot.pause()
            assert not app.doc.dirty
            assert load_file(dup_file).journey == app.journey

    asyncio.run(scenario())
    saved = load_text(dup_file.read_text(encoding="utf-8")).journey
    assert saved is not None and [t.cause for t in saved.transitions] == ["seminar", "trade show", ""]


@pytest.mark.parametrize("change", ["edit", "remove"])
def test_an_inline_array_with_a_broken_entry_is_never_rewritten_silently(tmp_path: Path, change: str) -> None:
    text = (
        "transitions = [\n"
        '  {from = "lead", to = "won", probability = 0.1},\n'
        '  {from = "lead", to = "won", probability = 7.5},  # broken: the user will fix it\n'
        "]\n"
    ) + DUPLICATES.split("[[transitions]]")[0]
    path = tmp_path / "inline.toml"
    path.write_text(text, encoding="utf-8")
    doc = Document.open(path)
    assert doc.history is not None and doc.journey is not None and len(doc.journey.transitions) == 1
    if change == "edit":
        doc.history.apply("set", lambda j: edit.set_field(j, ("transitions", 0, "probability"), 0.2))
    else:
        doc.history.apply("remove", lambda j: edit.remove_at(j, "transitions", 0))
    with pytest.raises(LayoutLost, match="inline array"):
        doc.save()
    assert path.read_text(encoding="utf-8") == text and doc.dirty


TWINS = """\
[journey]
id = "twins"
title = "Twins"
horizon = 52

# note 3: about the first c
[[stages]]
id = "c"
name = "C one"

# note 2: about the second c
[[stages]]
id = "c"
name = "C two"

# note 1: about a
[[stages]]
id = "a"
name = "A"
"""


def test_renaming_one_of_two_twins_keeps_every_comment_in_place() -> None:
    """Renames keep their places: the diff of identities once paired the twin with the wrong
    entry ([c, c, a] -> [z, c, b]) and left one unpaired, dropping its comment."""
    j = load_text(TWINS).journey
    assert j is not None
    changed = edit.rename(edit.rename(j, "stage", "a", "b"), "stage", "c", "z")
    assert [s.id for s in changed.stages] == ["z", "c", "b"]
    out = render(changed, TWINS)
    assert load_text(out).journey == changed
    notes = [line for line in out.splitlines() if line.startswith("# note")]
    assert notes == [line for line in TWINS.splitlines() if line.startswith("# note")]
    assert out.index("# note 1") < out.index('id = "b"') and out.index("# note 3") < out.index('id = "z"')


def test_removing_one_entry_and_adding_another_keeps_comments_with_their_entries() -> None:
    """As many entries as before, other identities: a removal and an addition, not renames
    (pairing those by position moved every comment one entry off)."""
    text = TWINS.replace('id = "c"\nname = "C two"', 'id = "d"\nname = "D"').replace(
        'id = "c"\nname = "C one"', 'id = "e"\nname = "E"'
    )
    j = load_text(text).journey
    assert j is not None and [s.id for s in j.stages] == ["e", "d", "a"]
    changed = edit.add(edit.remove(j, "stage", "e"), "stage", Stage(id="new", name="New"))
    assert [s.id for s in changed.stages] == ["d", "a", "new"]
    out = render(changed, text)
    assert load_text(out).journey == changed
    # d and a keep their tables (and what is in them), the new stage gets a new one
    assert save_module._pairs(list(j.stages), list(changed.stages)) == [1, 2, None]
    assert out.index("# note 1") < out.index('id = "a"') < out.index('id = "new"')


NOTED_TWINS = """\
[journey]
id = "twins"
title = "Two stages b"

[[stages]]
id = "a"
name = "A"
entry = true

# the first b
[[stages]]
id = "b"
name = "B one"

# the second b
[[stages]]
id = "b"
name = "B two"

# c
[[stages]]
id = "c"
name = "C"
"""


def test_removing_the_first_of_two_twins_keeps_the_seconds_comment_with_it() -> None:
    """The usual fix of an E201 file: delete one twin. The other keeps its own table and comment
    (paired by position, the second twin's values went under the first's comment)."""
    j = load_text(NOTED_TWINS).journey
    assert j is not None
    out = render(edit.remove_at(j, "stages", 1), NOTED_TWINS)
    assert "# the first b" not in out
    assert out.index("# the second b") < out.index('name = "B two"') < out.index("# c")


def test_moving_a_twin_moves_its_comment_with_it() -> None:
    j = load_text(NOTED_TWINS).journey
    assert j is not None
    changed = edit.move(j, "stages", 2, -1)
    out = render(changed, NOTED_TWINS)
    assert load_text(out).journey == changed
    assert out.index("# the second b") < out.index('name = "B two"') < out.index("# the first b")
    assert out.index("# the first b") < out.index('name = "B one"') < out.index("# c")
