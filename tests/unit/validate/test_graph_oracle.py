"""The graph rules' own walks agree with networkx on generated journeys.

validate/graph.py walks the stage graph itself so that ``journeytui validate`` does not
pay for importing networkx; networkx stays the independent reference here.
"""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from journeytui.model import Journey, JourneyMeta, Scoring, Stage, Transition
from journeytui.validate import check
from journeytui.validate.graph import journey_graph

KINDS = ("open", "open", "open", "won", "lost")


@st.composite
def journeys(draw: st.DrawFn) -> Journey:
    n = draw(st.integers(1, 9))
    stages = [
        Stage(id=f"s{i}", name=f"s{i}", kind=draw(st.sampled_from(KINDS)), entry=draw(st.booleans())) for i in range(n)
    ]
    ids = [s.id for s in stages]
    edges = draw(
        st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids), st.sampled_from((0.0, 0.1))), max_size=20)
    )
    j = Journey(
        journey=JourneyMeta(id="g", title="G"),
        stages=stages,
        transitions=[Transition(from_=a, to=b, probability=p, cause="back") for a, b, p in edges],
    )
    if draw(st.booleans()):
        j.scoring = Scoring(
            mql_threshold=50,
            handoff_to=draw(st.sampled_from(ids)),
            handoff_from=draw(st.lists(st.sampled_from(ids), max_size=3, unique=True)),
        )
    return j


def reference(j: Journey) -> nx.DiGraph:
    """The graph as networkx builds it from the same rule: edges some lead can take, and hand-offs."""
    g = nx.DiGraph()
    g.add_nodes_from(s.id for s in j.stages)
    g.add_edges_from((t.from_, t.to) for t in j.transitions if t.probability > 0)
    if j.scoring is not None:
        g.add_edges_from((a, j.scoring.handoff_to) for a in j.scoring.handoff_from)
    return g


@settings(max_examples=300, deadline=None)
@given(journeys())
def test_walks_and_findings_match_networkx(j: Journey) -> None:
    g, ref = journey_graph(j), reference(j)
    assert sorted((a, b) for a in g.succ for b in g.succ[a]) == sorted(ref.edges)
    entries = [s.id for s in j.stages if s.entry]
    outcomes = [s.id for s in j.stages if s.kind != "open"]
    assert g.reachable_from(entries) == set(entries).union(*(nx.descendants(ref, e) for e in entries))
    assert g.reaching(outcomes) == set(outcomes).union(*(nx.ancestors(ref, o) for o in outcomes))

    # The findings, recomputed from networkx's answers.
    expected = set()
    if entries:
        reached = set(entries).union(*(nx.descendants(ref, e) for e in entries))
        expected |= {("E403", s.id) for s in j.stages if s.id not in reached}
    can_finish = set(outcomes).union(*(nx.ancestors(ref, o) for o in outcomes))
    for s in j.stages:
        if s.kind == "open" and ref.out_degree(s.id) == 0:
            expected.add(("E406", s.id))
        elif s.kind == "open" and outcomes and s.id not in can_finish:
            expected.add(("E404", s.id))
    graph_codes = {"E403", "E404", "E406"}
    got = {(d.code, j.stages[d.path[1]].id) for d in check(j) if d.code in graph_codes}
    assert got == expected
