"""Pilot tests for opening and saving: bytes on disk are checked, not only the screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tui_helpers import Toasts, answer_prompt, choose

from journeytui.bundled import flagship
from journeytui.model.load import load_file
from journeytui.tui.app import JourneyApp
from journeytui.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, PromptScreen
from journeytui.tui.widgets.graph import JourneyGraph
from journeytui.tui.widgets.problems import ProblemsPanel

SIZE = (100, 32)

COMMENTED = """\
# Hand-written journey: keep these notes.
[journey]
id = "mini"  # short id
title = "Mini"
horizon = 52

# The only open stage.
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
probability = 0.1  # weekly

[[transitions]]
from = "lead"
to = "lost"
probability = 0.05
"""


async def test_no_argument_opens_the_flagship(make_app: Callable[..., JourneyApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.doc.path == flagship()
        assert app.journey is not None and app.journey.journey.id == "b2b-it-tool"
        graph = app.query_one(JourneyGraph)
        assert ("stages", 0) in graph.canvas.regions and ("transitions", 0) in graph.canvas.regions


async def test_save_unchanged_file_keeps_bytes(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    path = copy_journey("b2b-it-tool.toml")
    before = path.read_bytes()
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, (ChoiceScreen, PromptScreen))
    assert path.read_bytes() == before


async def test_edit_then_undo_then_save_keeps_bytes(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    path = copy_journey("sme-four-steps.toml")
    before = path.read_bytes()
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await answer_prompt(pilot, "追加")
        assert app.doc.dirty
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert not app.doc.dirty
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert path.read_bytes() == before


async def test_save_keeps_comments(tmp_path: Path, make_app: Callable[..., JourneyApp]) -> None:
    path = tmp_path / "work" / "mini.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        app.selection = ("transitions", 0)
        await pilot.pause()
        await app.run_action("add_stall")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "●" not in app.title
    text = path.read_text(encoding="utf-8")
    for comment in ("# Hand-written journey: keep these notes.", "# short id", "# The only open stage.", "# weekly"):
        assert comment in text
    saved = load_file(path).journey
    assert saved is not None and saved.stalls[0].stage == "lead"
    assert not list(path.parent.glob(".mini.toml.*"))  # the atomic write left no temporary file


async def test_changed_on_disk_overwrite(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    path = copy_journey("b2b-it-tool.toml")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await answer_prompt(pilot, "mine")
        path.write_text(path.read_text(encoding="utf-8").replace("horizon = 52", "horizon = 40"), encoding="utf-8")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await choose(pilot, "overwrite")
        saved = load_file(path).journey
        assert saved is not None and saved.stage("mine") is not None and saved.journey.horizon == 52
        assert not app.doc.dirty


async def test_changed_on_disk_cancel_and_reload(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    path = copy_journey("b2b-it-tool.toml")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await answer_prompt(pilot, "mine")
        theirs = path.read_text(encoding="utf-8").replace("horizon = 52", "horizon = 40")
        path.write_text(theirs, encoding="utf-8")
        await pilot.press("ctrl+s")
        await choose(pilot, "cancel")
        assert path.read_text(encoding="utf-8") == theirs
        assert app.doc.dirty
        await pilot.press("ctrl+s")
        await choose(pilot, "reload")
        assert isinstance(app.screen, ConfirmScreen)  # losing edits is confirmed first
        await pilot.press("y")
        await pilot.pause()
        assert path.read_text(encoding="utf-8") == theirs
        j = app.journey
        assert j is not None and j.journey.horizon == 40 and j.stage("mine") is None
        assert not app.doc.dirty


async def test_quit_with_unsaved_changes_asks(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    path = copy_journey("b2b-it-tool.toml")
    before = path.read_bytes()
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await answer_prompt(pilot, "mine")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert app.is_running and app.journey.stage("mine") is not None  # type: ignore[union-attr]
        await pilot.press("ctrl+q")
        await choose(pilot, "quit")
        assert not app.is_running
    assert path.read_bytes() == before


async def test_save_and_quit_saves_then_quits(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    """The quit question offers saving first (highlighted): enter saves the edit and quits."""
    path = copy_journey("b2b-it-tool.toml")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await answer_prompt(pilot, "mine")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # "Save and quit" is highlighted
        await pilot.pause()
        assert not app.is_running
    assert load_file(path).journey.stage("mine") is not None  # type: ignore[union-attr]


async def test_quit_without_changes_does_not_ask(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_broken_file_opens_readonly_and_is_never_written(
    tmp_path: Path, make_app: Callable[..., JourneyApp]
) -> None:
    path = tmp_path / "work" / "broken.toml"
    path.write_text('[journey]\nid = "x"\ntitle = "unterminated\n', encoding="utf-8")
    before = path.read_bytes()
    app = make_app(path)
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await pilot.pause()
        assert app.doc.broken and app.journey is None
        text = "\n".join("".join(row) for row in app.query_one(JourneyGraph).canvas.chars)
        assert "broken.toml:3:" in text and "E001" in text
        assert app.query_one(ProblemsPanel).diagnostics[0].code == "E001"
        await pilot.press("a")  # editing is disabled
        await pilot.pause()
        assert not isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, PromptScreen)
        assert any("does not parse" in m for m in toasts.messages)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
    assert path.read_bytes() == before


async def test_missing_path_offers_a_template(tmp_path: Path, make_app: Callable[..., JourneyApp]) -> None:
    path = tmp_path / "work" / "new.toml"
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await choose(pilot, str(flagship()))
        assert app.journey is not None and app.journey.journey.id == "b2b-it-tool"
        assert not path.exists()  # nothing is written until the user saves
        assert app.doc.dirty
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert path.exists()
        assert load_file(path).journey == app.journey
        assert path.read_text(encoding="utf-8") == flagship().read_text(encoding="utf-8")


async def test_missing_path_cancelled_writes_nothing(tmp_path: Path, make_app: Callable[..., JourneyApp]) -> None:
    path = tmp_path / "work" / "new.toml"
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert app.doc.broken
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("escape")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not path.exists()


async def test_bundled_journey_saves_a_copy(make_app: Callable[..., JourneyApp], tmp_path: Path) -> None:
    bundled = flagship()
    before = bundled.read_bytes()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await answer_prompt(pilot, "mine")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("enter")  # the default: the same file name in the current folder
        await pilot.pause()
        copy = tmp_path / "work" / "b2b-it-tool.toml"
        assert copy.exists() and app.doc.path == copy
        saved = load_file(copy).journey
        assert saved is not None and saved.stage("mine") is not None
        assert not app.doc.dirty
        await pilot.press("a")
        await answer_prompt(pilot, "more")
        await pilot.press("ctrl+s")  # now a user file: saved in place, no prompt
        await pilot.pause()
        assert not isinstance(app.screen, PromptScreen)
        assert load_file(copy).journey.stage("more") is not None  # type: ignore[union-attr]
    assert bundled.read_bytes() == before


async def test_save_as_refuses_bundled_folder(make_app: Callable[..., JourneyApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.run_action("save_as")
        await answer_prompt(pilot, str(flagship()))
        assert isinstance(app.screen, PromptScreen)  # refused: still asking
        await pilot.press("escape")


async def test_file_changed_on_disk_is_noticed(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    path = copy_journey("b2b-it-tool.toml")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        path.write_text(path.read_text(encoding="utf-8").replace("horizon = 52", "horizon = 30"), encoding="utf-8")
        app.check_disk()  # what the timer and app focus do outside tests
        await pilot.pause()
        assert app.journey is not None and app.journey.journey.horizon == 30


async def test_results_that_arrive_while_the_app_quits_are_dropped(flagship: JourneyApp) -> None:
    """A worker can finish as the app quits: its result finds the panels gone and must not end
    the app with a traceback; while the app runs, a missing panel is still an error."""
    from textual.css.query import NoMatches

    from journeytui.tui.messages import ChecksReady, TreeReady

    async with flagship.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await flagship.workers.wait_for_complete()
        journey = flagship.journey
        assert journey is not None
        flagship._checks_asked = flagship._checks_now()
        await flagship.query_one(ProblemsPanel).remove()
        try:
            flagship.on_checks_ready(ChecksReady(flagship.doc_version, journey, []))
        except NoMatches:
            pass
        else:
            raise AssertionError("a missing panel while the app runs went unnoticed")
    assert not flagship.is_running
    flagship._checks_asked = flagship._checks_now()
    flagship.on_checks_ready(ChecksReady(flagship.doc_version, journey, []))
    flagship.checks_failed(RuntimeError("late"))
    assert flagship.fc.shown is not None  # so the tree's result reaches its view
    flagship.on_tree_ready(TreeReady(flagship.fc.shown.journey, ["x"]))
    flagship.forecast_failed(RuntimeError("late"))
