"""The Elements tab driven by keys: adding an element there and leaving the screen idle.

Regression tests for issue 11 point 2: after `a` in the Elements tab the tree was rebuilt,
its cursor landed on the first row and then on the new element, and each move was reported
as a selection: the selection then flipped between the two forever, the inspector was
rebuilt once a second, and keys acted on whatever was selected at that instant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Static
from tui_helpers import wait_for

from journeytui.diagnostics import Path as ModelPath
from journeytui.model import edit
from journeytui.tui.app import JourneyApp
from journeytui.tui.screens.dialogs import PromptScreen
from journeytui.tui.widgets.inspector import FieldSelect, Inspector

SIZE = (120, 40)


async def test_adding_in_the_elements_tab_selects_the_new_element_and_stays(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    path = copy_journey("b2b-it-tool.toml")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "end", "up", "up", "up", "up")
        assert app.selection == ("touchpoints", 8)
        await pilot.press("a")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"new_tp", "enter")
        seen: list[ModelPath | None] = []
        app.watch(app, "selection", lambda path: seen.append(path), init=False)
        await asyncio.sleep(1.5)  # idle, as a person reading the screen
        assert seen == []  # nothing changed the selection without a key
        assert app.selection == ("touchpoints", 9)
        assert app.journey is not None and app.journey.touchpoints[9].id == "new_tp"
        assert "new_tp" in str(app.query_one(Inspector).border_title)
        # The next keys act from the new element: up lands on the row above it.
        await pilot.press("up")
        assert app.selection == ("touchpoints", 8)
        await pilot.press("down")
        assert app.selection == ("touchpoints", 9)
        history = app.doc.history
        assert history is not None and history.undo_label == "add touchpoint new_tp"
        await pilot.press("ctrl+z")  # the only edit is the add: one undo gives back the file's journey
        assert not app.doc.dirty


async def test_two_selections_handled_back_to_back_do_not_crash_the_inspector(flagship: JourneyApp) -> None:
    """The second half of point 2: the inspector rebuilt its form for one element and was asked
    for the next one before the new drop-downs had composed: Select.set_options raised NoMatches.
    Not key-driven: with the loop fixed no key sequence is known to reach it; the selection is set
    twice in one go, as the loop's late messages did."""
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "home")
        assert app.selection == ("journey",)
        app.selection = ("touchpoints", 0)
        app.selection = ("touchpoints", 1)
        await wait_for(pilot, lambda: app.selection == ("touchpoints", 1) or app.return_code is not None)
        assert app.return_code is None  # still running: no traceback
        assert app.selection == ("touchpoints", 1)
        assert app.journey is not None
        assert app.journey.touchpoints[1].id in str(app.query_one(Inspector).border_title)
        selects = [w for w in app.query_one(Inspector)._editors if isinstance(w, FieldSelect)]
        await wait_for(pilot, lambda: all(w.is_mounted for w in selects))
        j = app.journey
        assert selects and [shown_choice(w) for w in selects] == [
            edit.get(j, w.field.path) or "(none)" for w in selects
        ]


def shown_choice(select: FieldSelect) -> str:
    """The text a drop-down shows for its value (its prompt, "(none)", when empty)."""
    return str(select.query_one("SelectCurrent #label", Static).render())


async def test_a_new_stall_shows_its_stage_and_kind(flagship: JourneyApp) -> None:
    """Issue 11 point 4: a new stall showed "stage (none)" and "kind (none)": its drop-downs got
    their values before they had composed, and kept showing their prompt."""
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        assert app.selection == ("stages", 0)
        await pilot.press("s")
        assert app.selection == ("stalls", 3)
        selects = {w.field.path[-1]: w for w in app.query_one(Inspector)._editors if isinstance(w, FieldSelect)}
        await wait_for(pilot, lambda: all(w.is_mounted for w in selects.values()))
        assert shown_choice(selects["stage"]) == "aware"
        assert shown_choice(selects["kind"]) == "fixed"
