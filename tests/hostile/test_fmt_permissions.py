"""Hostile `journeytui fmt`: read-only files and folders it cannot write get a message, not a traceback.

Tests run as root, which may write anywhere: a read-only file is one without write bits (what
fmt checks). A folder that refuses writes is tested for real by running fmt as an unprivileged
user (root drops to "nobody" for the subprocess), and in-process by making the temporary file's
creation fail with the PermissionError the kernel gives a normal user.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from journeytui.cli import main

NOT_CANONICAL = """\
[journey]
title = "Shuffled"
id = "shuffled"
horizon = 52

[[stages]]
name = "Lead"
id = "lead"
entry = true
"""


def files(folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        path = folder / name
        path.write_text(NOT_CANONICAL, encoding="utf-8")
        out.append(path)
    return out


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["fmt", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_read_only_file_is_refused_and_the_others_are_formatted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, locked, c = files(tmp_path, ["a.toml", "b-locked.toml", "c.toml"])
    locked.chmod(0o444)
    code, out, err = run([str(tmp_path)], capsys)
    assert code == 1
    assert f"{locked}: read-only file, not reformatted" in err
    assert "Traceback" not in err
    assert locked.read_text(encoding="utf-8") == NOT_CANONICAL
    assert a.read_text(encoding="utf-8") != NOT_CANONICAL and c.read_text(encoding="utf-8") != NOT_CANONICAL
    assert f"Reformatted: {a}" in out and f"Reformatted: {c}" in out
    assert "2 files reformatted, 0 already canonical, 1 skipped" in err


def test_check_and_diff_do_not_mind_read_only_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (locked,) = files(tmp_path, ["locked.toml"])
    locked.chmod(0o444)
    code, out, _ = run(["--check", str(locked)], capsys)
    assert code == 1 and f"Would reformat: {locked}" in out  # 1: it would change, as for any file


def test_a_folder_that_cannot_be_written_gives_a_message_per_file_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = files(tmp_path / "shared-readonly", ["x.toml", "y.toml"])
    (ok,) = files(tmp_path / "mine", ["z.toml"])
    mkstemp = tempfile.mkstemp

    def refuse_in_blocked(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if Path(kwargs["dir"]) == blocked[0].parent:
            raise PermissionError(errno.EACCES, "Permission denied", str(kwargs["dir"]))
        return mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse_in_blocked)
    code, out, err = run([str(tmp_path / "shared-readonly"), str(ok)], capsys)
    assert code == 1
    for path in blocked:
        assert f"{path}: cannot write: Permission denied" in err
        assert path.read_text(encoding="utf-8") == NOT_CANONICAL
    assert "Traceback" not in err
    assert f"Reformatted: {ok}" in out and ok.read_text(encoding="utf-8") != NOT_CANONICAL
    assert "1 file reformatted, 0 already canonical, 2 skipped" in err


def unprivileged() -> list[str] | None:
    """A command prefix that runs a program as a user the kernel refuses writes to a 0555
    folder ([] when we are not root already); None when this machine cannot do that."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import journeytui"], capture_output=True, timeout=120)
    return prefix if probe.returncode == 0 else None


def test_a_real_read_only_folder_as_an_unprivileged_user(tmp_path: Path) -> None:
    """The real door: `journeytui fmt` in a subprocess, a 0555 folder, a user the kernel refuses."""
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("cannot run Python as an unprivileged user here (the in-process test above covers it)")
    # "nobody" cannot enter pytest's private tmp_path, so a root run uses a world-readable folder.
    base = Path(tempfile.mkdtemp()) if prefix else tmp_path
    try:
        base.chmod(0o755)
        (locked,) = files(base / "locked", ["x.toml"])
        (mine,) = files(base / "mine", ["y.toml"])
        (base / "mine").chmod(0o777)
        mine.chmod(0o666)
        (base / "locked").chmod(0o555)
        code = "import sys; from journeytui.cli import main; sys.exit(main(sys.argv[1:]))"
        argv = [*prefix, sys.executable, "-c", code, "fmt", str(base / "locked"), str(base / "mine")]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=base)
        assert proc.returncode == 1, proc.stderr
        assert f"{locked}: cannot write: Permission denied" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert locked.read_text(encoding="utf-8") == NOT_CANONICAL
        assert f"Reformatted: {mine}" in proc.stdout and mine.read_text(encoding="utf-8") != NOT_CANONICAL
        assert os.listdir(base / "locked") == ["x.toml"]
    finally:
        (base / "locked").chmod(0o755)
        if prefix:
            shutil.rmtree(base)
