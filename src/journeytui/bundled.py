"""The bundled example journeys (the repository's journeys/ folder, installed as ``journeytui.journeys``).

The app opens the flagship when started with no file, and offers the others as
templates for a new file; the command line accepts their names (``journeytui simulate
b2b-it-tool``). The folder is found with importlib.resources, so it is the same for a
wheel, an editable install and a source checkout. Plain Python; no Textual.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = "journeytui.journeys"
"""The package that holds the bundled journeys (setup.py maps it to journeys/)."""
FLAGSHIP = "b2b-it-tool.toml"
ENV_DIR = "JOURNEYTUI_JOURNEYS"
"""Environment variable that points at another folder of bundled journeys."""


def bundled_dir() -> Path:
    """The folder of bundled journeys: $JOURNEYTUI_JOURNEYS, else the ``journeytui.journeys`` package."""
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    from importlib.resources import files  # on first use: it brings tempfile and zip support along

    root = files(PACKAGE)
    # Installed on a file system (pip, pipx and uv always unpack wheels) this is a Path;
    # inside a zip archive it is not, and the folder then reads as missing.
    return root if isinstance(root, Path) else Path(str(root))


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


def names() -> list[str]:
    """The names the command line accepts for the bundled journeys (file names without .toml)."""
    return [p.stem for p in bundled_journeys()]


def find(name: str) -> Path | None:
    """The bundled journey called ``name`` (its file name without .toml), if there is one."""
    if not name or "/" in name or os.sep in name or name.endswith(".toml") or name.startswith("."):
        return None
    candidate = bundled_dir() / f"{name}.toml"
    try:
        return candidate if candidate.is_file() else None
    except (OSError, ValueError):  # a name too long for the file system, or with a NUL
        return None


def resolve_arg(arg: str) -> str:
    """A command-line PATH: itself when it exists, else the bundled journey it names, else unchanged.

    Used as an argparse ``type``: ``b2b-it-tool`` means the bundled flagship unless a file or
    folder of that name exists here. Anything with a slash or a .toml suffix is always a path.
    """
    if os.path.lexists(arg):
        return arg
    found = find(arg)
    return str(found) if found is not None else arg


EXAMPLES = "examples"
"""The bundled folder's examples (a sweep file, a CRM export): shipped with the journeys."""


def resolve_sweep_arg(arg: str) -> str:
    """A sweep file: itself when it exists, else the bundled example it names, else unchanged.

    ``b2b-it-tool.sweep`` is the flagship's example sweep (``examples/b2b-it-tool.sweep.toml``
    in the bundled folder) unless a file of that name exists here, so the example runs from any
    folder of an installed copy, as bundled journeys do."""
    if os.path.lexists(arg) or not arg.endswith(".sweep") or "/" in arg or os.sep in arg or arg.startswith("."):
        return arg
    candidate = bundled_dir() / EXAMPLES / f"{arg}.toml"
    try:
        return str(candidate) if candidate.is_file() else arg
    except (OSError, ValueError):
        return arg


PATH_HELP = "journey file, or the name of a bundled journey (e.g. b2b-it-tool)"
PATHS_HELP = "journey files or folders, or names of bundled journeys (e.g. b2b-it-tool)"
