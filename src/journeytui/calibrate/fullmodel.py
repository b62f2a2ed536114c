"""Base values whose full model reproduces the observed weekly rates (docs/calibration.md, "The full model").

The history shows each transition's *effective* weekly rate r_i = moves / lead-weeks at risk: the
journey's touchpoint lifts, consensus gates, scoring hand-offs and channel capacity are already in
it. Written as they are, the full model would apply those features a second time (a lift of 1.3
on a rate that already contains it). So the base values are found by indirect inference: simulate
the full model with the current base values on the history's design (its starting cohort, the
leads at the end of week 0, and the fitted arrival rates, over the history's weeks up to
MAX_WEEKS, with accounts as large as the journey's), measure each transition's effective hazard
the way the fit measures the data, and rescale:

    L_i(theta) = h_i^full(theta) / h_i^plain(theta)        the features' net effect on transition i
    theta_i <- r_i / L_i(theta)

h^full comes from a seeded Monte Carlo run of the full model, h^plain from the exact forecast of
the same journey without those features, both as moves over free lead-weeks in the stage
(occupancy minus leads on hold, summed over the weeks), so the two are measured alike and any
bias of the measure cancels. Iterated until no value moves by more than TOLERANCE (relative), or
by more than Monte Carlo noise explains, or MAX_ITERATIONS. A measured ratio has a relative error
of about 1 / sqrt(M) (M: simulated moves over all runs; measured on the flagship), and a step
compares two measurements whose draws differ (the engine's draws follow the values, so the fixed
seed does not make them common random numbers): a step within NOISE_SDS * sqrt(2 / M) is settled.
A journey without such features is left alone: its plain chain is its full model.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from journeytui.model.accounts import account_size, composition
from journeytui.model.types import Journey

if TYPE_CHECKING:
    from journeytui.calibrate.fit import Calibration

TOLERANCE = 0.02
"""Stop when no base value changes by more than this share in an iteration."""

MAX_ITERATIONS = 6
NOISE_SDS = 3.0
"""A step within this many of its Monte Carlo standard deviations counts as settled (see above)."""
RUNS = 4
"""Monte Carlo runs per iteration (seeded; the measure pools every week of the history)."""

MAX_WEEKS = 52
"""The history's design is simulated over at most this many weeks (the measure needs the mix of
lead ages the history had, not its full length)."""

MAX_LEADS = 6000
"""A larger history is simulated at this many leads (cohort plus arrivals over the weeks), with every
channel capacity scaled by the same factor so capacity presses as hard, and accounts as large as
the journey's (:func:`_accounts`): the ratios are rates, so the design's scale matters only through
capacity."""

MIN_MOVES = 5.0
"""A transition with fewer simulated moves than this keeps its ratio at 1 (too noisy to rescale)."""

FEATURES = ("scoring", "lifts", "gates", "capacity")


def _hazards(stages: list[str], mean: np.ndarray, on_hold: np.ndarray, flows: dict[str, float]) -> dict[str, Any]:
    """Per transition ``from->to``: (moves, free lead-weeks in its stage) from a forecast's arrays."""
    free = (mean[:-1] - (on_hold[:-1] if on_hold.size else 0.0)).sum(axis=0)
    at_risk = {s: float(free[i]) for i, s in enumerate(stages)}
    return {"at_risk": at_risk, "moves": flows}


def _with_values(journey: Journey, theta: dict[int, float], scale: dict[int, float]) -> Journey:
    """The journey with transition i's probability set to theta[i] and its by_persona values scaled."""
    transitions = list(journey.transitions)
    for i, value in theta.items():
        t = transitions[i]
        f = scale.get(i, 1.0)
        transitions[i] = replace(t, probability=value, by_persona={q: min(1.0, v * f) for q, v in t.by_persona.items()})
    return replace(journey, transitions=transitions)


def _cap(journey: Journey, theta: dict[int, float]) -> None:
    """Keep every stage's base moves plus stalls at most 1 (E302): scale a stage's values back."""
    for s in journey.stages:
        mine = [i for i in theta if journey.transitions[i].from_ == s.id]
        room = 1.0 - sum(st.probability for st in journey.stalls if st.stage == s.id)
        total = sum(theta[i] for i in mine) + sum(
            t.probability for k, t in enumerate(journey.transitions) if t.from_ == s.id and k not in theta
        )
        if total > room and total > 0:
            for i in mine:
                theta[i] *= room / total


def _accounts(fitted: Journey, leads: int) -> int:
    """Accounts for a design of ``leads`` initial leads with the journey's own account size (leads per
    account: the file's initial leads over its accounts, model/accounts.py), so the buying
    committees, and so the gates, are as large as the journey's."""
    pop = fitted.population
    if not pop.accounts or not leads:
        return pop.accounts
    size = account_size(sum(pop.initial.values()), pop.accounts, sum(composition(fitted).values()))
    return max(1, round(leads / size))


def _design(fitted: Journey, cohort: dict[str, int], weeks: int) -> Journey:
    """The history's design: its starting cohort and arrival rates, scaled down to MAX_LEADS leads
    (channel capacities scaled alike, accounts as large as the journey's)."""
    arrivals = dict(fitted.population.arrivals)
    total = sum(cohort.values()) + weeks * sum(arrivals.values())
    f = min(1.0, MAX_LEADS / total) if total > 0 else 1.0
    initial = {s: round(n * f) for s, n in cohort.items() if round(n * f) > 0}
    population = replace(
        fitted.population,
        initial=initial,
        arrivals={s: v * f for s, v in arrivals.items()},
        accounts=_accounts(fitted, sum(initial.values())),
    )
    channels = [
        replace(ch, capacity=max(1, round(ch.capacity * f))) if ch.capacity is not None else ch
        for ch in fitted.channels
    ]
    return replace(fitted, population=population, channels=channels)


