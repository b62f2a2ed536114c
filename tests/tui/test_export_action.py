"""The app's "File: export…" from the command palette: pick a format, a path, and the file is written
(unsaved edits included); an existing file is replaced only after a yes; errors are notifications."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.command import CommandList, CommandPalette
from textual.css.query import NoMatches
from tui_helpers import Toasts, answer_prompt, choose, workers_done

from journeytui.export.mermaid_import import import_text
from journeytui.tui.app import JourneyApp
from journeytui.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, PromptScreen

SIZE = (100, 32)
SMALL = """\
[journey]
id = "small"
title = "小さな journey"

[population.arrivals]
lead = 50.0

[[stages]]
id = "lead"
name = "認知"
entry = true
phase = 1

[[stages]]
id = "won"
name = "受注"
kind = "won"
phase = 2

[[stages]]
id = "lost"
name = "失注"
kind = "lost"
phase = 2

[[transitions]]
from = "lead"
to = "won"
probability = 0.1

[[transitions]]
from = "lead"
to = "lost"
probability = 0.05
"""
"""Exact (no Monte Carlo): the map's forecast takes milliseconds."""


async def _open_export(pilot) -> None:  # type: ignore[no-untyped-def]
    """ctrl+p, type "export", enter: as a person does it."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*"export")
    for _ in range(100):
        await pilot.pause(0.05)
        try:
            first = pilot.app.screen.query_one(CommandList).get_option_at_index(0)
        except (NoMatches, LookupError):
            continue
        if "File: export" in str(first.prompt):
            await pilot.press("enter")
            break
    for _ in range(40):
        await pilot.pause(0.05)
        if isinstance(pilot.app.screen, ChoiceScreen):
            return
    raise AssertionError(f"the export dialog did not open: {pilot.app.screen}")


async def test_export_mermaid_from_the_palette_includes_unsaved_edits(flagship: JourneyApp, tmp_path: Path) -> None:
    app = flagship
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await pilot.pause()
        assert app.apply("rename for the test", lambda j: setattr(j.stages[0], "name", "認知 (edited)") or j)
        await _open_export(pilot)
        await choose(pilot, "mermaid")
        screen = app.screen
        assert isinstance(screen, PromptScreen) and screen.value == "b2b-it-tool.mmd"
        target = tmp_path / "out.mmd"
        await answer_prompt(pilot, str(target))
        await workers_done(pilot)
        assert target.is_file()
        back = import_text(target.read_text(encoding="utf-8")).journey
        assert back is not None and back.stage("aware").name == "認知 (edited)"  # type: ignore[union-attr]
        assert {(t.from_, t.to) for t in back.transitions} == {(t.from_, t.to) for t in app.journey.transitions}  # type: ignore[union-attr]
        assert any(f"Wrote {target}" in m for m in toasts.messages), toasts.messages


async def test_export_map_asks_before_replacing_a_file_and_refuses_a_missing_folder(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp], tmp_path: Path
) -> None:
    target = tmp_path / "map.html"
    target.write_text("my notes\n", encoding="utf-8")
    small = tmp_path / "work" / "small.toml"
    small.write_text(SMALL, encoding="utf-8")
    app = make_app(small)
    async with app.run_test(size=SIZE) as pilot:
        await _open_export(pilot)
        await choose(pilot, "map-html")
        await answer_prompt(pilot, str(tmp_path / "no" / "such" / "map.html"))
        assert isinstance(app.screen, PromptScreen)  # still asking: "no such folder"
        assert not (tmp_path / "no").exists()
        await answer_prompt(pilot, str(target))
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await workers_done(pilot)
        assert target.read_text(encoding="utf-8") == "my notes\n"  # no means nothing is touched
        await _open_export(pilot)
        await choose(pilot, "map-html")
        await answer_prompt(pilot, str(target))
        await pilot.press("y")
        await pilot.pause()
        await workers_done(pilot)
        page = target.read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and "認知" in page and "full model: exact forecast" in page
