"""Scenarios of a sweep: the grid, random or Latin-hypercube samples, their identity and seeds.

A scenario is one value per lever. Its identity is a hash of the lever ids and values, so
it does not depend on where in a sweep it comes, on the engine or on the worker that runs it.
Its seed comes from the root seed (docs/sweeps.md, *Seeds and common random numbers*):

- with common random numbers (the default) every scenario's runs use the root seed itself,
  so two scenarios differ only by their levers and the baseline scenario reproduces
  ``journeytui simulate --seed S``;
- without, each scenario gets an independent seed, ``SeedSequence(root, spawn_key=(hash,))``.

The grid is never enumerated to count it: its size is the product of the levers' sizes, and
a grid too large is refused before anything is built. No Textual.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from journeytui.model.types import Journey
from journeytui.sim.errors import ResourceLimit
from journeytui.sweep.spec import WHOLE_KINDS, SweepFile, lever_points

MAX_SCENARIOS = 1_000_000
"""More scenarios than this is refused whatever the budget: the results alone would be huge."""

SAMPLE_KEY = 0x5EE9
"""spawn_key of the random stream that draws random and LHS samples (distinct from the runs' seeds)."""


@dataclass(frozen=True)
class Scenario:
    """One scenario: its position in the sweep, its values (lever order) and its identity."""

    index: int
    values: tuple[float, ...]
    key: str
    """Hex digest of the lever ids and values: the scenario's identity."""


def scenario_key(sweep: SweepFile, values: tuple[float, ...]) -> str:
    ident = [[lv.id, float(v)] for lv, v in zip(sweep.levers, values, strict=True)]
    return hashlib.sha256(json.dumps(ident, separators=(",", ":")).encode()).hexdigest()[:16]


def scenario_seed(root: int, key: str, crn: bool = True) -> int:
    """The simulation seed of a scenario: the root seed under common random numbers, else one
    independent seed per scenario identity."""
    if crn:
        return int(root)
    words = np.random.SeedSequence(int(root), spawn_key=(int(key, 16),)).generate_state(2, np.uint32)
    return int(words[0]) << 32 | int(words[1])


def grid_size(sweep: SweepFile) -> int:
    return math.prod(len(lever_points(lv)) for lv in sweep.levers)


def _make(sweep: SweepFile, index: int, values: tuple[float, ...]) -> Scenario:
    values = tuple(
        float(round(v)) if lv.kind in WHOLE_KINDS else float(v) for lv, v in zip(sweep.levers, values, strict=True)
    )
    return Scenario(index, values, scenario_key(sweep, values))


def grid(sweep: SweepFile) -> Iterator[Scenario]:
    """Every combination, the last lever varying fastest (index = the mixed-radix number)."""
    points = [lever_points(lv) for lv in sweep.levers]
    n = grid_size(sweep)
    for index in range(n):
        rest, values = index, []
        for pts in reversed(points):
            rest, k = divmod(rest, len(pts))
            values.append(pts[k])
        yield _make(sweep, index, tuple(reversed(values)))


def _unit_to_value(sweep: SweepFile, u: np.ndarray) -> tuple[float, ...]:
    """Map a point of the unit cube to lever values: a lever with listed values or a step picks
    one of its grid points; a plain min..max range takes the value in between."""
    out = []
    for lv, x in zip(sweep.levers, u, strict=True):
        if lv.values or lv.step is not None:
            pts = lever_points(lv)
            out.append(pts[min(int(x * len(pts)), len(pts) - 1)])
        else:
            assert lv.min is not None and lv.max is not None
            out.append(lv.min + float(x) * (lv.max - lv.min))
    return tuple(out)


def sample(sweep: SweepFile, how: str, n: int, seed: int) -> list[Scenario]:
    """``n`` scenarios drawn at random or by Latin hypercube (duplicates dropped, first kept)."""
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(SAMPLE_KEY,)))
    d = len(sweep.levers)
    if how == "random":
        cube = rng.random((n, d))
    else:
        # Latin hypercube: each lever's range cut into n equal strata, one point in each, the
        # strata of the levers paired by independent permutations.
        cube = (np.argsort(rng.random((d, n)), axis=1).T + rng.random((n, d))) / n
    out: list[Scenario] = []
    seen: set[str] = set()
    for row in cube:
        sc = _make(sweep, len(out), _unit_to_value(sweep, row))
        if sc.key not in seen:
            seen.add(sc.key)
            out.append(Scenario(len(out), sc.values, sc.key))
    return out


def scenarios(sweep: SweepFile, how: str = "grid", n: int | None = None, seed: int = 0) -> list[Scenario]:
    """The sweep's scenarios; refuses (ResourceLimit) a grid of more than MAX_SCENARIOS before building it."""
    if how == "grid":
        size = grid_size(sweep)
        if size > MAX_SCENARIOS:
            raise ResourceLimit(
                f"the grid has {size:,} scenarios (limit {MAX_SCENARIOS:,})",
                "sample it: --sample lhs 200 (or random N), or give the levers fewer values",
                needed=size,
                limit=MAX_SCENARIOS,
            )
        return list(grid(sweep))
    if n is None or n < 1 or n > MAX_SCENARIOS:
        raise ValueError(f"--sample {how} needs a number of scenarios from 1 to {MAX_SCENARIOS:,}")
    return sample(sweep, how, n, seed)


def baseline(journey: Journey, sweep: SweepFile) -> tuple[float, ...]:
    """The journey's own values of the levers (the scenario that changes nothing)."""
    from journeytui.sweep.levers import baseline_value

    return tuple(baseline_value(journey, lv) for lv in sweep.levers)
