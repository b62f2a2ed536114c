"""Checker settings, as ruff users expect them: ``[tool.journeytui]`` or ``journeytui.toml``.

Looked up from the working folder upwards: the first ``journeytui.toml``, ``.journeytui.toml``
or ``pyproject.toml`` with a ``[tool.journeytui]`` table wins (in that order within one
folder). Patterns in ``exclude`` and ``per-file-ignores`` are relative to the folder of the
settings file. Code selectors are prefixes, as in ruff: ``E`` (every error), ``E2`` (the
reference codes), ``W101``, or ``ALL``. Command-line options override the file.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any

from journeytui.diagnostics import CODES
from journeytui.model.toml10 import TOMLDecodeError
from journeytui.model.toml10 import loads as toml_loads

CONFIG_FILES = ("journeytui.toml", ".journeytui.toml", "pyproject.toml")

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "build",
    "dist",
    "site-packages",
    # Sweep files (docs/sweeps.md) and TOML files of other tools: never journeys.
    "*.sweep.toml",
    "pyproject.toml",
    "journeytui.toml",
    ".journeytui.toml",
    "Cargo.toml",
    "ruff.toml",
    ".ruff.toml",
    "taplo.toml",
    ".taplo.toml",
    "tombi.toml",
    "uv.toml",
    "poetry.toml",
    "rust-toolchain.toml",
    "netlify.toml",
    "fly.toml",
    "mkdocs.toml",
    "hatch.toml",
    "pixi.toml",
    ".pre-commit-config.toml",
)
"""What a folder walk leaves out unless a file is named on the command line (``exclude`` replaces it)."""

KEYS = (
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "extend-per-file-ignores",
    "exclude",
    "extend-exclude",
    "include",
    "respect-gitignore",
    "force-exclude",
)


class ConfigError(Exception):
    """A settings file or option that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Settings:
    """What to check and where; the defaults check every code in every journey file."""

    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ("*.toml",)
    respect_gitignore: bool = True
    force_exclude: bool = False
    root: Path = field(default_factory=Path.cwd)
    """The folder patterns are relative to: the settings file's folder, or the working folder."""
    source: Path | None = None
    """The settings file, if one was found."""

    def enabled(self, code: str, file: str | None = None) -> bool:
        """Whether ``code`` is reported (in ``file``), by select, extend-select, ignore and per-file-ignores."""
        chosen = _best(code, self.select + self.extend_select)
        dropped = _best(code, self.ignore)
        if chosen < 0 or dropped > chosen:
            return False
        if file is not None and self.per_file_ignores:
            rel = self.relative(file)
            for pattern, codes in self.per_file_ignores:
                if _glob(pattern, rel) and _best(code, codes) >= 0:
                    return False
        return True

    def relative(self, file: str | Path) -> str:
        """``file`` relative to the settings root, in POSIX form (or absolute when outside it)."""
        p = Path(file)
        cwd = None if p.is_absolute() else Path.cwd()
        return _relative(p, cwd, self.root)

    def excluded(self, path: str | Path) -> bool:
        """Whether ``path`` (a file or folder) matches ``exclude`` or ``extend-exclude``."""
        return _any_glob(self.exclude + self.extend_exclude)(self.relative(path))

    def excluded_below(self, path: str | Path, top: str | Path) -> bool:
        """Whether ``path``, inside the folder ``top``, is excluded by a pattern that does not match
        ``top`` itself: a folder named on the command line is walked although excluded (as ruff does)."""
        rel, top_rel = self.relative(path), self.relative(top)
        if top_rel in ("", ".") and not rel.startswith("/"):
            below = rel
        elif rel.startswith(top_rel.rstrip("/") + "/"):
            below = rel[len(top_rel.rstrip("/")) + 1 :]
        else:
            return self.excluded(path)
        for pattern in self.exclude + self.extend_exclude:
            if "/" not in pattern.rstrip("/"):
                if _glob(pattern, below):
                    return True
            elif _glob(pattern, rel) and not _glob(pattern, top_rel):
                return True
        return False

    def included(self, path: str | Path) -> bool:
        name = Path(path).name
        rel = self.relative(path)
        return any(fnmatchcase(name, p) or _glob(p, rel) for p in self.include)


@functools.lru_cache(maxsize=8192)
def _relative(p: Path, cwd: Path | None, root: Path) -> str:
    """:meth:`Settings.relative`, remembered: a folder walk asks it twice per file, and resolving
    a path costs a system call per component (a third of validating 1,000 small files)."""
    try:
        absolute = p if cwd is None else cwd / p
        return absolute.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return PurePosixPath(*p.parts).as_posix()


@functools.lru_cache(maxsize=8192)
def _parts(rel: str) -> tuple[str, ...]:
    return PurePosixPath(rel).parts


def _best(code: str, selectors: Iterable[str]) -> int:
    """The length of the longest selector matching ``code`` (ALL counts as 0), or -1: ruff's precedence."""
    best = -1
    for s in selectors:
        if s == "ALL":
            best = max(best, 0)
        elif code.startswith(s):
            best = max(best, len(s))
    return best


def forget_resolved() -> None:
    """Forget the paths :meth:`Settings.relative` resolved (a new folder walk starts)."""
    _relative.cache_clear()
    _parts.cache_clear()


