"""Backtest: fit on history before a cutoff, forecast, and compare with what happened.

For each origin (the cutoff, and with ``folds`` K the K-1 earlier origins W weeks apart) the journey
is calibrated on the events before the origin, started from the observed occupancy there with the
fitted arrivals, forecast W weeks with the Monte Carlo engine on the plain chain (the fitted rates
already contain every move, so scoring hand-offs, lifts, gates and capacity are ignored, and
accounts are dropped so personas are drawn by weight), and compared with the observed occupancy
at the end of each week. Won and lost stages are compared as leads reaching them after the origin.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from journeytui.calibrate.events import EventLog
from journeytui.calibrate.fit import WEEK, apply, calibrate, iso, occupancy
from journeytui.model.edit import set_field
from journeytui.model.types import Journey
from journeytui.sim import FEATURES, simulate


def _before(log: EventLog, when: int) -> EventLog:
    keep = log.ts < when
    return EventLog(
        log.file, log.stages, log.lead_ids, log.personas, log.lead[keep], log.stage[keep], log.ts[keep], log.line[keep]
    )


def backtest(
    journey: Journey, log: EventLog, cutoff: int, weeks: int, folds: int = 1, runs: int = 200, seed: int = 0
) -> dict[str, Any]:
    """Forecast-vs-actual per stage and week for each origin, with WAPE and p05..p95 coverage."""
    if weeks < 1 or folds < 1:
        raise ValueError("--weeks and --folds must be at least 1")
    end = int(log.ts.max())
    if cutoff + (weeks - 1) * WEEK > end:
        raise ValueError(
            f"the history ends {iso(end)}: there are not {weeks} weeks after the cutoff {iso(cutoff)} to compare with"
        )
    stages = log.stages
    closed = np.array([journey.stage(s).kind != "open" for s in stages])  # type: ignore[union-attr]
    out_folds = []
    for k in reversed(range(folds)):
        origin = cutoff - k * weeks * WEEK
        past = _before(log, origin)
        if past.lead.size == 0:
            raise ValueError(f"no events before the origin {iso(origin)} (fold {folds - k} of {folds})")
        cal = calibrate(journey, past, as_of=origin)
        fitted = apply(journey, cal)
        fitted = set_field(fitted, ("population", "accounts"), 0)
        res = simulate(fitted, weeks=weeks, runs=runs, seed=seed + k, ignore=FEATURES)
        at0 = occupancy(log, len(stages), before=origin)
        actual = np.array([occupancy(log, len(stages), before=origin + t * WEEK) for t in range(1, weeks + 1)], float)
        mean, p05, p95 = (np.asarray(a, float)[1:].copy() for a in (res.mean, res.p05, res.p95))
        base = np.asarray(res.mean, float)[0]
        actual[:, closed] -= at0[closed]
        for arr in (mean, p05, p95):
            arr[:, closed] -= base[closed]
        out_folds.append(
            {
                "cutoff": iso(origin),
                "actual": actual.tolist(),
                "mean": mean.round(3).tolist(),
                "p05": p05.round(3).tolist(),
                "p95": p95.round(3).tolist(),
                "warnings": cal.warnings,
            }
        )
    A = np.concatenate([np.array(f["actual"]) for f in out_folds])
    M = np.concatenate([np.array(f["mean"]) for f in out_folds])
    L = np.concatenate([np.array(f["p05"]) for f in out_folds])
    H = np.concatenate([np.array(f["p95"]) for f in out_folds])
    inside = (A >= L - 1e-9) & (A <= H + 1e-9)
    err = np.abs(A - M)

    def wape(e: np.ndarray, a: np.ndarray) -> float | None:
        total = float(np.abs(a).sum())
        return float(e.sum()) / total if total > 0 else None

    last = out_folds[-1]
    return {
        "journey": journey.journey.id,
        "stages": stages,
        "weeks": weeks,
        "runs": runs,
        "cutoff": last["cutoff"],
        "actual": last["actual"],
        "mean": last["mean"],
        "p05": last["p05"],
        "p95": last["p95"],
        "coverage": {
            **{s: float(inside[:, i].mean()) for i, s in enumerate(stages)},
            "overall": float(inside.mean()),
        },
        "wape": {**{s: wape(err[:, i], A[:, i]) for i, s in enumerate(stages)}, "overall": wape(err, A)},
        "cells": {**{s: int(A.shape[0]) for s in stages}, "overall": int(A.size)},
        "folds": out_folds,
    }
