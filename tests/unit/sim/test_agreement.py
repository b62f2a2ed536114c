"""The Monte Carlo mean agrees with the exact forecast: |z| <= 5 per week x stage cell.

z = (MC mean - exact) / se with se = sqrt(N pi (1 - pi) / runs), pi = exact / N: the
binomial standard error of a mean of `runs` counts of N independent leads.
"""

from __future__ import annotations

import numpy as np
import pytest
from sim_helpers import journey

from journeytui.model import load_journey
from journeytui.sim import forecast, simulate

Z_MAX = 5.0

SKIPS_REGRESSIONS_STALLS = """
[population.initial]
a = 600
b = 200
c = 100
[population.mix]
x = 1.0
y = 2.0
[[personas]]
id = "x"
name = "X"
role = "decision_maker"
[[personas]]
id = "y"
name = "Y"
role = "user"
[[stages]]
id = "a"
name = "認知"
entry = true
[[stages]]
id = "b"
name = "比較"
[[stages]]
id = "c"
name = "検討"
[[stages]]
id = "won"
name = "受注"
kind = "won"
[[stages]]
id = "lost"
name = "失注"
kind = "lost"
[[transitions]]
from = "a"
to = "b"
probability = 0.3
[[transitions]]
from = "a"
to = "c"
probability = 0.05
cause = "skip"
[[transitions]]
from = "b"
to = "c"
probability = 0.2
by_persona.x = 0.4
[[transitions]]
from = "b"
to = "a"
probability = 0.1
cause = "requirements changed"
[[transitions]]
from = "c"
to = "won"
probability = 0.15
by_persona.y = 0.05
[[transitions]]
from = "c"
to = "a"
probability = 0.05
cause = "competitor launch"
[[transitions]]
from = "c"
to = "lost"
probability = 0.1
[[stalls]]
stage = "a"
probability = 0.1
duration.kind = "fixed"
duration.weeks = 3
cause = "budget freeze"
[[stalls]]
stage = "b"
probability = 0.1
duration.kind = "uniform"
duration.min = 1
duration.max = 4
cause = "committee"
[[stalls]]
stage = "c"
probability = 0.05
duration.kind = "geometric"
duration.mean = 3.0
cause = "results worsened"
"""


def max_z(mc: np.ndarray, exact: np.ndarray, n: float, runs: int) -> float:
    pi = np.clip(exact / n, 0.0, 1.0)
    se = np.sqrt(n * pi * (1 - pi) / runs)
    zero = se < 1e-9
    assert np.all(np.abs(mc[zero] - exact[zero]) < 1e-6), "a cell the exact forecast says is certain varied"
    return float(np.max(np.abs(mc[~zero] - exact[~zero]) / se[~zero]))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_monte_carlo_mean_matches_exact_with_skips_regressions_stalls(seed: int) -> None:
    j = journey(SKIPS_REGRESSIONS_STALLS, horizon=30)
    exact = forecast(j)
    mc = simulate(j, runs=12, seed=seed)
    assert max_z(mc.mean, exact.mean, 900, 12) <= Z_MAX
    for p in ("x", "y"):
        assert np.abs(mc.by_persona[p] - exact.by_persona[p]).max() < 60


def test_flagship_plain_part_agrees_with_exact() -> None:
    j = load_journey("journeys/b2b-it-tool.toml")
    ignore = ["scoring", "lifts", "gates", "capacity"]
    exact = forecast(j, ignore=ignore, weeks=26, leads=3000)
    mc = simulate(j, ignore=ignore, weeks=26, leads=3000, runs=8, seed=7)
    # arrivals are Poisson: add their variance (lambda per week, at most 120 * t) to the binomial one
    pi = np.clip(exact.mean / exact.total[:, None], 0, 1)
    var = exact.total[:, None] * pi * (1 - pi) + 120 * np.arange(27)[:, None] * pi
    z = np.abs(mc.mean - exact.mean) / np.sqrt(np.maximum(var, 1e-12) / 8)
    assert z[1:].max() <= Z_MAX


def test_stalls_kpis_match_expected_starts() -> None:
    j = journey(SKIPS_REGRESSIONS_STALLS, horizon=20)
    exact = forecast(j)
    mc = simulate(j, runs=10, seed=5)
    for cause, expected in exact.stall_starts.items():
        got = mc.kpis["stalls"][cause]["starts"]
        assert abs(got - expected) <= 5 * np.sqrt(expected / 10) + 1, cause
    for edge, expected in exact.flows.items():
        got = mc.kpis["conversion"][edge]["moves"]
        assert abs(got - expected) <= 5 * np.sqrt(expected / 10) + 1, edge
