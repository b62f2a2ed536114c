"""A journey with errors shows no forecast (issue 11: an invalid horizon of 1,000,000 was
replaced by the default 52 and forecast as if the file said so); fixing the error brings it back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tui_helpers import Toasts, settle

from journeytui.model import edit
from journeytui.tui.app import JourneyApp
from journeytui.tui.widgets.forecast import ForecastStrip

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
