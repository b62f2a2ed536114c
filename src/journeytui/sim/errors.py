"""Exceptions the simulator raises for bad settings, unsupported journeys and cancellation."""

from __future__ import annotations


class SimulationError(Exception):
    """Bad settings or a journey the engine cannot run; the message is meant for the user."""


class ExactForecastUnavailable(SimulationError):
    """The journey uses features that make the exact forecast impossible."""

    def __init__(self, features: dict[str, str]) -> None:
        self.features = features
        names = ", ".join(f"{name} ({why})" for name, why in features.items())
        super().__init__(
            f"no exact forecast: the journey uses {names}; run the Monte Carlo engine, or "
            f"ignore {', '.join(features)} to forecast the plain-chain part"
        )


class SimulationCancelled(Exception):
    """The caller's cancel event was set during a Monte Carlo run."""


class ResourceLimit(SimulationError):
    """A run would need more memory or time than allowed; refused before anything is allocated.

    ``needed`` and ``limit`` are in bytes (memory) or seconds (time); the message says which,
    and ``suggestion`` says how to make the run fit (fewer weeks, leads, runs, shorter stalls).
    """

    def __init__(self, message: str, suggestion: str = "", needed: float = 0.0, limit: float = 0.0) -> None:
        self.suggestion = suggestion
        self.needed = needed
        self.limit = limit
        super().__init__(f"{message}; {suggestion}" if suggestion else message)
