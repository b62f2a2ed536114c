"""First steps in the app (issue 11, point 7): the template picker with descriptions and a blank
journey, switching template without restarting (unsaved edits confirmed first), starting a new
file from an open one, and what a new persona gets (said, not silent)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import OptionList
from tui_helpers import answer_prompt, choose, settle

from journeytui.bundled import bundled_dir, flagship
from journeytui.model.load import load_file
from journeytui.tui.app import JourneyApp
from journeytui.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, PromptScreen

SIZE = (100, 32)


def picker_lines(app: JourneyApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, ChoiceScreen), screen
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_picker_describes_each_template_and_offers_a_blank_journey(
    tmp_path: Path, make_app: Callable[..., JourneyApp]
) -> None:
    path = tmp_path / "work" / "plan.toml"
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lines = picker_lines(app)
        assert lines[0].startswith("Blank journey")
        assert "b2b-it-tool.toml: B2B IT tool: six-phase journey with a four-persona DMU" in lines
        assert any(line.startswith("sme-four-steps.toml: 中小企業") for line in lines)
        assert all(": " in line and not line.endswith(": ") for line in lines)  # every one has a description
        await pilot.press("home", "enter")  # the blank journey, as a person picks it
        await settle(pilot)
        j = app.journey
        assert j is not None and [s.id for s in j.stages] == ["start", "won", "lost"]
        assert j.journey.id == "plan" and not path.exists()
        assert app.doc.diagnostics() == []  # valid from the start
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert load_file(path).journey == j


async def test_switching_template_asks_before_dropping_edits(
    tmp_path: Path, make_app: Callable[..., JourneyApp]
) -> None:
    path = tmp_path / "work" / "plan.toml"
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await choose(pilot, str(flagship()))
        assert app.journey is not None and app.journey.journey.id == "b2b-it-tool"
        await pilot.press("ctrl+n")  # no edits yet: straight to the picker
        await pilot.pause()
        await choose(pilot, str(bundled_dir() / "aidma.toml"))
        assert app.journey is not None and app.journey.journey.id == "aidma"
        await pilot.press("a")  # an edit: a new stage after the selected one
        await answer_prompt(pilot, "extra")
        assert app.journey.stage("extra") is not None
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep editing: nothing lost
        await pilot.pause()
        assert app.journey.stage("extra") is not None
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("y")  # discard and start
        await pilot.pause()
        await choose(pilot, "<blank>")
        assert app.journey is not None and app.journey.stage("extra") is None
        assert [s.id for s in app.journey.stages] == ["start", "won", "lost"]
    assert not path.exists()


async def test_new_journey_from_an_open_file_gets_a_new_path(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp], tmp_path: Path
) -> None:
    mine = copy_journey("aisas.toml")
    before = mine.read_bytes()
    app = make_app(mine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await answer_prompt(pilot, "second.toml")
        await choose(pilot, str(bundled_dir() / "aidma.toml"))
        assert app.doc.path == tmp_path / "work" / "second.toml"
        assert app.journey is not None and app.journey.journey.id == "aidma"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert (tmp_path / "work" / "second.toml").exists()
    assert mine.read_bytes() == before


async def test_a_new_persona_is_like_the_others_and_sits_in_the_committee(flagship: JourneyApp) -> None:
    """The flagship's personas have influence 0.1-0.4 and a [dmu] composition: a new one gets the
    median influence and one seat per account, and a notification says so."""
    app = flagship
    seen: list[str] = []

    def hook(message: object) -> None:
        seen.append(str(getattr(message, "notification", "")))

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        await pilot.press("3")  # Personas/DMU: the persona table has the focus
        await settle(pilot)
        await pilot.press("down", "enter")  # a persona selected: "a" adds one like it
        await settle(pilot)
        assert app.selection == ("personas", 1)
        await pilot.press("a")
        await answer_prompt(pilot, "cfo")
        j = app.journey
        assert j is not None
        cfo = next(p for p in j.personas if p.id == "cfo")
        others = sorted(p.influence for p in j.personas if p.id != "cfo")
        assert cfo.influence == others[(len(others) - 1) // 2] and cfo.influence < 1
        assert j.dmu is not None and j.dmu.composition["cfo"] == 1
        assert any("influence" in s and "committee" in s for s in seen), seen
        # the flagship's accounts hold 5 leads: a 5th committee member per account is a problem, said
        assert any("It brings: W105" in s for s in seen), seen
        await pilot.press("ctrl+z")  # one edit: undo removes both
        await pilot.pause()
        j = app.journey
        assert j is not None and all(p.id != "cfo" for p in j.personas)
        assert j.dmu is not None and "cfo" not in j.dmu.composition


async def test_tables_added_to_a_blank_journey_are_usable_and_say_what_they_bring(make_app) -> None:  # type: ignore[no-untyped-def]
    """Scoring on the blank journey hands leads to an open stage (it chose `lost`, its last stage);
    a [dmu] of personas without a decision maker says it brings E501 instead of leaving it silent."""
    app = make_app("fresh.toml")
    seen: list[str] = []

    def hook(message: object) -> None:
        seen.append(str(getattr(message, "notification", "")))

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await pilot.pause()
        await choose(pilot, "<blank>")
        await settle(pilot)
        j = app.journey
        assert j is not None and j.scoring is None
        await pilot.press("ctrl+p", *"Scoring: add")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        j = app.journey
        assert j is not None and j.scoring is not None
        assert j.stage(j.scoring.handoff_to).kind == "open", j.scoring.handoff_to
        app.action_add_persona()
        await answer_prompt(pilot, "user_a")
        await settle(pilot)
        app.action_add_dmu()
        await settle(pilot)
        assert app.journey is not None and app.journey.dmu is not None
        assert any("It brings: E501" in s for s in seen), seen
