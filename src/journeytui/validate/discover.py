"""Which files a ``validate`` run checks: paths named, folders walked, as ruff walks them.

A file named on the command line is always checked (unless ``force-exclude`` and it
matches ``exclude``). A folder is walked recursively for files matching ``include``
(``*.toml``), leaving out ``exclude`` (other tools' TOML files such as pyproject.toml,
virtual environments, build output) and whatever ``.gitignore`` files ignore. Symlinked
folders are not followed (no loops); each file is checked once, however it was named.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from journeytui.diagnostics import Diagnostic
from journeytui.validate.config import Settings, forget_resolved

if TYPE_CHECKING:
    import pathspec


def _git_root(folder: Path) -> Path | None:
    for p in (folder, *folder.parents):
        if (p / ".git").exists():
            return p
    return None


class _Ignores:
    """The .gitignore files that apply to a folder: those from the git root down to it."""

    def __init__(self) -> None:
        self._specs: dict[Path, pathspec.PathSpec | None] = {}

    def _spec(self, folder: Path) -> pathspec.PathSpec | None:
        if folder not in self._specs:
            spec = None
            gi = folder / ".gitignore"
            try:
                if gi.is_file() and gi.stat().st_size < 1_000_000:
                    import pathspec  # only when a walk meets a .gitignore: validating one file stays light

                    spec = pathspec.GitIgnoreSpec.from_lines(
                        gi.read_text(encoding="utf-8", errors="replace").splitlines()
                    )
            except OSError:
                spec = None
            self._specs[folder] = spec
        return self._specs[folder]

    def ignored(self, path: Path, is_dir: bool, root: Path) -> bool:
        """Whether a .gitignore between ``root`` (the git root) and ``path``'s folder ignores ``path``."""
        folder = path.parent
        chain = [folder, *folder.parents]
        for base in reversed(chain):
            if root not in (base, *base.parents):
                continue
            spec = self._spec(base)
            if spec is None:
                continue
            rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
            if spec.match_file(rel):
                return True
        return False


def files(paths: Iterable[str], settings: Settings) -> Iterator[tuple[str, Diagnostic | None]]:
    """``(name, problem)`` for each file to check, in order, each once; a problem for a bad folder."""
    forget_resolved()  # resolved paths are remembered for one walk only: links may change between walks
    seen: set[Path] = set()
    ignores = _Ignores()
    for raw in paths:
        p = Path(raw)
        try:
            is_dir = raw != "-" and p.is_dir()
        except (OSError, ValueError):  # a name too long for the file system, a NUL: reading it says why
            is_dir = False
        if is_dir:  # a folder named on the command line is walked, even through a link
            found = list(_walk(p, settings, ignores))
            problems = [f for f in found if isinstance(f, Diagnostic)]
            yield from ((d.file, d) for d in problems)
            names = [f for f in found if isinstance(f, Path)]
            fresh = [f for f in names if _once(f, seen)]
            if not names and not problems:
                yield raw, Diagnostic("E003", f"folder {raw} holds no *.toml journey files", raw)
            for f in fresh:
                yield str(f), None
            continue
        if settings.force_exclude and raw != "-" and _excluded(settings, p):
            continue
        if raw == "-" or _once(p, seen):
            yield raw, None


def _once(p: Path, seen: set[Path]) -> bool:
    try:
        key = p.resolve()
    except (OSError, ValueError):
        key = p.absolute()
    if key in seen:
        return False
    seen.add(key)
    return True


def _walk(top: Path, settings: Settings, ignores: _Ignores) -> Iterator[Path | Diagnostic]:
    """Problems with folders that could not be listed, then the journey files below ``top``, sorted.

    Symlinked folders are followed once: a link back up the tree is not a loop. A ``*.toml``
    entry that is not a regular file (a fifo, a device, a broken link) is listed too, so that
    reading it says why it is refused instead of the walk hiding it.
    """
    git_root = _git_root(top.resolve()) if settings.respect_gitignore else None
    out: list[Path] = []
    problems: list[Diagnostic] = []
    seen: set[tuple[int, int]] = set()

    def cannot_list(exc: OSError) -> None:
        where = str(exc.filename or top)
        problems.append(Diagnostic("E002", f"cannot list folder {where}: {exc.strerror or exc}", where))

    for folder, dirs, names in os.walk(top, onerror=cannot_list, followlinks=True):
        try:
            info = os.stat(folder)
        except OSError as exc:
            cannot_list(exc)
            dirs.clear()
            continue
        if (info.st_dev, info.st_ino) in seen:  # reached again through a symlink: already walked
            dirs.clear()
            continue
        seen.add((info.st_dev, info.st_ino))
        base = Path(folder)
        keep = []
        for d in sorted(dirs):
            sub = base / d
            if settings.excluded(sub):
                continue
            if git_root is not None and ignores.ignored(_real(sub), True, git_root):
                continue
            keep.append(d)
        dirs[:] = keep
        for name in names:
            f = base / name
            if not settings.included(f) or settings.excluded(f):
                continue
            if git_root is not None and ignores.ignored(_real(f), False, git_root):
                continue
            out.append(f)
    yield from problems
    yield from sorted(out)


def _real(p: Path) -> Path:
    try:
        return p.resolve()
    except OSError:
        return p.absolute()


def _excluded(settings: Settings, p: Path) -> bool:
    try:
        return settings.excluded(p)
    except (OSError, ValueError):
        return False
