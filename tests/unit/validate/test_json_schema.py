"""The JSON Schema (draft-07) of the format: valid itself, accepts bundled journeys, rejects bad ones."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import jsonschema
import pytest

from journeytui.validate.schema import journey_schema

JOURNEYS = sorted((Path(__file__).resolve().parents[3] / "journeys").glob("*.toml"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = journey_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_schema_is_draft_07() -> None:
    schema = journey_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["required"] == ["journey"]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("path", JOURNEYS, ids=[p.name for p in JOURNEYS])
def test_bundled_journeys_validate_against_the_schema(validator, path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert [e.message for e in validator.iter_errors(data)] == []


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"journey": {"id": "j", "title": "t", "colour": 1}}, "Additional properties"),
        ({"journey": {"id": "j"}}, "'title' is a required property"),
        ({"journey": {"id": "a b", "title": "t"}}, "does not match"),
        ({"journey": {"id": "j", "title": "t"}, "stages": [{"id": "s", "name": "S", "kind": "wonn"}]}, "is not one of"),
        (
            {"journey": {"id": "j", "title": "t"}, "transitions": [{"from": "a", "to": "b", "probability": 1.5}]},
            "1.5 is greater than the maximum of 1",
        ),
        (
            {
                "journey": {"id": "j", "title": "t"},
                "stalls": [{"stage": "a", "probability": 0.1, "cause": "c", "duration": {"kind": "uniform", "min": 1}}],
            },
            "'max' is a required property",
        ),
    ],
)
def test_schema_rejects_bad_files(validator, data, fragment: str) -> None:
    messages = [e.message for e in validator.iter_errors(data)]
    assert any(fragment in m for m in messages), messages


def test_id_pattern_accepts_japanese_ids_under_ecma_regex_semantics() -> None:
    pattern = journey_schema()["definitions"]["Stage"]["properties"]["id"]["pattern"]
    assert re.search(pattern, "認知", flags=re.ASCII)
