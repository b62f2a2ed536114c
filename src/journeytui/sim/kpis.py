"""Turn a finished Monte Carlo engine into a SimResult: statistics across runs and KPIs."""

from __future__ import annotations

from typing import Any

import numpy as np

from journeytui.sim.results import SimResult
from journeytui.sim.tallies import Tallies


def _r(x: float) -> float:
    return round(float(x), 6)


def _quantile_of_histogram(hist: np.ndarray, q: float) -> int | None:
    total = hist.sum()
    if total == 0:
        return None
    return int(np.searchsorted(np.cumsum(hist), q * total))


def summarise(eng: Tallies, record: np.ndarray, settings: dict[str, Any]) -> SimResult:
    c = eng.c
    S, P, W, R = eng.S, eng.P, eng.W, eng.R
    j = c.journey
    by = record.reshape(W + 1, R, S, P)
    stages = by.sum(axis=3).astype(float)  # (W+1, R, S)
    mean = stages.mean(axis=1)
    p05, p50, p95 = np.percentile(stages, [5, 50, 95], axis=1)
    won_cols = [i for i, k in enumerate(c.kinds) if k == "won"]
    lost_cols = [i for i, k in enumerate(c.kinds) if k == "lost"]
    total_runs = stages.sum(axis=2)  # (W+1, R)
    all_leads = float(total_runs[-1].sum())

    entries = eng.entries.sum(axis=0).astype(float)
    reached = {s: entries[i] / all_leads if all_leads else 0.0 for i, s in enumerate(c.stage_ids)}
    # the count engine's exact expected shares for stages on a cycle (counts.expected_reached)
    exact = getattr(eng, "reached_exact", None)
    if exact is not None:
        reached.update({s: float(exact[i]) for i, s in enumerate(c.stage_ids) if not np.isnan(exact[i])})
    sidx = {s: i for i, s in enumerate(c.stage_ids)}
    gross = _gross_entries(eng, sidx)
    conversion: dict[str, dict[str, float]] = {}
    regressions: dict[str, float] = {}
    for e, t in enumerate(j.transitions):
        if t.from_ not in sidx or t.to not in sidx:
            continue
        moves = eng.edge_moves[:, e]
        base = gross[sidx[t.from_]]
        name = c.edge_name(e)
        conversion[name] = {"moves": _r(moves.mean()), "rate": _r(moves.sum() / base if base else 0.0)}
        if c.regression[e]:
            regressions[name] = _r(moves.mean())
    if eng.score is not None:
        to = c.stage_ids[eng.score.to_stage]
        for s in range(S):
            moves = eng.handoff_moves[:, s]
            if moves.any():
                base = gross[s]
                conversion[f"{c.stage_ids[s]}->{to} (hand-off)"] = {
                    "moves": _r(moves.mean()),
                    "rate": _r(moves.sum() / base if base else 0.0),
                }

    wins = mean[-1, won_cols].sum() - mean[0, won_cols].sum()
    channels: dict[str, dict[str, float | None]] = {}
    for k, ch in enumerate(j.channels):
        touches = float(eng.ch_touches[:, k].mean())
        cost = touches * ch.cost
        channels[ch.id] = {
            "touches": _r(touches),
            "cost": _r(cost),
            "cost_per_touch": _r(ch.cost),
            "cost_per_win": _r(cost / wins) if wins > 0 else None,
        }
    touchpoints = {
        tp.id: {"sends": _r(eng.tp_sends[:, i].mean()), "engagements": _r(eng.tp_engaged[:, i].mean())}
        for i, tp in enumerate(j.touchpoints)
    }
    stalls = {
        cause: {"starts": _r(eng.stall_starts[:, k].mean()), "lead_weeks": _r(eng.stall_weeks[:, k].mean())}
        for k, cause in enumerate(c.causes)
    }
    final = by[-1]  # (R, S, P)
    personas = {
        (pid or "(all)"): {
            "leads": _r(final[:, :, p].sum(axis=1).mean()),
            "won": _r(final[:, won_cols, p].sum(axis=1).mean()),
            "lost": _r(final[:, lost_cols, p].sum(axis=1).mean()),
        }
        for p, pid in enumerate(c.persona_ids)
    }
    kpis: dict[str, Any] = {
        "conversion": conversion,
        "reached": {s: _r(x) for s, x in reached.items()},
        "time_to_won": {
            "median": _quantile_of_histogram(eng.won_after, 0.5),
            "p90": _quantile_of_histogram(eng.won_after, 0.9),
        },
        "stalls": stalls,
        "regressions": regressions,
        "mqls_per_week": [_r(x) for x in eng.per_week["mqls"][:, 1:].mean(axis=0)],
        "handoffs_per_week": [_r(x) for x in eng.per_week["handoffs"][:, 1:].mean(axis=0)],
        "queue_length": [_r(x) for x in eng.per_week["queue"][:, 1:].mean(axis=0)],
        "channels": channels,
        "touchpoints": touchpoints,
        "accounts_won": _accounts_won(eng),
        "personas": personas,
        "gates": _gates(eng),
    }
    result = SimResult(
        journey_id=j.journey.id,
        stages=list(c.stage_ids),
        weeks=W,
        mean=mean,
        total=total_runs.mean(axis=1),
        won=mean[:, won_cols].sum(axis=1),
        lost=mean[:, lost_cols].sum(axis=1),
        by_persona={(pid or "(all)"): by[:, :, :, p].mean(axis=1) for p, pid in enumerate(c.persona_ids)},
        settings=settings,
        p05=p05,
        p50=p50,
        p95=p95,
        runs_counts=stages,
        kpis=kpis,
    )
    log = getattr(eng, "log", None)  # the per-lead engine's week-by-week record (the count engine keeps none)
    if log is not None:
        result.on_hold = log.on_hold(R)
        result.weekly = log.flows(R)
    return c.in_file_order(result)


