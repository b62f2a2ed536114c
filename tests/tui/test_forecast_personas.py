"""Pilot tests for the Forecast tab's "Personas & accounts" section: the numbers shown per persona
are the forecasts' ``by_persona`` values, and after a Monte Carlo run the gate rows show the
accounts held at the flagship's committee gate."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Label, Static
from tui_helpers import settle, wait_for, workers_done

from journeytui.tui.app import JourneyApp
from journeytui.tui.widgets.forecast_people import NEEDS_RUN, PeopleSection, persona_cells

SIZE = (100, 32)


def rows(app: JourneyApp, table_id: str) -> list[list[str]]:
    table = app.query_one(table_id, DataTable)
    return [[str(cell) for cell in table.get_row_at(r)] for r in range(table.row_count)]


def expected(values: list[float]) -> list[str]:
    return [f"{v:,.1f}" for v in values]


async def test_persona_rows_are_the_exact_forecast_by_persona(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await settle(pilot)
        assert app.shown is not None and app.journey is not None
        fc = app.shown.forecast
        table = app.query_one("#fcp-personas", DataTable)
        headers = [str(c.label) for c in table.columns.values()]
        assert headers == ["persona", "", "aware", "research", "compare", "evaluate", "sales", "won", "lost"]
        shown = rows(app, "#fcp-personas")
        assert [r[0] for r in shown] == ["dept_head", "section_mgr", "team_lead", "it_staff"]
        for r in shown:
            assert r[1] == "live"
            assert r[2:] == expected(persona_cells(app.journey, fc, r[0], fc.weeks))
        # won per persona adds up to the forecast's won at the horizon
        won = sum(persona_cells(app.journey, fc, r[0], fc.weeks)[-2] for r in shown)
        assert won == pytest.approx(float(fc.won[-1]))
        # no Monte Carlo yet: the account section says plainly what it needs
        assert str(app.query_one("#fcp-accounts", Static).render()) == NEEDS_RUN
        assert app.query_one("#fcp-gates", DataTable).row_count == 0

        # , and . move the week; < and > by ten; the rows follow
        await pilot.press("comma", "comma", "less_than_sign")
        assert app.persona_week == fc.weeks - 12
        assert "at week 40" in str(app.query_one("#fcp-title", Label).render())
        first = rows(app, "#fcp-personas")[0]
        assert first[2:] == expected(persona_cells(app.journey, app.shown.forecast, "dept_head", 40))
        for _ in range(8):
            await pilot.press("greater_than_sign")
        assert app.persona_week == fc.weeks  # kept inside the horizon


async def test_monte_carlo_shows_accounts_held_at_the_committee_gate(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        app.sim_runs = 4
        app.sim_seed = 7
        await pilot.press("6", "r")
        await workers_done(pilot)
        assert app.sim_result is not None
        await pilot.pause()
        sim = app.sim_result
        assert sim is not None and app.shown is not None and app.journey is not None
        gate = sim.kpis["gates"]["committee"]

        # persona rows: exact then the Monte Carlo mean, each equal to its by_persona
        shown = rows(app, "#fcp-personas")
        assert [r[1] for r in shown] == ["live", "MC"] * 4
        for exact_row, mc_row in zip(shown[::2], shown[1::2], strict=True):
            persona = exact_row[0]
            assert mc_row[2:] == expected(persona_cells(app.journey, sim, persona, sim.weeks))

        # the committee gate requires a decision maker: accounts are held, and some for want of one
        gates = {r[1]: r[2] for r in rows(app, "#fcp-gates")}
        assert rows(app, "#fcp-gates")[0][0] == "committee (at evaluate)"
        held = float(gates["held at least once"].replace(",", ""))
        assert held > 0 and gates["held at least once"] == f"{gate['held_accounts']:,.1f}"
        assert gates["no ready decision_maker"] == f"{gate['missing_roles']['decision_maker']:,.1f}"
        assert float(gates["no ready decision_maker"].replace(",", "")) > 0
        assert gates["ready share below 60%"] == f"{gate['share_short']:,.1f}"
        assert gates[f"held in week {sim.weeks}"] == f"{gate['held_accounts_per_week'][-1]:,.1f}"
        accounts = str(app.query_one("#fcp-accounts", Static).render())
        assert f"Accounts won by week {sim.weeks}: {sim.kpis['accounts_won']:,.1f}" in accounts

        # the same seed gives the same numbers
        first = gate
        app.sim_result = None
        await pilot.press("r")
        await workers_done(pilot)
        assert app.sim_result is not None
        assert app.sim_result.kpis["gates"]["committee"] == first


async def test_palette_action_shows_the_section(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.run_action("forecast_personas")
        await pilot.pause()
        assert app.query_one("#views").active == "forecast"  # type: ignore[attr-defined]
        view = app.query_one("#forecast-view")
        # The section is scrolled into view after the tab's next refresh, which a busy machine delays.
        await wait_for(pilot, lambda: view.scroll_y > 0, seconds=10.0)
        assert view.scroll_y > 0
        section = app.query_one(PeopleSection)
        assert section.region.y >= view.region.y
