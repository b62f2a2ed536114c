"""Graph rules: entries, outcomes, reachability, trapped stages.

The graph has a node per stage and an edge per transition that some persona
can take (a probability above zero), plus the scoring hand-off edges.

The walks are plain breadth-first searches over adjacency sets rather than networkx:
they are the only graph algorithms validation needs, and importing networkx
(0.15-0.3 s) cost more than validating a file, which pre-commit does on every commit.
tests/unit/validate/test_graph_oracle.py checks them against networkx.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from journeytui.model.structure import Finding
from journeytui.model.types import OUTCOME_KINDS, Journey


@dataclass
class JourneyGraph:
    """Stage ids as nodes (with their index), the moves between them as edges."""

    index: dict[str, int] = field(default_factory=dict)
    succ: dict[str, set[str]] = field(default_factory=dict)
    pred: dict[str, set[str]] = field(default_factory=dict)
    handoffs: set[tuple[str, str]] = field(default_factory=set)
    """Edges that exist only through the scoring hand-off."""

    def __contains__(self, node: object) -> bool:
        return node in self.index

    def add_node(self, node: str, index: int) -> None:
        self.index[node] = index
        self.succ.setdefault(node, set())
        self.pred.setdefault(node, set())

    def add_edge(self, a: str, b: str) -> None:
        self.succ[a].add(b)
        self.pred[b].add(a)

    def has_edge(self, a: str, b: str) -> bool:
        return b in self.succ.get(a, ())

    def out_degree(self, node: str) -> int:
        return len(self.succ[node])

    def reachable_from(self, starts: Iterable[str]) -> set[str]:
        """The starts and every node some path leads to from one of them."""
        return _walk(self.succ, starts)

    def reaching(self, targets: Iterable[str]) -> set[str]:
        """The targets and every node with a path to one of them."""
        return _walk(self.pred, targets)


def _walk(adjacent: dict[str, set[str]], starts: Iterable[str]) -> set[str]:
    seen = {s for s in starts if s in adjacent}
    queue = deque(seen)
    while queue:
        for nxt in adjacent[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def journey_graph(j: Journey) -> JourneyGraph:
    """Stages as nodes (with their index), movable transitions and hand-offs as edges."""
    g = JourneyGraph()
    for i, s in enumerate(j.stages):
        g.add_node(s.id, i)
    # add_edge inlined, membership in the dicts themselves: this loop meets every transition
    index, succ, pred = g.index, g.succ, g.pred
    for t in j.transitions:
        a, b = t.from_, t.to
        if a in index and b in index and (t.probability > 0 or any(p > 0 for p in t.by_persona.values())):
            succ[a].add(b)
            pred[b].add(a)
    if j.scoring is not None and j.scoring.handoff_to in g:
        for source in j.scoring.handoff_from:
            if source in g and not g.has_edge(source, j.scoring.handoff_to):
                g.add_edge(source, j.scoring.handoff_to)
                g.handoffs.add((source, j.scoring.handoff_to))
    return g


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
        reached = g.reachable_from(entries)
        for s in j.stages:
            if s.id not in reached:
                yield Finding(
                    "E403",
                    f"stage `{s.id}` cannot be reached from the entry stage(s) {', '.join(entries)}",
                    ("stages", index[s.id], "id"),
                )
    can_finish = g.reaching(outcomes)
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
