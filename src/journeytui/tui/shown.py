"""What the forecast panels display, as plain data (no Textual): built by the app after every edit.

Its own module so the panels that show it (:mod:`journeytui.tui.widgets.forecast` and
:mod:`journeytui.tui.widgets.forecast_people`) import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from journeytui.model.types import Journey
from journeytui.sim import Forecast, SimResult
from journeytui.sim.live import StageHealth


@dataclass
class Shown:
    """What the forecast panels display; built by the app after every edit."""

    journey: Journey
    forecast: Forecast
    baseline: Forecast | None
    """The saved version's forecast (None: same journey, or it cannot be forecast)."""
    health: dict[str, StageHealth]
    sim: SimResult | None = None
    sim_stale: bool = False
    band_stage: str | None = None
    persona_week: int | None = None
    """The week of the persona table (None: the horizon)."""
    updating: bool = False
    """The journey changed since this forecast: a newer one is being computed."""
