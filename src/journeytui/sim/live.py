"""The live forecast the app recomputes after every edit, and what it says about each stage.

:func:`live_forecast` is the exact forecast with every feature it cannot model ignored
(the result's ``ignored`` says which); :func:`stage_health` turns it into the bottleneck
figures (mean time in stage, stall share, drop-out); :func:`weekly_flows` gives the
expected moves of each week, for playback. Plain numpy, no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from journeytui.model.types import Journey
from journeytui.sim.compile import blocking_features, check_weeks, compile_journey
from journeytui.sim.exact import estimate_exact, forecast, propagate
from journeytui.sim.limits import check
from journeytui.sim.results import Forecast
from journeytui.sim.weekly import WeeklyFlows

FEATURE_LABELS = {
    "scoring": "scoring hand-offs",
    "lifts": "touchpoint lifts",
    "gates": "consensus gates",
    "capacity": "channel capacity",
}


def live_forecast(
    journey: Journey, weeks: int | None = None, leads: int | None = None, memory: int | None = None
) -> Forecast:
    """The exact forecast, ignoring whatever the exact forecast cannot model (see ``Forecast.ignored``).

    Raises ResourceLimit before allocating when it would not fit (:func:`journeytui.sim.exact.check_exact`).
    """
    return forecast(journey, weeks=weeks, ignore=tuple(blocking_features(journey)), leads=leads, memory=memory)


def ignored_note(fc: Forecast) -> str:
    """``"ignores touchpoint lifts, consensus gates"`` or ``""`` when the forecast is exact."""
    if not fc.ignored:
        return ""
    return "ignores " + ", ".join(FEATURE_LABELS.get(f, f) for f in fc.ignored)


def won_share(fc: Forecast, week: int | None = None) -> float:
    """Won leads as a share of all leads so far (initial + arrived) at ``week`` (default: the horizon)."""
    t = fc.weeks if week is None else week
    total = float(fc.total[t])
    return float(fc.won[t]) / total if total > 0 else 0.0


def lost_share(fc: Forecast, week: int | None = None) -> float:
    t = fc.weeks if week is None else week
    total = float(fc.total[t])
    return float(fc.lost[t]) / total if total > 0 else 0.0


@dataclass(frozen=True)
class StageHealth:
    """How one open stage treats its leads over the horizon (expected values)."""

    stage: str
    entries: float
    """Leads that entered the stage: initial, arrivals and moves in."""
    mean_weeks: float
    """Mean weeks a lead spends in the stage per entry (lead-weeks / entries)."""
    stall_share: float
    """Share of the stage's lead-weeks spent on hold."""
    drop_out: float
    """Share of entries that moved to a lost stage from here."""
    score: float = 0.0
    """0..1: the bottleneck score (1 = the weakest stage); see :func:`stage_health`."""

    @property
    def badge(self) -> str:
        return f"{self.mean_weeks:.0f}w ⏸{self.stall_share:.0%} ✗{self.drop_out:.0%}"


def stage_health(journey: Journey, fc: Forecast) -> dict[str, StageHealth]:
    """Bottleneck figures for each open stage, scored so the weakest stage has score 1.

    The score adds the three figures, each divided by its largest value over the open
    stages (mean time counts 0.4, stall share and drop-out 0.3 each), then divides by
    the largest sum.
    """
    kinds = {s.id: s.kind for s in journey.stages}
    lost = {s for s, k in kinds.items() if k == "lost"}
    inflow: dict[str, float] = {}
    to_lost: dict[str, float] = {}
    for name, x in fc.flows.items():
        a, _, b = name.partition("->")
        inflow[b] = inflow.get(b, 0.0) + x
        if b in lost:
            to_lost[a] = to_lost.get(a, 0.0) + x
    arrivals = journey.population.arrivals
    raw: dict[str, tuple[float, float, float, float]] = {}
    for i, sid in enumerate(fc.stages):
        if kinds.get(sid) != "open":
            continue
        entries = float(fc.mean[0, i]) + arrivals.get(sid, 0.0) * fc.weeks + inflow.get(sid, 0.0)
        lead_weeks = float(fc.mean[: fc.weeks, i].sum())
        held = float(fc.on_hold[: fc.weeks, i].sum()) if fc.on_hold.size else 0.0
        raw[sid] = (
            entries,
            lead_weeks / entries if entries > 0 else 0.0,
            held / lead_weeks if lead_weeks > 0 else 0.0,
            to_lost.get(sid, 0.0) / entries if entries > 0 else 0.0,
        )
    if not raw:
        return {}
    top = [max(v[k] for v in raw.values()) or 1.0 for k in (1, 2, 3)]
    sums = {s: 0.4 * v[1] / top[0] + 0.3 * v[2] / top[1] + 0.3 * v[3] / top[2] for s, v in raw.items()}
    best = max(sums.values()) or 1.0
    return {s: StageHealth(s, v[0], v[1], v[2], v[3], sums[s] / best) for s, v in raw.items()}


def weakest(health: dict[str, StageHealth]) -> StageHealth | None:
    return max(health.values(), key=lambda h: h.score, default=None)


def weekly_flows(journey: Journey, weeks: int | None = None) -> WeeklyFlows:
    """Week-by-week expected moves of the live forecast's chain (same ignores as :func:`live_forecast`).

    Checks the same memory and time limits as the exact forecast (ResourceLimit) first.
    """
    check(estimate_exact(journey, weeks, what="the week-by-week playback").times(2, "the week-by-week playback"))
    c = compile_journey(journey, tuple(blocking_features(journey)))
    W = check_weeks(weeks, journey)
    run = propagate(c, W)
    ch = run.chain
    S = c.S
    moved_in = np.zeros((W + 1, S))
    moved_out = np.zeros((W + 1, S))
    stalled = np.zeros((W + 1, S))
    regressed = np.zeros(W + 1)
    regression = c.regression[ch.edge] if ch.edge.size else np.zeros(0, dtype=bool)
    for t in range(1, W + 1):
        free = run.free[t - 1]  # (P, S) leads that draw in week t
        flow = (free[:, ch.src] * ch.w).sum(axis=0)
        moved_out[t] = np.bincount(ch.src, weights=flow, minlength=S)
        moved_in[t] = np.bincount(ch.dst, weights=flow, minlength=S) + c.arrivals
        regressed[t] = float(flow[regression].sum())
        stalled[t] = np.bincount(ch.st_stage, weights=(free[:, ch.st_stage] * ch.st_prob).sum(axis=0), minlength=S)
    cols = c.file_stages  # the engines work in canonical order; show the file's
    ids = [c.stage_ids[i] for i in cols]
    return WeeklyFlows(ids, moved_in[:, cols], moved_out[:, cols], stalled[:, cols], regressed)
