"""Hostile saves: a read-only journey (chmod 0444) is never overwritten without asking.

Tests run as root here, and root may write anything: "read-only" means the mode has no
write bit, which is what the save path checks. The app is driven with the Textual pilot.
"""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from two_stage import two_stage

from journeytui.model import edit, load_file
from journeytui.model.save import ReadOnlyFile, atomic_write, is_read_only
from journeytui.tui.app import create_app
from journeytui.tui.screens.dialogs import ConfirmScreen

JOURNEY = two_stage("ro", "Read-only", "read-only on purpose: the approved version")


@pytest.fixture
def read_only(tmp_path: Path) -> Path:
    path = tmp_path / "approved.toml"
    path.write_text(JOURNEY, encoding="utf-8")
    path.chmod(0o444)
    assert is_read_only(path)
    return path


def test_atomic_write_refuses_a_read_only_file_unless_allowed(read_only: Path) -> None:
    with pytest.raises(ReadOnlyFile):
        atomic_write(read_only, "x = 1\n")
    assert read_only.read_text(encoding="utf-8") == JOURNEY
    atomic_write(read_only, "x = 1\n", allow_read_only=True)
    assert read_only.read_text(encoding="utf-8") == "x = 1\n"
    assert stat.S_IMODE(read_only.stat().st_mode) == 0o444  # still read-only afterwards


def test_a_hard_linked_read_only_file_is_overwritten_in_place_when_allowed(read_only: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias.toml"
    alias.hardlink_to(read_only)
    atomic_write(read_only, "x = 2\n", allow_read_only=True)
    assert alias.read_text(encoding="utf-8") == "x = 2\n"
    assert stat.S_IMODE(read_only.stat().st_mode) == 0o444


async def _edit_and_ctrl_s(path: Path, answers: list[str]) -> tuple[list[bool], bool]:
    """Edit the probability, press ctrl+s once per answer and answer the dialog; return whether a
    dialog was up each time, and whether the app still has unsaved changes at the end."""
    app = create_app(path, watch_file=False)
    asked = []
    async with app.run_test(size=(100, 32)) as pilot:
        app.apply("set", lambda j: edit.set_field(j, ("transitions", 0, "probability"), 0.3))
        await pilot.pause()
        for answer in answers:
            await pilot.press("ctrl+s")
            await pilot.pause()
            asked.append(isinstance(app.screen, ConfirmScreen))
            if asked[-1]:
                await pilot.press(answer)
                await pilot.pause()
        dirty = app.doc.dirty
    return asked, dirty


def test_the_app_asks_before_overwriting_a_read_only_journey(read_only: Path) -> None:
    asked, dirty = asyncio.run(_edit_and_ctrl_s(read_only, ["n"]))
    assert asked == [True] and dirty
    assert read_only.read_text(encoding="utf-8") == JOURNEY  # "no" wrote nothing

    asked, dirty = asyncio.run(_edit_and_ctrl_s(read_only, ["y"]))
    assert asked == [True] and not dirty
    j = load_file(read_only).journey
    assert j is not None and j.transitions[0].probability == 0.3
    assert "# read-only on purpose" in read_only.read_text(encoding="utf-8")
    assert stat.S_IMODE(read_only.stat().st_mode) == 0o444  # it stays read-only


def test_the_app_does_not_ask_for_a_writable_journey(tmp_path: Path) -> None:
    path = tmp_path / "writable.toml"
    path.write_text(JOURNEY, encoding="utf-8")
    asked, dirty = asyncio.run(_edit_and_ctrl_s(path, ["y"]))
    assert asked == [False] and not dirty


def test_saving_an_unchanged_read_only_journey_writes_nothing_and_asks_nothing(read_only: Path) -> None:
    async def scenario() -> bool:
        app = create_app(read_only, watch_file=False)
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.press("ctrl+s")
            await pilot.pause()
            return isinstance(app.screen, ConfirmScreen)

    assert asyncio.run(scenario()) is False
    assert read_only.read_text(encoding="utf-8") == JOURNEY
