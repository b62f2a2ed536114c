"""Snapshot tests of each screen at a fixed size with fixed data (bundled journeys copied to tmp_path).

No clock, no file watcher (``watch_file=False``), no blinking cursor: stable SVGs.
Regenerate with ``pytest tests/tui --snapshot-update`` and look at the report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from tui_helpers import settle, workers_done

from journeytui.model import edit
from journeytui.tui.app import JourneyApp, create_app
from journeytui.tui.screens.compare import CompareScreen

WIDE = (100, 32)
SMALL = (80, 24)


def _app(path: Path | None) -> JourneyApp:
    app = create_app(path, watch_file=False)
    app.animation_level = "none"
    app.sim_runs = 5  # the live full-model forecast: 5 Monte Carlo runs, seed 0 (fast, deterministic)
    return app


async def _no_blink(pilot: Pilot[Any]) -> None:
    """Settle the background work (forecast, checks), then stop the cursors blinking."""
    await settle(pilot)
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


def test_graph_flagship(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """The flagship journey: the graph with the aware stage selected and its form in the inspector.

    You should see boxes for aware (entry), research, compare, evaluate, sales in a staircase,
    forward edges on the right with percentages (12%, 9%...), dashed regressions on the left,
    "⏸ 2% budget freeze" in compare, and "Problems: no problems" below.
    """
    assert snap_compare(_app(copy_journey("b2b-it-tool.toml")), terminal_size=WIDE, run_before=_no_blink)


def test_graph_transition_selected(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """A transition selected with the keyboard (down, right): research -> compare.

    You should see the edge highlighted in the graph and the inspector titled
    "transition research -> compare" with from/to choices and probability 0.09.
    """
    assert snap_compare(
        _app(copy_journey("b2b-it-tool.toml")), press=["down", "right"], terminal_size=WIDE, run_before=_no_blink
    )


def test_japanese_journey(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """The SME four-step journey: Japanese ids and names (double-width) stay aligned in boxes.

    You should see boxes 認知, 関心, 放置, 理解, 信頼... with straight right borders,
    truncated names ending in "…", and the inspector showing stage 認知.
    """
    assert snap_compare(_app(copy_journey("sme-four-steps.toml")), terminal_size=WIDE, run_before=_no_blink)


def test_small_terminal(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """The flagship at 80x24: graph, a narrower inspector and a short problems panel still fit.

    You should see all six tabs with short labels (Graph Elems DMU Cover Forecast Sens) and
    the footer starting with "f1 Help"."""
    assert snap_compare(_app(copy_journey("b2b-it-tool.toml")), terminal_size=SMALL, run_before=_no_blink)


def test_small_forecast_tab(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """The Forecast tab at 80x24: chart rows labelled with the whole Japanese stage names
    (認知, 情報収集, 比較・検討, 検討, 商談), then won and lost."""
    assert snap_compare(_app(copy_journey("b2b-it-tool.toml")), press=["6"], terminal_size=SMALL, run_before=_no_blink)


def test_small_personas_tab(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """The Personas/DMU tab ("DMU") at 80x24: the persona table scrolls, the tab bar and f1 stay."""
    assert snap_compare(_app(copy_journey("b2b-it-tool.toml")), press=["3"], terminal_size=SMALL, run_before=_no_blink)


def test_small_workshop(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """Workshop mode at 80x24, week 5: WEEK, WON and LOST digits, then the stage board with all
    seven stages (認知 … 失注 (競合へ)), their bars and counts, and the ticker."""
    assert snap_compare(
        _app(copy_journey("b2b-it-tool.toml")),
        press=["w", "right", "right", "right", "right", "right"],
        terminal_size=SMALL,
        run_before=_no_blink,  # the live forecast is in: the workshop opens at once
    )


def test_personas_tab(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """The Personas/DMU tab: four personas with role, authority, influence, members and channels,
    the account composition line (5 people per account), and the committee gate."""
    assert snap_compare(_app(copy_journey("b2b-it-tool.toml")), press=["3"], terminal_size=WIDE, run_before=_no_blink)


def test_coverage_tab(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """The Coverage tab after deleting the face-to-face meeting touchpoint: open stages x personas
    with counts; the 商談 (sales) row is all red 0s (gaps) and the summary says "4 gaps"."""

    async def remove_meeting(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, JourneyApp)
        app.apply("delete touchpoint meeting", lambda j: edit.remove(j, "touchpoint", "meeting"))
        await pilot.press("4")
        await settle(pilot)

    assert snap_compare(_app(copy_journey("b2b-it-tool.toml")), terminal_size=WIDE, run_before=remove_meeting)


def test_elements_tab(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """The Elements tab: the tables (Journey, Population, DMU, Scoring) then each list expanded,
    with the stage aware highlighted because it is selected."""
    assert snap_compare(_app(copy_journey("b2b-it-tool.toml")), press=["2"], terminal_size=WIDE, run_before=_no_blink)


def test_problems_after_edit(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """After unticking `entry` on aware: the title shows "●" (unsaved) and the problems panel
    lists E401 "no entry stage" at stages[0]."""

    async def edit(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, JourneyApp)
        app.commit_field(("stages", 0, "entry"), False, rename=False)
        await _no_blink(pilot)

    assert snap_compare(_app(copy_journey("b2b-it-tool.toml")), terminal_size=WIDE, run_before=edit)


def test_delete_confirmation(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """Deleting the evaluate stage asks first and lists what else changes (transitions,
    the committee gate, touchpoints' stages...)."""

    async def select(pilot: Pilot[Any]) -> None:
        pilot.app.selection = ("stages", 3)  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(_app(copy_journey("b2b-it-tool.toml")), press=["delete"], terminal_size=WIDE, run_before=select)


def test_broken_file(snap_compare: Callable[..., bool], tmp_path: Path) -> None:
    """A file that does not parse: the graph area shows "broken.toml:3:..." with the E001 message
    and that nothing will be written; the problems panel lists the error."""
    path = tmp_path / "work" / "broken.toml"
    path.write_text('[journey]\nid = "x"\ntitle = "unterminated\n', encoding="utf-8")
    assert snap_compare(_app(path), terminal_size=WIDE, run_before=_no_blink)


def test_missing_file_template_picker(snap_compare: Callable[..., bool], tmp_path: Path) -> None:
    """A path that does not exist: the template picker lists "Blank journey: …" first, then each
    bundled journey with its title ("b2b-it-tool.toml: B2B IT tool: six-phase…", highlighted)."""
    assert snap_compare(_app(tmp_path / "work" / "new.toml"), terminal_size=WIDE)


def test_help_screen(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """F1 on the graph: help about the journey graph and its keys, then a table of all keys."""
    assert snap_compare(_app(copy_journey("b2b-it-tool.toml")), press=["f1"], terminal_size=WIDE)


def test_coverage_cell_rows(copy_journey: Callable[[str], Path]) -> None:
    """Not a snapshot: the coverage table has one row per open stage of the flagship."""
    import asyncio

    async def run() -> int:
        app = _app(copy_journey("b2b-it-tool.toml"))
        async with app.run_test(size=WIDE) as pilot:
            await pilot.press("4")
            return app.query_one("#coverage-table", DataTable).row_count

    assert asyncio.run(run()) == 5


async def _forecast_with_monte_carlo(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, JourneyApp)
    app.sim_runs = 5
    await pilot.press("6", "r")
    await workers_done(pilot)  # the run's answer is handled once its worker has ended
    assert app.sim_result is not None
    await _no_blink(pilot)


def test_forecast_tab(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """The Forecast tab on the flagship after a 5-run Monte Carlo (seed 0).

    You should see the note "Exact forecast, 52 weeks. Ignores scoring hand-offs, …", one sparkline row
    per open stage (aware falling, research/compare/evaluate/sales rising) with 924 / 1,091 / 1,137 /
    768 / 330 at week 52, won (total) 1,135 and lost (total) 3,456, then the Monte Carlo band chart
    for aware (░ band, ━ mean, • exact), and below the strip "Week 52: won 12.8% (1,135) … weakest: compare".
    """
    assert snap_compare(
        _app(copy_journey("b2b-it-tool.toml")), terminal_size=WIDE, run_before=_forecast_with_monte_carlo
    )


def test_compare_screen(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """Compare after nudging research -> compare up twice (9% -> 11%): the saved version vs now.

    You should see two chart columns "A: saved" and "B: now" and a KPI table where won by week 52
    goes from 1,134.6 to a higher number with a green "+" delta, and lost goes down in green.
    """

    async def compared(pilot: Pilot[Any]) -> None:
        await pilot.press("down", "right", "plus", "plus", "c")
        while not isinstance(pilot.app.screen, CompareScreen):  # the comparison runs in a worker
            await pilot.pause(0.05)
        await settle(pilot)

    assert snap_compare(_app(copy_journey("b2b-it-tool.toml")), terminal_size=WIDE, run_before=compared)


def test_workshop_screen(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """Workshop mode on the flagship, paused at week 5: black background, large digits "5" for the
    week and the wins, each stage box showing its expected leads at week 5 on its bottom border
    (compare with "⏸" leads on hold), and the ticker "Week 5: … leads moved, … went back, … stalled" in whole leads."""
    assert snap_compare(
        _app(copy_journey("b2b-it-tool.toml")),
        press=["w", "right", "right", "right", "right", "right"],
        terminal_size=WIDE,
        run_before=_no_blink,  # the live forecast is in: the workshop opens at once
    )


def test_forecast_personas_section(snap_compare: Callable[..., bool], copy_journey: Callable[[str], Path]) -> None:
    """The Forecast tab's "Personas & accounts" section on the flagship after a 5-run Monte Carlo
    (seed 0), scrolled there with the palette action.

    You should see the title "Personas & accounts at week 52", a table with one "exact" and one
    "MC" row per persona (dept_head, section_mgr, team_lead, it_staff) and stage columns aware,
    research, compare…, then "Accounts won by week 52: …" and the first rows of the committee
    gate (at evaluate): "held at least once", "held in week 52", "no ready decision_maker", all above 0.
    """

    async def scrolled(pilot: Pilot[Any]) -> None:
        await _forecast_with_monte_carlo(pilot)
        await pilot.app.run_action("forecast_personas")
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(_app(copy_journey("b2b-it-tool.toml")), terminal_size=WIDE, run_before=scrolled)
