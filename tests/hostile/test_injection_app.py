"""The app shows hostile journey text as visible escapes and never as markup (issue 8, point 3).

Opening a file whose title held OSC 52 wrote to the clipboard; OSC 0 set the window title;
``ESC[2J`` blanked the screen; ``[@click=app.quit]`` in a name would be an action. These tests
open generated hostile journeys with the pilot, press the keys a person would, and read what
the screen would send to the terminal: no control or format character, the escapes visible,
markup shown literally, and nothing in the file changed by looking at it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import tomli_w
from injection_journeys import (
    HOSTILE_NAME,
    PAYLOAD,
    assert_clean,
    hostile_journey_data,
    write_hostile,
    write_invalid,
    write_unparsable,
)
from textual.pilot import Pilot

from journeytui.tui.app import JourneyApp, create_app
from journeytui.tui.screens.dialogs import ConfirmScreen
from journeytui.tui.widgets.graph import JourneyGraph

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _work_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


def screen_text(app: JourneyApp) -> str:
    """Every character the current screen (with the screens under it) sends to the terminal."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return "\n".join("".join(segment.text for segment in strip) for strip in update.strips)


def assert_screen_clean(app: JourneyApp, where: str) -> str:
    text = screen_text(app)
    try:
        assert_clean(text)
    except AssertionError as exc:
        raise AssertionError(f"{where}: {exc}") from None
    return text


def drive(path: Path, steps: Callable[[Pilot[None]], Awaitable[None]]) -> JourneyApp:
    """Open ``path`` in the app at a fixed size and run ``steps`` with the pilot."""
    app = create_app(path, watch_file=False)

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await steps(pilot)

    asyncio.run(main())
    return app


def test_every_view_shows_escapes_not_sequences(tmp_path: Path) -> None:
    path = write_hostile(tmp_path / "work", HOSTILE_NAME)
    before = path.read_bytes()
    seen: dict[str, str] = {}

    async def steps(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, JourneyApp)
        # the header: title (the file name) and sub-title (the journey title) as visible escapes
        assert "\x1b" not in app.title + app.sub_title and "\x07" not in app.sub_title
        assert "\\x1b]52;c;cHduZWQ=\\x07" in app.sub_title and "\\x1b]0;pwned title" in app.title
        seen["graph"] = assert_screen_clean(app, "graph")
        for key, view in (("2", "elements"), ("3", "personas"), ("4", "coverage"), ("6", "forecast")):
            await pilot.press(key)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen[view] = assert_screen_clean(app, view)
        await pilot.press("7")
        await app.workers.wait_for_complete()
        await pilot.pause()
        seen["sensitivity"] = assert_screen_clean(app, "sensitivity")
        # the inspector on the first stage: its name in the text field, escaped
        await pilot.press("1")
        await pilot.pause()
        app.selection = ("stages", 0)
        await pilot.press("e")
        await pilot.pause()
        seen["inspector"] = assert_screen_clean(app, "inspector")
        # leaving the field unchanged changes nothing (the escape is not taken for an edit)
        await pilot.press("tab", "tab", "escape")
        await pilot.pause()
        assert not app.doc.dirty
        assert app.journey is not None and app.journey.stages[0].name == "Stage A " + PAYLOAD
        # the delete confirmation quotes names and ids
        app.selection = ("stages", 1)
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        seen["confirm"] = assert_screen_clean(app, "delete confirmation")
        await pilot.press("escape")
        await pilot.pause()
        # compare with the saved version, and the workshop
        await pilot.press("c")
        await pilot.pause()
        seen["compare"] = assert_screen_clean(app, "compare")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        seen["workshop"] = assert_screen_clean(app, "workshop")

    drive(path, steps)
    assert path.read_bytes() == before  # looking changed nothing on disk
    everything = "\n".join(seen.values())
    assert "\\x1b]52" in seen["graph"] and "\\u202e" in everything
    # markup is shown as typed: an action, a link and a style stay text
    assert "[@click=app.quit]" in everything and "[link=https://evil.example]" in everything
    assert "[bold red]loud" in everything


def test_problems_notifications_and_tree_for_hostile_keys(tmp_path: Path) -> None:
    """Ids and keys with escape sequences, quoted by the validator, in the problems panel and toasts."""
    path = write_invalid(tmp_path / "work")

    async def steps(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, JourneyApp)
        assert app.doc.diagnostics()
        text = assert_screen_clean(app, "problems")
        assert "\\x1b" in text  # the quoted ids are there, escaped
        for _ in range(len(app.doc.diagnostics())):
            await pilot.press("f8")  # selects the element, or says the message in a toast
            await pilot.pause()
            assert_screen_clean(app, "next problem")
        await pilot.press("2")
        await pilot.pause()
        assert_screen_clean(app, "elements tree")

    drive(path, steps)


def test_broken_file_banner_shows_the_error_safely(tmp_path: Path) -> None:
    """A file that does not parse: the read-only banner quotes the file's name and the parser's error."""
    path = write_unparsable(tmp_path / "work", "broken " + HOSTILE_NAME)

    async def steps(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, JourneyApp) and app.doc.broken
        assert "\\x1b]0;pwned title" in assert_screen_clean(app, "broken banner")
        # the whole banner (wider than the screen: the graph scrolls) holds the name and the error
        canvas = app.query_one(JourneyGraph).canvas
        banner = "\n".join("".join(row) for row in canvas.chars)
        assert_clean(banner)
        assert "cannot be opened" in banner and "E001" in banner and "\\x1b[2J" in banner
        await pilot.press("ctrl+s")  # refused, with a toast that names the file
        await pilot.pause()
        assert_screen_clean(app, "save refused")

    drive(path, steps)
    assert (tmp_path / "work" / ("broken " + HOSTILE_NAME)).exists()


def test_the_markup_action_in_a_name_does_nothing_when_clicked(tmp_path: Path) -> None:
    """``[@click=app.quit]`` in a stage name is text: clicking it in the coverage table does not quit."""
    data = hostile_journey_data(payload="[@click=app.quit]Q[/]")
    data["stages"][1]["name"] = "B"
    path = tmp_path / "work" / "click.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")

    async def steps(pilot: Pilot[None]) -> None:
        app = pilot.app
        await pilot.press("4")  # the coverage table's first column is the stage name
        await pilot.pause()
        table = app.query_one("#coverage-table").region
        lines = [line[table.x : table.right] for line in screen_text(app).splitlines()[table.y : table.bottom]]
        rows = [i for i, line in enumerate(lines) if "[@click=app.quit]" in line]
        assert rows, "the name's markup is not shown as typed in the coverage table"
        row, col = table.y + rows[0], table.x + lines[rows[0]].index("[@click=app.quit]") + 3
        await pilot.click(offset=(col, row))
        await pilot.pause()
        assert app.is_running and app.return_code is None

    drive(path, steps)
