"""The app against hostile and large journeys (issue 8, points 4 and 7), through the pilot.

- A small file whose forecast would need tens of GiB (six fixed stalls of 10,000 weeks):
  the app opens, says "No forecast: ..." and stays fully usable (edit, undo, save).
- A forecast that fails in an unexpected way, or a worker that raises: a message, never a
  crash, never "updating…" forever.
- An inspector edit that makes the forecast explode keeps the edit.
- A 2,000-stage journey opens, and keys and edits are handled while the forecast worker is
  still busy (the forecast is made to wait on an Event the test releases).
- A 300-stage journey's problems come from the app's child process and are those this
  process finds, with the file's line numbers as loaded, after an edit, an undo and a save.

The engine's refusal before allocating (ResourceLimit) is the domain's job; here the
engine entry the app calls is wrapped to refuse the way it does, so these tests never
allocate the bomb.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_helpers import settle

from journeytui.model import edit
from journeytui.model.types import Journey
from journeytui.session import forecast as live_state
from journeytui.sim.errors import ResourceLimit
from journeytui.sim.headline import full_forecast
from journeytui.sim.live import live_forecast
from journeytui.tui import forecasting
from journeytui.tui.app import JourneyApp
from journeytui.tui.offload import Offload
from journeytui.tui.widgets.forecast import ForecastStrip
from journeytui.tui.widgets.graph import JourneyGraph
from journeytui.tui.widgets.inspector import FieldInput, Inspector

SIZE = (100, 32)
HUGE_WEEKS = 1000
"""Stalls at least this long stand in for a forecast the engine refuses (ResourceLimit)."""


def bomb_text() -> str:
    """About 1 KB: six open stages, each with a fixed stall of 10,000 weeks."""
    parts = ['[journey]\nid = "bomb"\ntitle = "Bomb"\nhorizon = 52\n\n[population.initial]\ns0 = 100\n']
    for i in range(6):
        entry = "entry = true\n" if i == 0 else ""
        parts.append(f'\n[[stages]]\nid = "s{i}"\nname = "S{i}"\n{entry}')
    parts.append('\n[[stages]]\nid = "won"\nname = "Won"\nkind = "won"\n')
    for i in range(6):
        to = f"s{i + 1}" if i < 5 else "won"
        parts.append(f'\n[[transitions]]\nfrom = "s{i}"\nto = "{to}"\nprobability = 0.1\n')
    for i in range(6):
        parts.append(
            f'\n[[stalls]]\nstage = "s{i}"\nprobability = 0.5\nduration.kind = "fixed"\n'
            f'duration.weeks = 10000\ncause = "hold"\n'
        )
    return "".join(parts)


def large_text(n: int) -> str:
    """A chain of ``n`` open stages, each with a drop-out to lost, regressions and stalls, then won."""
    parts = ['[journey]\nid = "large"\ntitle = "Large"\nhorizon = 52\n\n[population.initial]\ns0 = 1000\n']

    def phase(k: int) -> str:  # phases go up to 1000 (E105): a longer chain is laid out by file position
        return f"phase = {k}\n" if n + 1 <= 1000 else ""

    for i in range(n):
        entry = "entry = true\n" if i == 0 else ""
        parts.append(f'\n[[stages]]\nid = "s{i}"\nname = "Stage {i}"\n{phase(i + 1)}{entry}')
    parts.append(f'\n[[stages]]\nid = "won"\nname = "Won"\nkind = "won"\n{phase(n + 1)}')
    parts.append(f'\n[[stages]]\nid = "lost"\nname = "Lost"\nkind = "lost"\n{phase(n + 1)}')
    for i in range(n):
        to = f"s{i + 1}" if i + 1 < n else "won"
        parts.append(f'\n[[transitions]]\nfrom = "s{i}"\nto = "{to}"\nprobability = 0.1\n')
        parts.append(f'\n[[transitions]]\nfrom = "s{i}"\nto = "lost"\nprobability = 0.01\n')
        if i >= 2 and i % 3 == 0:
            parts.append(f'\n[[transitions]]\nfrom = "s{i}"\nto = "s{i - 2}"\nprobability = 0.02\n')
    for i in range(0, n, 5):
        parts.append(
            f'\n[[stalls]]\nstage = "s{i}"\nprobability = 0.02\nduration.kind = "fixed"\n'
            f'duration.weeks = 4\ncause = "hold"\n'
        )
    return "".join(parts)


def refusing(journey: Journey, *args: object, **kwargs: object) -> object:
    """The live forecast, refusing like the engine does when a stall is absurdly long."""
    if any(s.duration.kind == "fixed" and (s.duration.weeks or 0) >= HUGE_WEEKS for s in journey.stalls):
        raise ResourceLimit(
            "the exact forecast would need 26.8 GiB", "shorten the stalls (duration.weeks) or the horizon"
        )
    return full_forecast(journey, *args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def engine_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_state, "full_forecast", refusing)


def strip_text(app: JourneyApp) -> str:
    return str(app.query_one(ForecastStrip).render())


def notes(app: JourneyApp) -> list[str]:
    """Every notification the app showed (they expire after seconds; a busy test machine is slower)."""
    return list(app.told)  # type: ignore[attr-defined]


def make_told(make_app: Callable[..., JourneyApp]) -> Callable[..., JourneyApp]:
    def _make(path: Path) -> JourneyApp:
        app = make_app(path)
        told: list[str] = []
        notify = app.notify

        def spy(message: str, **kwargs: object) -> None:
            told.append(message)
            notify(message, **kwargs)  # type: ignore[arg-type]

        app.notify = spy  # type: ignore[method-assign]
        app.told = told  # type: ignore[attr-defined]
        return app

    return _make


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 60.0) -> None:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, "timed out"
        await pilot.pause(0.02)


async def test_bomb_opens_says_no_forecast_and_stays_usable(
    tmp_path: Path, make_app: Callable[..., JourneyApp], engine_refuses: None
) -> None:
    path = tmp_path / "work" / "bomb.toml"
    path.write_text(bomb_text(), encoding="utf-8")
    assert len(path.read_bytes()) < 2048
    app = make_told(make_app)(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.journey is not None and len(app.journey.stalls) == 6
        assert app.shown is None
        assert strip_text(app).startswith("No forecast: the exact forecast would need 26.8 GiB")
        assert "shorten the stalls" in strip_text(app)
        assert any(m.startswith("No forecast:") for m in notes(app))
        await pilot.press("6")  # the Forecast tab says it too
        await pilot.pause()
        assert "No forecast:" in str(app.query_one("#fc-note").render())
        await pilot.press("1")
        # still editable: an edit, its undo, its redo and a save all work
        app.apply("rename", lambda j: edit.set_field(j, ("journey", "title"), "Defused"))
        assert app.doc.dirty and app.journey.journey.title == "Defused"
        await pilot.press("ctrl+z")
        assert app.journey.journey.title == "Bomb" and not app.doc.dirty
        await pilot.press("ctrl+y")
        assert app.journey.journey.title == "Defused"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert 'title = "Defused"' in path.read_text(encoding="utf-8")
        assert not app.doc.dirty
        assert strip_text(app).startswith("No forecast:")


async def test_defusing_the_bomb_brings_the_forecast_back(
    tmp_path: Path, make_app: Callable[..., JourneyApp], engine_refuses: None
) -> None:
    path = tmp_path / "work" / "bomb.toml"
    path.write_text(bomb_text(), encoding="utf-8")
    app = make_told(make_app)(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.shown is None
        for i in range(6):
            app.apply(f"stall {i}", lambda j, i=i: edit.set_field(j, ("stalls", i, "duration", "weeks"), 4))
        await settle(pilot)
        assert app.shown is not None and app.shown.journey is app.journey
        assert strip_text(app).startswith("Week 52: won")


async def test_inspector_edit_that_explodes_the_forecast_keeps_the_edit(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp], engine_refuses: None
) -> None:
    path = copy_journey("b2b-it-tool.toml")
    app = make_told(make_app)(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.shown is not None
        j = app.journey
        assert j is not None
        fixed = next(i for i, s in enumerate(j.stalls) if s.duration.kind == "fixed")
        app.selection = ("stalls", fixed)
        await pilot.pause()
        weeks = next(
            w
            for w in app.query_one(Inspector)._editors
            if w.field.path[-1] == "weeks"  # type: ignore[attr-defined]
        )
        assert isinstance(weeks, FieldInput)
        weeks.focus()
        weeks.value = "10000"
        await pilot.press("enter")
        await settle(pilot)
        assert app.journey is not None and app.journey.stalls[fixed].duration.weeks == 10000
        assert app.doc.dirty and app.is_running
        assert strip_text(app).startswith("No forecast: the exact forecast would need")
        await pilot.press("ctrl+s")  # the edit is saved like any other
        await settle(pilot)
        assert "duration.weeks = 10000" in path.read_text(encoding="utf-8")
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert app.shown is not None and strip_text(app).startswith("Week 52: won")


async def test_unexpected_engine_error_is_a_message_not_a_crash(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(journey: Journey, *args: object, **kwargs: object) -> object:
        raise RuntimeError("engine exploded")

    app = make_told(make_app)(copy_journey("b2b-it-tool.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(live_state, "full_forecast", broken)
        app.apply("p", lambda j: edit.set_field(j, ("transitions", 0, "probability"), 0.2))
        await settle(pilot)
        assert strip_text(app).startswith("No forecast: RuntimeError: engine exploded")
        assert any("engine exploded" in m for m in notes(app))
        await pilot.press("down")
        assert app.selection == ("stages", 1)
        monkeypatch.undo()
        app.apply("p", lambda j: edit.set_field(j, ("transitions", 0, "probability"), 0.3))
        await settle(pilot)
        assert app.shown is not None and app.shown.journey is app.journey


async def test_a_worker_that_raises_never_stays_updating(
    copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forecast worker itself fails (not the engine): Worker.StateChanged ERROR is handled."""

    def failing(*args: object, **kwargs: object) -> object:
        raise ValueError("cannot build the result")

    app = make_told(make_app)(copy_journey("b2b-it-tool.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(forecasting, "ForecastReady", failing)
        app.apply("p", lambda j: edit.set_field(j, ("transitions", 0, "probability"), 0.2))
        await settle(pilot)
        assert not app.forecast_pending
        assert "No forecast: internal error (ValueError: cannot build the result)" in strip_text(app)
        assert any("cannot build the result" in m for m in notes(app))
        monkeypatch.undo()
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert app.shown is not None and strip_text(app).startswith("Week 52: won")


@pytest.fixture
def held_forecast(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The live forecast of a large journey (computed in the app's child process) waits until
    the test sets the event, then is computed for real."""
    release = threading.Event()
    real = Offload.call

    def held(self: Offload, kind: str, journey: Journey, *args: object, **kwargs: object) -> object:
        if kind == "live":
            release.wait(120)
        return real(self, kind, journey, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Offload, "call", held)
    yield release
    release.set()


async def test_large_journey_opens_and_edits_while_the_forecast_runs(
    tmp_path: Path, make_app: Callable[..., JourneyApp], held_forecast: threading.Event
) -> None:
    n = 2000
    path = tmp_path / "work" / "large.toml"
    path.write_text(large_text(n), encoding="utf-8")
    app = make_told(make_app)(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        graph = app.query_one(JourneyGraph)
        assert ("stages", 0) in graph.canvas.regions and ("stages", n - 1) in graph.canvas.regions
        assert graph.canvas.height > 3 * n  # every stage has its band, drawn only when shown
        assert app.forecast_pending and "updating…" in strip_text(app)
        # the forecast worker is blocked: keys and edits still go through
        await pilot.press("down", "down")
        assert app.selection == ("stages", 2)
        await pilot.press("right")
        selected = app.selection
        assert selected is not None and selected[0] == "transitions"
        before = app.journey.transitions[int(selected[1])].probability  # type: ignore[union-attr]
        # 2,002 stages to choose from: the inspector types the reference instead of a huge drop-down
        to = next(w for w in app.query_one(Inspector)._editors if w.field.path[-1] == "to")  # type: ignore[attr-defined]
        assert isinstance(to, FieldInput) and to.value.startswith("s")
        await pilot.press("plus")
        assert app.journey.transitions[int(selected[1])].probability == pytest.approx(before + 0.01)  # type: ignore[union-attr]
        assert app.doc.dirty and app.forecast_pending
        await pilot.press("end")  # scrolling to the far end draws only the rows shown
        await pilot.press("ctrl+z")
        assert app.journey.transitions[int(selected[1])].probability == pytest.approx(before)  # type: ignore[union-attr]
        await pilot.press("ctrl+y")
        held_forecast.set()
        await wait_until(pilot, lambda: not app.forecast_pending)
        assert app.shown is not None and app.shown.journey is app.journey
        expected = live_forecast(app.journey)  # type: ignore[arg-type]
        assert float(app.shown.forecast.won[-1]) == pytest.approx(float(expected.won[-1]))
        assert "updating…" not in strip_text(app)


def test_large_graph_layout_has_stubs_for_the_hub(tmp_path: Path) -> None:
    """Every stage drops out to "lost": lost is a hub, its edges are stubs, not 2,000 lanes."""
    from journeytui.model.load import load_text
    from journeytui.tui.graph_layout import MAX_LANES, JourneyCanvas, layout

    j = load_text(large_text(2000)).journey
    assert j is not None
    canvas = layout(j)
    assert isinstance(canvas, JourneyCanvas)
    assert canvas.width < 100 + 2 * 2 * MAX_LANES
    lost = next(i for i, s in enumerate(j.stages) if s.id == "lost")
    _x, _y, _w, h = canvas.regions[("stages", lost)]
    assert h <= 5  # no port row per incoming edge
    drop = next(i for i, t in enumerate(j.transitions) if (t.from_, t.to) == ("s1000", "lost"))
    x, y, _w, _h = canvas.regions[("transitions", drop)]
    row = "".join(canvas.row(y)[0])
    assert "▶ lost" in row and "1%" in row
    assert canvas.hit_at(x + 1, y) == ("transitions", drop)


async def test_many_problems_show_500_rows_and_an_edit_rewrites_only_the_changed_row(
    tmp_path: Path, make_app: Callable[..., JourneyApp]
) -> None:
    from journeytui.tui.widgets.problems import MAX_ROWS, ProblemsPanel

    n = 1560  # every third stage from s3 regresses without a cause: 519 warnings (W102)
    path = tmp_path / "work" / "many.toml"
    text = re.sub(r"phase = \d+\n", "", large_text(n))  # no phases: file order ranks the stages
    path.write_text(text, encoding="utf-8")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = app.query_one(ProblemsPanel)
        assert [d.code for d in panel.diagnostics] == ["W102"] * 519
        assert panel.row_count == MAX_ROWS + 1
        assert "19 more problems" in str(panel.get_row_at(MAX_ROWS)[3])
        keys = [row.key for row in panel.ordered_rows]
        for old, new in (("s1", "first"), ("first", "origin")):
            assert app.apply("rename", lambda j, old=old, new=new: edit.rename(j, "stage", old, new))
            await settle(pilot)
            row = next(i for i, d in enumerate(panel.diagnostics) if f"s3 -> {new} " in d.message)
            assert f"s3 -> {new} " in str(panel.get_row_at(row)[3])
            assert [r.key for r in panel.ordered_rows] == keys  # updated in place, not rebuilt
            assert "19 more problems" in str(panel.get_row_at(MAX_ROWS)[3])
        # f8 walks the rows shown, never past them
        await pilot.press("5")
        panel.move_cursor(row=MAX_ROWS - 1)
        await pilot.press("f8")
        assert panel.cursor_row == 0


async def test_large_journey_problems_come_from_the_child_and_follow_edits(
    tmp_path: Path, make_app: Callable[..., JourneyApp]
) -> None:
    from journeytui.tui.widgets.problems import ProblemsPanel

    n = 300  # 300 stages, 700 transitions, 60 stalls: large; regressions without a cause (W102)
    path = tmp_path / "work" / "large.toml"
    path.write_text(large_text(n), encoding="utf-8")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.query_one(ProblemsPanel)
        await settle(pilot)
        assert app.offload._process is not None  # computed there, not in this process
        loaded = app.doc.diagnostics()  # the same checks, here
        codes = [d.code for d in panel.diagnostics]
        assert panel.diagnostics == loaded
        assert codes == ["W102"] * 99  # s3, s6, ... s297 go back two stages without a cause
        assert all(d.line > 1 for d in loaded)  # the file's own line numbers
        assert panel.row_count == 99 and panel.border_title == "Problems: 0 errors, 99 warnings"
        # an edit: the child is sent the change, its answer is this process's
        regression = app.journey.transitions[8]  # type: ignore[union-attr]
        assert (regression.from_, regression.to, regression.cause) == ("s3", "s1", "")
        assert app.apply("cause", lambda j: edit.set_field(j, ("transitions", 8, "cause"), "rework"))
        assert app.checks_pending and panel.border_title == "Problems: checking…"
        await settle(pilot)
        assert panel.diagnostics == app.doc.diagnostics()
        assert [d.code for d in panel.diagnostics].count("W102") == codes.count("W102") - 1
        await pilot.press("ctrl+z")  # back to the journey as loaded: its line numbers again
        await settle(pilot)
        assert panel.diagnostics == loaded
        await pilot.press("ctrl+y", "ctrl+s")  # saved: the child reads the new text for its lines
        await settle(pilot)
        assert not app.doc.dirty and 'cause = "rework"' in path.read_text(encoding="utf-8")
        saved = app.doc.diagnostics()
        assert panel.diagnostics == saved and len(saved) == 98
        assert all(d.line > 1 for d in saved)  # the saved file's line numbers
