"""The built wheel works on its own: installed into a fresh venv and run from another folder.

This is what ``pip install .``, ``pipx install .`` and ``uv tool install .`` give a user:
the wheel, without the repository around it. The test builds the wheel from a copy of the
project, installs it into a new venv (no system site-packages), and from an empty folder
runs ``journeytui --version``, validates and simulates a bundled journey by name, checks
that help links to the online docs, opens the app headless on the flagship, and starts a
new file from the seven bundled templates and saves it there.

Dependencies: a network install of numpy and Textual takes minutes on a busy machine and
fails offline, so the fresh venv gets exactly the distributions the wheel's metadata asks
for (Requires-Dist, followed transitively), linked from the environment running the tests,
and nothing else. A requirement missing from the metadata therefore fails here as it
would for a user, and ``pip check`` confirms the declared ones are met. journeytui itself
comes only from the wheel: the test asserts nothing is imported from the repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
BIN = "Scripts" if os.name == "nt" else "bin"

APP_SCRIPT = """
import asyncio, json, sys
from textual.widgets import OptionList
from journeytui.tui.app import create_app

async def main() -> None:
    seen = {}
    app = create_app(None, watch_file=False)  # what `journeytui` with no arguments opens
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        seen.update(path=str(app.doc.path), title=app.title, sub_title=app.sub_title, missing=app.missing,
                    problems=[d.code for d in app.doc.diagnostics()])
        await pilot.press("ctrl+q")
    app = create_app("mine.toml", watch_file=False)  # `journeytui edit mine.toml`: a new file
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        seen["dialog"] = type(app.screen).__name__
        options = app.screen.query_one(OptionList)
        seen["templates"] = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        await pilot.press("enter")  # the highlighted template: the flagship
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        seen["saved_as"] = str(app.doc.path)
        await pilot.press("ctrl+q")
    print(json.dumps(seen))

