"""Small helpers for driving modal dialogs in pilot tests."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from journeytui.tui.screens.dialogs import ChoiceScreen, PromptScreen


async def answer_prompt(pilot: Pilot[None], text: str) -> None:
    """Replace the text of the open prompt and press enter."""
    await pilot.pause()
    assert isinstance(pilot.app.screen, PromptScreen), pilot.app.screen
    pilot.app.screen.query_one(Input).value = text
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def choose(pilot: Pilot[None], value: str) -> None:
    """Pick the option with id ``value`` in the open choice dialog."""
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ChoiceScreen), screen
    options = screen.query_one(OptionList)
    options.highlighted = options.get_option_index(value)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
