"""Saving to disk: atomic writes that keep the file mode, no-op saves, and change fingerprints."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from journeytui.model import Fingerprint, atomic_write, edit, load_text, save


def test_atomic_write_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "j.toml"
    path.write_text("old\n")
    path.chmod(0o640)
    atomic_write(path, "新しい\r\n")
    assert path.read_bytes() == "新しい\r\n".encode()  # no newline translation
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["j.toml"]  # no temporary file left


def test_atomic_write_into_a_missing_folder_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        atomic_write(tmp_path / "missing" / "j.toml", "x")
    assert list(tmp_path.iterdir()) == []


def test_save_writes_the_rendered_text_and_skips_unchanged_files(tmp_path: Path, minimal_text: str) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(minimal_text, encoding="utf-8")
    j = load_text(minimal_text).journey
    os.utime(path, ns=(1, 1))
    assert save(j, path, minimal_text) == minimal_text
    assert path.stat().st_mtime_ns == 1  # untouched
    changed = edit.set_field(j, ("transitions", 0, "probability"), 0.3)
    text = save(changed, path, minimal_text)
    assert path.read_text(encoding="utf-8") == text
    assert "probability = 0.3" in text


def test_save_a_new_file(tmp_path: Path, minimal_text: str) -> None:
    path = tmp_path / "new.toml"
    save(load_text(minimal_text).journey, path)
    assert path.read_text(encoding="utf-8") == minimal_text


def test_fingerprint_notices_changes(tmp_path: Path) -> None:
    path = tmp_path / "j.toml"
    assert Fingerprint.of(path) == Fingerprint(False, "")
    path.write_text("a")
    first = Fingerprint.of(path)
    assert first.exists and first == Fingerprint.of(path)
    path.write_text("b")
    assert Fingerprint.of(path) != first


def test_a_new_file_gets_the_usual_permissions_not_private_ones(tmp_path: Path) -> None:
    target = tmp_path / "new.toml"
    old = os.umask(0o022)
    try:
        atomic_write(target, "x = 1\n")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644
