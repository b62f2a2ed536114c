"""The long layout's two readers: pyarrow (fast) and the precise pass agree, and errors keep their lines.

pyarrow reads the file when it can vouch for every line; otherwise (blank lines, line breaks in
quoted fields, a bad date, an empty id) ``read_events`` falls back to the precise pass, which
names the line. These tests read the same files both ways and compare every array.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from journeytui.calibrate import events
from journeytui.calibrate.events import InputError, StageMap, columns_for, default_stage_map, read_events
from journeytui.model import load_journey

ROOT = Path(__file__).resolve().parents[3]
JOURNEY = load_journey(ROOT / "journeys" / "b2b-it-tool.toml")


def _map() -> StageMap:
    m = default_stage_map(JOURNEY)
    m.names.update({"Research, desk": "research", "research, desk": "research"})
    m.ignore = {"Junk", "junk"}
    return m


def _both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[events.EventLog, events.EventLog, bool]:
    """The log read as read_events does it, whether pyarrow took it, and the precise pass's log."""
    taken: list[bool] = []
    real = events._read_long_arrow

    def spy(reader: events._Reader, raw: bytes) -> bool:
        taken.append(real(reader, raw))
        return taken[-1]

    monkeypatch.setattr(events, "_read_long_arrow", spy)
    fast = read_events(str(path), JOURNEY, columns_for(None), _map())
    monkeypatch.setattr(events, "_read_long_arrow", lambda reader, raw: False)
    precise = read_events(str(path), JOURNEY, columns_for(None), _map())
    return fast, precise, taken[0]


def _same(a: events.EventLog, b: events.EventLog) -> None:
    for name in ("lead", "stage", "ts", "line"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.lead_ids == b.lead_ids and a.personas == b.personas and a.warnings == b.warnings


MESSY = (
    "\ufefflead_id,stage,timestamp,persona\r\n"
    "L2,research,2025-01-20T10:00:00Z,\r\n"
    'L1,"Research, desk",2025-01-26T19:00:00-05:00,IT Staff\r\n'
    "L1,aware,2025-01-06T09:00:00+09:00,team_lead\r\n"
    "L2,aware,2025-01-06T09:00:00Z,dept_head\r\n"
    "L1,aware,2025-01-06T09:00:00+09:00,\r\n"
    "L3,Junk,2025-01-07T10:00:00Z,Someone Else\r\n"
    "L3,aware,2025-01-08T10:00:00.250Z,Someone Else\r\n"
)


def test_pyarrow_reads_a_messy_valid_export_exactly_like_the_precise_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "e.csv"
    path.write_text(MESSY, encoding="utf-8", newline="")
    fast, precise, took = _both(path, monkeypatch)
    assert took, "pyarrow should read a file whose every row is one line"
    _same(fast, precise)
    assert fast.lead_ids == ["L2", "L1", "L3"]
    # the last non-empty persona value of each lead, mapped by name or role, case-insensitive
    assert fast.personas == ["dept_head", "team_lead", None]
    text = " ".join(fast.warnings)
    assert "duplicate rows" in text and "out of time order" in text and "ignored stage names" in text
    assert "'Someone Else'" in text


def test_naive_dates_are_utc_on_both_readers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "e.csv"
    path.write_text("lead_id,stage,timestamp\nL1,aware,2025-01-06\nL1,research,2025-01-27 12:30\n", encoding="utf-8")
    fast, precise, took = _both(path, monkeypatch)
    assert took
    _same(fast, precise)
    assert fast.ts.tolist() == [1736121600, 1737981000]


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        # a blank line moves every later line down: pyarrow cannot count it, the precise pass can
        ("L1,aware,2025-01-06\n\nL1,Nurture,2025-01-07\n", 4, "stage name 'Nurture'"),
        # a quoted field spanning two lines, then a date nobody can read
        ('L1,"aw\nare",2025-01-06\nL1,aware,06/01/2025\n', 4, "cannot read the date"),
        ("L1,aware,2025-01-06T00:00:00Z\nL1,research,2025-01-07\n", 3, "without a time zone"),
        ("L1,aware,2025-01-06\n ,research,2025-01-07\n", 3, "the lead id is empty"),
        ("L1,aware,2025-01-06\nL2,,2025-01-07\n", 3, "the stage is empty"),
        ("L1,aware,2025-01-06\nL2,aware\n", 3, "expected 3 fields"),
        ("L1,aware,2025-01-06\nL2,aware,2025-01-07\nL3,Nurture,2025-01-08\n", 4, "stage name 'Nurture'"),
        # pyarrow reads a year past 9999; the precise pass refuses it at its line
        ("L1,aware,2025-01-06\nL2,aware,99999-01-08\n", 3, "cannot read the date"),
    ],
)
def test_bad_rows_are_named_by_their_line(tmp_path: Path, body: str, line: int, words: str) -> None:
    path = tmp_path / "e.csv"
    path.write_text("lead_id,stage,timestamp\n" + body, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_events(str(path), JOURNEY, columns_for(None), _map())
    assert caught.value.line == line and words in str(caught.value)
