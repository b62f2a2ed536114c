"""Pilot tests for the forecast side of the app: live forecast, Monte Carlo, what-if, sensitivity,
compare, report and workshop mode. They assert on numbers, not only on pixels."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from rich.text import Text
from textual.widgets import DataTable
from tui_helpers import answer_prompt, settle, workers_done

from journeytui.model import edit
from journeytui.model.load import load_journey
from journeytui.sim import simulate
from journeytui.sim.compare import compare
from journeytui.sim.headline import full_forecast, headline
from journeytui.sim.live import won_share
from journeytui.sim.sensitivity import sensitivity
from journeytui.tui.app import JourneyApp, create_app
from journeytui.tui.charts import ChartError, band_chart, sample_columns, small_multiples
from journeytui.tui.messages import SimDone, SimProgress
from journeytui.tui.screens.compare import CompareScreen
from journeytui.tui.screens.workshop import WorkshopScreen
from journeytui.tui.widgets.forecast import ForecastStrip

SIZE = (100, 32)


def strip_text(app: JourneyApp) -> str:
    return str(app.query_one(ForecastStrip).render())


def _screen_lines(app: JourneyApp) -> list[str]:
    """The screen's text, one string per row, from the SVG screenshot."""
    rows: dict[float, list[tuple[float, str]]] = {}
    svg = app.export_screenshot()
    for x, y, text in re.findall(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', svg):
        rows.setdefault(float(y), []).append((float(x), html.unescape(text).replace("\u00a0", " ")))
    return ["".join(t for _, t in sorted(rows[y])) for y in sorted(rows)]


def research_compare(app: JourneyApp) -> int:
    j = app.journey
    assert j is not None
    return next(i for i, t in enumerate(j.transitions) if (t.from_, t.to) == ("research", "compare"))


async def test_the_headline_is_the_full_model_with_the_default_settings(copy_journey: Callable[[str], Path]) -> None:
    """Opened as a user opens it (20 runs, seed 0): the strip's headline is `journeytui simulate`'s
    and `compare`'s figure for the flagship, committee, scoring and capacity included, with its band,
    and never the plain chain's 12.8%."""
    app = create_app(copy_journey("b2b-it-tool.toml"), watch_file=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.shown is not None and app.journey is not None
        h = headline(app.journey)
        assert (h.engine, h.runs, h.seed) == ("monte_carlo", 20, 0)
        assert float(app.shown.forecast.won[-1]) == pytest.approx(h.won)
        assert float(app.shown.forecast.won[-1]) == pytest.approx(float(simulate(app.journey).won[-1]))
        assert app.shown.forecast.ignored == ()
        text = strip_text(app)
        assert f"Week 52: won {h.share:.1%} ({h.won:,.0f}) {h.low:.1%}-{h.high:.1%}" in text
        assert "full model: Monte Carlo means, 20 runs, seed 0" in text
        assert "12.8%" not in text
        # on screen, each of the strip's two lines stays one line (cut, never wrapped), so the
        # line saying what the figure is stays in view under the headline
        shown = [line for line in _screen_lines(app) if "Week 52: won" in line or "full model: Monte" in line]
        assert len(shown) == 2 and "Week 52: won" in shown[0] and "full model: Monte" in shown[1], shown
        await pilot.press("6")  # the Forecast tab says the same
        note = str(app.query_one("#fc-note").render())
        assert "Full model: Monte Carlo means, 20 runs, seed 0" in note and f"Won {h.share:.1%}" in note


async def test_forecast_is_recomputed_after_every_edit(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the forecast is computed in a worker
        assert app.shown is not None and app.journey is not None
        first = full_forecast(app.journey, runs=app.sim_runs, seed=0)
        assert float(app.shown.forecast.won[-1]) == pytest.approx(float(first.won[-1]))
        assert app.shown.forecast.engine == "monte_carlo" and app.shown.forecast.ignored == ()
        assert f"won {won_share(first):.1%}" in strip_text(app) and "weakest: " in strip_text(app)
        i = research_compare(app)
        app.apply("probability", lambda j: edit.set_field(j, ("transitions", i, "probability"), 0.2))
        assert "updating…" in strip_text(app)  # until the worker answers
        await settle(pilot)
        assert "updating…" not in strip_text(app)
        assert app.journey is not None
        expected = full_forecast(app.journey, runs=app.sim_runs, seed=0)
        assert float(app.shown.forecast.won[-1]) == pytest.approx(float(expected.won[-1]))
        assert float(app.shown.forecast.won[-1]) > float(first.won[-1])
        assert f"vs saved: won {won_share(first):.1%} ->" in strip_text(app)
        app.action_undo()
        await settle(pilot)
        assert float(app.shown.forecast.won[-1]) == pytest.approx(float(first.won[-1]))
        assert "vs saved" not in strip_text(app)


async def test_saving_ends_the_change_from_the_saved_version(flagship: JourneyApp) -> None:
    """+ on a transition, then ctrl+s: the strip no longer compares with the version before the save."""
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "right")  # research -> compare
        await pilot.press("plus")
        await settle(pilot)
        assert "vs saved: won " in strip_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not app.doc.dirty
        assert "vs saved" not in strip_text(app), strip_text(app)
        await pilot.press("plus")  # the next change is measured from what was saved
        await settle(pilot)
        assert "vs saved: won " in strip_text(app)


async def test_a_burst_of_edits_runs_one_forecast_of_the_last(flagship: JourneyApp) -> None:
    """Holding + on a probability: the running Monte Carlo is stopped by each newer edit, and what
    settles is the forecast of the journey as it is after the last one."""
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "right")  # research -> compare
        await pilot.press(*["plus"] * 6)
        await settle(pilot)
        assert app.journey is not None and app.shown is not None
        assert app.journey.transitions[research_compare(app)].probability == pytest.approx(0.15)
        assert app.shown.journey is app.journey
        expected = full_forecast(app.journey, runs=app.sim_runs, seed=0)
        assert float(app.shown.forecast.won[-1]) == pytest.approx(float(expected.won[-1]))


async def test_nudge_changes_the_forecast_in_the_right_direction(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "right")  # research -> compare
        assert app.selection == ("transitions", research_compare(app))
        await settle(pilot)
        assert app.shown is not None
        before = float(app.shown.forecast.won[-1])
        share0 = won_share(app.shown.forecast)
        await pilot.press("plus")
        assert app.journey is not None
        assert app.journey.transitions[research_compare(app)].probability == pytest.approx(0.10)
        await settle(pilot)
        up = float(app.shown.forecast.won[-1])
        assert up == pytest.approx(float(full_forecast(app.journey, runs=app.sim_runs, seed=0).won[-1]))
        assert up > before
        assert f"won {share0:.1%} -> {won_share(app.shown.forecast):.1%}" in strip_text(app)
        assert app.doc.history is not None and app.doc.history.undo_label == (
            "what-if: transition research -> compare 9.0% -> 10.0%"
        )
        await pilot.press("minus", "minus")
        await settle(pilot)
        assert float(app.shown.forecast.won[-1]) < before
        await pilot.press("ctrl+z", "ctrl+z")
        await settle(pilot)
        assert float(app.shown.forecast.won[-1]) == pytest.approx(up)


async def test_nudge_needs_a_probability(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        assert app.selection == ("stages", 0)
        await pilot.press("plus")
        assert not app.doc.dirty
        app.selection = ("transitions", 1)  # aware -> lost
        for _ in range(3):
            app.action_nudge(-1)
        await pilot.pause()
        assert app.journey is not None and app.journey.transitions[1].probability == 0.0
        assert app.doc.history is not None and app.doc.history.undo_label is not None


async def test_monte_carlo_run_completes_with_a_band(flagship: JourneyApp) -> None:
    app = flagship
    app.sim_runs = 4
    seen: list[object] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.press("6")
        await pilot.press("r")
        await workers_done(pilot)
        assert app.sim_result is not None
        r = app.sim_result
        assert r is not None and r.settings["runs"] == 4 and r.settings["seed"] == 0
        assert np.all(r.p05 <= r.mean + 1e-9) and np.all(r.mean <= r.p95 + 1e-9)
        assert any(isinstance(m, SimProgress) for m in seen)
        assert next(m for m in seen if isinstance(m, SimDone)).result is r
        assert app.shown is not None and app.shown.sim is r and not app.shown.sim_stale
        kpis = app.query_one("#fc-kpis", DataTable)
        labels = [str(kpis.get_row_at(n)[0]) for n in range(kpis.row_count)]
        assert "MC won p05..p95" in labels
        await pilot.press("right_square_bracket")
        assert app.band_stage == "research"
        await pilot.press("1", "down", "right", "plus")
        await settle(pilot)
        assert app.shown.sim_stale


async def test_monte_carlo_run_can_be_cancelled(flagship: JourneyApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run is held at its first week until cancelled: a compiled engine with a warm cache
    finished 400 runs before the next key, so "long enough" cannot be a run count."""
    import threading

    import journeytui.tui.forecasting as forecasting

    real = forecasting.simulate

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        cancel: threading.Event = kwargs["cancel"]
        progress = kwargs["progress"]

        def first_week_then_wait(week: int, weeks: int) -> None:
            progress(week, weeks)
            assert cancel.wait(60), "never cancelled"

        return real(*args, **{**kwargs, "progress": first_week_then_wait})

    monkeypatch.setattr(forecasting, "simulate", held)
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6", "r")
        assert app.sim_running
        await pilot.press("escape")
        await workers_done(pilot)
        assert not app.sim_running
        assert app.sim_result is None
        assert "cancelled" in str(app.query_one("#fc-run-status").render())
        await pilot.press("1", "down")  # still responsive
        assert app.selection == ("stages", 1)


def test_progress_messages_replace_each_other() -> None:
    assert SimProgress(3, 52, 1).can_replace(SimProgress(2, 52, 1))


async def test_sensitivity_tab_ranks_like_the_library(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7")
        table = app.query_one("#sens-table", DataTable)
        await workers_done(pilot)
        assert table.row_count > 0
        assert app.journey is not None
        expected = sensitivity(app.journey, exact_top=5, model="full", runs=app.sim_runs, seed=0)
        assert len(expected) == table.row_count == 5
        assert [str(table.get_row_at(n)[1]) for n in range(table.row_count)] == [e.param.label for e in expected]
        assert str(table.get_row_at(0)[3]) == f"{expected[0].won_delta:+,.1f}"
        assert "full model" in str(app.query_one("#sens-note").render())
        await pilot.press("enter")
        assert app.selection == expected[0].param.path


async def test_sensitivity_tab_shows_the_kpi_tree_and_follows_edits(flagship: JourneyApp) -> None:
    from textual.widgets import Static

    from journeytui.model import edit
    from journeytui.sim.kpi_tree import kpi_tree

    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7")
        await settle(pilot)
        tree = app.query_one("#kpi-tree", Static)
        assert app.journey is not None
        expected = kpi_tree(app.journey, full_forecast(app.journey, runs=app.sim_runs)).lines()
        assert str(tree.render()).splitlines()[1 : 1 + len(expected)] == expected
        assert "evaluate 検討" in str(tree.render()) and "weakest link" in str(tree.render())
        assert "won at week 52" in expected[0]
        # An edit (here: halving the evaluate -> sales move) shows in the tree at once.
        index = next(i for i, t in enumerate(app.journey.transitions) if (t.from_, t.to) == ("evaluate", "sales"))
        assert app.apply("slower", lambda j: edit.set_field(j, ("transitions", index, "probability"), 0.05))
        await settle(pilot)
        assert app.journey is not None
        assert (
            str(tree.render()).splitlines()[1 : 1 + len(expected)]
            == kpi_tree(app.journey, full_forecast(app.journey, runs=app.sim_runs)).lines()
        )
        assert str(tree.render()).splitlines()[1] != expected[0]


async def test_compare_with_the_saved_version_shows_deltas(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "right", "plus", "plus", "c")
        await workers_done(pilot)  # computed in a worker
        assert isinstance(app.screen, CompareScreen)
        await pilot.pause()  # mounted: its tables are filled
        assert isinstance(app.screen, CompareScreen)
        assert f"(full model: Monte Carlo means ({app.sim_runs} runs, seed 0), 52 weeks)" in str(
            app.screen.query_one("#cmp-title").render()
        )
        won = next(r for r in app.screen.comparison.rows if r.key == "won")
        assert app.doc.history is not None
        assert won.a == pytest.approx(float(full_forecast(app.doc.history.saved, runs=app.sim_runs).won[-1]))
        assert won.delta is not None and won.delta > 0
        table = app.screen.query_one("#cmp-kpis", DataTable)
        row = table.get_row_at(1)
        assert str(row[0]) == "won by week 52" and str(row[3]).startswith("+")
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)


async def test_compare_with_another_file(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]
) -> None:
    other = copy_journey("tobe-example.toml")
    app = make_app(copy_journey("asis-example.toml"))
    async with app.run_test(size=SIZE) as pilot:
        app.action_compare_file()
        await answer_prompt(pilot, str(other))
        await workers_done(pilot)
        assert isinstance(app.screen, CompareScreen)
        assert isinstance(app.screen, CompareScreen)
        won = next(r for r in app.screen.comparison.rows if r.key == "won")
        # the full model's gain, as `journeytui compare` gives it (the plain chains said +249.1)
        assert app.journey is not None
        cli = compare(app.journey, load_journey(other), runs=app.sim_runs, seed=0)
        assert won.delta == pytest.approx(next(r for r in cli.rows if r.key == "won").delta)
        assert won.delta != pytest.approx(249.1, abs=1)


async def test_report_from_the_palette_action(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp], tmp_path: Path
) -> None:
    app = make_app(copy_journey("sme-four-steps.toml"))
    async with app.run_test(size=SIZE) as pilot:
        app.selection = ("transitions", 0)
        await pilot.press("plus")
        app.action_report()
        await answer_prompt(pilot, str(tmp_path / "out.md"))
        await workers_done(pilot)  # written by a worker
        assert (tmp_path / "out.md").exists()
        text = (tmp_path / "out.md").read_text(encoding="utf-8")
        assert text.startswith("# 中小企業のリードナーチャリング")
        assert "## Comparison: saved vs now (week 104)" in text
        assert f"## Forecast (full model: Monte Carlo means, {app.sim_runs} runs, seed 0)" in text


async def test_workshop_playback_and_scenarios(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp], tmp_path: Path
) -> None:
    app = make_app(copy_journey("asis-example.toml"))
    copy_journey("tobe-example.toml")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        await workers_done(pilot)  # forecasts in a worker
        assert isinstance(app.screen, WorkshopScreen)
        screen = app.screen
        assert isinstance(screen, WorkshopScreen)
        assert [s.label for s in screen.scenarios] == ["asis-example.toml (now)", "tobe-example.toml"]
        # each scenario plays its full model: the Monte Carlo run's mean weekly flows
        for sc in screen.scenarios:
            fc = full_forecast(sc.journey, weeks=104, runs=app.sim_runs, seed=0)
            assert sc.forecast.engine == "monte_carlo" and sc.flows is sc.forecast.weekly
            assert float(sc.forecast.won[-1]) == pytest.approx(float(fc.won[-1]))
        await pilot.press("right", "right", "right")
        assert screen.week == 3
        fc = screen.scenario.forecast
        assert "Week 3:" in str(screen.query_one("#ws-ticker").render())
        await pilot.press("tab")
        assert screen.current == 1 and screen.week == 3
        assert screen.scenario.forecast is not fc
        await pilot.press("left", "home")
        assert screen.week == 0
        await pilot.press("plus", "plus", "space")
        assert screen.playing and screen.speed == 4
        await pilot.pause(0.6)
        await pilot.press("space")
        assert not screen.playing and screen.week >= 1
        await pilot.press("x")
        assert list((tmp_path / "work").glob("*.svg"))
        await pilot.press("escape")
        assert not isinstance(app.screen, WorkshopScreen)


async def test_broken_file_has_no_forecast_and_no_crash(tmp_path: Path, make_app: Callable[..., JourneyApp]) -> None:
    path = tmp_path / "work" / "broken.toml"
    path.write_text("[journey\n", encoding="utf-8")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.shown is None
        assert "No forecast" in strip_text(app)
        await pilot.press("6", "r", "c", "w")
        assert app.sim_result is None


def test_charts_downsample_and_refuse_tiny_panels() -> None:
    assert list(sample_columns(53, 100)) == list(range(53))
    cols = sample_columns(105, 20)
    assert len(cols) == 20 and cols[0] == 0 and cols[-1] == 104
    series = np.linspace(0, 10, 53)[:, None] * np.ones((1, 2))
    text = small_multiples(["a", "b"], series, 60)
    assert isinstance(text, Text) and text.plain.count("\n") == 2
    assert all(len(line) <= 60 for line in text.plain.splitlines())
    with pytest.raises(ChartError):
        small_multiples(["a"], series[:, :1], 20)
    with pytest.raises(ChartError):
        band_chart(series[:, 0], series[:, 0], series[:, 0], 60, height=2)
