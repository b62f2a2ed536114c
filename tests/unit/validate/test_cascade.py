"""One mistake, one finding: an element or table left out of the model for an error of its own
must not make every reference to it a second, false error (issue 10: one error in `[scoring]`
cascaded into nine E207)."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeytui.model import edit
from journeytui.tui.document import Document
from journeytui.validate import validate_text

SCORING = (Path(__file__).resolve().parents[3] / "journeys" / "scoring-handoff.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("mql_threshold = 50.0", 'mql_threshold = "fifty"', "E102"),  # the whole [scoring] is left out
        ('handoff_to = "inside_sales"', "handoff_to = 3", "E102"),
        ("page_view = 1.0", 'page_view = "one"', "E102"),  # one behaviour is left out
        ("page_view = 1.0", "page_view = nan", "E105"),
    ],
    ids=["threshold", "handoff-to", "behaviour-type", "behaviour-nan"],
)
def test_an_error_in_scoring_is_reported_once(old: str, new: str, code: str) -> None:
    assert old in SCORING
    result = validate_text(SCORING.replace(old, new, 1), "j.toml")
    errors = [d for d in result.diagnostics if d.is_error]
    assert [d.code for d in errors] == [code], [f"{d.line}:{d.code} {d.message}" for d in errors]


def test_a_reference_to_something_the_file_never_defines_is_still_an_error() -> None:
    """The suppression covers only ids the file defines: a typo in a touchpoint's behaviour is E207."""
    text = SCORING.replace("mql_threshold = 50.0", 'mql_threshold = "fifty"', 1)
    assert 'behaviour = "download"' in text
    text = text.replace('behaviour = "download"', 'behaviour = "downlaod"', 1)
    codes = sorted(d.code for d in validate_text(text, "j.toml").diagnostics if d.is_error)
    assert codes == ["E102", "E207"]


def test_after_an_edit_in_the_app_the_error_is_still_reported_once(tmp_path: Path) -> None:
    """The app checks the edited model without the file's positions; the elements the load left out
    must still not cascade (it did: one E102 came back as nine E207 after the first edit)."""
    path = tmp_path / "j.toml"
    path.write_text(SCORING.replace("mql_threshold = 50.0", 'mql_threshold = "fifty"', 1), encoding="utf-8")
    doc = Document.open(path)
    assert doc.history is not None
    assert [d.code for d in doc.diagnostics() if d.is_error] == ["E102"]
    doc.history.apply("title", lambda j: edit.set_field(j, ("journey", "title"), "edited"))
    assert doc.dirty
    assert [d.code for d in doc.diagnostics() if d.is_error] == ["E102"]
