"""A straightforward per-lead pure-Python loop of the simulator's semantics (the benchmark's reference).

Covers what the plain benchmark journey uses: plain transitions with per-persona
probabilities, stalls (fixed, uniform, geometric), personas and Poisson arrivals,
with the event order of docs/simulation.md (moves, then arrivals at the end of the week).
"""

from __future__ import annotations

import math
import random

from journeytui.model import Journey


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def run_reference(journey: Journey, leads: int, weeks: int, seed: int = 0) -> list[dict[str, int]]:
    """Counts per stage at the end of every week (row 0 the initial state)."""
    rng = random.Random(seed)
    stages = [s.id for s in journey.stages]
    open_ = {s.id for s in journey.stages if s.kind == "open"}
    personas = [p.id for p in journey.personas] or [""]
    weights = [journey.population.mix.get(p, 1.0) for p in personas]
    outcomes: dict[tuple[str, str], list[tuple[float, str, object]]] = {}
    for s in stages:
        for p in personas:
            rows: list[tuple[float, str, object]] = []
            for st in journey.stalls:
                if st.stage == s:
                    rows.append((st.probability, "stall", st.duration))
            for t in journey.transitions:
                if t.from_ == s:
                    rows.append((t.by_persona.get(p, t.probability), "move", t.to))
            outcomes[(s, p)] = rows
    initial = journey.population.initial
    total0 = sum(initial.values()) or 1
    lead_stage: list[str] = []
    for s in stages:
        lead_stage += [s] * round(initial.get(s, 0) * leads / total0)
    lead_persona = rng.choices(personas, weights, k=len(lead_stage))
    lead_hold = [0] * len(lead_stage)
    history = [_counts(lead_stage, stages)]
    for week in range(1, weeks + 1):
        for i in range(len(lead_stage)):
            s = lead_stage[i]
            if s not in open_ or lead_hold[i] >= week:
                continue
            u = rng.random()
            acc = 0.0
            for p, kind, ref in outcomes[(s, lead_persona[i])]:
                acc += p
                if u < acc:
                    if kind == "move":
                        lead_stage[i] = ref  # type: ignore[assignment]
                    else:
                        lead_hold[i] = week + _duration(rng, ref)
                    break
        for s, lam in journey.population.arrivals.items():
            for _ in range(_poisson(rng, lam)):
                lead_stage.append(s)
                lead_persona.append(rng.choices(personas, weights)[0])
                lead_hold.append(week)
        history.append(_counts(lead_stage, stages))
    return history


def _duration(rng: random.Random, d: object) -> int:
    kind = d.kind
    if kind == "fixed":
        return int(d.weeks)
    if kind == "uniform":
        return rng.randint(int(d.min), int(d.max))
    p = 1.0 / float(d.mean)
    n = 1
    while rng.random() >= p:
        n += 1
    return n


def _counts(lead_stage: list[str], stages: list[str]) -> dict[str, int]:
    out = dict.fromkeys(stages, 0)
    for s in lead_stage:
        out[s] += 1
    return out
