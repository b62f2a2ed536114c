"""Every bundled journey (globbed at test time, as more are added) validates with no findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeytui.bundled import bundled_journeys, flagship
from journeytui.validate import validate_file

JOURNEYS = sorted((Path(__file__).resolve().parents[3] / "journeys").glob("*.toml"))


def test_there_are_bundled_journeys_and_the_flagship_is_one() -> None:
    assert len(JOURNEYS) >= 1
    assert flagship() in JOURNEYS or flagship().resolve() in [p.resolve() for p in JOURNEYS]
    assert [p.resolve() for p in bundled_journeys()] == [p.resolve() for p in JOURNEYS]


def test_the_flagship_has_no_diagnostics(flagship_path: Path) -> None:
    result = validate_file(flagship_path)
    assert result.diagnostics == []
    assert result.journey is not None and result.journey.journey.id == "b2b-it-tool"


@pytest.mark.parametrize("path", JOURNEYS, ids=[p.name for p in JOURNEYS])
def test_bundled_journey_validates_clean(path: Path) -> None:
    result = validate_file(path)
    assert [f"{d.line}:{d.column}: {d.code} {d.message}" for d in result.diagnostics] == []
