"""Editing in the inspector with the keys a person presses (issue 11 point 4).

A field's text is selected on focus (typing replaces it), enter applies, escape cancels
(the value comes back, nothing is applied, no undo step), tables are edited a row per entry,
and a long run of keys typed in one go arrives whole, as one edit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from journeytui.diagnostics import Path as ModelPath
from journeytui.tui.app import JourneyApp
from journeytui.tui.widgets.graph import JourneyGraph
from journeytui.tui.widgets.inspector import FieldInput

SIZE = (120, 40)


async def tab_to(pilot, path: ModelPath, presses: int = 40) -> FieldInput:  # type: ignore[no-untyped-def]
    """Press tab until the field editing ``path`` has focus, as a person moves through a form."""
    for _ in range(presses):
        focused = pilot.app.focused
        if isinstance(focused, FieldInput) and focused.field.path == path:
            return focused
        await pilot.press("tab")
    raise AssertionError(f"tab never reached {path}")


async def test_typing_into_a_field_replaces_its_text(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        assert app.selection == ("stages", 0)
        await pilot.press("e")
        box = app.focused
        assert isinstance(box, FieldInput) and box.field.path == ("stages", 0, "id") and box.value == "aware"
        await pilot.press(*"discover", "enter")
        assert app.journey is not None and app.journey.stages[0].id == "discover"


async def test_escape_cancels_a_half_edited_field(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        box = await tab_to(pilot, ("stages", 0, "name"))
        await pilot.press("end", "backspace", "backspace", *"half")
        assert box.value != "認知"
        await pilot.press("escape")
        assert isinstance(app.focused, JourneyGraph)
        assert app.journey is not None and app.journey.stages[0].name == "認知"
        assert box.value == "認知"  # the field shows the value again
        assert not app.doc.dirty and app.doc.history is not None and not app.doc.history.can_undo


async def test_a_long_burst_of_keys_arrives_whole_as_one_edit(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await tab_to(pilot, ("stages", 0, "name"))
        text = "Awareness of the problem, week 1 to 3"
        await pilot.press(*text, "tab")  # leaving the field applies it
        j = app.journey
        assert j is not None and j.stages[0].name == text
        history = app.doc.history
        assert history is not None and history.undo_label == f'set stages[0].name = "{text}"'
        await pilot.press("shift+tab", "escape", "ctrl+z")  # one undo step takes the whole text back
        assert app.journey is not None and app.journey.stages[0].name == "認知"
        assert not app.doc.dirty


async def test_a_table_is_edited_a_row_per_entry(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    app = make_app(copy_journey("scoring-handoff.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "home")
        for _ in range(3):  # journey, population, dmu, scoring
            await pilot.press("down")
        assert app.selection == ("scoring",)
        await pilot.press("e")
        behaviours = ("scoring", "behaviours")
        await tab_to(pilot, (*behaviours, "download"))
        await pilot.press(*"12", "enter")  # the row's text is selected: typing replaces it
        j = app.journey
        assert j is not None and j.scoring is not None
        assert j.scoring.behaviours["download"] == 12.0
        await tab_to(pilot, behaviours)  # the "+ add" row
        await pilot.press(*"webinar = 8", "enter")
        assert app.journey.scoring.behaviours["webinar"] == 8.0  # type: ignore[union-attr]
        assert app.journey.scoring.behaviours["download"] == 12.0  # type: ignore[union-attr]
        row = await tab_to(pilot, (*behaviours, "page_view"))
        await pilot.press("backspace", "enter")  # an emptied row removes its entry
        assert "page_view" not in app.journey.scoring.behaviours  # type: ignore[union-attr]
        assert row is not None
        history = app.doc.history
        assert history is not None and history.undo_label == "clear scoring.behaviours.page_view"
        await pilot.press("escape", "ctrl+z", "ctrl+z", "ctrl+z")  # three edits, three undo steps
        assert not app.doc.dirty
