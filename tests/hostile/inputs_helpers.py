"""Hostile inputs built at run time, and a way to run the real command line on them with a deadline.

Each case is something a stranger could hand to ``journeytui``: a fifo, a device, a folder
where a file is expected, absurd nesting, huge keys, a file over the size limit. Nothing
here is stored in the repository: a 10 MB file or a fifo cannot be, and building them
keeps the cases readable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from journeytui.model.depth import MAX_DEPTH
from journeytui.model.load import MAX_FILE_BYTES

HANG = 60.0
"""A command still running after this long is hung: the test fails instead of blocking the suite."""
SLOW = 20.0
"""Seconds a whole command (interpreter start-up included, on a busy 2-core machine) may take."""
LOAD_BUDGET = 2.0
"""Seconds loading one hostile input may take in-process (was 13 s for 20,000-deep keys, 96 s for headers)."""

HEAD = '[journey]\nid = "hostile"\ntitle = "Hostile"\n'


@dataclass(frozen=True)
class Case:
    """A hostile path and what every command must say about it."""

    name: str
    path: str
    code: str
    message: str
    """A fragment of the diagnostic's message."""
    where: tuple[int, int] | None = None
    """Line and column of the diagnostic, where the problem has one."""
    folder_ok: bool = False
    """A folder: commands that accept folders walk it (and find no journeys: E003) instead."""


def _fifo(tmp: Path) -> Case:
    path = tmp / "pipe.toml"
    os.mkfifo(path)
    return Case("fifo", str(path), "E002", "named pipe (fifo)")


def _symlink_to_fifo(tmp: Path) -> Case:
    fifo = tmp / "hidden-pipe"
    os.mkfifo(fifo)
    link = tmp / "link.toml"
    link.symlink_to(fifo)
    return Case("symlink-to-fifo", str(link), "E002", "named pipe (fifo)")


def _dev_zero(tmp: Path) -> Case:
    return Case("dev-zero", "/dev/zero", "E002", "is a device")


def _dev_urandom(tmp: Path) -> Case:
    return Case("dev-urandom", "/dev/urandom", "E002", "is a device")


def _folder(tmp: Path) -> Case:
    path = tmp / "folder.toml"
    path.mkdir()
    return Case("folder", str(path), "E002", "is a folder", folder_ok=True)


def _write(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _deep_dotted_keys(tmp: Path) -> Case:
    text = HEAD + "a" + ".a" * 19_999 + " = 1\n"  # 20,000 parts, 40 KB
    return Case("deep-dotted-keys", _write(tmp, "deep-keys.toml", text), "E004", "key nested", (4, 1))


def _deep_headers(tmp: Path) -> Case:
    text = HEAD + "\n[a" + ".a" * 99_999 + "]\nx = 1\n"  # 100,000 parts
    return Case("deep-headers", _write(tmp, "deep-headers.toml", text), "E004", "table header nested", (5, 1))


def _deep_arrays(tmp: Path) -> Case:
    text = HEAD + "a = " + "[" * 100_000 + "]" * 100_000 + "\n"
    # `a` is 2 levels deep inside [journey]; the first `[` past the limit is number MAX_DEPTH - 1.
    col = len("a = ") + MAX_DEPTH - 1
    return Case("deep-arrays", _write(tmp, "deep-arrays.toml", text), "E004", "array nested", (4, col))


def _deep_inline_tables(tmp: Path) -> Case:
    text = HEAD + "a = " + "{a = " * 100_000 + "1" + "}" * 100_000 + "\n"
    # Each `{a = ` is 5 characters; the key `a` of the k-th sits at depth 2 + k.
    k = MAX_DEPTH - 1
    col = len("a = ") + 5 * (k - 1) + 2
    return Case("deep-inline-tables", _write(tmp, "deep-inline.toml", text), "E004", "inline table nested", (4, col))


def _long_key(tmp: Path) -> Case:
    text = HEAD + "k" * 300_000 + " = 1\n"
    return Case("long-key", _write(tmp, "long-key.toml", text), "E101", "(300,000 characters)", (4, 1))


def _just_over_the_limit(tmp: Path) -> Case:
    path = tmp / "big.toml"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEAD)
        fh.write("#" * (MAX_FILE_BYTES + 1 - len(HEAD.encode())))
    assert path.stat().st_size == MAX_FILE_BYTES + 1
    return Case("just-over-10-MB", str(path), "E002", "larger than 10 MB")


BUILDERS: dict[str, Callable[[Path], Case]] = {
    "fifo": _fifo,
    "symlink-to-fifo": _symlink_to_fifo,
    "dev-zero": _dev_zero,
    "dev-urandom": _dev_urandom,
    "folder": _folder,
    "deep-dotted-keys": _deep_dotted_keys,
    "deep-headers": _deep_headers,
    "deep-arrays": _deep_arrays,
    "deep-inline-tables": _deep_inline_tables,
    "long-key": _long_key,
    "just-over-10-MB": _just_over_the_limit,
}


def build(name: str, tmp: Path) -> Case:
    return BUILDERS[name](tmp)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float

    @property
    def text(self) -> str:
        return self.out + self.err


def run_cli(*args: str, cwd: Path | None = None) -> Run:
    """Run ``journeytui ARGS`` in a fresh interpreter; a hang fails the test after :data:`HANG` seconds."""
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "journeytui", *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=HANG,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"journeytui {' '.join(a[:80] for a in args)} still running after {HANG:.0f} s")
    return Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


_BATCH = """
import contextlib, io, json, sys, time, traceback
from journeytui.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    print("running: journeytui " + " ".join(argv), file=sys.__stderr__, flush=True)
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except BaseException:  # what the console script would show a user
            traceback.print_exc()
            code = -1
    results.append([code, out.getvalue(), err.getvalue(), time.monotonic() - started])
sys.stdout.write(json.dumps(results))
"""


def run_batch(commands: list[list[str]]) -> list[Run]:
    """Run several command lines through ``journeytui.cli.main`` (the console script's entry) in one fresh
    interpreter: one start-up instead of one per command. A hang fails the test, naming the command."""
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _BATCH, json.dumps(commands)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=HANG,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        progress = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        last = progress.strip().splitlines()[-1:] or ["(nothing started)"]
        pytest.fail(f"still running after {HANG:.0f} s: {last[0][:300]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [Run(code, out, err, seconds) for code, out, err, seconds in json.loads(proc.stdout)]


def assert_refused(run: Run, case: Case, *, command: str) -> None:
    """A clear diagnostic naming the path (with line:col where there is one), exit 1, no traceback, in time."""
    assert "Traceback" not in run.text, run.text[-2000:]
    assert run.code == 1, (command, run.code, run.text[-2000:])
    assert run.seconds < SLOW, f"{command} took {run.seconds:.1f} s on {case.name}"
    if case.folder_ok and command in ("validate", "fmt", "check"):
        said = f"E003 folder {case.path} holds no *.toml journey files"
        assert any(line.startswith(case.path) and said in line for line in run.text.splitlines()), run.text
        return
    lines = [line for line in run.text.splitlines() if line.startswith(f"{case.path}:")]
    ours = [line for line in lines if f": {case.code} " in line]
    assert ours, (command, run.text[-2000:])
    first = ours[0]
    if case.where is not None:
        line, col = case.where
        assert first.startswith(f"{case.path}:{line}:{col}: {case.code} "), first[:300]
    assert case.message in first, first[:300]
    assert max(len(line) for line in run.text.splitlines()) < 1000, "a stranger's text came back whole"
