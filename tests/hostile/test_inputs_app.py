"""``journeytui edit`` on hostile paths: the app opens (headless, by the pilot), shows the problem, writes nothing.

Opening a fifo used to block the app before its first frame. Each test runs under an
alarm, so a blocking read fails the test instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from inputs_helpers import BUILDERS, HANG, Case, build

from journeytui.tui.app import JourneyApp, create_app
from journeytui.tui.widgets.problems import ProblemsPanel

SIZE = (100, 32)


@pytest.fixture(autouse=True)
def _bundled_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repo_root: Path) -> None:
    """The app's bundled journeys come from a copy, and the working folder is temporary."""
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    for f in (repo_root / "journeys").glob("*.toml"):
        shutil.copy(f, bundled / f.name)
    monkeypatch.setenv("JOURNEYTUI_JOURNEYS", str(bundled))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail, rather than hang, when something blocks (SIGALRM interrupts a blocking open or read)."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"the app was still busy after {HANG:.0f} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(int(HANG))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run(app: JourneyApp, scenario: Callable[..., Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await scenario(pilot)

    asyncio.run(main())


def _state(path: str) -> tuple[int, bytes]:
    st = os.lstat(path)
    regular = os.path.isfile(path) and not os.path.islink(path) and st.st_size < 1024 * 1024
    return st.st_mode, Path(path).read_bytes() if regular else b""


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_the_app_opens_a_hostile_path_and_shows_why(name: str, tmp_path: Path, deadline: None) -> None:
    case: Case = build(name, tmp_path)
    before = _state(case.path)
    app = create_app(case.path, watch_file=False)

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        problems = app.query_one(ProblemsPanel).diagnostics
        ours = [d for d in problems if d.code == case.code]
        assert ours, problems
        assert case.message in ours[0].message
        assert ours[0].file == case.path
        if case.where is not None:
            assert (ours[0].line, ours[0].column) == case.where
        if case.code != "E101":
            assert app.doc.broken and app.journey is None
        await pilot.press("ctrl+s")  # saving is refused: nothing is written over what is there
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()

    _run(app, scenario)
    assert _state(case.path) == before


def test_a_fifo_swapped_in_for_the_open_file_is_noticed_without_blocking(
    tmp_path: Path, repo_root: Path, deadline: None
) -> None:
    """Someone replaces the open journey by a fifo: the on-disk check and ctrl+r say so, and never block."""
    path = tmp_path / "journey.toml"
    shutil.copy(repo_root / "journeys" / "aidma.toml", path)
    app = create_app(path, watch_file=False)

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        assert app.journey is not None
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        os.replace(fifo, path)
        assert app.doc.changed_on_disk()
        app.check_disk()  # what focus and the timer call in the real app: no edits, so it reloads
        await pilot.pause()
        assert app.journey is None
        problems = app.query_one(ProblemsPanel).diagnostics
        assert [(d.code, d.file) for d in problems] == [("E002", str(path))], problems
        assert "named pipe (fifo)" in problems[0].message
        await pilot.press("ctrl+r")  # reloading by hand says the same, and does not block either
        await pilot.pause()
        assert [d.code for d in app.query_one(ProblemsPanel).diagnostics] == ["E002"]
        await pilot.press("ctrl+q")
        await pilot.pause()

    _run(app, scenario)