asyncio.run(main())
"""


def _requirement_closure(root: str) -> list[metadata.Distribution]:
    """The installed distributions ``root`` needs at run time (no extras), transitively."""
    env = {"extra": ""}
    seen: dict[str, metadata.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        dist = metadata.distribution(name)
        for raw in dist.requires or []:
            req = Requirement(raw)
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            key = re.sub(r"[-_.]+", "-", req.name).lower()
            if key not in seen:
                seen[key] = metadata.distribution(req.name)
                todo.append(req.name)
    return list(seen.values())


def _link_distributions(dists: list[metadata.Distribution], into: Path) -> None:
    """Symlink each distribution's top-level files and folders (and its .dist-info) into ``into``."""
    into.mkdir()
    for dist in dists:
        base = Path(str(dist.locate_file("")))
        tops = {Path(f).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in sorted(tops):
            source = base / top
            if source.exists() and not (into / top).exists():
                (into / top).symlink_to(source, target_is_directory=source.is_dir())


def _run(
    cmd: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


class Installed:
    """A fresh venv with the wheel installed, and an empty folder to run it from."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.venv = root / "venv"
        self.python = self.venv / BIN / "python"
        self.cwd = root / "elsewhere"
        self.cwd.mkdir()
        # A clean environment: no PYTHONPATH into the repository, no bundled-folder override.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JOURNEYTUI_", "VIRTUAL_ENV"))}
        self.env["PATH"] = f"{self.venv / BIN}{os.pathsep}{self.env.get('PATH', '')}"
        self.env["NO_COLOR"] = "1"

    def journeytui(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return _run([self.venv / BIN / "journeytui", *args], self.cwd, self.env, timeout)

    def python_code(self, code: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return _run([self.python, "-c", code], self.cwd, self.env, timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the project (the build writes build/ and egg-info)."""
    root = tmp_path_factory.mktemp("build")
    source = root / "journeytui"
    ignore = shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "build", "dist", "*.egg-info", ".*_cache", ".hypothesis", "tests", "bench"
    )
    shutil.copytree(REPO, source, ignore=ignore)
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", root / "dist", source],
        root,
        dict(os.environ),
    )
    [built] = (root / "dist").glob("journeytui-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    inst = Installed(tmp_path_factory.mktemp("fresh"))
    _run([sys.executable, "-m", "venv", "--without-pip", inst.venv], inst.root, dict(os.environ))
    _run(
        [sys.executable, "-m", "pip", "--python", inst.python, "install", "--no-deps", "--no-index", "-q", wheel],
        inst.root,
        dict(os.environ),
    )
    deps = inst.root / "deps"
    _link_distributions(_requirement_closure("journeytui"), deps)
    purelib = inst.python_code("import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    (Path(purelib) / "journeytui-test-deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    yield inst


def test_the_wheel_carries_the_journeys_and_the_stylesheet(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        shipped = {
            n.removeprefix("journeytui/journeys/"): zf.read(n)
            for n in names
            if n.endswith(".toml") and n.count("/") == 2  # journeytui/journeys/NAME.toml, not examples/
        }
    expected = {p.name: p.read_bytes() for p in (REPO / "journeys").glob("*.toml")}
    assert len(expected) == 7
    assert shipped == expected, "the wheel's journeys differ from journeys/"
    assert "journeytui/tui/journeytui.tcss" in names
    assert "journeytui/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "journeys/", "docs/"))]
    examples = {p.name for p in (REPO / "journeys" / "examples").iterdir()}
    assert examples and {f"journeytui/journeys/examples/{n}" for n in examples} <= names


def test_the_example_sweep_runs_by_name(installed: Installed) -> None:
    """docs/sweeps.md's first command, from an empty folder of an installed copy."""
    proc = installed.journeytui(
        "sweep", "b2b-it-tool", "b2b-it-tool.sweep", "--sample", "random", "2", "--runs", "2", "--top", "2"
    )
    assert "b2b-it-tool.sweep" not in proc.stderr and "scenario" in proc.stdout.lower(), proc.stdout


def test_journeytui_comes_from_the_wheel_only(installed: Installed) -> None:
    out = installed.python_code(
        "import json, journeytui, journeytui.journeys, journeytui.bundled as b;"
        "print(json.dumps([journeytui.__file__, b.bundled_dir().as_posix(), [p.name for p in b.bundled_journeys()]]))"
    ).stdout
    module, folder, journeys = json.loads(out)
    site = str(installed.venv)
    assert module.startswith(site) and folder.startswith(installed.venv.as_posix())
    assert str(REPO) not in module + folder
    assert len(journeys) == 7 and "b2b-it-tool.toml" in journeys


def test_declared_requirements_are_met(installed: Installed) -> None:
    """pip check in the fresh venv: every Requires-Dist of the wheel (and of its dependencies) is there."""
    proc = _run([sys.executable, "-m", "pip", "--python", installed.python, "check"], installed.cwd, installed.env)
    assert "No broken requirements found." in proc.stdout


def test_version_and_help(installed: Installed) -> None:
    from journeytui import __version__

    assert installed.journeytui("--version").stdout.strip() == f"journeytui {__version__}"
    help_text = installed.journeytui("simulate", "--help").stdout
    assert "https://github.com/journeytui/journeytui/blob/main/docs/simulation.md" in re.sub(r"\s+", "", help_text)
    assert "docs/simulation.md." not in help_text.replace("/docs/simulation.md", "")


def test_validate_a_bundled_journey_by_name(installed: Installed) -> None:
    proc = installed.journeytui("validate", "b2b-it-tool", "sme-four-steps", "aidma")
    assert proc.stdout.strip().endswith("All checks passed (3 files).")


def test_simulate_a_bundled_journey_by_name(installed: Installed) -> None:
    proc = installed.journeytui("simulate", "b2b-it-tool", "--weeks", "10")
    flagship_title = "B2B IT tool: six-phase journey with a four-persona DMU"
    assert proc.stdout.startswith(f"{flagship_title}: Monte Carlo, 20 runs, seed 0")
    assert "week 10" in proc.stdout and "won by week 10:" in proc.stdout
    exact = installed.journeytui(
        "simulate", "asis-example", "--exact", "--weeks", "10", "--format", "json", "--ignore", "scoring",
        "--ignore", "lifts", "--ignore", "gates", "--ignore", "capacity",
    )  # fmt: skip
    data = json.loads(exact.stdout)
    assert data["journey"] == "asis-example" and data["weeks"] == 10


def test_the_app_opens_on_the_flagship_with_the_templates(installed: Installed) -> None:
    proc = installed.python_code(APP_SCRIPT, timeout=600)
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    flagship = tomllib.loads((REPO / "journeys" / "b2b-it-tool.toml").read_text(encoding="utf-8"))
    assert seen["path"].startswith(str(installed.venv)) and seen["path"].endswith("b2b-it-tool.toml")
    assert not seen["missing"]
    assert seen["title"] == "b2b-it-tool.toml"
    assert seen["sub_title"].startswith(flagship["journey"]["title"])
    assert "bundled" in seen["sub_title"]
    assert [c for c in seen["problems"] if c.startswith("E")] == []
    assert seen["dialog"] == "ChoiceScreen"
    names = sorted(p.name for p in (REPO / "journeys").glob("*.toml"))
    assert seen["templates"][0].startswith("Blank journey")  # then each bundled journey with its title
    assert [t.split(": ", 1)[0] for t in seen["templates"][1:]] == names
    copy = installed.cwd / "mine.toml"
    assert installed.cwd / seen["saved_as"] == copy
    assert copy.read_bytes() == (REPO / "journeys" / "b2b-it-tool.toml").read_bytes()
