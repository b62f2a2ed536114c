"""Shared fixtures: the repository's paths and a tiny journey that validates clean.

Tests take these as fixtures rather than importing this module (other folders may
have their own conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
JOURNEYS = REPO / "journeys"
FLAGSHIP = JOURNEYS / "b2b-it-tool.toml"

MINIMAL = """\
[journey]
id = "mini"
title = "Mini"
horizon = 52

[[stages]]
id = "lead"
name = "Lead"
entry = true

[[stages]]
id = "won"
name = "Won"
kind = "won"

[[stages]]
id = "lost"
name = "Lost"
kind = "lost"

[[transitions]]
from = "lead"
to = "won"
probability = 0.1

[[transitions]]
from = "lead"
to = "lost"
probability = 0.05
"""
"""A canonical journey with no errors and no warnings."""


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def flagship_path() -> Path:
    return FLAGSHIP


@pytest.fixture
def flagship_text() -> str:
    return FLAGSHIP.read_text(encoding="utf-8")


@pytest.fixture
def minimal_text() -> str:
    return MINIMAL


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write text (or bytes) to a file under tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path

    return _write
