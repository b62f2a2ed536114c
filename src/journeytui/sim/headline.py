"""The headline a planner quotes: won share at the horizon, from the journey's full model.

The exact forecast where it is exact (a journey without scoring hand-offs, lifts, gates or
capacity); otherwise the Monte Carlo engine with every feature, seeded, with the 5th-95th
percentile band of the won share across runs. Never the plain-chain part of a journey that
has more than a plain chain. No Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from journeytui.model.types import Journey
from journeytui.sim.compile import blocking_features, check_weeks
from journeytui.sim.results import Forecast, SimResult
from journeytui.sim.weekly import WeeklyFlows

if TYPE_CHECKING:
    from journeytui.sim.montecarlo import Cancel

DEFAULT_RUNS = 20


@dataclass(frozen=True)
class Headline:
    """Won at the end of ``week``: the count, the share of all leads so far, and how sure."""

    week: int
    won: float
    total: float
    low: float | None
    high: float | None
    """5th and 95th percentiles of the won share across runs (None for the exact forecast)."""
    engine: str
    """``exact``, or ``monte_carlo`` with ``runs`` and ``seed``."""
    runs: int | None = None
    seed: int | None = None
    se: float | None = None
    """Monte Carlo standard error of the won share (None for the exact forecast)."""

    @property
    def share(self) -> float:
        return self.won / self.total if self.total > 0 else 0.0

    def describe(self) -> str:
        """``won at week 52: 3.3% (291 leads; 2.9-3.8%, Monte Carlo, 20 runs, seed 0)``."""
        how = "exact forecast" if self.engine == "exact" else f"Monte Carlo, {self.runs} runs, seed {self.seed}"
        band = (
            f"{self.low * 100:.1f}-{self.high * 100:.1f}%, " if self.low is not None and self.high is not None else ""
        )
        return f"won at week {self.week}: {self.share * 100:.1f}% ({self.won:,.0f} leads; {band}{how})"


def headline(
    journey: Journey, weeks: int | None = None, runs: int = DEFAULT_RUNS, seed: int = 0, leads: int | None = None
) -> Headline:
    """The journey's won share at ``weeks`` (default: its horizon) from its full model."""
    return headline_of(full_forecast(journey, weeks=weeks, runs=runs, seed=seed, leads=leads))


def headline_of(fc: Forecast) -> Headline:
    """The headline of a forecast :func:`full_forecast` made (no second run)."""
    W = fc.weeks
    low, high = fc.won_share_band if fc.won_share_band is not None else (None, None)
    if fc.engine != "monte_carlo":
        return Headline(W, float(fc.won[W]), float(fc.total[W]), None, None, "exact")
    runs, seed = fc.settings.get("runs"), fc.settings.get("seed")
    total = float(fc.total[W])
    se = fc.won_se / total if fc.won_se is not None and total > 0 else None
    return Headline(W, float(fc.won[W]), total, low, high, "monte_carlo", runs, seed, se)


def _won_per_run(journey: Journey, res: SimResult) -> tuple[np.ndarray, np.ndarray]:
    """Per run: leads won at the horizon, and all leads then."""
    kinds = {s.id: s.kind for s in journey.stages}
    won_cols = [i for i, s in enumerate(res.stages) if kinds.get(s) == "won"]
    per_run = res.runs_counts[res.weeks]  # runs x stages
    return per_run[:, won_cols].sum(axis=1), per_run.sum(axis=1)


def _won_share_band(won: np.ndarray, totals: np.ndarray) -> tuple[float, float]:
    """5th and 95th percentiles across runs of the won share at the horizon."""
    shares = np.divide(won, totals, out=np.zeros(len(totals)), where=totals > 0)
    low, high = (float(x) for x in np.percentile(shares, [5, 95]))
    return low, high


def _won_se(won: np.ndarray) -> float:
    """The standard error of the mean won count at the horizon: sd across runs / sqrt(runs) (0 for one run)."""
    return float(np.std(won, ddof=1) / np.sqrt(len(won))) if len(won) > 1 else 0.0


NOISE_SE = 3.0
"""Standard errors a difference must exceed to be more than Monte Carlo noise (pure noise does so
about 3 times in 1,000)."""


def noise_of_difference(a: Forecast, b: Forecast) -> float | None:
    """``NOISE_SE`` standard errors of ``b.won - a.won`` at the horizon when either is a Monte Carlo
    mean (the seeded runs of two journeys are not paired: independent), else None.

    A difference within this is Monte Carlo noise: a rename, or a touchpoint that changes
    nothing, moves a seeded run's figures by up to about this much, because the same seed then
    draws its numbers in another order."""
    if a.won_se is None and b.won_se is None:
        return None
    return NOISE_SE * float(np.hypot(a.won_se or 0.0, b.won_se or 0.0))


def full_forecast(
    journey: Journey,
    weeks: int | None = None,
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
    leads: int | None = None,
    cancel: Cancel | None = None,
) -> Forecast:
    """The journey's full model as a :class:`Forecast` of expected counts.

    The exact forecast when it is exact; otherwise the means of a seeded Monte Carlo run
    (``engine`` says ``monte_carlo`` and ``settings`` the runs and seed) with its flows (moves
    and hand-offs per edge), stall starts, leads on hold and week-by-week flows, all from that
    run: nothing is filled in from the plain chain. ``cancel`` (a ``threading.Event``) stops
    the run at the next week (SimulationCancelled).
    """
    from journeytui.sim.exact import forecast
    from journeytui.sim.montecarlo import simulate

    W = check_weeks(weeks, journey)
    if not blocking_features(journey):
        return forecast(journey, weeks=W, leads=leads)
    # the per-lead engine: the count engine models none of the features that make the exact
    # forecast inexact, and only the per-lead engine records the week-by-week flows
    res = simulate(journey, leads=leads, weeks=W, runs=runs, seed=seed, cancel=cancel, engine="leads")
    flows: dict[str, float] = {}
    for name, v in res.kpis.get("conversion", {}).items():
        edge = name.removesuffix(" (hand-off)")  # a hand-off is a forward move like any other
        flows[edge] = flows.get(edge, 0.0) + float(v["moves"])
    stalls = res.kpis.get("stalls", {})
    won, totals = _won_per_run(journey, res)
    return Forecast(
        journey_id=res.journey_id,
        stages=res.stages,
        weeks=res.weeks,
        mean=res.mean,
        total=res.total,
        won=res.won,
        lost=res.lost,
        by_persona=res.by_persona,
        settings=res.settings,
        on_hold=res.on_hold,
        flows=flows,
        stall_starts={k: float(v["starts"]) for k, v in stalls.items()},
        ignored=(),
        engine="monte_carlo",
        won_share_band=_won_share_band(won, totals),
        won_se=_won_se(won),
        weekly=res.weekly,
    )


def playback(journey: Journey, fc: Forecast) -> WeeklyFlows:
    """The week-by-week flows of a forecast :func:`full_forecast` made: its Monte Carlo run's, or
    the exact chain's (computed here, under the exact forecast's memory and time limits)."""
    if fc.weekly is not None:
        return fc.weekly
    from journeytui.sim.live import weekly_flows

    return weekly_flows(journey, weeks=fc.weeks)
