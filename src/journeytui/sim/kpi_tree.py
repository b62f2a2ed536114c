"""The KPI tree of the planning loop, computed: wins decomposed into each stage's conversion.

DOMAIN.md: KPIs form a tree that decomposes the final goal (the number of wins) into
intermediate rates, so the bottleneck stage can be found. From an exact forecast's flows,
for each open stage in layer order: the leads that entered it over the horizon (gross: a
lead that regresses and comes back enters again), and what share of those entries moved
on (to a later or same-layer stage, or won), went back (a regression), dropped out (to a
lost stage) or was still there at the horizon. The four shares add up to 1. The weakest
link is the stage with the lowest share moving on. Plain Python; no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass

from journeytui.model.types import Journey
from journeytui.sim.results import Forecast


@dataclass(frozen=True)
class Link:
    """One open stage of the tree."""

    stage: str
    name: str
    entered: float
    forward: float
    back: float
    dropped: float
    remaining: float


@dataclass(frozen=True)
class KpiTree:
    weeks: int
    leads: float
    """All leads so far: the initial cohort plus arrivals up to the horizon."""
    won: float
    links: list[Link]

    @property
    def won_share(self) -> float:
        return self.won / self.leads if self.leads > 0 else 0.0

    @property
    def weakest(self) -> Link | None:
        return min((lk for lk in self.links if lk.entered > 0), key=lambda lk: lk.forward, default=None)

    def lines(self) -> list[str]:
        """The tree as text, root first (for the app, reports and scripts)."""
        out = [f"won at week {self.weeks}: {self.won:,.0f} of {self.leads:,.0f} leads ({self.won_share:.1%})"]
        weakest = self.weakest
        for n, lk in enumerate(self.links):
            branch = "└─" if n == len(self.links) - 1 else "├─"
            mark = "  <- weakest link" if lk is weakest else ""
            out.append(
                f"{branch} {lk.stage} {lk.name}: {lk.entered:,.0f} entered; {lk.forward:.0%} moved on, "
                f"{lk.back:.0%} went back, {lk.dropped:.0%} dropped out, {lk.remaining:.0%} still there{mark}"
            )
        return out


def kpi_tree(journey: Journey, fc: Forecast) -> KpiTree:
    """The KPI tree of ``journey`` under the exact forecast ``fc``.

    Linear in the stages and transitions; it allocates nothing beyond the forecast it is given,
    whose size :func:`journeytui.sim.exact.check_exact` already bounded.
    """
    kinds = {s.id: s.kind for s in journey.stages}
    names = {s.id: s.name for s in journey.stages}
    order = journey.stage_order()
    by_edge = {(t.from_, t.to): t for t in journey.transitions}
    inflow: dict[str, float] = {}
    out: dict[str, list[float]] = {}  # stage -> [forward, back, dropped]
    for edge, moved in fc.flows.items():
        a, _, b = edge.partition("->")
        inflow[b] = inflow.get(b, 0.0) + moved
        t = by_edge.get((a, b))
        shares = out.setdefault(a, [0.0, 0.0, 0.0])
        if kinds.get(b) == "lost":
            shares[2] += moved
        elif t is not None and order.get(b, 0) < order.get(a, 0) and kinds.get(b) == "open":  # a regression
            shares[1] += moved
        else:
            shares[0] += moved
    arrivals = journey.population.arrivals
    links = []
    column = {sid: i for i, sid in enumerate(fc.stages)}
    for i, sid in enumerate(fc.stages):
        if kinds.get(sid) != "open":
            continue
        entered = float(fc.mean[0, i]) + arrivals.get(sid, 0.0) * fc.weeks + inflow.get(sid, 0.0)
        forward, back, dropped = out.get(sid, [0.0, 0.0, 0.0])
        remaining = float(fc.mean[fc.weeks, i])
        per = 1 / entered if entered > 0 else 0.0
        links.append(Link(sid, names[sid], entered, forward * per, back * per, dropped * per, remaining * per))
    links.sort(key=lambda lk: (order.get(lk.stage, 0), column[lk.stage]))
    return KpiTree(fc.weeks, float(fc.total[fc.weeks]), float(fc.won[fc.weeks]), links)