def match_full_model(fitted: Journey, cal: Calibration, cohort: dict[str, int], weeks: int) -> dict[str, Any] | None:
    """Rescale ``cal``'s transition values (in place) so ``fitted``'s full model reproduces them.

    ``fitted`` has the observed rates applied; ``cohort`` the history's starting cohort (leads per
    open stage at the end of week 0, ``fit.start_cohort``) and ``weeks`` the history's length.
    Returns what was done (for the report), or None when the journey has no feature that the plain
    chain lacks."""
    from journeytui.sim.compile import blocking_features
    from journeytui.sim.errors import SimulationError
    from journeytui.sim.exact import forecast
    from journeytui.sim.montecarlo import simulate

    features = blocking_features(fitted)
    if not features:
        return None
    changes = {int(c.path[1]): c for c in cal.changes if c.kind == "transition" and len(c.path) == 3}
    if not changes:
        return None
    observed = {i: float(c.after) for i, c in changes.items()}
    W = max(2, min(weeks, MAX_WEEKS))
    design = _design(fitted, cohort, W)
    if not design.population.initial and not any(design.population.arrivals.values()):
        return None
    theta = dict(observed)
    scale: dict[int, float] = {}
    keys = {i: f"{fitted.transitions[i].from_}->{fitted.transitions[i].to}" for i in changes}
    history: list[float] = []
    ratio: dict[int, float] = dict.fromkeys(changes, 1.0)
    converged = False
    for _ in range(MAX_ITERATIONS):
        trial = _with_values(design, theta, scale)
        try:
            res = simulate(trial, weeks=W, runs=RUNS, seed=0, engine="leads")
            plain = forecast(trial, weeks=W, ignore=FEATURES)
        except SimulationError as exc:
            cal.warnings.append(
                f"the full model could not be simulated to match the observed rates ({exc}); "
                "the values written are the observed rates, and the journey's features act on top of them"
            )
            return None
        moves_full: dict[str, float] = {}
        for name, v in res.kpis.get("conversion", {}).items():
            edge = name.removesuffix(" (hand-off)")  # a hand-off is a move along the edge in the export too
            moves_full[edge] = moves_full.get(edge, 0.0) + float(v["moves"])
        full = _hazards(res.stages, res.mean, res.on_hold, moves_full)
        base = _hazards(plain.stages, plain.mean, plain.on_hold, plain.flows)
        new: dict[int, float] = {}
        for i, key in keys.items():
            src = fitted.transitions[i].from_
            mf, mp = full["moves"].get(key, 0.0), base["moves"].get(key, 0.0)
            nf, np_ = full["at_risk"].get(src, 0.0), base["at_risk"].get(src, 0.0)
            if mf >= MIN_MOVES and mp > 0 and nf > 0 and np_ > 0:
                ratio[i] = (mf / nf) / (mp / np_)
            new[i] = min(1.0, observed[i] / max(ratio[i], 1e-9))
        _cap(fitted, new)
        # settled: every value moved by at most TOLERANCE, or by at most what Monte Carlo noise
        # explains when that is larger (NOISE_SDS standard deviations of a step, module docstring)
        noise = {i: NOISE_SDS * np.sqrt(2.0 / max(full["moves"].get(keys[i], 0.0) * RUNS, 1.0)) for i in new}
        settled = all(abs(new[i] / theta[i] - 1.0) <= max(TOLERANCE, noise[i]) for i in new if theta[i] > 0)
        step = max((abs(new[i] / theta[i] - 1.0) for i in new if theta[i] > 0), default=0.0)
        history.append(round(step, 4))
        scale = {i: new[i] / observed[i] if observed[i] > 0 else 1.0 for i in new}
        theta = new
        if settled:
            converged = True
            break
    for i, c in changes.items():
        f = theta[i] / observed[i] if observed[i] > 0 else 1.0
        c.extra["observed"] = observed[i]
        c.extra["feature_ratio"] = ratio[i]
        c.after = theta[i]
        c.low = None if c.low is None else min(1.0, c.low * f)
        c.high = None if c.high is None else min(1.0, c.high * f)
    for c in cal.changes:  # per-persona values follow their transition's factor
        if c.kind == "transition" and len(c.path) == 4:
            f = scale.get(int(c.path[1]), 1.0)
            c.extra["observed"] = c.after
            c.after = min(1.0, c.after * f)
            c.low = None if c.low is None else min(1.0, c.low * f)
            c.high = None if c.high is None else min(1.0, c.high * f)
    if not converged:
        cal.warnings.append(
            f"matching the full model to the observed rates stopped after {MAX_ITERATIONS} iterations with values "
            f"still moving by {history[-1]:.1%}: the journey's features may not be able to produce the observed rates"
        )
    return {
        "method": "indirect inference: theta <- observed / (full-model hazard / plain-chain hazard)",
        "features": sorted(features),
        "iterations": len(history),
        "converged": converged,
        "tolerance": TOLERANCE,
        "steps": history,
        "runs": RUNS,
        "weeks": W,
    }
