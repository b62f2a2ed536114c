"""Fixtures for the app tests: journeys copied to tmp_path, and an app factory without file watching.

The pilot tests are ``async def``: pytest-asyncio runs each in a fresh event loop (asyncio_mode
= "auto" in pyproject.toml).

Nothing here writes outside tmp_path: bundled journeys are copied into a temporary
"bundled" folder (JOURNEYTUI_JOURNEYS) and tests run in a temporary working folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from journeytui.tui.app import JourneyApp, create_app

REPO = Path(__file__).resolve().parents[2]
JOURNEYS = REPO / "journeys"
SIZE = (100, 32)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bundled journeys come from a copy; the working folder is temporary."""
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    for f in JOURNEYS.glob("*.toml"):
        shutil.copy(f, bundled / f.name)
    monkeypatch.setenv("JOURNEYTUI_JOURNEYS", str(bundled))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture
def copy_journey(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a bundled journey into the working folder (a user's file, not a bundled one)."""

    def _copy(name: str) -> Path:
        target = tmp_path / "work" / name
        shutil.copy(JOURNEYS / name, target)
        return target

    return _copy


FAST_RUNS = 2
"""Monte Carlo runs of the app's full-model forecasts in tests (the app's default is 20; a test of
the default settings makes its app with create_app). Fewer runs keep the suite fast (each edit
forecasts again, and key presses wait for it); the figures are still the full model's, for these
runs and seed, and the tests compare them with the library's at ``app.sim_runs``. Snapshot tests
set their own (the screen shows the figures)."""


@pytest.fixture
def make_app() -> Callable[..., JourneyApp]:
    def _make(path: Path | str | None = None) -> JourneyApp:
        app = create_app(path, watch_file=False)
        app.sim_runs = FAST_RUNS
        return app

    return _make


@pytest.fixture
def flagship(copy_journey: Callable[[str], Path], make_app: Callable[..., JourneyApp]) -> JourneyApp:
    """The app on a user's copy of the flagship journey (b2b-it-tool.toml, in the working folder:
    saved in place, never a bundled file), as most app tests start; its path is ``app.doc.path``."""
    return make_app(copy_journey("b2b-it-tool.toml"))
