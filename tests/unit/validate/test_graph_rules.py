"""Graph rules on small hand-made journeys: entries, outcomes, reachability, traps."""

from __future__ import annotations

from journeytui.model import Journey, JourneyMeta, Scoring, Stage, Transition
from journeytui.validate import check
from journeytui.validate.graph import journey_graph


def make(stages: str, *transitions: tuple[str, str, float]) -> Journey:
    """'id*' is an entry, 'won!'/'lost!' outcomes, anything else open."""
    out = []
    for spec in stages.split(","):
        sid = spec.rstrip("*!")
        kind = sid if spec.endswith("!") else "open"
        out.append(Stage(id=sid, name=sid, kind=kind, entry=spec.endswith("*")))
    ts = [Transition(from_=a, to=b, probability=p, cause="back") for a, b, p in transitions]
    return Journey(journey=JourneyMeta(id="g", title="G"), stages=out, transitions=ts)


def found(j: Journey) -> list[tuple[str, tuple]]:
    return sorted((d.code, d.path) for d in check(j))


def test_no_stages_at_all() -> None:
    [d] = check(Journey(journey=JourneyMeta(id="g", title="G")))
    assert d.code == "E103" and "no [[stages]]" in d.message


def test_no_entry_and_no_outcome() -> None:
    assert found(make("a,b", ("a", "b", 0.1), ("b", "a", 0.1))) == [("E401", ("stages", 0)), ("E402", ("stages", 0))]


def test_unreachable_stage() -> None:
    j = make("a*,island,won!", ("a", "won", 0.1), ("island", "won", 0.1))
    assert found(j) == [("E403", ("stages", 1, "id"))]


def test_a_zero_probability_edge_does_not_connect() -> None:
    j = make("a*,b,won!", ("a", "b", 0.0), ("a", "won", 0.1), ("b", "won", 0.1))
    assert found(j) == [("E403", ("stages", 1, "id"))]


def test_a_persona_only_edge_connects() -> None:
    j = make("a*,b,won!", ("a", "b", 0.0), ("a", "won", 0.1), ("b", "won", 0.1))
    j.transitions[0].by_persona = {"p": 0.2}
    assert "E403" not in [c for c, _ in found(j)]
    assert journey_graph(j).has_edge("a", "b")


def test_trapped_stage() -> None:
    j = make("a*,dead,won!", ("a", "dead", 0.1), ("a", "won", 0.1))
    assert found(j) == [("E406", ("stages", 1, "id"))]


def test_a_cycle_with_no_way_out() -> None:
    j = make("a*,x,y,won!", ("a", "x", 0.1), ("a", "won", 0.1), ("x", "y", 0.1), ("y", "x", 0.1))
    assert found(j) == [("E404", ("stages", 1, "id")), ("E404", ("stages", 2, "id"))]


def test_skips_and_regressions_are_normal() -> None:
    j = make(
        "a*,b,c,won!,lost!",
        ("a", "c", 0.05),
        ("a", "b", 0.1),
        ("b", "c", 0.1),
        ("c", "a", 0.02),
        ("c", "won", 0.1),
        ("b", "lost", 0.1),
    )
    assert check(j) == []


def test_the_scoring_handoff_is_an_edge() -> None:
    j = make("a*,sales,won!", ("sales", "won", 0.1))
    assert found(j) == [("E403", ("stages", 1, "id")), ("E403", ("stages", 2, "id")), ("E406", ("stages", 0, "id"))]
    j.scoring = Scoring(mql_threshold=50, handoff_to="sales", handoff_from=["a"])
    assert check(j) == []
    assert journey_graph(j).has_edge("a", "sales") and ("a", "sales") in journey_graph(j).handoffs
