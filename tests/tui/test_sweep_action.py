"""The app's "Sweep: apply a scenario from results…" (command palette): pick the sweep file and its
results, choose one of the best scenarios, preview, apply as one undoable edit."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from textual.command import CommandList, CommandPalette
from tui_helpers import Toasts, answer_prompt, choose

from journeytui.cli import main
from journeytui.tui.app import JourneyApp
from journeytui.tui.screens.dialogs import ChoiceScreen, ConfirmScreen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sweep"))
from sweep_helpers import JOURNEY, SWEEP

SIZE = (100, 32)


async def _open_action(pilot, app: JourneyApp) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*"sweep", "space", *"apply")
    for _ in range(50):
        await pilot.pause(0.05)
        options = app.screen.query(CommandList)
        if (
            options
            and options.first().option_count
            and "Sweep: apply" in str(options.first().get_option_at_index(0).prompt)
        ):
            break
    await pilot.press("enter")
    await pilot.pause()


async def test_a_sweep_scenario_applies_as_one_undoable_edit(
    make_app: Callable[..., JourneyApp], tmp_path: Path
) -> None:
    journey, sweep, results = tmp_path / "mini.toml", tmp_path / "mini.sweep.toml", tmp_path / "r.csv"
    journey.write_text(JOURNEY, encoding="utf-8")
    sweep.write_text(SWEEP, encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text("index,scenario,lever:other\n0,abc,0.1\n", encoding="utf-8")
    argv = ["sweep", str(journey), str(sweep), "--runs", "3", "--out", str(results), "--report", str(tmp_path / "r.md")]
    assert main(argv) == 0
    app = make_app(journey)
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        before = app.journey
        assert before is not None
        # results of another sweep: a notification naming the file and line, nothing changes
        await _open_action(pilot, app)
        await answer_prompt(pilot, str(sweep))
        await answer_prompt(pilot, str(other))
        assert not isinstance(app.screen, (ChoiceScreen, ConfirmScreen))
        assert app.journey is before and not app.doc.dirty
        messages = toasts.messages
        assert any("other.csv:1: its columns are not those of this sweep" in m for m in messages), messages
        # the sweep's own results: the best scenarios first, a preview, then one undoable edit
        await _open_action(pilot, app)
        await answer_prompt(pilot, str(sweep))
        await answer_prompt(pilot, str(results))
        screen = app.screen
        assert isinstance(screen, ChoiceScreen)
        labels = [label for _, label in screen.choices]
        assert labels[0].startswith("1. won ") and "nurture=0.3, freeze=0.05" in labels[0]
        await choose(pilot, screen.choices[0][0])
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert confirm.details == ["nurture (transition): 0.2 -> 0.3", "freeze (stall): 0.05 -> 0.05  (unchanged)"]
        assert app.journey is before  # a preview changes nothing
        await pilot.press("y")
        await pilot.pause()
        after = app.journey
        assert after is not None and after.transitions[0].probability == 0.3 and app.doc.dirty
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert app.journey is not None and app.journey.transitions[0].probability == 0.2
