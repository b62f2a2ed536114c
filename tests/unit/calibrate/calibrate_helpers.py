"""Shared by the calibration unit tests: synthetic paths as the reader's event log."""

from __future__ import annotations

import numpy as np

from journeytui.calibrate.events import EventLog
from journeytui.calibrate.fit import WEEK
from journeytui.calibrate.synth import Paths


def as_log(p: Paths) -> EventLog:
    """Paths as the reader would give them: an hour into each entry's week."""
    n = int(p.lead.max()) + 1
    ts = (p.week * WEEK + 3600).astype(np.int64)
    personas = [p.personas[k] if k >= 0 else None for k in p.persona.tolist()]
    return EventLog(
        "x.csv",
        p.stages,
        [f"L{i}" for i in range(n)],
        personas,
        p.lead.astype(np.int32),
        p.stage.astype(np.int16),
        ts,
        np.arange(ts.size) + 2,
    )
