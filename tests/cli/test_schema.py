"""`journeytui schema`: draft-07 JSON Schema that every bundled journey satisfies."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema

from journeytui.cli import main


def test_prints_a_draft_07_schema_that_accepts_every_bundled_journey(repo_root: Path, capsys) -> None:
    assert main(["schema"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    schema = json.loads(out)
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    validator = jsonschema.Draft7Validator(schema)
    journeys = sorted((repo_root / "journeys").glob("*.toml"))
    assert journeys
    for path in journeys:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert [e.message for e in validator.iter_errors(data)] == [], path.name


def test_schema_rejects_an_unknown_key(capsys) -> None:
    main(["schema"])
    schema = json.loads(capsys.readouterr().out)
    errors = list(jsonschema.Draft7Validator(schema).iter_errors({"journey": {"id": "j", "title": "t", "titel": "x"}}))
    assert errors and "titel" in errors[0].message


def test_out_writes_a_file(tmp_path: Path, capsys) -> None:
    target = tmp_path / "journey.schema.json"
    assert main(["schema", "--out", str(target)]) == 0
    assert capsys.readouterr().out == ""
    main(["schema"])
    assert target.read_text(encoding="utf-8") == capsys.readouterr().out


def test_out_to_a_missing_folder_is_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["schema", "--out", str(tmp_path / "no" / "such" / "x.json")]) == 2
    assert "cannot write" in capsys.readouterr().err
