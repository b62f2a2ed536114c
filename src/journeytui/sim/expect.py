"""Evaluate a journey's `[[expectations]]` with the simulator (`journeytui check`)."""

from __future__ import annotations

from dataclasses import dataclass

from journeytui.model.types import Expectation, Journey
from journeytui.sim.compile import blocking_features
from journeytui.sim.exact import forecast
from journeytui.sim.montecarlo import simulate
from journeytui.sim.results import Forecast, SimResult

CHECK_RUNS = 20
CHECK_SEED = 0


@dataclass
class Outcome:
    """One expectation, the forecast value it was checked against, and the verdict."""

    expectation: Expectation
    value: float
    passed: bool
    engine: str

    @property
    def band(self) -> str:
        lo = "-inf" if self.expectation.min is None else f"{self.expectation.min:g}"
        hi = "inf" if self.expectation.max is None else f"{self.expectation.max:g}"
        return f"[{lo}, {hi}]"


def run_for_expectations(journey: Journey, runs: int = CHECK_RUNS, seed: int = CHECK_SEED) -> Forecast | SimResult:
    """The exact forecast when possible, else Monte Carlo, up to the latest expectation week."""
    weeks = max([journey.journey.horizon] + [e.week for e in journey.expectations])
    if not blocking_features(journey):
        return forecast(journey, weeks=weeks)
    return simulate(journey, weeks=weeks, runs=runs, seed=seed)


def evaluate(journey: Journey, runs: int = CHECK_RUNS, seed: int = CHECK_SEED) -> list[Outcome]:
    if not journey.expectations:
        return []
    result = run_for_expectations(journey, runs, seed)
    out = []
    for e in journey.expectations:
        value = result.value(e.stage, e.week, e.metric)
        ok = (e.min is None or value >= e.min) and (e.max is None or value <= e.max)
        out.append(Outcome(e, value, ok, result.engine))
    return out
