"""The simulator: the exact forecast and the Monte Carlo engine (docs/simulation.md).

Plain Python and numpy; never imports Textual, so scripts, CI and the app's worker
threads share it.
"""

from journeytui.sim.compile import FEATURES, blocking_features
from journeytui.sim.errors import ExactForecastUnavailable, ResourceLimit, SimulationCancelled, SimulationError
from journeytui.sim.exact import forecast
from journeytui.sim.montecarlo import estimate_memory, simulate
from journeytui.sim.results import Forecast, SimResult

__all__ = [
    "FEATURES",
    "ExactForecastUnavailable",
    "Forecast",
    "ResourceLimit",
    "SimResult",
    "SimulationCancelled",
    "SimulationError",
    "blocking_features",
    "estimate_memory",
    "forecast",
    "simulate",
]
