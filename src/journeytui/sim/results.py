"""What the engines return: the exact `Forecast` and the Monte Carlo `SimResult`.

Both hold (weeks + 1) x stages arrays with row 0 the initial state, and convert to
the JSON shape documented in docs/simulation.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from journeytui.sim.errors import SimulationError
from journeytui.sim.weekly import WeeklyFlows


def _rows(a: np.ndarray) -> list[list[float]]:
    return [[round(float(x), 6) for x in row] for row in a]


@dataclass
class _Common:
    journey_id: str
    stages: list[str]
    weeks: int
    mean: np.ndarray
    total: np.ndarray
    won: np.ndarray
    lost: np.ndarray
    by_persona: dict[str, np.ndarray]
    settings: dict[str, Any]

    def column(self, stage: str) -> int:
        try:
            return self.stages.index(stage)
        except ValueError:
            raise SimulationError(f"unknown stage {stage!r}") from None

    def value(self, stage: str, week: int, metric: str = "share") -> float:
        """The forecast `count` of leads in a stage at the end of a week, or their `share` of all leads so far."""
        if not 0 <= week <= self.weeks:
            raise SimulationError(f"week {week} is outside the forecast (0..{self.weeks})")
        count = float(self.mean[week, self.column(stage)])
        if metric == "count":
            return count
        total = float(self.total[week])
        return count / total if total > 0 else 0.0


@dataclass
class Forecast(_Common):
    """The exact forecast: expected leads per week and stage."""

    on_hold: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    flows: dict[str, float] = field(default_factory=dict)
    stall_starts: dict[str, float] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    engine: str = "exact"
    won_share_band: tuple[float, float] | None = None
    won_se: float | None = None
    """Monte Carlo standard error of ``won`` at the horizon (sd across runs / sqrt(runs)); None when exact."""
    weekly: WeeklyFlows | None = None
    """A full-model forecast's week-by-week flows (from its Monte Carlo run); None otherwise
    (the exact forecast computes them on demand: :func:`journeytui.sim.live.weekly_flows`)."""
    """5th-95th percentiles of the won share at the horizon, for a full-model forecast made of
    Monte Carlo means (sim/headline.py); None for the exact forecast."""

    def to_json(self) -> dict[str, Any]:
        rows = _rows(self.mean)
        return {
            "journey": self.journey_id,
            "engine": self.engine,
            "settings": self.settings,
            "stages": self.stages,
            "weeks": self.weeks,
            "mean": rows,
            "p05": rows,
            "p50": rows,
            "p95": rows,
            "won": [round(float(x), 6) for x in self.won],
            "lost": [round(float(x), 6) for x in self.lost],
            "total": [round(float(x), 6) for x in self.total],
            "kpis": {
                "flows": {k: round(v, 6) for k, v in self.flows.items()},
                "stall_starts": {k: round(v, 6) for k, v in self.stall_starts.items()},
                "on_hold": _rows(self.on_hold),
            },
            "by_persona": {p: _rows(a) for p, a in self.by_persona.items()},
        }


@dataclass
class SimResult(_Common):
    """A Monte Carlo result: means and percentiles across runs, and KPIs."""

    p05: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    p50: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    p95: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    runs_counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    """(weeks + 1) x runs x stages: every run's counts, for tests and custom statistics."""
    kpis: dict[str, Any] = field(default_factory=dict)
    on_hold: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    """(weeks + 1) x stages: mean leads on hold (stalls and the sales queue); empty from the count engine."""
    weekly: WeeklyFlows | None = None
    """Mean moves, stalls and regressions of each week (the per-lead engine; None from the count engine)."""
    engine: str = "monte_carlo"
    mc_engine: str = "leads"
    """Which Monte Carlo engine ran: "leads" (one draw per lead) or "counts" (one multinomial
    draw per state); both give the same distribution (docs/simulation.md, *Two engines*)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "journey": self.journey_id,
            "engine": self.engine,
            "mc_engine": self.mc_engine,
            "settings": self.settings,
            "stages": self.stages,
            "weeks": self.weeks,
            "mean": _rows(self.mean),
            "p05": _rows(self.p05),
            "p50": _rows(self.p50),
            "p95": _rows(self.p95),
            "won": [round(float(x), 6) for x in self.won],
            "lost": [round(float(x), 6) for x in self.lost],
            "total": [round(float(x), 6) for x in self.total],
            "kpis": self.kpis,
            "by_persona": {p: _rows(a) for p, a in self.by_persona.items()},
        }
