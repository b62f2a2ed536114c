"""Hostile `journeytui fmt`: read-only files and folders it cannot write get a message, not a traceback.

Tests run as root, which may write anywhere: a read-only file is one without write bits (what
fmt checks), and a folder that refuses writes is simulated by making the temporary file's
creation fail with the PermissionError the kernel gives a normal user.
"""

from __future__ import annotations

import errno
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
