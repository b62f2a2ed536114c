"""Every command that reads a journey refuses hostile paths with a diagnostic, exit 1, promptly, no traceback.

Run through the real command line in a fresh interpreter with a deadline, so that a hang
(a fifo that never delivers, ``/dev/zero`` read forever) fails the test instead of
blocking the suite.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
from pathlib import Path

import pytest
from inputs_helpers import BUILDERS, LOAD_BUDGET, Case, assert_refused, build, run_batch, run_cli

from journeytui.model.load import MAX_FILE_BYTES, load_file

NAMES = sorted(BUILDERS)


@pytest.fixture
def good(tmp_path: Path, flagship_path: Path) -> Path:
    """A valid journey to put beside a hostile one (compare needs two)."""
    path = tmp_path / "good.toml"
    path.write_bytes(flagship_path.read_bytes())
    return path


def _state(path: str) -> tuple[int, str]:
    """What is at ``path`` (its type, and its bytes for a regular file): fmt must leave it exactly so."""
    mode = os.lstat(path).st_mode
    if stat.S_ISREG(mode):
        return mode, hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return mode, ""


@pytest.mark.parametrize("name", NAMES)
def test_loading_is_refused_quickly(name: str, tmp_path: Path) -> None:
    """In-process: the loader answers within a small budget (quadratic parsing took 13 s and 96 s)."""
    case = build(name, tmp_path)
    started = time.perf_counter()
    result = load_file(case.path)
    elapsed = time.perf_counter() - started
    assert elapsed < LOAD_BUDGET, f"{elapsed:.2f} s"
    codes = [d.code for d in result.diagnostics]
    assert case.code in codes, result.diagnostics
    assert result.journey is None or case.code == "E101"


@pytest.mark.parametrize("command", ["validate", "fmt", "check"])
def test_commands_taking_many_paths_refuse_each(command: str, tmp_path: Path) -> None:
    """All the cases in one command line: each is reported, the others still are, nothing is changed."""
    cases = [build(name, tmp_path) for name in NAMES]
    before = {c.path: _state(c.path) for c in cases}
    run = run_cli(command, *(c.path for c in cases))
    failures = []
    for case in cases:
        try:
            assert_refused(run, case, command=command)
        except AssertionError as exc:
            failures.append(f"{case.name}: {exc}")
    assert not failures, "\n".join(failures)
    assert {c.path: _state(c.path) for c in cases} == before, "a hostile file was changed"


@pytest.mark.parametrize("name", NAMES)
def test_commands_taking_one_path_refuse_it(name: str, tmp_path: Path, good: Path) -> None:
    """simulate, report (also as --compare), and compare with the hostile file on either side."""
    case = build(name, tmp_path)
    commands = {
        "simulate": ["simulate", case.path],
        "report": ["report", case.path],
        "report --compare": ["report", str(good), "--compare", case.path],
        "compare A": ["compare", case.path, str(good)],
        "compare B": ["compare", str(good), case.path],
    }
    runs = run_batch(list(commands.values()))
    for label, run in zip(commands, runs, strict=True):
        assert_refused(run, case, command=label)
        assert not run.out.startswith("#"), f"{label} wrote a report"


def test_a_file_growing_while_it_is_read_is_refused(tmp_path: Path) -> None:
    """A writer appends to the file while ``validate`` reads it: the read stops past 10 MB."""
    path = tmp_path / "growing.toml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES - 512 * 1024))
    stop = threading.Event()

    def grow() -> None:
        with path.open("ab") as fh:
            while not stop.is_set() and fh.tell() < MAX_FILE_BYTES + 2 * 1024 * 1024:
                fh.write(b"# more\n" * 8192)
                fh.flush()

    writer = threading.Thread(target=grow)
    writer.start()
    try:
        run = run_cli("validate", str(path))
    finally:
        stop.set()
        writer.join()
    case = Case("growing", str(path), "E002", "larger than 10 MB", (1, 1))
    assert_refused(run, case, command="validate")


def test_a_file_growing_between_reads_is_refused_after_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic version: the file grows on disk after each chunk the loader reads (fstat said it was small)."""
    path = tmp_path / "growing.toml"
    path.write_bytes(b"# small\n")
    real_read = os.read
    reads: list[int] = []

    def read_then_grow(fd: int, n: int) -> bytes:
        chunk = real_read(fd, n)
        reads.append(len(chunk))
        with path.open("ab") as fh:  # someone else appends 1 MB meanwhile
            fh.write(b"#" * (1024 * 1024 - 1) + b"\n")
        return chunk

    monkeypatch.setattr(os, "read", read_then_grow)
    result = load_file(path)
    monkeypatch.undo()
    assert [d.code for d in result.diagnostics] == ["E002"]
    assert "larger than 10 MB (it grew while being read)" in result.diagnostics[0].message
    assert sum(reads) == MAX_FILE_BYTES + 1, "it read exactly one byte past the limit, no more"


def test_validate_walks_a_tree_with_a_symlink_loop_and_a_fifo(tmp_path: Path, good: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "journey.toml").write_bytes(good.read_bytes())
    (tree / "sub" / "up").symlink_to("..")  # a loop: tree/sub/up/sub/up/...
    (tree / "outside").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "other.toml").write_bytes(good.read_bytes())
    os.mkfifo(tree / "pipe.toml")
    run = run_cli("validate", "tree", cwd=tmp_path)
    assert "Traceback" not in run.text
    assert run.code == 1
    assert "tree/pipe.toml:1:1: E002 tree/pipe.toml is a named pipe (fifo)" in run.out
    assert run.out.count("E002") == 1, run.out
    assert "in 3 files" in run.out.splitlines()[-1], run.out  # journey.toml once, other.toml, the fifo


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("journeytui.toml", "x = " + "[" * 20_000 + "]" * 20_000 + "\n"),  # crashed toml-rs's stack (exit 139)
        ("pyproject.toml", "[tool.journeytui]\nx = " + "[" * 20_000 + "]" * 20_000 + "\n"),
        ("journeytui.toml", "x = " + "7" * 5_000 + "\n"),  # int() refuses it: was a traceback
    ],
    ids=["deep-settings", "deep-pyproject", "huge-int-settings"],
)
def test_a_hostile_settings_file_is_a_message_not_a_crash(name: str, text: str, tmp_path: Path, good: Path) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    journey = tmp_path / "j.toml"
    journey.write_bytes(good.read_bytes())
    run = run_cli("validate", "j.toml", cwd=tmp_path)
    assert run.code in (0, 1, 2), (run.code, run.err[-500:])
    assert "Traceback" not in run.err and "Traceback" not in run.out
    if name == "journeytui.toml":  # the settings file is the one that applies: it must be named
        assert run.code != 0 and "journeytui.toml" in run.err and "not valid TOML" in run.err, run.err[-500:]
