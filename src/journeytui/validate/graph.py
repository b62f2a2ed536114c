"""Graph rules: entries, outcomes, reachability, trapped stages (networkx).

The graph has a node per stage and an edge per transition that some persona
can take (a probability above zero), plus the scoring hand-off edges.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

import networkx as nx

from journeytui.model.structure import Finding
from journeytui.model.types import OUTCOME_KINDS, Journey


def journey_graph(j: Journey) -> nx.DiGraph:
    """Stages as nodes (with their index), movable transitions and hand-offs as edges."""
    g = nx.DiGraph()
    for i, s in enumerate(j.stages):
        g.add_node(s.id, index=i, kind=s.kind)
    for i, t in enumerate(j.transitions):
        if t.from_ in g and t.to in g and (t.probability > 0 or any(p > 0 for p in t.by_persona.values())):
            g.add_edge(t.from_, t.to, index=i)
    if j.scoring is not None and j.scoring.handoff_to in g:
        for source in j.scoring.handoff_from:
            if source in g and not g.has_edge(source, j.scoring.handoff_to):
                g.add_edge(source, j.scoring.handoff_to, index=None, handoff=True)
    return g


def reach(g: nx.DiGraph, sources: Iterable[str], reverse: bool = False) -> set[str]:
    """The sources and every node reachable from any of them (or reaching them, ``reverse``).

    One breadth-first search from all sources together: linear in the graph however many
    entry or outcome stages there are (a search per source would be quadratic).
    """
    seen = {s for s in sources if s in g}
    todo = deque(seen)
    step = g.predecessors if reverse else g.successors
    while todo:
        for n in step(todo.popleft()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def check_graph(j: Journey) -> Iterator[Finding]:
    if not j.stages:
        yield Finding("E103", "the journey has no [[stages]]", (), at_value=False)
        return
    g = journey_graph(j)
    index = {s.id: i for i, s in enumerate(j.stages)}
    entries = [s.id for s in j.stages if s.entry]
    outcomes = {s.id for s in j.stages if s.kind in OUTCOME_KINDS}
    if not entries:
        yield Finding(
            "E401",
            "no entry stage: mark the stage where leads arrive with `entry = true`",
            ("stages", 0),
            at_value=False,
        )
    if not outcomes:
        yield Finding(
            "E402",
            'no outcome stage: add a stage with kind = "won" (and usually one with kind = "lost")',
            ("stages", 0),
            at_value=False,
        )
    if entries:
        reached = set(entries) | reach(g, entries)
        for s in j.stages:
            if s.id not in reached:
                yield Finding(
                    "E403",
                    f"stage `{s.id}` cannot be reached from the entry stage(s) {', '.join(entries)}",
                    ("stages", index[s.id], "id"),
                )
    can_finish = set(outcomes) | reach(g, outcomes, reverse=True)
    for s in j.stages:
        if s.kind != "open" or s.id not in g:
            continue
        if g.out_degree(s.id) == 0:
            yield Finding(
                "E406",
                f"no lead can ever leave stage `{s.id}`: it has no transition with a probability above 0",
                ("stages", index[s.id], "id"),
            )
        elif outcomes and s.id not in can_finish:
            yield Finding(
                "E404",
                f"no outcome can be reached from stage `{s.id}`; leads there circle forever",
                ("stages", index[s.id], "id"),
            )
