"""A journey with errors shows no forecast (issue 11: an invalid horizon of 1,000,000 was
replaced by the default 52 and forecast as if the file said so); fixing the error brings it back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tui_helpers import Toasts, settle

from journeytui.model import edit
from journeytui.tui.app import JourneyApp
from journeytui.tui.widgets.forecast import ForecastStrip
from journeytui.tui.widgets.inspector import FieldInput
from journeytui.tui.widgets.problems import ProblemsPanel

SIZE = (120, 40)


async def test_errors_keep_the_forecast_off_until_fixed(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    path = copy_journey("b2b-it-tool.toml")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("horizon = 52", "horizon = 1000000", 1), encoding="utf-8")
    app = make_app(path)
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await settle(pilot)
        strip = str(app.query_one(ForecastStrip).render())
        assert "No forecast while the journey has 1 error (Problems panel)" in strip, strip
        assert "Week 52" not in strip and app.fc.shown is None
        await pilot.press("6", "r")  # the Forecast tab, then Monte Carlo: refused with a word
        await settle(pilot)
        assert any("Monte Carlo not run: the journey has 1 error" in m for m in toasts.messages), toasts.messages
        await pilot.press("c")
        await settle(pilot)
        assert any("Nothing compared" in m for m in toasts.messages), toasts.messages
        # the load replaced the bad value with the default (52): a new value replaces the file's
        app.apply("horizon", lambda j: edit.set_field(j, ("journey", "horizon"), 60))
        await settle(pilot)
        strip = str(app.query_one(ForecastStrip).render())
        assert "Week 60: won" in strip and app.fc.shown is not None, strip
        assert not [d for d in app.doc.diagnostics() if d.is_error]
        assert path.read_text(encoding="utf-8").count("horizon = 1000000") == 1  # nothing written without a save
        await pilot.press("ctrl+s")
        await settle(pilot)
    saved = path.read_text(encoding="utf-8")
    assert "horizon = 60" in saved and "1000000" not in saved


async def test_enter_on_the_value_the_load_put_in_place_fixes_the_file(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    """The inspector shows the default (52) where the file has 1000000; enter on it applies it as
    it is: the problem goes, the forecast comes back, and the save writes 52 (found in review:
    typing the value shown changed nothing and the save wrote nothing)."""
    path = copy_journey("b2b-it-tool.toml")
    path.write_text(path.read_text(encoding="utf-8").replace("horizon = 52", "horizon = 1000000", 1), "utf-8")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.selection = ("journey",)
        await pilot.pause()
        await pilot.press("e")
        for _ in range(20):
            focused = app.focused
            if isinstance(focused, FieldInput) and focused.field.path == ("journey", "horizon"):
                break
            await pilot.press("tab")
        assert isinstance(app.focused, FieldInput) and app.focused.value == "52"
        await pilot.press("tab", "shift+tab")  # passing through the field confirms nothing
        await settle(pilot)
        assert "No forecast while" in str(app.query_one(ForecastStrip).render())
        await pilot.press("enter")
        await settle(pilot)
        assert not [d for d in app.doc.diagnostics() if d.is_error]
        assert "Week 52: won" in str(app.query_one(ForecastStrip).render())
        assert app.doc.dirty
        await pilot.press("escape", "ctrl+z")  # one undoable step, like any edit
        await settle(pilot)
        assert [d.code for d in app.doc.diagnostics() if d.is_error] == ["E105"] and not app.doc.dirty
        assert "No forecast while" in str(app.query_one(ForecastStrip).render())
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert not [d for d in app.doc.diagnostics() if d.is_error] and app.doc.dirty
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not app.doc.dirty
    text = path.read_text(encoding="utf-8")
    assert "horizon = 52" in text and "1000000" not in text


async def test_a_saved_version_with_errors_is_no_baseline(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    """A file with a dangling reference, fixed in the app: the forecast comes back, but it is not
    compared with the saved version (forecast without the transition the load left out, it would be
    another journey's), and `c` says why (found in review: "+342.9 leads" against it)."""
    path = copy_journey("b2b-it-tool.toml")
    text = path.read_text(encoding="utf-8")
    broken = text.replace('from = "aware"\nto = "research"', 'from = "aware"\nto = "reserch"', 1)
    assert broken != text
    path.write_text(broken, encoding="utf-8")
    app = make_app(path)
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await settle(pilot)
        assert app.doc.saved_errors and "No forecast while" in str(app.query_one(ForecastStrip).render())
        j = app.journey
        assert j is not None
        i = next(i for i, t in enumerate(j.transitions) if (t.from_, t.to) == ("aware", "reserch"))
        app.apply("fix", lambda x: edit.set_field(x, ("transitions", i, "to"), "research"))
        await settle(pilot)
        strip = str(app.query_one(ForecastStrip).render())
        assert "Week 52: won" in strip and "vs saved" not in strip, strip
        await pilot.press("c")
        await settle(pilot)
        assert any("the saved version has" in m for m in toasts.messages), toasts.messages
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.doc.saved_errors == 0
        await pilot.press("c")
        await settle(pilot)
        assert type(app.screen).__name__ == "CompareScreen"


async def test_a_problem_of_an_entry_the_load_left_out_is_not_pinned_on_another(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    """transitions[0] with probability 1.5 is left out of the model, where transitions[0] is then
    the next entry: choosing its problem selected that one (found in review). It says where the
    entry is instead; a problem of a loaded entry after it still selects the right one."""
    path = copy_journey("b2b-it-tool.toml")
    text = path.read_text(encoding="utf-8")
    broken = text.replace(
        'from = "aware"\nto = "research"\nprobability = 0.12', 'from = "aware"\nto = "research"\nprobability = 1.5', 1
    )
    assert broken != text
    path.write_text(broken, encoding="utf-8")
    app = make_app(path)
    toasts = Toasts()
    async with app.run_test(size=SIZE, message_hook=toasts) as pilot:
        await settle(pilot)
        panel = app.query_one(ProblemsPanel)
        e301 = next(d for d in panel.diagnostics if d.code == "E301")
        assert e301.path[:2] == ("transitions", 0)
        before = app.selection
        panel.post_message(ProblemsPanel.Chosen(e301))
        await settle(pilot)
        assert app.selection == before
        assert any("this entry is not loaded because of this error" in m for m in toasts.messages), toasts.messages