def _gross_entries(eng: Tallies, sidx: dict[str, int]) -> np.ndarray:
    """(S,) entries into each stage over all runs, counting every entry: initial leads, arrivals,
    moves in and hand-offs in (a lead that comes back enters again). Every move out of a stage
    follows an entry into it, so moves / gross entries is at most 1."""
    c = eng.c
    gross = c.initial.astype(float) * eng.R
    np.add.at(gross, eng.entry, eng.arrivals.sum(axis=(0, 1)))
    for e, t in enumerate(c.journey.transitions):
        if t.from_ in sidx and t.to in sidx:
            gross[sidx[t.to]] += eng.edge_moves[:, e].sum()
    if eng.score is not None:
        gross[eng.score.to_stage] += eng.handoff_moves.sum()
    return gross


def _accounts_won(eng: Tallies) -> float | None:
    """Mean number of accounts with a member in a won stage at the horizon (None without accounts)."""
    if not eng.c.account_size:
        return None
    won = np.flatnonzero(eng.is_won[eng.key // eng.P])
    if won.size == 0:
        return 0.0
    per_run = eng.nmax // eng.b + 1
    acc = eng._run(won) * per_run + (won % eng.nmax) // eng.b
    distinct = np.unique(acc)
    return _r(np.bincount(distinct // per_run, minlength=eng.R).mean())


def _gates(eng: Tallies) -> dict[str, dict[str, Any]]:
    """Per gate: the accounts it held back (a lead drew the gated move and stayed), and why.

    Without accounts every lead is its own account (a committee of one).
    """
    out: dict[str, dict[str, Any]] = {}
    for gate, h in zip(eng.c.journey.gates, eng.gate_holds, strict=True):
        out[gate.id] = {
            "held_accounts_per_week": [_r(x) for x in h.per_week[:, 1:].mean(axis=0)],
            "held_accounts": _r(h.per_run(h.ever, eng.R)),
            "missing_roles": {
                role: _r(h.per_run(flags, eng.R))
                for role, flags in zip(gate.require_roles, h.ever_missing, strict=True)
            },
            "share_short": _r(h.per_run(h.ever_short, eng.R)),
        }
    return out
