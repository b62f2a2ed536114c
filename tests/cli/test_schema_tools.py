"""The schema works in the tools people use: check-jsonschema, taplo (Even Better TOML) and tombi.

Python's ``re`` accepts patterns that ECMA-262 in unicode mode (what JSON Schema tools
use) rejects, such as the identity escape ``\\"``: so the schema is checked by the real
tools, installed by the ``test`` extra, on the bundled journeys (accepted) and on a
malformed set (each rejected). The editor associations documented in docs/format.md
(``#:schema`` first line, ``.taplo.toml``, ``tombi.toml``) are exercised as written there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import regress

from journeytui.cli import main

BIN = Path(sys.executable).parent
TIMEOUT = 120

MALFORMED = {
    "unknown-key.toml": ('[journey]\nid = "j"\ntitle = "t"\ncolour = 1\n', "colour"),
    "space-in-id.toml": ('[journey]\nid = "a b"\ntitle = "t"\n', "a b"),
    "quote-in-id.toml": ('[journey]\nid = \'a"b\'\ntitle = "t"\n', 'a"b'),
    "missing-title.toml": ('[journey]\nid = "j"\n', "title"),
    "bad-kind.toml": ('[journey]\nid = "j"\ntitle = "t"\n\n[[stages]]\nid = "s"\nname = "S"\nkind = "wonn"\n', "wonn"),
    "probability.toml": (
        '[journey]\nid = "j"\ntitle = "t"\n\n[[transitions]]\nfrom = "a"\nto = "b"\nprobability = 1.5\n',
        "1.5",
    ),
}


def tool(name: str) -> str:
    """A tool the ``test`` extra installs beside this interpreter (not skipped: a missing one is a failure)."""
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


def mentions(said: str, fragment: str) -> bool:
    """The tool's output names the offending text (quoted as it is, or JSON-escaped)."""
    return fragment in said or fragment.replace('"', '\\"') in said


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "TOMBI_OFFLINE": "1"}
    return subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, env=env, stdin=subprocess.DEVNULL
    )


@pytest.fixture
def workspace(tmp_path: Path, repo_root: Path) -> Path:
    """A repository as docs/format.md describes: the schema from ``journeytui schema --out`` beside journeys/."""
    assert main(["schema", "--out", str(tmp_path / "journey.schema.json")]) == 0
    (tmp_path / "journeys").mkdir()
    for path in (repo_root / "journeys").glob("*.toml"):
        shutil.copy(path, tmp_path / "journeys" / path.name)
    (tmp_path / "bad").mkdir()
    for name, (text, _) in MALFORMED.items():
        (tmp_path / "bad" / name).write_text(text, encoding="utf-8")
    return tmp_path


def _patterns(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "pattern" and isinstance(v, str)] + [
            p for k, v in node.items() if k != "pattern" for p in _patterns(v)
        ]
    if isinstance(node, list):
        return [p for v in node for p in _patterns(v)]
    return []


def test_every_pattern_is_valid_ecma_262_in_unicode_mode(workspace: Path) -> None:
    schema = json.loads((workspace / "journey.schema.json").read_text(encoding="utf-8"))
    patterns = _patterns(schema)
    assert patterns
    for pattern in set(patterns):
        regex = regress.Regex(pattern, "u")  # raises on an identity escape such as \"
        assert regex.find("認知") and regex.find("step-2")
        assert not regex.find('a"b') and not regex.find("a b") and not regex.find("-x")


def test_check_jsonschema_accepts_the_schema_and_every_bundled_journey(workspace: Path) -> None:
    meta = run(tool("check-jsonschema"), "--check-metaschema", "journey.schema.json", cwd=workspace)
    assert meta.returncode == 0, meta.stdout + meta.stderr
    journeys = sorted(str(p.relative_to(workspace)) for p in (workspace / "journeys").glob("*.toml"))
    assert len(journeys) >= 5
    proc = run(tool("check-jsonschema"), "--schemafile", "journey.schema.json", *journeys, cwd=workspace)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_jsonschema_rejects_each_malformed_file(workspace: Path) -> None:
    files = [f"bad/{name}" for name in MALFORMED]
    proc = run(tool("check-jsonschema"), "--schemafile", "journey.schema.json", "-o", "json", *files, cwd=workspace)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = json.loads(proc.stdout)["errors"]
    for name, (_, fragment) in MALFORMED.items():
        mine = [e["message"] for e in errors if e["filename"] == f"bad/{name}"]
        assert any(fragment in m for m in mine), (name, mine)


def _with_schema_line(workspace: Path) -> list[Path]:
    """Each journey and malformed file with the documented first line ``#:schema ../journey.schema.json``."""
    out = []
    for folder in ("journeys", "bad"):
        for path in sorted((workspace / folder).glob("*.toml")):
            path.write_text("#:schema ../journey.schema.json\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
            out.append(path)
    return out


@pytest.mark.parametrize(
    ("name", "command"),
    [("taplo", ["check", "--no-auto-config"]), ("tombi", ["lint", "--offline"])],
)
def test_editors_follow_the_schema_line(name: str, command: list[str], workspace: Path) -> None:
    for path in _with_schema_line(workspace):
        proc = run(tool(name), *command, str(path.relative_to(workspace)), cwd=workspace)
        said = proc.stdout + proc.stderr
        if path.parent.name == "journeys":
            assert proc.returncode == 0, (path.name, said)
        else:
            assert proc.returncode != 0, (path.name, said)
            assert mentions(said, MALFORMED[path.name][1]), (path.name, said)


def test_taplo_follows_the_repository_configuration(workspace: Path) -> None:
    (workspace / ".taplo.toml").write_text(
        '[[rule]]\ninclude = ["journeys/**/*.toml", "bad/*.toml"]\n[rule.schema]\npath = "./journey.schema.json"\n',
        encoding="utf-8",
    )
    good = run(tool("taplo"), "check", "journeys/aidma.toml", "journeys/sme-four-steps.toml", cwd=workspace)
    assert good.returncode == 0, good.stdout + good.stderr
    for name in MALFORMED:
        bad = run(tool("taplo"), "check", f"bad/{name}", cwd=workspace)
        assert bad.returncode != 0, (name, bad.stdout + bad.stderr)


def test_tombi_follows_the_repository_configuration(workspace: Path) -> None:
    (workspace / "tombi.toml").write_text(
        '[[schemas]]\npath = "journey.schema.json"\ninclude = ["journeys/*.toml", "bad/*.toml"]\n', encoding="utf-8"
    )
    good = run(tool("tombi"), "lint", "--offline", "journeys/aidma.toml", "journeys/sme-four-steps.toml", cwd=workspace)
    assert good.returncode == 0, good.stdout + good.stderr
    for name, (_, fragment) in MALFORMED.items():
        bad = run(tool("tombi"), "lint", "--offline", f"bad/{name}", cwd=workspace)
        assert bad.returncode != 0, (name, bad.stdout + bad.stderr)
        assert mentions(bad.stdout + bad.stderr, fragment), (name, bad.stdout + bad.stderr)
