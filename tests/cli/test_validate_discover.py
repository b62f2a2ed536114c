"""Which files `validate` and `fmt` take, as ruff users expect (issue 10, linter parity): git's
ignore rules in a real `git init` repository (git is the oracle), other tools' TOML files
skipped, a broken pyproject.toml with our settings refused, an excluded folder named on the
command line, `--statistics --format json`."""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest

from journeytui.cli import main

JOURNEY = '[journey]\nid = "j"\ntitle = "J"\n'


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty git repository as the working folder, with a home of its own (no global git config)."""
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CONFIG_GLOBAL", "GIT_CEILING_DIRECTORIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=60)
    monkeypatch.chdir(root)
    return root


def put(root: Path, rel: str, text: str = JOURNEY) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def git_adds(root: Path) -> list[str]:
    """The *.toml files git would add (untracked, not ignored): the oracle."""
    done = subprocess.run(
        ["git", "ls-files", "--others", "--cached", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return sorted(n for n in done.stdout.decode().split("\0") if n.endswith(".toml"))


def shown(capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out, err = run(["validate", ".", "--show-files", "--isolated"], capsys)
    assert code == 0, err
    return sorted(out.splitlines())


# -- 1. git's ignore rules --------------------------------------------------------------------


def test_nested_negations_and_info_exclude_as_git_does(repo: Path, capsys) -> None:
    for rel in ("top.toml", "other.toml", "a/x.toml", "a/y.toml", "secret.toml"):
        put(repo, rel)
    put(repo, ".gitignore", "*.toml\n!top.toml\n!secret.toml\n")
    put(repo, "a/.gitignore", "!x.toml\n")  # a deeper file overrides the root's *.toml
    assert shown(capsys) == git_adds(repo) == ["a/x.toml", "secret.toml", "top.toml"]
    # .git/info/exclude counts too, below every .gitignore: the root's !secret.toml still wins ...
    with (repo / ".git" / "info" / "exclude").open("a", encoding="utf-8") as f:
        f.write("secret.toml\nnew.toml\n")
    put(repo, "new.toml")
    put(repo, ".gitignore", "*.toml\n!top.toml\n!secret.toml\n!new.toml\n")
    assert shown(capsys) == git_adds(repo) == ["a/x.toml", "new.toml", "secret.toml", "top.toml"]
    # ... and alone it ignores.
    put(repo, ".gitignore", "")
    assert "secret.toml" not in shown(capsys)
    assert shown(capsys) == git_adds(repo)


def test_an_ignore_file_starting_with_a_byte_order_mark(repo: Path, capsys) -> None:
    """git skips the mark: the first pattern still counts (found in review: it did not)."""
    for rel in ("a/bom.toml", "a/keep.toml"):
        put(repo, rel)
    put(repo, "a/.gitignore", "\ufeffbom.toml\n")
    assert shown(capsys) == git_adds(repo) == ["a/keep.toml"]


def test_a_file_in_an_ignored_folder_cannot_be_re_included_but_a_slash_star_star_one_can(repo: Path, capsys) -> None:
    for rel in ("build/keep.toml", "a/keep.toml", "a/drop.toml"):
        put(repo, rel)
    put(repo, ".gitignore", "build/\n!build/keep.toml\na/**\n!a/keep.toml\n")
    assert shown(capsys) == git_adds(repo) == ["a/keep.toml"]


def test_the_global_excludes_file(repo: Path, capsys) -> None:
    put(repo, "mine.toml")
    put(repo, "ours.toml")
    home = Path.home()
    put(home, ".config/git/ignore", "mine.toml\n")  # git's default core.excludesFile
    assert shown(capsys) == git_adds(repo) == ["ours.toml"]
    # core.excludesFile in the repository's config (with ~) takes over from the default.
    put(home, "my-ignores", "ours.toml\n")
    subprocess.run(["git", "config", "core.excludesFile", "~/my-ignores"], cwd=repo, check=True, timeout=60)
    assert shown(capsys) == git_adds(repo) == ["mine.toml"]
    code, out, _ = run(["validate", ".", "--show-files", "--isolated", "--no-respect-gitignore"], capsys)
    assert code == 0 and sorted(out.splitlines()) == ["mine.toml", "ours.toml"]


def test_a_linked_worktree_reads_the_common_info_exclude(repo: Path, capsys, monkeypatch) -> None:
    """In a linked worktree ``.git`` is a file: info/exclude is the main repository's."""
    put(repo, "README.md", "x\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "README.md"], cwd=repo, check=True, timeout=60)
    subprocess.run([*git, "commit", "-qm", "start"], cwd=repo, check=True, timeout=60)
    tree = repo.parent / "linked"
    subprocess.run([*git, "worktree", "add", "-q", str(tree)], cwd=repo, check=True, timeout=60)
    put(tree, "a.toml")
    put(tree, "b.toml")
    (repo / ".git" / "info" / "exclude").write_text("a.toml\n", encoding="utf-8")
    monkeypatch.chdir(tree)
    assert (tree / ".git").is_file()
    assert shown(capsys) == git_adds(tree) == ["b.toml"]


PATTERNS = [
    "*.toml",
    "!x.toml",
    "!keep.toml",
    "/top.toml",
    "!/top.toml",
    "sub/",
    "!sub/",
    "**/c.toml",
    "a/**",
    "!a/keep.toml",
    "a/**/x.toml",
    "d*",
    "!d1.toml",
    "/a",
    "b/*.toml",
    "deep",
    "!deep/",
    "**/sub/**",
    "*.t[o]ml",
    "k?ep.toml",
    "sub/x.toml",
    "!b/",
    "!*.toml",
    "[a-c]/",
    "**/deep/x.toml",
    "# a comment",
    "x.toml/",
    "a/**/sub/",
    "!**/keep.toml",
    "keep.toml   ",
    "\\!x.toml",
    "*",
    "!*/",
    "sub/**/*.toml",
    "/*/c.toml",
    "[!a]*.toml",
    "**",
    "!deep/**",
]
NAMES = ["x.toml", "keep.toml", "top.toml", "c.toml", "d1.toml", "!x.toml", "notes.md"]
FOLDERS = ["a", "b", "sub", "deep"]


SEEDS = int(os.environ.get("JOURNEYTUI_GITIGNORE_SEEDS", "40"))  # more by hand to search deeper


@pytest.mark.parametrize("seed", range(SEEDS))
def test_random_trees_match_git(repo: Path, capsys, seed: int) -> None:
    """Random trees of nested .gitignore files (negations, folder-only, anchored and ``**``
    patterns), info/exclude and the global excludes file: the walk lists what git adds."""
    rng = random.Random(seed)
    folders = {""}
    for _ in range(8):
        depth = rng.randint(1, 3)
        folders.add("/".join(rng.choice(FOLDERS) for _ in range(depth)))
    for folder in sorted(folders):
        prefix = f"{folder}/" if folder else ""
        for name in rng.sample(NAMES, rng.randint(1, 4)):
            put(repo, prefix + name)
        if rng.random() < 0.6:
            put(repo, prefix + ".gitignore", "".join(p + "\n" for p in rng.sample(PATTERNS, rng.randint(1, 5))))
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("\n".join(rng.sample(PATTERNS, rng.randint(0, 2))) + "\n")
    put(Path.home(), ".config/git/ignore", "\n".join(rng.sample(PATTERNS, rng.randint(0, 2))) + "\n")
    assert shown(capsys) == git_adds(repo), sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*.gitignore"))


# -- 2. other tools' TOML files ---------------------------------------------------------------

OTHER_TOOLS = {
    "tox.toml": 'requires = ["tox>=4.19"]\nenv_list = ["3.13", "lint"]\n\n[env_run_base]\ncommands = [["pytest"]]\n',
    "mise.toml": '[tools]\npython = "3.12"\n\n[env]\nFOO = "bar"\n',
    "rustfmt.toml": 'edition = "2021"\nmax_width = 100\n',
    "_typos.toml": '[default.extend-words]\nteh = "teh"\n',
    ".cz.toml": '[tool.commitizen]\nname = "cz_conventional_commits"\nversion = "0.1.0"\n',
    ".cargo/config.toml": '[build]\ntarget = "x86_64-unknown-linux-gnu"\n\n[alias]\nb = "build"\n',
    ".streamlit/config.toml": '[theme]\nprimaryColor = "#F63366"\n\n[server]\nport = 8501\n',
    "lefthook.toml": '[pre-commit]\nparallel = true\n\n[pre-commit.commands.lint]\nrun = "ruff check"\n',
}


@pytest.fixture
def others(repo: Path, minimal_text: str) -> Path:
    for rel, text in OTHER_TOOLS.items():
        put(repo, rel, text)
    put(repo, "journeys/j.toml", minimal_text)
    return repo


def test_a_walk_skips_other_tools_toml_files_and_says_so(others: Path, capsys) -> None:
    code, out, _ = run(["validate", "."], capsys)
    assert code == 0, out
    assert out == "All checks passed (1 file; 8 other TOML files skipped: not journeys).\n"
    code, out, err = run(["validate", ".", "--show-files"], capsys)
    assert out == "journeys/j.toml\n"
    assert "tox.toml: skipped, not a journey (top-level keys: env_list, env_run_base, requires)" in err
    assert sorted(line.split(":")[0] for line in err.splitlines()) == sorted(OTHER_TOOLS)


def test_pre_commit_mode_skips_them_but_a_file_named_plainly_is_checked(others: Path, capsys) -> None:
    staged = [*OTHER_TOOLS, "journeys/j.toml"]
    code, out, _ = run(["validate", "--force-exclude", *staged], capsys)
    assert code == 0 and out.endswith("(1 file; 8 other TOML files skipped: not journeys).\n"), out
    code, out, _ = run(["validate", "tox.toml"], capsys)  # asked for by name: its errors are shown
    assert code == 1 and "tox.toml:1:1: E101 unknown key `requires`" in out


def test_a_broken_toml_file_found_by_a_walk_is_still_reported(others: Path, capsys) -> None:
    put(others, "broken.toml", "[journey\n")
    code, out, _ = run(["validate", "."], capsys)
    assert code == 1 and "broken.toml:1:9: E001" in out and "in 2 files; 8 other" in out


def test_fmt_never_rewrites_other_tools_files(others: Path, capsys) -> None:
    before = {rel: (others / rel).read_bytes() for rel in OTHER_TOOLS}
    for argv in (["fmt", "."], ["fmt", "--force-exclude", *OTHER_TOOLS, "journeys/j.toml"]):
        code, _, err = run(argv, capsys)
        assert code == 0, err
        assert "8 other TOML files left alone (not journeys)" in err
    assert {rel: (others / rel).read_bytes() for rel in OTHER_TOOLS} == before


# -- 3. a pyproject.toml that does not parse --------------------------------------------------


def test_a_broken_pyproject_with_our_settings_is_a_usage_error(repo: Path, capsys) -> None:
    put(repo, "j.toml")
    put(repo, "pyproject.toml", '[project]\nname = "x"\n[tool.journeytui\nselect = ["E"]\n')
    code, _, err = run(["validate", "j.toml"], capsys)
    assert code == 2
    assert "pyproject.toml:3:17: not valid TOML: expected ']' at the end of a table declaration" in err
    # A table declared twice is named as TOML writes it, at its header (not as a Python tuple).
    put(repo, "pyproject.toml", '[tool.journeytui]\nignore = ["W101"]\n[tool.journeytui]\nselect = ["E"]\n')
    code, _, err = run(["validate", "j.toml"], capsys)
    assert code == 2 and "pyproject.toml:3:1: not valid TOML: table `[tool.journeytui]` declared twice" in err
    # Parsing but without [tool.journeytui]: fine and silent.
    put(repo, "pyproject.toml", '[project]\nname = "x"\n')
    code, _, err = run(["validate", "j.toml"], capsys)
    assert code == 1 and err == ""


# -- 4. an excluded folder named on the command line ------------------------------------------


def test_an_excluded_folder_named_explicitly_is_checked_unless_force_exclude(repo: Path, capsys) -> None:
    put(repo, "pyproject.toml", '[tool.journeytui]\nextend-exclude = ["drafts", "*.old.toml"]\n')
    put(repo, "drafts/a.toml")
    put(repo, "drafts/b.old.toml")
    put(repo, "archive/c.old.toml")
    code, out, _ = run(["validate", ".", "--show-files"], capsys)
    assert out == ""
    code, out, _ = run(["validate", "drafts", "--show-files"], capsys)  # as ruff: named, so walked
    assert out == "drafts/a.toml\n"
    code, out, _ = run(["validate", "drafts", "--force-exclude"], capsys)
    assert code == 1
    assert "drafts:1:1: E003 folder drafts is excluded by the exclude settings (pyproject.toml)" in out
    assert "--force-exclude leaves it out" in out
    code, out, _ = run(["validate", "archive"], capsys)
    assert code == 1 and "archive:1:1: E003 folder archive: everything in it is excluded by the exclude settings" in out
    put(repo, ".gitignore", "scratch/\n")
    put(repo, "scratch/s.toml")
    code, out, _ = run(["validate", "scratch"], capsys)
    assert code == 1 and "E003 folder scratch: everything in it is ignored by git" in out


# -- 5. --statistics --format json ------------------------------------------------------------


def test_statistics_as_json_like_ruff_and_refused_for_other_formats(repo: Path, minimal_text: str, capsys) -> None:
    put(repo, "bad.toml", minimal_text.replace("0.1", "1.5").replace("horizon = 52", "horizon = 5"))
    _, text, _ = run(["validate", "bad.toml", "--statistics"], capsys)
    code, out, _ = run(["validate", "bad.toml", "--statistics", "--format", "json"], capsys)
    assert code == 1
    rows = json.loads(out)
    assert [(r["count"], r["code"], r["name"]) for r in rows] == [
        (int(n), c, name) for n, c, name in (line.split("\t") for line in text.splitlines())
    ]
    assert rows and all(r["fixable"] is False and r["fixable_count"] == 0 for r in rows)
    code, out, err = run(["validate", "bad.toml", "--statistics", "--format", "sarif"], capsys)
    assert code == 2 and out == "" and "--statistics prints text or json" in err
