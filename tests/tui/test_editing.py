"""Pilot tests for every editing action: assert on the model, not only on pixels."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input, Select
from tui_helpers import answer_prompt, choose

from journeytui.model.load import load_file
from journeytui.tui.app import JourneyApp
from journeytui.tui.screens.dialogs import ChoiceScreen, ConfirmScreen
from journeytui.tui.widgets.inspector import FieldInput, FieldSelect, Inspector

SIZE = (100, 32)


def field(app: JourneyApp, key: str) -> FieldInput | FieldSelect:
    for w in app.query_one(Inspector)._editors:
        if w.field.path[-1] == key:  # type: ignore[attr-defined]
            return w  # type: ignore[return-value]
    raise AssertionError(f"no field {key}")


async def test_add_stage_after_selected(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        assert app.selection == ("stages", 0)
        await pilot.press("a")
        await answer_prompt(pilot, "nurture")
        j = app.journey
        assert j is not None
        assert [s.id for s in j.stages][:3] == ["aware", "nurture", "research"]
        assert j.stages[1].phase == 1
        assert app.selection == ("stages", 1)
        assert app.doc.dirty and "●" in app.title


async def test_add_stage_refuses_duplicate_id(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await answer_prompt(pilot, "research")
        assert app.screen.query_one("#why").render().plain.startswith('a stage "research" already exists')  # type: ignore[attr-defined]
        await pilot.press("escape")
        assert len(app.journey.stages) == 7  # type: ignore[union-attr]
        assert not app.doc.dirty


async def test_rename_stage_updates_references(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        app.selection = ("stages", 2)  # compare
        await pilot.press("r")
        await answer_prompt(pilot, "比較")
        j = app.journey
        assert j is not None
        assert j.stages[2].id == "比較"
        assert not any("compare" in (t.from_, t.to) for t in j.transitions)
        assert any(s.stage == "比較" for s in j.stalls)
        assert "比較" in j.population.initial


async def test_rename_through_inspector_id_field(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        app.selection = ("personas", 3)
        await pilot.pause()
        box = field(app, "id")
        assert isinstance(box, Input)
        box.focus()
        box.value = "it"
        await pilot.press("enter")
        await pilot.pause()
        j = app.journey
        assert j is not None and j.personas[3].id == "it"
        assert j.dmu is not None and "it" in j.dmu.composition


async def test_delete_referenced_stage_asks_and_cascades(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        app.selection = ("stages", 3)  # evaluate: transitions, a stall, a gate, touchpoints refer to it
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "transition research -> evaluate is removed: its `to` is this stage" in app.screen.details
        assert not any(re.search(r"\[\d+\]", d) for d in app.screen.details)  # by name, never array positions
        await pilot.press("n")
        await pilot.pause()
        assert app.journey.stage("evaluate") is not None  # type: ignore[union-attr]
        await pilot.press("delete")
        await pilot.press("y")
        await pilot.pause()
        j = app.journey
        assert j is not None and j.stage("evaluate") is None
        assert not any("evaluate" in (t.from_, t.to) for t in j.transitions)
        assert not any(g.stage == "evaluate" for g in j.gates)


async def test_undo_redo_many_steps(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        original = app.journey
        for name in ("s1", "s2", "s3"):
            await pilot.press("a")
            await answer_prompt(pilot, name)
        app.selection = ("stages", 5)
        await pilot.press("delete", "y")
        await pilot.pause()
        after = app.journey
        assert after is not None and len(after.stages) == 9
        for _ in range(4):
            await pilot.press("ctrl+z")
            await pilot.pause()
        assert app.journey == original
        assert not app.doc.dirty and "●" not in app.title
        for _ in range(4):
            await pilot.press("ctrl+y")
            await pilot.pause()
        assert app.journey == after
        await pilot.press("ctrl+z", "ctrl+shift+z")
        await pilot.pause()
        assert app.journey == after


async def test_reorder_stages(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        app.selection = ("stages", 0)
        await pilot.press("shift+down")
        await pilot.pause()
        j = app.journey
        assert j is not None and [s.id for s in j.stages[:2]] == ["research", "aware"]
        assert app.selection == ("stages", 1)
        await pilot.press("shift+up")
        await pilot.pause()
        assert [s.id for s in app.journey.stages[:2]] == ["aware", "research"]  # type: ignore[union-attr]


async def test_add_and_retarget_transition(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        app.selection = ("stages", 0)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)
        await choose(pilot, "aware")
        await choose(pilot, "compare")
        j = app.journey
        assert j is not None
        t = j.transitions[-1]
        assert (t.from_, t.to, t.probability) == ("aware", "compare", 0.05)
        assert app.selection == ("transitions", len(j.transitions) - 1)
        await pilot.press("g")
        await choose(pilot, "evaluate")
        assert app.journey.transitions[-1].to == "evaluate"  # type: ignore[union-attr]
        await pilot.press("g")
        await choose(pilot, "won")
        await pilot.press("f")
        await choose(pilot, "research")
        assert (app.journey.transitions[-1].from_, app.journey.transitions[-1].to) == ("research", "won")  # type: ignore[union-attr]
        await pilot.press("g")
        await choose(pilot, "compare")  # research -> compare exists: refused, nothing changes
        assert app.journey.transitions[-1].to == "won"  # type: ignore[union-attr]


async def test_delete_transition_without_asking(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        before = len(app.journey.transitions)  # type: ignore[union-attr]
        app.selection = ("transitions", 1)
        await pilot.press("delete")
        await pilot.pause()
        assert len(app.journey.transitions) == before - 1  # type: ignore[union-attr]
        assert app.selection == ("transitions", 1)


async def test_edit_probability_in_inspector(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        app.selection = ("transitions", 0)
        await pilot.pause()
        box = field(app, "probability")
        assert isinstance(box, FieldInput) and box.value == "0.12"
        box.focus()
        box.value = "2"  # not a probability: shown as an error, nothing applied
        await pilot.press("enter")
        await pilot.pause()
        assert box.error and "between 0 and 1" in box.error
        assert app.journey.transitions[0].probability == 0.12  # type: ignore[union-attr]
        box.value = "15%"
        await pilot.press("enter")
        await pilot.pause()
        assert box.error is None
        assert app.journey.transitions[0].probability == 0.15  # type: ignore[union-attr]
        mapping = field(app, "by_persona")
        assert isinstance(mapping, FieldInput)
        mapping.focus()
        mapping.value = "it_staff = 5%, dept_head = 0.2"
        await pilot.press("enter")
        await pilot.pause()
        assert app.journey.transitions[0].by_persona == {"it_staff": 0.05, "dept_head": 0.2}  # type: ignore[union-attr]


async def test_inspector_choice_and_nested_fields(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        app.selection = ("stages", 4)
        await pilot.pause()
        team = field(app, "team")
        assert isinstance(team, Select)
        team.value = "inside_sales"
        await pilot.pause()
        assert app.journey.stages[4].team == "inside_sales"  # type: ignore[union-attr]
        app.selection = ("stalls", 0)
        await pilot.pause()
        mean = field(app, "mean")
        assert isinstance(mean, FieldInput)
        mean.focus()
        mean.value = "6"
        await pilot.press("tab")  # leaving the field applies it
        await pilot.pause()
        assert app.journey.stalls[0].duration.mean == 6.0  # type: ignore[union-attr]


async def test_add_stall_persona_channel_touchpoint_gate(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        app.selection = ("stages", 1)
        await pilot.press("s")
        await pilot.pause()
        j = app.journey
        assert j is not None and j.stalls[-1].stage == "research"
        assert app.selection == ("stalls", len(j.stalls) - 1)
        for action, name, attr in (
            ("add_persona", "cfo", "personas"),
            ("add_channel", "line", "channels"),
            ("add_gate", "budget_ok", "gates"),
        ):
            await app.run_action(action)
            await answer_prompt(pilot, name)
            assert getattr(app.journey, attr)[-1].id == name
        app.selection = ("stages", 1)
        await app.run_action("add_touchpoint")
        await answer_prompt(pilot, "webinar")
        tp = app.journey.touchpoints[-1]  # type: ignore[union-attr]
        assert (tp.id, tp.stages, tp.channel) == ("webinar", ["research"], "web")
        await app.run_action("add_expectation")
        await pilot.pause()
        assert app.journey.expectations[-1].stage == "won"  # type: ignore[union-attr]


async def test_add_scoring_and_dmu_tables(
    tmp_path: Path, make_app: Callable[..., JourneyApp], minimal_text: str
) -> None:
    path = tmp_path / "work" / "mini.toml"
    path.write_text(minimal_text, encoding="utf-8")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await app.run_action("add_scoring")
        await pilot.pause()
        j = app.journey
        assert j is not None and j.scoring is not None and j.scoring.mql_threshold == 50.0
        assert app.selection == ("scoring",)
        box = field(app, "mql_threshold")
        assert isinstance(box, FieldInput)
        box.focus()
        box.value = "70"
        await pilot.press("enter")
        await pilot.pause()
        assert app.journey.scoring.mql_threshold == 70.0  # type: ignore[union-attr]
        await app.run_action("add_persona")
        await answer_prompt(pilot, "boss")
        await app.run_action("add_dmu")
        await pilot.pause()
        assert app.journey.dmu is not None and app.journey.dmu.composition == {"boss": 1}  # type: ignore[union-attr]
        app.selection = ("population",)
        await pilot.pause()
        arrivals = field(app, "arrivals")
        assert isinstance(arrivals, FieldInput)
        arrivals.focus()
        arrivals.value = "lead = 12"
        await pilot.press("enter")
        await pilot.pause()
        assert app.journey.population.arrivals == {"lead": 12.0}  # type: ignore[union-attr]
        app.selection = ("scoring",)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.press("delete")
        await pilot.pause()
        assert app.journey.scoring is None  # type: ignore[union-attr]
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert app.journey.scoring is not None  # type: ignore[union-attr]


async def test_saved_edits_load_back(copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]) -> None:
    path = copy_journey("b2b-it-tool.toml")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await answer_prompt(pilot, "nurture")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.doc.dirty
        assert load_file(path).journey == app.journey
