"""The compare screen's charts, opened with `c` after a nudge (issue 11 point 3).

The charts were measured before the screen knew their width: after a nudge `c` showed a
cut or blank chart, a second `c` nothing, and at 80x24 the screen opened scrolled to the KPI
table with the charts out of sight. Each chart must be as tall as its drawing and in view.
"""

from __future__ import annotations

import pytest
from tui_helpers import wait_for

from journeytui.tui.app import JourneyApp
from journeytui.tui.screens.compare import CompareScreen
from journeytui.tui.widgets.forecast import Chart


def assert_charts_in_view(app: JourneyApp) -> None:
    screen = app.screen
    assert isinstance(screen, CompareScreen)
    body = screen.query_one("#cmp-body")
    for side in ("a", "b"):
        chart = screen.query_one(f"#cmp-chart-{side}", Chart)
        drawn = chart.render().plain.splitlines()
        # every row drawn: the first stage (by id, or by its name alone where id and name do not
        # fit the narrow label column), then cumulative won and lost (cut with "…" when narrow)
        assert any("aware" in line or "認知" in line for line in drawn)
        assert any(line.startswith("won (") for line in drawn) and any(line.startswith("lost (") for line in drawn)
        assert chart.size.height == len(drawn), "the chart is cut or padded: measured at another width"
        assert body.region.contains_region(chart.region), f"chart {side} is out of sight"
    title = screen.query_one(".section--title")
    assert body.region.contains_region(title.region)


@pytest.mark.parametrize("size", [(80, 24), (110, 34)])
async def test_compare_after_a_nudge_shows_both_charts_every_time(flagship: JourneyApp, size: tuple[int, int]) -> None:
    app = flagship
    async with app.run_test(size=size) as pilot:
        await pilot.press("down", "right", "plus", "plus")  # research -> compare, nudged up twice
        assert app.doc.dirty
        for _ in range(2):  # `c`, back, `c` again
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
            await pilot.pause()
            assert_charts_in_view(app)
            await pilot.press("escape")
            assert not isinstance(app.screen, CompareScreen)