@functools.lru_cache(maxsize=64)
def _any_glob(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a path matches any of ``patterns`` (as :func:`_glob`): those without ``/`` joined in
    one regular expression tried on each component, not one fnmatch call per pattern and component."""
    bare = [p.rstrip("/") for p in patterns if "/" not in p.rstrip("/")]
    component = re.compile("|".join(fnmatch.translate(p) for p in bare)).match if bare else None
    others = [p for p in patterns if "/" in p.rstrip("/")]

    def matches(rel: str) -> bool:
        if component is not None and any(component(part) for part in _parts(rel)):
            return True
        return any(_glob(p, rel) for p in others)

    return matches


def _glob(pattern: str, rel: str) -> bool:
    """A gitignore-like match: a pattern without ``/`` matches any path component or the basename."""
    pattern = pattern.rstrip("/")
    if "/" not in pattern:
        return any(fnmatchcase(part, pattern) for part in _parts(rel))
    pattern = pattern.removeprefix("./")
    return fnmatchcase(rel, pattern) or fnmatchcase(rel, pattern + "/*") or rel.startswith(pattern + "/")


def check_selectors(selectors: Iterable[str], where: str) -> tuple[str, ...]:
    """Upper-cased selectors; each must match at least one code (or be ALL)."""
    out = []
    for raw in selectors:
        s = raw.strip().upper()
        if not s:
            continue
        if s != "ALL" and not any(code.startswith(s) for code in CODES):
            import difflib

            close = difflib.get_close_matches(s, list(CODES), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ConfigError(f"{where}: unknown code or prefix {raw!r}{hint}")
        out.append(s)
    return tuple(out)


def find_config(start: Path | None = None) -> Path | None:
    """The settings file that applies to ``start`` (default: the working folder), or None."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name != "pyproject.toml":
                return candidate
            try:
                text = candidate.read_text(encoding="utf-8")
            except OSError:
                continue  # unreadable (a permission): not ours to judge
            except UnicodeDecodeError:
                return candidate  # load() says why, as ruff does: its settings must not be lost silently
            if "journeytui" not in text:
                continue  # no [tool.journeytui] can be in it: no need to parse it
            try:
                data = toml_loads(text)
            except (ValueError, RecursionError):  # ValueError: TOMLDecodeError, huge ints
                return candidate  # load() says where it fails
            if isinstance(data.get("tool"), dict) and "journeytui" in data["tool"]:
                return candidate
    return None


def load(path: Path) -> Settings:
    """Read settings from a ``journeytui.toml`` or a ``pyproject.toml``'s ``[tool.journeytui]``."""
    try:
        text = path.read_text(encoding="utf-8")
        data = toml_loads(text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read settings: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text ({exc.reason})") from exc
    except TOMLDecodeError as exc:
        from journeytui.model.load import toml_error

        line, col, message = toml_error(text, exc)
        raise ConfigError(f"{path}:{line}:{col}: not valid TOML: {message}") from exc
    except (ValueError, RecursionError) as exc:  # int() refuses numbers of thousands of digits
        raise ConfigError(_toml_error(path, exc)) from exc
    table: Any = data.get("tool", {}).get("journeytui", {}) if path.name == "pyproject.toml" else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.journeytui] must be a table")
    return from_mapping(table, str(path), root=path.parent, source=path)


_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)")


def _toml_error(path: Path, exc: BaseException) -> str:
    """``path:LINE:COL: not valid TOML: message``, as findings are printed (the position when known)."""
    message = str(exc) or type(exc).__name__
    m = _AT.search(message)
    if m is None:
        return f"{path}: not valid TOML: {message}"
    message = _AT.sub("", message).strip().rstrip(".")
    return f"{path}:{m.group(1)}:{m.group(2)}: not valid TOML: {message[:1].lower()}{message[1:]}"


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings")
    return tuple(value)


def _per_file(value: object, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table of pattern = [codes]")
    return tuple(
        (pattern, check_selectors(_strings(codes, f"{where}.{pattern}"), where)) for pattern, codes in value.items()
    )


def from_mapping(table: Mapping[str, object], where: str, root: Path, source: Path | None = None) -> Settings:
    """Settings from a parsed table; unknown keys and wrong types are errors with a did-you-mean hint."""
    changes: dict[str, Any] = {}
    per_file: tuple[tuple[str, tuple[str, ...]], ...] = ()
    for key, value in table.items():
        at = f"{where}: {key}"
        name = key.replace("-", "_")
        if key not in KEYS:
            import difflib

            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known settings: {', '.join(KEYS)}"
            raise ConfigError(f"{where}: unknown setting {key!r}{hint}")
        if key in ("respect-gitignore", "force-exclude"):
            if not isinstance(value, bool):
                raise ConfigError(f"{at}: expected true or false")
            changes[name] = value
        elif key in ("select", "extend-select", "ignore"):
            changes[name] = check_selectors(_strings(value, at), at)
        elif key in ("per-file-ignores", "extend-per-file-ignores"):
            per_file += _per_file(value, at)
        else:
            changes[name] = _strings(value, at)
    return replace(Settings(root=root, source=source), per_file_ignores=per_file, **changes)


def settings_for(config: str | None = None, isolated: bool = False) -> Settings:
    """The settings a run uses: ``--config FILE``, else the file found upwards, else the defaults."""
    if isolated:
        return Settings()
    if config:
        path = Path(config)
        if not path.is_file():
            raise ConfigError(f"{config}: no such settings file")
        return load(path)
    found = find_config()
    return load(found) if found else Settings()
