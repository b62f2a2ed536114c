"""Which files a ``validate`` run checks: paths named, folders walked, as ruff walks them.

A file named on the command line is always checked (unless ``force-exclude`` and it
matches ``exclude``). A folder is walked recursively for files matching ``include``
(``*.toml``), leaving out ``exclude`` (other tools' TOML files such as pyproject.toml,
virtual environments, build output) and whatever git ignores (``.gitignore`` files,
``.git/info/exclude``, the global excludes file: :mod:`journeytui.validate.gitignore`).
A folder named on the command line is walked even when ``exclude`` matches it, as ruff
does, unless ``force-exclude``. Symlinked folders are not followed twice (no loops); each
file is checked once, however it was named.

A file found by a walk, or named under ``force-exclude`` (pre-commit passes every staged
``*.toml``), is *optional*: it is checked only if it is a journey. One that parses as TOML
with none of the journey format's top-level keys is another tool's file (tox.toml,
.cargo/config.toml...) and is skipped when it is read (:func:`journeytui.model.load.load_text`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from journeytui.diagnostics import Diagnostic
from journeytui.validate.config import Settings, forget_resolved
from journeytui.validate.gitignore import Ignores


class Entry(NamedTuple):
    """One thing a run checks: a file (``problem`` None) or a problem with a named folder."""

    name: str
    problem: Diagnostic | None = None
    optional: bool = False
    """Checked only if it is a journey (found by a walk, or named under ``force-exclude``)."""


def _git_root(folder: Path) -> Path | None:
    for p in (folder, *folder.parents):
        if (p / ".git").exists():
            return p
    return None


def files(paths: Iterable[str], settings: Settings) -> Iterator[tuple[str, Diagnostic | None]]:
    """``(name, problem)`` for each file to check, in order, each once; a problem for a bad folder."""
    return ((e.name, e.problem) for e in entries(paths, settings))


def entries(paths: Iterable[str], settings: Settings) -> Iterator[Entry]:
    """Each file to check (with whether it is optional), in order, each once; a problem for a bad folder."""
    forget_resolved()  # resolved paths are remembered for one walk only: links may change between walks
    seen: set[Path] = set()
    ignores: dict[Path, Ignores] = {}
    for raw in paths:
        p = Path(raw)
        try:
            is_dir = raw != "-" and p.is_dir()
        except (OSError, ValueError):  # a name too long for the file system, a NUL: reading it says why
            is_dir = False
        if is_dir:  # a folder named on the command line is walked, even through a link
            named_excluded = _excluded(settings, p)
            if named_excluded and settings.force_exclude:
                why = f"folder {raw} is excluded by {_exclude_source(settings)}, and --force-exclude leaves it out"
                yield Entry(raw, Diagnostic("E003", why, raw))
                continue
            walk = _Walk(p, settings, ignores, named_excluded)
            found = list(walk.run())
            problems = [f for f in found if isinstance(f, Diagnostic)]
            yield from (Entry(d.file, d) for d in problems)
            names = [f for f in found if isinstance(f, Path)]
            fresh = [f for f in names if _once(f, seen)]
            if not names and not problems:
                yield Entry(raw, Diagnostic("E003", walk.nothing_found(raw), raw))
            for f in fresh:
                yield Entry(str(f), None, True)
            continue
        if settings.force_exclude and raw != "-" and _excluded(settings, p):
            continue
        if raw == "-" or _once(p, seen):
            yield Entry(raw, None, settings.force_exclude and raw != "-")


def _exclude_source(settings: Settings) -> str:
    where = f" ({settings.source.name})" if settings.source is not None else ""
    return f"the exclude settings{where}"


def _once(p: Path, seen: set[Path]) -> bool:
    try:
        key = p.resolve()
    except (OSError, ValueError):
        key = p.absolute()
    if key in seen:
        return False
    seen.add(key)
    return True


class _Walk:
    """One folder's walk: the journey files below it, and what it left out (to say why, if all)."""

    def __init__(self, top: Path, settings: Settings, ignores: dict[Path, Ignores], named_excluded: bool) -> None:
        self.top, self.settings, self.named_excluded = top, settings, named_excluded
        self.by_settings = self.by_git = 0  # *.toml files left out, and folders left out (below)
        self.pruned: list[tuple[Path, bool]] = []  # (folder, by git)
        self.ignores: Ignores | None = None
        if settings.respect_gitignore:
            root = _git_root(_real(top))
            if root is not None:
                self.ignores = ignores.get(root) or ignores.setdefault(root, Ignores(root))

    def _excluded(self, path: Path) -> bool:
        if not self.settings.excluded(path):
            return False
        # A folder named on the command line is walked although excluded (as ruff does): only
        # patterns matching below it count then.
        return not self.named_excluded or self.settings.excluded_below(path, self.top)

    def nothing_found(self, raw: str) -> str:
        """Why a folder gave no file to check (looking into the folders left out for *.toml files)."""
        for folder, by_git in self.pruned:
            if (self.by_git if by_git else self.by_settings) == 0 and _holds_toml(folder, self.settings):
                if by_git:
                    self.by_git += 1
                else:
                    self.by_settings += 1
        if self.by_settings and self.by_git:
            return (
                f"folder {raw}: everything in it is excluded by {_exclude_source(self.settings)} "
                "or ignored by git (.gitignore); name a file to check it anyway"
            )
        if self.by_settings:
            return (
                f"folder {raw}: everything in it is excluded by {_exclude_source(self.settings)}; "
                "name a file to check it anyway"
            )
        if self.by_git:
            return (
                f"folder {raw}: everything in it is ignored by git (.gitignore, .git/info/exclude); "
                "name a file, or pass --no-respect-gitignore, to check it"
            )
        return f"folder {raw} holds no *.toml journey files"

    def run(self) -> Iterator[Path | Diagnostic]:
        """Problems with folders that could not be listed, then the journey files below ``top``, sorted.

        Symlinked folders are followed once: a link back up the tree is not a loop. A ``*.toml``
        entry that is not a regular file (a fifo, a device, a broken link) is listed too, so that
        reading it says why it is refused instead of the walk hiding it.
        """
        top, settings, ignores = self.top, self.settings, self.ignores
        out: list[Path] = []
        problems: list[Diagnostic] = []
        seen: set[tuple[int, int]] = set()

        def cannot_list(exc: OSError) -> None:
            where = str(exc.filename or top)
            problems.append(Diagnostic("E002", f"cannot list folder {where}: {exc.strerror or exc}", where))

        if ignores is not None and ignores.folder_ignored(_real(top)):
            self.by_git += 1
            return
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
            real = _real(base) if ignores is not None else base  # git judges a link by its own path
            keep = []
            for d in sorted(dirs):
                sub = base / d
                if self._excluded(sub):
                    self.pruned.append((sub, False))
                    continue
                if ignores is not None and ignores.ignored(real / d, True):
                    self.pruned.append((sub, True))
                    continue
                keep.append(d)
            dirs[:] = keep
            for name in names:
                f = base / name
                if not settings.included(f):
                    continue
                if self._excluded(f):
                    self.by_settings += 1
                    continue
                if ignores is not None and ignores.ignored(real / name, False):
                    self.by_git += 1
                    continue
                out.append(f)
        yield from problems
        yield from sorted(out)


def _holds_toml(folder: Path, settings: Settings, budget: int = 10_000) -> bool:
    """Whether a folder left out holds an included (``*.toml``) file, looking at ``budget`` entries at most."""
    for where, dirs, names in os.walk(folder):
        budget -= len(dirs) + len(names)
        if any(settings.included(Path(where, n)) for n in names):
            return True
        if budget <= 0:
            return False
    return False


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
