"""Pilot tests for the panels: graph selection, problems, coverage, personas, palette, help, CLI."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.css.query import NoMatches
from textual.widgets import DataTable, Markdown
from tui_helpers import choose

from journeytui.cli import build_parser
from journeytui.tui.app import JourneyApp
from journeytui.tui.commands import JourneyCommands
from journeytui.tui.screens.dialogs import ChoiceScreen
from journeytui.tui.screens.help import HelpScreen
from journeytui.tui.widgets.coverage import CoverageView
from journeytui.tui.widgets.elements import ElementsTree
from journeytui.tui.widgets.graph import JourneyGraph
from journeytui.tui.widgets.inspector import FieldCheck, Inspector
from journeytui.tui.widgets.problems import ProblemsPanel

SIZE = (100, 32)


async def test_graph_keys_cycle_stages_and_edges(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        assert app.focused is app.query_one(JourneyGraph)
        await pilot.press("down")
        await pilot.pause()
        assert app.selection == ("stages", 1)
        await pilot.press("right")
        await pilot.pause()
        j = app.journey
        assert j is not None and app.selection is not None and app.selection[0] == "transitions"
        first = j.transitions[int(app.selection[1])]
        assert first.from_ == "research"
        seen = {app.selection}
        for _ in range(6):
            await pilot.press("right")
            await pilot.pause()
            seen.add(app.selection)
        ends = [j.transitions[int(s[1])] for s in seen]
        assert all("research" in (t.from_, t.to) for t in ends)
        assert len(seen) == len([t for t in j.transitions if "research" in (t.from_, t.to)])
        await pilot.press("up")
        await pilot.pause()
        assert app.selection == ("stages", 0)
        await pilot.press("up")  # wraps around to the last stage
        await pilot.pause()
        assert app.selection == ("stages", 6)
        assert app.query_one(Inspector).border_title == "stage lost"


async def test_click_selects_box_and_edge(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        graph = app.query_one(JourneyGraph)
        x, y, w, _h = graph.canvas.regions[("stages", 1)]
        offset = graph.content_region.offset - graph.region.offset
        sx, sy = int(graph.scroll_x), int(graph.scroll_y)
        await pilot.click(JourneyGraph, offset=(x + 3 - sx + offset.x, y + 1 - sy + offset.y))
        await pilot.pause()
        assert app.selection == ("stages", 1)
        # the first cell right of the research box on its first outgoing port row belongs to an edge
        row = y + 2
        col = x + w
        target = graph.canvas.hit_at(col, row)
        assert target is not None and target[0] == "transitions"
        sx, sy = int(graph.scroll_x), int(graph.scroll_y)
        await pilot.click(JourneyGraph, offset=(col - sx + offset.x, row - sy + offset.y))
        await pilot.pause()
        assert app.selection == target


async def test_problems_follow_edits_and_select_the_element(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one(ProblemsPanel)
        assert panel.diagnostics == []
        app.selection = ("stages", 0)
        await pilot.pause()
        entry = next(w for w in app.query_one(Inspector)._editors if isinstance(w, FieldCheck))
        entry.value = False  # no entry stage any more: an error
        await pilot.pause()
        assert [d.code for d in panel.diagnostics] == ["E401"]
        app.selection = ("personas", 0)
        await pilot.pause()
        await pilot.press("f8")
        await pilot.pause()
        assert app.selection == ("stages", 0)
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert panel.diagnostics == []


async def test_coverage_cell_lists_touchpoints(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        j = app.journey
        assert j is not None
        assert [j.touchpoints[i].id for i in j.touchpoints_at("compare", "dept_head")] == [
            "roi_simulation",
            "newsletter",
        ]
        assert j.touchpoints_at("sales", "it_staff") == [8]  # the meeting reaches everyone
        await pilot.press("4")
        await pilot.pause()
        table = app.query_one(CoverageView).query_one(DataTable)
        assert app.focused is table
        table.move_cursor(row=2, column=1)  # compare x dept_head
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await choose(pilot, "3")
        assert app.selection == ("touchpoints", 3)


async def test_personas_tab_selects_persona_and_gate(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.pause()
        personas = app.query_one("#persona-table", DataTable)
        assert personas.row_count == 4 and app.focused is personas
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.selection == ("personas", 1)
        gates = app.query_one("#gate-table", DataTable)
        gates.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.selection == ("gates", 0)


async def test_elements_tree_selects_tables(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        tree = app.query_one(ElementsTree)
        # the tree's cursor starts on the selection (the entry stage), then goes where the keys take it
        assert tree.cursor_node is not None and tree.cursor_node.data == ("stages", 0)
        await pilot.press(*["up"] * tree.cursor_line)  # back to the top: the [journey] table
        assert app.selection == ("journey",)
        await pilot.press("down")  # journey -> population
        await pilot.pause()
        assert app.selection == ("population",)
        assert app.query_one(Inspector).border_title == "population"


async def test_palette_lists_grouped_actions(make_app: Callable[..., JourneyApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        provider = JourneyCommands(app.screen)
        labels = [hit.text async for hit in provider.discover()]
        for label in ("Stage: add", "Transition: retarget to…", "File: save", "Edit: undo", "Persona: add"):
            assert label in labels
        assert "File: new journey from a template…" in labels  # any time: a new path is asked for an open file
        hits = [hit async for hit in provider.search("retarget")]
        assert {str(h.text) for h in hits} >= {"Transition: retarget from…", "Transition: retarget to…"}
        (add,) = [h async for h in provider.search("Stage: add") if str(h.text) == "Stage: add"]
        add.command()
        await pilot.pause()
        assert type(app.screen).__name__ == "PromptScreen"


async def test_help_describes_the_focused_panel(make_app: Callable[..., JourneyApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "## Journey graph" in app.screen.text
        assert app.screen.query_one(Markdown) is not None
        await pilot.press("escape")
        await pilot.press("5", "f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and "## Problems" in app.screen.text


def test_cli_edit_opens_the_given_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    opened: list[JourneyApp] = []
    monkeypatch.setattr(JourneyApp, "run", lambda self, *a, **k: opened.append(self))
    parser = build_parser()
    args = parser.parse_args(["edit", str(tmp_path / "x.toml")])
    assert isinstance(args, argparse.Namespace)
    assert args.func(args) == 0
    assert opened[0].doc.path == tmp_path / "x.toml" and opened[0].missing
    from journeytui.cli import main

    assert main([]) == 0  # no arguments: the app on the flagship
    assert opened[1].doc.path is not None and opened[1].doc.path.name == "b2b-it-tool.toml"


async def test_hidden_tabs_show_edits_made_while_hidden(flagship: JourneyApp) -> None:
    """Personas and coverage are refreshed when shown, not on every edit: an edit made on the
    graph tab must still be there when the user switches to them."""
    from journeytui.model import edit

    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        assert app.apply("rename persona", lambda j: edit.rename(j, "persona", "it_staff", "情シス"))
        await pilot.pause()
        app.query_one("#views").active = "personas"
        await pilot.pause()
        table = app.query_one("#persona-table", DataTable)
        ids = [str(table.get_row_at(r)[0]) for r in range(table.row_count)]
        assert "情シス" in ids and "it_staff" not in ids
        app.query_one("#views").active = "coverage"
        await pilot.pause()
        coverage = app.query_one(CoverageView).query_one(DataTable)
        headers = [str(c.label) for c in coverage.columns.values()]
        assert any("情シス" in h for h in headers), headers


async def test_palette_opened_by_keys_lists_and_runs_actions(flagship: JourneyApp) -> None:
    """ctrl+p as a person presses it: the palette lists the app's commands and runs the chosen one."""
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"stage", "space", *"add")
        palette = app.screen

        async def labels() -> list[str]:
            for _ in range(50):
                await pilot.pause(0.05)
                try:
                    options = palette.query_one(CommandList)
                except NoMatches:
                    continue
                found = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
                if found and "No matches" not in found[0]:
                    return found
            return []

        found = await labels()
        assert any("Stage: add" in label for label in found), found
        await pilot.press("enter")
        for _ in range(50):
            await pilot.pause(0.05)
            if type(app.screen).__name__ == "PromptScreen":
                break
        assert type(app.screen).__name__ == "PromptScreen"  # "Stage: add" asks for the new stage's id
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.press(*"save")
        palette = app.screen
        assert any("File: save" in label for label in await labels())


def test_help_shows_keys_as_they_are_pressed() -> None:
    """F1's key table says `+` and `=`, not Textual's names (plus, equals_sign)."""
    from journeytui.tui.screens.help import keys_table

    table = keys_table()
    assert "`+`, `=`" in table and "plus" not in table and "equals_sign" not in table
    assert "`ctrl+s`" in table


def test_workshop_narration_counts_whole_leads() -> None:
    from journeytui.tui.screens.workshop import _leads

    assert [_leads(x) for x in (153.5, 1.2, 0.3, 0.0, 12_345.6)] == [
        "154 leads",
        "1 lead",
        "under 1 lead",
        "0 leads",
        "12,346 leads",
    ]
