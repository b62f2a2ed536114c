"""The project's own code passes the linters CI promises: ruff check, ruff format --check, mypy.

They run as tests so that the README's one test command (which `.ci/run` calls) covers them,
with the versions pinned in the `test` extra of pyproject.toml.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# Every package (the app's mixins are typed through journeytui.tui.base.AppBase).
MYPY_TARGETS = ["src/journeytui"]
"""The whole package: the domain (model, validate, sim, calibrate, sweep, session, export), the CLI and the app."""


def _tool(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: it is part of the test extra (pip install -e '.[test]')")
    return path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_check() -> None:
    done = _run(_tool("ruff"), "check", "--no-cache", "src", "tests", "bench")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format() -> None:
    done = _run(_tool("ruff"), "format", "--check", "--no-cache", "src", "tests", "bench")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy() -> None:
    # follow-imports=silent: the CLI's `edit` imports the app, whose typing is issue 11's work
    args = ["--no-incremental", "--follow-imports=silent", "--python-executable", sys.executable]
    done = _run(_tool("mypy"), *args, *MYPY_TARGETS)
    assert done.returncode == 0, done.stdout + done.stderr
