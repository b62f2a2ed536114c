"""The original exact forecast with dense phase-expanded matrices, kept as a reference.

Stalls become one hold state per week of hold, and each week multiplies by an n x n matrix
per persona: exact, but O(n^2) memory and time, so a fixed stall of 10,000 weeks needs
gigabytes. :mod:`journeytui.sim.exact` replaces it; tests check the two agree and the
benchmarks time both. Refuses (ResourceLimit) sizes it cannot hold.
"""

from __future__ import annotations

import numpy as np

from journeytui.model.types import Journey
from journeytui.sim.compile import KIND_MOVE, KIND_STALL, Compiled, blocking_features, check_weeks, compile_journey
from journeytui.sim.errors import ExactForecastUnavailable
from journeytui.sim.exact import arrival_weights, forecast_result
from journeytui.sim.limits import Estimate, check
from journeytui.sim.results import Forecast


def _hold_states(c: Compiled) -> tuple[list[int], list[dict[int, float]], list[tuple[int, int, float]]]:
    """Hold states appended after the S free states: their stage, each stall's entries, the internal steps."""
    S = c.S
    stage_of: list[int] = []
    entries: list[dict[int, float]] = []
    steps: list[tuple[int, int, float]] = []
    sidx = {s: i for i, s in enumerate(c.stage_ids)}
    for st in c.journey.stalls:
        s = sidx.get(st.stage, -1)
        base = S + len(stage_of)
        d = st.duration
        if d.kind == "geometric":
            mean = float(d.mean or 1.0)
            stage_of.append(s)
            entries.append({base: 1.0})
            steps += [(base, base, 1.0 - 1.0 / mean), (base, s, 1.0 / mean)]
            continue
        if d.kind == "fixed":
            lo = hi = int(d.weeks or 1)
        else:
            lo, hi = int(d.min or 1), int(d.max or d.min or 1)
        stage_of += [s] * hi
        entries.append({base + hi - w: 1.0 / (hi - lo + 1) for w in range(lo, hi + 1)})
        steps += [(base + i, base + i + 1, 1.0) for i in range(hi - 1)]
        steps.append((base + hi - 1, s, 1.0))
    return stage_of, entries, steps


def hold_state_count(c: Compiled) -> int:
    return sum(
        1 if st.duration.kind == "geometric" else int(st.duration.weeks or st.duration.max or st.duration.min or 1)
        for st in c.journey.stalls
    )


def transition_matrices(c: Compiled) -> tuple[np.ndarray, np.ndarray]:
    """(P, n, n) one-week matrices per persona and the (n, S) state -> stage map."""
    S, P = c.S, c.P
    n = S + hold_state_count(c)
    check(
        Estimate(
            "the dense exact forecast",
            8 * (P * n * n + n * S),
            P * n * n * 1e-9,
            f"{n:,} states (stages plus one per week of each stall's hold)",
            "use journeytui.sim.exact.forecast",
        )
    )
    stage_of, entries, steps = _hold_states(c)
    M = np.zeros((P, n, n))
    prob = c.prob.reshape(S, P, c.K)
    for s in range(S):
        if c.kinds[s] != "open":
            M[:, s, s] = 1.0
            continue
        M[:, s, s] = 1.0 - prob[s].sum(axis=1)
        for col in range(c.K):
            kind = c.out_kind[s, col]
            if kind == KIND_MOVE:
                M[:, s, c.out_target[s, col]] += prob[s, :, col]
            elif kind == KIND_STALL:
                for h, w in entries[c.out_stall[s, col]].items():
                    M[:, s, h] += prob[s, :, col] * w
    for a, b, p in steps:
        M[:, a, b] += p
    A = np.zeros((n, S))
    A[np.arange(S), np.arange(S)] = 1.0
    for h, s in enumerate(stage_of):
        A[S + h, s] = 1.0
    return M, A


def forecast_dense(
    journey: Journey,
    weeks: int | None = None,
    ignore: tuple[str, ...] | list[str] = (),
    leads: int | None = None,
) -> Forecast:
    """The exact forecast computed the original way (dense matrices over phase-expanded states)."""
    ignore = tuple(ignore)
    c = compile_journey(journey, ignore, leads)
    blocking = blocking_features(c.journey)
    if blocking:
        raise ExactForecastUnavailable(blocking)
    W = check_weeks(weeks, journey)
    M, A = transition_matrices(c)
    P, n = M.shape[0], M.shape[1]
    S = c.S
    q = np.zeros((P, n))
    q[:, :S] = c.initial_persona_counts().T
    arr = np.zeros((P, n))
    arr[:, :S] = arrival_weights(c)[:, None] * c.arrivals[None, :]
    Q = np.empty((W + 1, P, n))
    Q[0] = q
    for p in range(P):
        Mp, ap, qp = M[p], arr[p], q[p]
        for t in range(1, W + 1):
            qp = qp @ Mp + ap
            Q[t, p] = qp
    per_persona = Q @ A  # (W+1, P, S)
    mean = per_persona.sum(axis=1)
    on_hold = Q[:, :, S:].sum(axis=1) @ A[S:]
    free = Q[:W, :, :S].sum(axis=0)
    prob = c.prob.reshape(S, P, c.K)
    flows: dict[str, float] = {}
    starts: dict[str, float] = {}
    for s in range(S):
        for col in range(c.K):
            x = float((free[:, s] * prob[s, :, col]).sum())
            if c.out_kind[s, col] == KIND_MOVE:
                flows[c.edge_name(int(c.out_edge[s, col]))] = x
            elif c.out_kind[s, col] == KIND_STALL:
                cause = c.stall_cause[c.out_stall[s, col]]
                starts[cause] = starts.get(cause, 0.0) + x
    return forecast_result(journey, c, W, mean, per_persona, on_hold, flows, starts, ignore)
