"""The bundled example journeys (the repository's journeys/ folder).

The app opens the flagship when started with no file, and offers the others as
templates for a new file. Plain Python; no Textual.
"""

from __future__ import annotations

import os
from pathlib import Path

FLAGSHIP = "b2b-it-tool.toml"
ENV_DIR = "JOURNEYTUI_JOURNEYS"
"""Environment variable that points at another folder of bundled journeys."""


def bundled_dir() -> Path:
    """The folder of bundled journeys: $JOURNEYTUI_JOURNEYS, else journeys/ beside src/."""
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "journeys"


def bundled_journeys() -> list[Path]:
    """Every bundled journey file, sorted by name (empty when the folder is missing)."""
    folder = bundled_dir()
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def flagship() -> Path:
    return bundled_dir() / FLAGSHIP


def is_bundled(path: Path | str) -> bool:
    try:
        return Path(path).resolve().parent == bundled_dir().resolve()
    except OSError:
        return False
