"""The app at 80x24, the supported minimum (issue 11, point 5), and the workshop's board and
SVG export (point 6): every tab and f1 Help visible, Japanese chart labels whole, every stage
on the workshop screen, and an export that holds the whole graph, one file per scenario."""

from __future__ import annotations

import html
import re
from pathlib import Path

from textual.widgets import Digits, Tab, Tabs
from tui_helpers import settle

from journeytui.tui.app import JourneyApp
from journeytui.tui.screens import workshop

SMALL = (80, 24)
STAGE_NAMES = ["認知", "情報収集", "比較・検討", "検討", "商談", "受注", "失注 (競合へ)"]


async def test_every_tab_and_f1_help_are_on_screen_at_80x24(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        bar = app.query_one("#views").query_one(Tabs)
        tabs = list(bar.query(Tab))
        assert len(tabs) == 6
        for tab in tabs:  # inside the visible part of the tab bar, not scrolled off to the right
            assert tab.region.right <= bar.region.right, (tab.label_text, tab.region, bar.region)
        for keys in ([], ["6"], ["7"], ["1", "e"]):  # f1 stays in the footer whatever has the focus
            await pilot.press(*keys)
            await settle(pilot)
            help_key = [k for k in app.screen.query("FooterKey") if getattr(k, "action", None) == "help"]
            assert help_key, keys
            assert help_key[0].region.right <= SMALL[0] - 12, (keys, help_key[0].region)  # left of "^p palette"
            await pilot.press("escape")
        await pilot.press("7")  # the last tab is reachable by its key and shows its pane
        assert app.query_one("#views").active == "sensitivity"  # type: ignore[attr-defined]
        await pilot.resize_terminal(120, 32)  # wide again: the full labels come back
        await pilot.pause()
        labels = [t.label_text for t in bar.query(Tab)]
        assert labels == ["Graph", "Elements", "Personas/DMU", "Coverage", "Forecast", "Sensitivity"]


async def test_japanese_stage_names_are_whole_in_the_forecast_chart_at_80x24(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("6")
        await settle(pilot)
        chart = str(app.query_one("#fc-stages").render())
        for name in ["認知", "情報収集", "比較・検討", "検討", "商談"]:
            assert f"\n{name} " in f"\n{chart}", (name, chart)


def test_board_cuts_long_names_by_cells_with_an_ellipsis() -> None:
    rows = [
        workshop.BoardRow("見込み客の情報収集と比較検討の段階", "open", 10.0, 0.0),
        workshop.BoardRow("won", "won", 2.0, 0.0),
    ]
    text = workshop.board_text(rows, 40)
    first = text.plain.split("\n")[0]
    assert "…" in first
    from rich.cells import cell_len

    assert all(cell_len(line) <= 40 for line in text.plain.split("\n"))


async def test_workshop_shows_every_stage_with_its_count_at_80x24(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("w", "right", "right", "right")
        screen = app.screen
        assert isinstance(screen, workshop.WorkshopScreen)
        board = screen.query_one(workshop.StageBoard)
        assert board.region.height >= len(STAGE_NAMES)
        assert board.region.bottom <= SMALL[1] and board.region.right <= SMALL[0]
        text = str(board.render())
        fc = screen.scenario.forecast
        for name in STAGE_NAMES:
            assert name in text, (name, text)
        lost_line = next(line for line in text.split("\n") if line.startswith("失注"))
        assert f"{float(fc.lost[3]):,.0f}" in lost_line
        await pilot.press("g")  # the graph instead of the board
        assert screen.query_one("#ws-graph").display and not board.display
        await pilot.press("g")
        await pilot.resize_terminal(120, 40)  # a projector: the graph and, beside it, the board
        await pilot.pause()
        assert screen.query_one("#ws-graph").display and board.display
        assert board.region.bottom <= 40 and board.region.right <= 120
        text = str(board.render())
        assert "受注" in text and "失注" in text  # won and lost counters above the fold
        lost = screen.query_one("#ws-lost-digits", Digits)
        assert lost.region.bottom <= 40 and lost.value == f"{float(fc.lost[3]):,.0f}"


async def test_workshop_export_holds_the_whole_graph_one_file_per_scenario(
    flagship: JourneyApp, tmp_path: Path
) -> None:
    """At 80x24 the graph shows two stages; the SVG shows them all, with the counts. Exporting the
    saved scenario after the current one, and the same view twice, writes new files each time."""
    app = flagship
    work = tmp_path / "work"
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("down", "right", "plus")  # an edit: the saved version becomes a second scenario
        await settle(pilot)
        await pilot.press("w", "g", "right", "right", "x")
        screen = app.screen
        assert isinstance(screen, workshop.WorkshopScreen) and len(screen.scenarios) == 2
        await pilot.press("tab", "x", "x")
        await pilot.pause()
    files = sorted(work.glob("*.svg"))
    assert len(files) == 3, files
    names = [f.name for f in files]
    assert any("now" in n for n in names) and any("saved" in n for n in names), names
    for f in files:
        svg = html.unescape(f.read_text(encoding="utf-8")).replace("\u00a0", " ")
        for stage_id in ["aware", "research", "compare", "evaluate", "sales", "won", "lost"]:
            assert stage_id in svg, (f.name, stage_id)
        for name in STAGE_NAMES:
            assert name in svg, (f.name, name)
        assert "WON" in svg and "LOST" in svg and "Week 2" in svg


def screen_lines(app: JourneyApp) -> list[str]:
    """The screen's text, one string per row (runs of one style joined; blank gaps may vanish)."""
    rows: dict[float, list[tuple[float, str]]] = {}
    svg = app.export_screenshot()
    for x, y, text in re.findall(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg):
        rows.setdefault(float(y), []).append((float(x), html.unescape(text).replace("\u00a0", " ")))
    return ["".join(t for _, t in sorted(rows[y])) for y in sorted(rows)]


async def test_inspector_at_80x24_cuts_long_keys_and_shows_values_from_the_start(flagship: JourneyApp) -> None:
    """A long value edited at its end shows its beginning again once the editor is left; keys
    longer than the label column end in "…"."""
    app = flagship
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("e", *["tab"] * 6)  # id, name, kind, entry, phase, team, notes
        notes = app.focused
        assert notes is not None and getattr(notes, "value", "").startswith("Phase 1, be known")
        # the text is selected on focus (typing replaces it): end, then add to the end, commit, leave
        await pilot.press("end", "x", "enter", "escape")
        await settle(pilot)
        assert app.journey is not None and app.journey.stages[0].notes.endswith("x")
        row = next(line for line in screen_lines(app) if "notes" in line)
        assert "Phase 1, be known" in row, row
        # The scoring table's keys (mql_threshold, handoff_channel) are longer than the label
        # column: cut with "…" instead of running into their values.
        await pilot.press("2", "home", "down", "down", "down")  # Elements: Journey, Population, DMU, Scoring
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "mql_thresh…" in text and "handoff_ch…" in text, text
        assert "mql_threshol60" not in text.replace(" ", "")
