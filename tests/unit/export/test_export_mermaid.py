"""The Mermaid export and import: every bundled journey and hostile names survive export -> import,
labels are escaped so no name can break the flowchart, and foreign flowcharts map as documented."""

from __future__ import annotations

import itertools
import re
import time
from pathlib import Path

import pytest
from export_helpers import HOSTILE_IDS, graph_of, hostile_journey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeytui.bundled import bundled_journeys
from journeytui.export.mermaid import flowchart, label
from journeytui.export.mermaid_import import import_text, parse_probability
from journeytui.model.load import load_journey
from journeytui.model.save import dumps
from journeytui.model.types import Journey, JourneyMeta, Stage, Transition
from journeytui.validate import validate_text

BUNDLED = bundled_journeys()


def _round_trip(journey: Journey) -> Journey:
    result = import_text(flowchart(journey))
    assert result.ok, [n.format("export") for n in result.notes]
    assert result.journey is not None
    errors = [d for d in validate_text(result.text).diagnostics if d.is_error]
    assert errors == []
    return result.journey


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_journey_survives_export_and_import(path: Path) -> None:
    journey = load_journey(path)
    back = _round_trip(journey)
    assert graph_of(back) == graph_of(journey)
    assert back.journey.id == journey.journey.id and back.journey.title == journey.journey.title


def test_hostile_names_and_keyword_ids_survive_export_and_import() -> None:
    journey = hostile_journey()
    assert not [d for d in validate_text(dumps(journey)).diagnostics if d.is_error]
    back = _round_trip(journey)
    assert graph_of(back) == graph_of(journey)
    assert back.journey.title == journey.journey.title


def test_node_ids_are_generated_never_the_files_own() -> None:
    text = flowchart(hostile_journey())
    defined = re.findall(r"^\s+(\w+)\[|^\s+(\w+)\(\[", text, re.MULTILINE)
    ids = {a or b for a, b in defined}
    assert ids == {f"s{i}" for i in range(1, len(HOSTILE_IDS) + 3)}
    assert not re.search(r"^\s*end\s*-->", text, re.MULTILINE)


def test_labels_hold_no_character_mermaid_would_read() -> None:
    text = flowchart(hostile_journey())
    for quoted in re.findall(r'"([^"\n]*)"', text.split("flowchart LR", 1)[1]):
        body = quoted.replace("<br/>", "")
        assert not set(body) & set("<>`[]{}|*_~\n\t\x1b\u202e"), body
        assert re.fullmatch(r"(?:[^#&]|#(?:\d+|quot);)*", body), body  # every # starts an entity code
    assert label('a "b" #c <d>') == "a #quot;b#quot; #35;c #60;d#62;"
    assert label("line\nbreak") == "line#10;break"
    assert label("関心 🚀 (x)") == "関心 🚀 (x)"  # Japanese, emoji and parentheses stay readable


def test_the_flagship_flowchart_draws_what_the_journey_says() -> None:
    journey = load_journey(BUNDLED[0].parent / "b2b-it-tool.toml")
    text = flowchart(journey)
    order = journey.stage_order()
    dashed = [line for line in text.splitlines() if "-.->" in line]
    assert len(dashed) == sum(journey.is_regression(t, order) for t in journey.transitions) == 3
    assert all("#" not in line.split("|")[0] for line in dashed)
    assert '-.->|"3%/week: competitor launch: back to re-evaluation"|' in text
    assert text.count("subgraph ") == len({s.phase for s in journey.stages})
    assert 's3["比較・検討<br/>stall 2%/week, mean 8 weeks: budget freeze"]' in text
    assert 's6(["受注"])' in text and "class s6 won" in text and "class s7 lost" in text
    assert "classDef won " in text and "classDef lost " in text
    assert '-->|"12%/week"| s2' in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12), min_size=2, max_size=4),
    cause=st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
    p=st.floats(min_value=0.0001, max_value=0.45),
)
def test_any_names_and_probabilities_survive_the_round_trip(names: list[str], cause: str, p: float) -> None:
    stages = [Stage(id=f"s_{i}", name=n, phase=i + 1, entry=i == 0) for i, n in enumerate(names)]
    stages.append(Stage(id="won", name="won", kind="won"))
    transitions = [Transition(from_=a.id, to=b.id, probability=p, cause=cause) for a, b in itertools.pairwise(stages)]
    journey = Journey(journey=JourneyMeta(id="j", title=names[0]), stages=stages, transitions=transitions)
    back = import_text(flowchart(journey)).journey
    assert back is not None
    names_back = {s.id: s.name for s in back.stages}
    assert names_back == {s.id: s.name or s.id for s in stages}
    assert {(t.from_, t.to): (t.probability, t.cause) for t in back.transitions} == {
        (t.from_, t.to): (t.probability, t.cause) for t in transitions
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.3", 0.3), ("30%", 0.3), ("p=0.3", 0.3), ("P = .05", 0.05), ("12%/week", 0.12), ("2.5 % / wk: x", 0.025)],
)
def test_probability_labels(text: str, expected: float) -> None:
    assert parse_probability(text)[0] == expected


def test_probability_labels_that_are_not_probabilities() -> None:
    assert parse_probability("download")[0] is None
    prob, _, why = parse_probability("150%")
    assert prob is None and why and "more than 100%" in why
    assert parse_probability("3%/week: competitor launch") == (0.03, "competitor launch", None)


def test_a_large_journey_exports_in_linear_time() -> None:
    """5,000 stages: one pass over stages and transitions (no search per transition)."""
    from journeytui.export.dot import graph

    n = 5_000
    stages = [Stage(id=f"s_{i}", name=f"段階 {i}", phase=i // 10 + 1, entry=i == 0) for i in range(n)]
    stages.append(Stage(id="won", name="受注", kind="won", phase=1000))
    transitions = [
        Transition(from_=f"s_{i}", to=f"s_{i + 1}" if i + 1 < n else "won", probability=0.5) for i in range(n)
    ]
    transitions += [Transition(from_=f"s_{i}", to=f"s_{i - 1}", probability=0.1, cause="back") for i in range(1, n, 7)]
    journey = Journey(journey=JourneyMeta(id="big", title="big"), stages=stages, transitions=transitions)
    start = time.perf_counter()
    text, dot = flowchart(journey), graph(journey)
    assert time.perf_counter() - start < 5
    back = sum((i - 1) // 10 < i // 10 for i in range(1, n, 7))  # across a phase boundary
    order = journey.stage_order()
    assert back == sum(journey.is_regression(t, order) for t in transitions) > 50
    assert text.count("-.->") == back and dot.count("style=dashed") == back
