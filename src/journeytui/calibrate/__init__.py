"""Calibrate a journey from CRM stage history, backtest its forecast, and write synthetic history.

Plain Python and numpy; never imports Textual. docs/calibration.md states the estimators.

* :mod:`~journeytui.calibrate.events` reads exports (long and wide layouts, presets, a stage map);
* :mod:`~journeytui.calibrate.fit` fits weekly competing-risk rates with censoring, stalls,
  per-persona shrinkage, arrivals and the occupancy at the as-of date, and applies them to a journey;
* :mod:`~journeytui.calibrate.synth` samples per-lead paths and writes them as an export;
* :mod:`~journeytui.calibrate.backtest` fits before a cutoff and compares the forecast with history.
"""

from journeytui.calibrate.events import EventLog, InputError, StageMap, load_stage_map, read_events
from journeytui.calibrate.fit import Calibration, apply, calibrate

__all__ = [
    "Calibration",
    "EventLog",
    "InputError",
    "StageMap",
    "apply",
    "calibrate",
    "load_stage_map",
    "read_events",
]
