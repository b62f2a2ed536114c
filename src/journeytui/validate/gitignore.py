"""git's ignore rules, read without running git (a folder walk must stay fast).

Every source git consults, in git's precedence: the ``.gitignore`` files from the path's own
folder up to the work tree's root (deeper first), then ``$GIT_DIR/info/exclude``, then the
global excludes file (``core.excludesFile``, by default ``$XDG_CONFIG_HOME/git/ignore`` or
``~/.config/git/ignore``). Within one source the last matching pattern wins; the first source
with a match decides, so a deeper ``!negation`` re-includes what a shallower file ignores. A
file whose folder is ignored cannot be re-included: the walk does not enter ignored folders.

Patterns follow gitignore(5) and git's wildmatch: ``!`` negates, a trailing ``/`` matches
folders only, a ``/`` at the start or in the middle anchors the pattern to the file's folder
(otherwise it matches the name at any depth), ``*`` ``?`` ``[...]`` never match ``/``, and
``**/``, ``/**/`` and ``/**`` match any number of folders. The test suite holds the result to
``git ls-files --others --exclude-standard`` on random trees.

pathspec's ``GitIgnoreSpec`` (used before) answers for one file of patterns, and its patterns
also match everything inside a matched folder (``a/**`` matches the folder ``a`` itself), which
the walk cannot tell from a match of the path: a re-included ``!a/keep.toml`` was lost.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

MAX_BYTES = 1_000_000
"""A larger ignore file is not read (no repository writes one; it would only cost time)."""


class Pattern(NamedTuple):
    match: re.Pattern[str]
    negate: bool
    dir_only: bool
    basename: bool
    """No ``/`` but a trailing one: matched against the name alone, at any depth."""


def _bracket(pat: str, i: int) -> tuple[str, int] | None:
    """The regular expression of the ``[...]`` starting at ``pat[i]`` and the index after it, or None."""
    j = i + 1
    negate = j < len(pat) and pat[j] in "!^"
    if negate:
        j += 1
    items: list[str] = []
    first = True
    while j < len(pat):
        c = pat[j]
        if c == "]" and not first:
            body = "".join(items)
            return (f"[^/{body}]" if negate else f"(?!/)[{body}]"), j + 1
        first = False
        if c == "[" and pat.startswith("[:", j):
            end = pat.find(":]", j + 2)
            if end != -1:
                items.append(_POSIX.get(pat[j + 2 : end], ""))
                j = end + 2
                continue
        if c == "\\" and j + 1 < len(pat):
            j += 1
            c = pat[j]
        if j + 2 < len(pat) and pat[j + 1] == "-" and pat[j + 2] != "]":
            hi = pat[j + 2]
            if hi == "\\" and j + 3 < len(pat):
                hi = pat[j + 3]
                j += 1
            items.append(f"{re.escape(c)}-{re.escape(hi)}")
            j += 3
            continue
        items.append(re.escape(c))
        j += 1
    return None


_POSIX = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "lower": "a-z",
    "upper": "A-Z",
    "space": r" \t\n\r\f\v",
    "xdigit": "0-9a-fA-F",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "blank": r" \t",
}


def translate(glob: str) -> str:
    """A regular expression matching what the wildmatch ``glob`` matches (with ``/`` special)."""
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if c == "*":
            j = i
            while j < n and glob[j] == "*":
                j += 1
            whole = j - i >= 2 and (i == 0 or glob[i - 1] == "/") and (j == n or glob[j] == "/")
            if whole and j == n:
                out.append(".*")  # a trailing /** (or a lone **): everything inside
            elif whole:
                out.append("(?:.*/)?")  # **/ : any number of folders, none included
                j += 1
            else:
                out.append("[^/]*")
            i = j
            continue
        if c == "?":
            out.append("[^/]")
        elif c == "[":
            got = _bracket(glob, i)
            if got is None:  # an unclosed bracket matches nothing in git
                return r"(?!)"
            out.append(got[0])
            i = got[1]
            continue
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(glob[i + 1]))
            i += 2
            continue
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def parse(line: str) -> Pattern | None:
    """One line of an ignore file, or None for a blank line or a comment."""
    line = line.removesuffix("\r")
    if not line or line.startswith("#"):
        return None
    # Trailing spaces go unless escaped with a backslash.
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        stripped += " "
    line = stripped
    negate = line.startswith("!")
    if negate:
        line = line[1:]
    dir_only = line.endswith("/")
    if dir_only:
        line = line.rstrip("/")
    if not line:
        return None
    basename = "/" not in line
    if not basename:
        line = line.removeprefix("/")
    try:
        regex = re.compile(translate(line), re.DOTALL)
    except re.error:
        return None
    return Pattern(regex, negate, dir_only, basename)


@dataclass
class Rules:
    """The patterns of one ignore file, applying to paths relative to ``base``."""

    base: Path
    patterns: list[Pattern] = field(default_factory=list)

    def decide(self, rel: str, is_dir: bool) -> bool | None:
        """True (ignored), False (re-included by a negation) or None (no pattern matches ``rel``)."""
        name = rel.rpartition("/")[2]
        for p in reversed(self.patterns):
            if p.dir_only and not is_dir:
                continue
            if p.match.fullmatch(name if p.basename else rel):
                return not p.negate
        return None


def _small_text(path: Path) -> str | None:
    """The text of a small file (an ignore file, a git config), or None when missing, unreadable or huge."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def read_rules(path: Path, base: Path) -> Rules | None:
    """The rules of the ignore file ``path`` (None when it is missing, unreadable or holds none)."""
    text = _small_text(path)
    if text is None:
        return None
    text = text.removeprefix("\ufeff")  # git skips a UTF-8 byte-order mark at the start
    patterns = [p for p in map(parse, text.split("\n")) if p is not None]
    return Rules(base, patterns) if patterns else None


