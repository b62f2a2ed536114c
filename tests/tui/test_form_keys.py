"""Keys pressed where they are not the app's (issue 11): with an inspector drop-down or checkbox
focused, `x`, `delete`, `+` and the view keys are the form's, not the app's delete, nudge and
tabs; on the compare screen they do not edit the journey hidden behind it. The command palette
still runs what it lists from there."""

from __future__ import annotations

from textual.widgets import Select
from tui_helpers import settle

from journeytui.tui.app import JourneyApp
from journeytui.tui.screens.compare import CompareScreen
from journeytui.tui.widgets.inspector import FieldSelect

SIZE = (80, 24)


async def _to_select(pilot, presses: int = 30) -> FieldSelect:  # type: ignore[no-untyped-def]
    for _ in range(presses):
        if isinstance(pilot.app.focused, FieldSelect):
            return pilot.app.focused
        await pilot.press("tab")
    raise AssertionError("tab never reached a drop-down")


async def test_keys_in_a_focused_drop_down_do_not_delete_or_nudge(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right")  # the first transition: aware -> research
        selected = app.selection
        assert selected is not None and selected[0] == "transitions"
        journey = app.journey
        await pilot.press("e")
        await _to_select(pilot)
        await pilot.press("x", "delete", "plus", "minus", "equals_sign", "2", "a", "r")
        await settle(pilot)
        assert app.journey is journey, "a key in the form changed the journey"
        assert isinstance(app.focused, Select)  # still in the form
        assert not app.doc.dirty and app.selection == selected
        await pilot.press("escape")  # back to the graph: x is the app's again
        await pilot.press("x")
        await settle(pilot)
        assert app.journey is not journey or type(app.screen).__name__ == "ConfirmScreen"


async def test_the_palette_runs_an_action_although_a_drop_down_had_focus(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right", "e")
        await _to_select(pilot)
        count = len(app.journey.transitions) if app.journey else 0
        await pilot.press("ctrl+p")
        await pilot.press(*"Edit: delete the selected")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        if type(app.screen).__name__ == "ConfirmScreen":
            await pilot.press("enter")
            await settle(pilot)
        assert app.journey is not None and len(app.journey.transitions) == count - 1


async def test_keys_on_the_compare_screen_leave_the_journey_alone(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right", "plus")  # a change, so there is something to compare
        await settle(pilot)
        journey = app.journey
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("x", "delete", "plus", "minus", "a", "r", "ctrl+z")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen) and app.journey is journey
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)
