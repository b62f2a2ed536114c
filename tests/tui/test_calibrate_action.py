"""The app's "Calibrate from history…" (key i): pick an export and its layout, preview, apply as one undoable edit."""

from __future__ import annotations

from pathlib import Path

from tui_helpers import Toasts, answer_prompt, choose

from journeytui.tui.app import JourneyApp
from journeytui.tui.screens.dialogs import ConfirmScreen

SIZE = (100, 32)
EXAMPLE = Path(__file__).resolve().parents[2] / "journeys" / "examples" / "b2b-it-tool-hubspot-synthetic.csv"


async def test_calibrate_previews_then_applies_one_undoable_edit(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        before = app.journey
        assert before is not None
        await pilot.press("i")
        await answer_prompt(pilot, str(EXAMPLE))
        await choose(pilot, "hubspot")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        assert any(d.startswith("aware -> research: 0.1200 -> ") for d in screen.details)
        # the flagship has lifts, gates, hand-offs and capacity: the preview says the values are base values
        assert any(d.startswith("full model (capacity, gates, lifts, scoring): values matched") for d in screen.details)
        assert app.journey is before  # a preview changes nothing
        await pilot.press("y")
        await pilot.pause()
        after = app.journey
        assert after is not None and after is not before
        assert after.transitions[0].probability != before.transitions[0].probability
        assert after.population.initial != before.population.initial
        assert app.doc.dirty
        await pilot.press("ctrl+z")
        await pilot.pause()
        undone = app.journey
        assert undone is not None
        assert undone.transitions[0].probability == before.transitions[0].probability
        assert undone.population.initial == before.population.initial


async def test_calibrate_bad_export_notifies_and_changes_nothing(flagship: JourneyApp, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("lead_id,stage,timestamp\nL1,Nurture,2025-01-01\n", encoding="utf-8")
    app = flagship
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        before = app.journey
        await pilot.press("i")
        await answer_prompt(pilot, str(bad))
        await choose(pilot, "long")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.journey is before and not app.doc.dirty
        assert any("bad.csv:2:" in m and "'Nurture'" in m for m in toasts.messages)
