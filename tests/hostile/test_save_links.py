"""Hostile saves: symlinks, hard links, owners, modes, interrupted saves and their temporary files.

Every file is made at run time in tmp_path. Saves go through tui.document.Document (the app's
save path) or `journeytui fmt`; the checks read inodes, modes, owners and bytes on disk.
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat
import time
from pathlib import Path

import pytest
from two_stage import two_stage

from journeytui.cli import main
from journeytui.model import edit, load_file
from journeytui.model.save import STALE_TEMP_SECONDS, atomic_write
from journeytui.tui.app import create_app
from journeytui.tui.document import Document

COMMENTED = two_stage("links", "Links", "kept by every save")

NOT_CANONICAL = COMMENTED.removeprefix("# kept by every save\n").replace(
    'id = "lead"\nname = "Lead"', 'name = "Lead"\nid = "lead"'
)


def save_with_edit(path: Path, probability: float = 0.3) -> Document:
    doc = Document.open(path)
    assert doc.history is not None
    doc.history.apply("set", lambda j: edit.set_field(j, ("transitions", 0, "probability"), probability))
    doc.save()
    return doc


def probability(path: Path) -> float:
    j = load_file(path).journey
    assert j is not None
    return j.transitions[0].probability


def fmt(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["fmt", *argv])
    return code, capsys.readouterr().err


@pytest.fixture
def real(tmp_path: Path) -> Path:
    folder = tmp_path / "real"
    folder.mkdir()
    path = folder / "journey.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    return path


# -- symlinks ------------------------------------------------------------------------------------
@pytest.mark.parametrize("relative", [True, False])
def test_saving_a_symlinked_journey_writes_the_target_and_keeps_the_link(
    real: Path, tmp_path: Path, relative: bool
) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(os.path.relpath(real, tmp_path) if relative else real)
    target_before = os.readlink(link)
    save_with_edit(link)
    assert link.is_symlink() and os.readlink(link) == target_before
    assert probability(real) == 0.3  # the real file changed ...
    assert "# kept by every save" in real.read_text(encoding="utf-8")
    assert [p.name for p in real.parent.iterdir()] == ["journey.toml"]  # ... with no temporary file left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.toml", "real"]


def test_a_chain_of_symlinks_is_followed_to_the_end(real: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    second.symlink_to(real)
    first.symlink_to(second)
    save_with_edit(first)
    assert first.is_symlink() and second.is_symlink() and probability(real) == 0.3


def test_a_symlink_loop_is_refused_without_a_traceback(tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(OSError) as info:
        atomic_write(a, "x = 1\n")
    assert info.value.errno == errno.ELOOP
    assert a.is_symlink() and b.is_symlink()


def test_fmt_writes_through_a_symlink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real.toml"
    real.write_text(NOT_CANONICAL, encoding="utf-8")
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    code, err = fmt([str(link)], capsys)
    assert code == 0, err
    assert link.is_symlink()
    assert 'id = "lead"\nname = "Lead"' in real.read_text(encoding="utf-8")


# -- hard links, owner, mode -------------------------------------------------------------------
def test_a_hard_linked_journey_is_written_in_place_so_every_link_sees_it(real: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-name.toml"
    os.link(real, other)
    inode = real.stat().st_ino
    save_with_edit(real)
    assert real.stat().st_ino == inode and other.stat().st_ino == inode and real.stat().st_nlink == 2
    assert probability(other) == 0.3
    assert other.read_bytes() == real.read_bytes()
    assert [p.name for p in real.parent.iterdir()] == ["journey.toml"]


def test_fmt_keeps_hard_links(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "j.toml"
    path.write_text(NOT_CANONICAL, encoding="utf-8")
    os.link(path, tmp_path / "alias.toml")
    code, err = fmt([str(path)], capsys)
    assert code == 0, err
    assert (tmp_path / "alias.toml").read_text(encoding="utf-8") == path.read_text(encoding="utf-8") != NOT_CANONICAL


def test_a_failed_in_place_write_puts_the_old_bytes_back(
    real: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.link(real, tmp_path / "other.toml")
    before = real.read_bytes()
    calls: list[int] = []
    truncate = os.ftruncate

    def full_disk(fd: int, length: int) -> None:
        calls.append(length)
        if len(calls) == 1:  # the new text's truncate fails; putting the old bytes back works
            raise OSError(errno.ENOSPC, "No space left on device")
        truncate(fd, length)

    monkeypatch.setattr(os, "ftruncate", full_disk)
    doc = Document.open(real)
    assert doc.history is not None
    doc.history.apply("set", lambda j: edit.set_field(j, ("transitions", 0, "probability"), 0.3))
    with pytest.raises(OSError):
        doc.save()
    assert real.read_bytes() == before and doc.dirty
    assert sorted(p.name for p in real.parent.iterdir()) == ["journey.toml"]


def test_mode_and_owner_are_kept(real: Path) -> None:
    real.chmod(0o640)
    if os.geteuid() == 0:  # only root can give a file to someone else; then the save must keep it
        os.chown(real, 12345, 54321)
    owner = (real.stat().st_uid, real.stat().st_gid)
    save_with_edit(real)
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert (real.stat().st_uid, real.stat().st_gid) == owner


def test_an_owner_that_cannot_be_kept_does_not_stop_the_save(real: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def not_allowed(fd: int, uid: int, gid: int) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", not_allowed)
    save_with_edit(real)
    assert probability(real) == 0.3


# -- interrupted saves and temporary files ----------------------------------------------------
def test_an_interrupted_save_leaves_the_file_and_no_temporary_file(real: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # ctrl+c at the worst moment, before the rename

    monkeypatch.setattr(os, "replace", crash)
    doc = Document.open(real)
    assert doc.history is not None
    doc.history.apply("set", lambda j: edit.set_field(j, ("transitions", 0, "probability"), 0.3))
    with pytest.raises(KeyboardInterrupt):
        doc.save()
    assert real.read_text(encoding="utf-8") == COMMENTED
    assert [p.name for p in real.parent.iterdir()] == ["journey.toml"]


def make_temp(folder: Path, name: str, age: float) -> Path:
    path = folder / name
    path.write_text("half a journey", encoding="utf-8")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_stale_temporary_files_of_the_same_journey_are_removed_on_the_next_save(real: Path) -> None:
    folder = real.parent
    stale = make_temp(folder, ".journey.toml.ab12_x9z.tmp", STALE_TEMP_SECONDS + 60)
    live = make_temp(folder, ".journey.toml.cd34efgh.tmp", 5)  # maybe another save right now: kept
    other_file = make_temp(folder, ".other.toml.ab12_x9z.tmp", STALE_TEMP_SECONDS + 60)  # not this journey's
    not_ours = make_temp(folder, ".journey.toml.my-notes.tmp", STALE_TEMP_SECONDS + 60)  # not our pattern
    save_with_edit(real)
    assert not stale.exists()
    assert live.exists() and other_file.exists() and not_ours.exists()


def test_fmt_removes_stale_temporary_files_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "j.toml"
    path.write_text(NOT_CANONICAL, encoding="utf-8")
    stale = make_temp(tmp_path, ".j.toml.zz99yy88.tmp", STALE_TEMP_SECONDS + 1)
    code, err = fmt([str(path)], capsys)
    assert code == 0, err
    assert not stale.exists()


def test_a_new_file_through_a_dangling_symlink_is_created_at_the_target(tmp_path: Path) -> None:
    target = tmp_path / "later.toml"
    link = tmp_path / "link.toml"
    link.symlink_to(target)
    atomic_write(link, "x = 1\n")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "x = 1\n"


def test_writing_to_a_pipe_writes_into_it_and_never_replaces_it(tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    read_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so that opening for writing does not block
    try:
        atomic_write(fifo, "report\n")
        assert os.read(read_fd, 100) == b"report\n"
    finally:
        os.close(read_fd)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.fifo"]


def test_in_the_app_ctrl_s_on_a_symlinked_journey_writes_the_target(real: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(real)

    async def scenario() -> bool:
        app = create_app(link, watch_file=False)
        async with app.run_test(size=(100, 32)) as pilot:
            app.apply("set", lambda j: edit.set_field(j, ("transitions", 0, "probability"), 0.3))
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            return app.doc.dirty

    assert asyncio.run(scenario()) is False
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert probability(real) == 0.3 and "# kept by every save" in real.read_text(encoding="utf-8")