def git_dirs(root: Path) -> tuple[Path, Path] | None:
    """The git directory of the work tree ``root`` and its common directory (they differ in a
    linked worktree, where ``.git`` is a file naming the git directory)."""
    dot = root / ".git"
    try:
        if dot.is_dir():
            return dot, dot
        text = dot.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    git_dir = Path(text[len("gitdir:") :].strip())
    if not git_dir.is_absolute():
        git_dir = root / git_dir
    common = git_dir
    try:
        named = (git_dir / "commondir").read_text(encoding="utf-8", errors="replace").strip()
        common = Path(named) if Path(named).is_absolute() else git_dir / named
    except OSError:
        pass
    return git_dir, common


_SECTION = re.compile(r"\s*\[\s*([A-Za-z0-9.-]+)(\s+\"[^\"]*\")?\s*\]\s*(.*)$")
_ENTRY = re.compile(r"\s*([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$")


def _config_value(raw: str) -> str:
    """A git config value: quotes removed, a comment after it dropped, escapes read."""
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == '"':
            quoted = not quoted
        elif c in "#;" and not quoted:
            break
        elif c == "\\" and i + 1 < len(raw):
            i += 1
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(raw[i], raw[i]))
        else:
            out.append(c)
        i += 1
    return "".join(out).strip()


def _excludes_file_in(path: Path) -> str | None:
    """``core.excludesFile`` as set in one git config file (the last setting), or None."""
    text = _small_text(path)
    if text is None:
        return None
    section, found = "", None
    for line in text.splitlines():
        m = _SECTION.match(line)
        if m:
            section, line = m.group(1).lower() + ("+sub" if m.group(2) else ""), m.group(3)
            if not line.strip():
                continue
        m = _ENTRY.match(line)
        if m and section == "core" and m.group(1).lower() == "excludesfile" and m.group(2) is not None:
            found = _config_value(m.group(2))
    return found


def _config_home() -> Path:
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return Path(xdg) if xdg else Path.home() / ".config"


def global_excludes_file(common_dir: Path) -> Path | None:
    """The global excludes file git would read: ``core.excludesFile`` from the system, global
    and repository config (the last one set wins), else ``$XDG_CONFIG_HOME/git/ignore``."""
    try:
        return _global_excludes_file(common_dir)
    except (RuntimeError, KeyError, OSError, ValueError):  # no home folder to be found
        return None


def _global_excludes_file(common_dir: Path) -> Path | None:
    configs: list[Path] = []
    if not os.environ.get("GIT_CONFIG_NOSYSTEM"):
        configs.append(Path("/etc/gitconfig"))
    try:
        home: Path | None = Path.home()
    except (RuntimeError, KeyError):
        home = None
    if os.environ.get("GIT_CONFIG_GLOBAL"):
        configs.append(Path(os.environ["GIT_CONFIG_GLOBAL"]))
    else:
        configs.append(_config_home() / "git" / "config")
        if home is not None:
            configs.append(home / ".gitconfig")
    configs.append(common_dir / "config")
    chosen = None
    for c in configs:
        value = _excludes_file_in(c)
        if value is not None:
            chosen = value
    if chosen is None:
        return _config_home() / "git" / "ignore"
    if not chosen:
        return None
    if chosen.startswith("~") and home is not None:
        chosen = str(home) + chosen[1:] if chosen.startswith("~/") or chosen == "~" else os.path.expanduser(chosen)
    return Path(chosen)


class Ignores:
    """Whether git ignores a path in the work tree ``root`` (paths given resolved, below ``root``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._rules: dict[Path, Rules | None] = {}
        self._dirs: dict[Path, bool] = {root: False}
        self._outer: list[Rules] = []  # info/exclude, then the global excludes file
        dirs = git_dirs(root)
        if dirs is not None:
            exclude = read_rules(dirs[1] / "info" / "exclude", root)
            if exclude is not None:
                self._outer.append(exclude)
            global_file = global_excludes_file(dirs[1])
            rules = read_rules(global_file, root) if global_file is not None else None
            if rules is not None:
                self._outer.append(rules)

    def _gitignore(self, folder: Path) -> Rules | None:
        if folder not in self._rules:
            self._rules[folder] = read_rules(folder / ".gitignore", folder)
        return self._rules[folder]

    def _decide(self, path: Path, is_dir: bool) -> bool:
        """The path's own verdict (its folders aside): the first source with a matching pattern."""
        for folder in path.parents:
            rules = self._gitignore(folder)
            if rules is not None:
                verdict = rules.decide(path.relative_to(folder).as_posix(), is_dir)
                if verdict is not None:
                    return verdict
            if folder == self.root:
                break
        rel = path.relative_to(self.root).as_posix()
        for rules in self._outer:
            verdict = rules.decide(rel, is_dir)
            if verdict is not None:
                return verdict
        return False

    def folder_ignored(self, folder: Path) -> bool:
        """Whether git ignores ``folder`` or a folder it is in (then nothing in it can be re-included)."""
        if folder in self._dirs:
            return self._dirs[folder]
        if self.root not in folder.parents:
            return False
        verdict = self.folder_ignored(folder.parent) or self._decide(folder, True)
        self._dirs[folder] = verdict
        return verdict

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether git ignores ``path`` (a file, or a folder when ``is_dir``)."""
        if self.root not in path.parents:
            return False
        if is_dir:
            return self.folder_ignored(path)
        return self.folder_ignored(path.parent) or self._decide(path, False)
