"""The compiled kernel's binomials have the binomial distribution (sim/kernel.py).

Each case draws 100,000 binomials and compares their histogram with the exact pmf (from
math.lgamma) by a chi-square statistic over the cells expected to hold at least 5 draws
(tails pooled). The bound df + 7 sqrt(2 df) + 15 is far past the 1e-6 quantile of the
chi-square law for these df, so a correct sampler fails it with a chance well below 1e-5,
while numpy's own binomial with p off by 1 % already fails it for all but the smallest n
(a wrong acceptance test, a biased inversion or a flipped tail move it far more). The
cases cover inversion (mean below 10), BTRS (above), p above 1/2 (drawn as n minus its
complement), counts past the log-factorial table (math.lgamma) and the edges.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from journeytui.sim import kernel
from journeytui.sim.kernel import TABLE, binomials

DRAWS = 100_000


def pmf(n: int, p: float, ks: np.ndarray) -> np.ndarray:
    lg = math.lgamma(n + 1)
    return np.array(
        [
            math.exp(lg - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p))
            for k in ks
        ]
    )


def chi_square(x: np.ndarray, n: int, p: float) -> tuple[float, int]:
    """The chi-square statistic of the draws against Binomial(n, p) and its degrees of freedom."""
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    ks = np.arange(max(0, int(mean - 8 * sd) - 2), min(n, int(mean + 8 * sd) + 2) + 1)
    expected = pmf(n, p, ks) * x.size
    keep = expected >= 5
    observed = np.array([np.count_nonzero(x == k) for k in ks[keep]], dtype=float)
    # every other value (both tails) pooled into one cell
    e = np.append(expected[keep], x.size - expected[keep].sum())
    o = np.append(observed, x.size - observed.sum())
    if e[-1] < 5:
        e, o = e[:-1], o[:-1]
    return float(((o - e) ** 2 / e).sum()), int(e.size - 1)


@pytest.mark.parametrize(
    ("n", "p"),
    [
        (20, 0.1),  # inversion
        (1_000, 0.009),  # inversion, a long walk
        (1_000, 0.013),  # BTRS, just above the switch
        (130, 0.3),
        (1_200, 0.87),  # p above 1/2: n minus Binomial(n, 0.13)
        (100_000, 0.5),
        (TABLE + 5_000, 0.2),  # past the log-factorial table
    ],
)
def test_binomials_follow_the_binomial_pmf(n: int, p: float) -> None:
    x = binomials(np.random.default_rng(n), n, p, DRAWS)
    assert x.min() >= 0 and x.max() <= n
    stat, df = chi_square(x, n, p)
    assert stat <= df + 7 * math.sqrt(2 * df) + 15, (stat, df)
    # and the first two moments, to a few standard errors
    assert abs(x.mean() - n * p) <= 6 * math.sqrt(n * p * (1 - p) / DRAWS)
    assert abs(x.var() / (n * p * (1 - p)) - 1) <= 0.03


def test_edges_and_the_same_seed() -> None:
    rng = np.random.default_rng(0)
    assert binomials(rng, 0, 0.3, 5).tolist() == [0] * 5
    assert binomials(rng, 7, 0.0, 5).tolist() == [0] * 5
    assert binomials(rng, 7, 1.0, 5).tolist() == [7] * 5
    a = binomials(np.random.default_rng(4), 500, 0.2, 1000)
    b = binomials(np.random.default_rng(4), 500, 0.2, 1000)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, binomials(np.random.default_rng(5), 500, 0.2, 1000))


def test_multinomial_rows_add_up_and_follow_their_chances() -> None:
    """Each cell's outcome counts add up to its leads; their means are n * p per outcome."""
    cur = np.array([[1000, 0, 37], [5, 400, 2_000]], dtype=np.int64)
    pv = np.array([[0.0, 0.05, 0.95], [0.1, 0.2, 0.7], [0.3, 0.3, 0.4]])
    rng = np.random.default_rng(9)
    draws = np.array([kernel.multinomial(rng, cur, pv) for _ in range(4000)]).reshape(4000, 2, 3, 3)
    assert np.array_equal(draws.sum(axis=3), np.broadcast_to(cur, (4000, 2, 3)))
    expected = cur[:, :, None] * pv[None, :, :]
    se = np.sqrt(np.maximum(expected, 1e-12) / 4000)
    assert (np.abs(draws.mean(axis=0) - expected) <= 6 * se + 1e-12).all()
    assert (draws[:, :, 0, 0] == 0).all()  # a chance of 0 is never taken


@pytest.mark.parametrize("error", [ImportError, OSError, SystemError])
def test_a_kernel_that_fails_to_import_falls_back_to_numpys_draws(error: type[Exception], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """numba or llvmlite failing as they load (a broken install, a missing shared library) must not
    stop a forecast: the count engine draws with numpy instead."""
    import importlib.abc
    import sys

    from journeytui.sim import counts

    class Broken(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):  # type: ignore[no-untyped-def]
            if name == "journeytui.sim.kernel":
                raise error("numba: cannot load libllvmlite.so")
            return None

    monkeypatch.delitem(sys.modules, "journeytui.sim.kernel")
    monkeypatch.delattr(sys.modules["journeytui.sim"], "kernel")
    monkeypatch.setattr(sys, "meta_path", [Broken(), *sys.meta_path])
    assert counts._kernel(counts.KERNEL_CELLS * 10) is None
    assert counts._drawer(counts.KERNEL_CELLS * 10) is counts._numpy_multinomial
