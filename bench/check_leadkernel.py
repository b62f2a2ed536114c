"""The compiled per-lead engine against the numpy engine over many seeds (not a test; a longer
form of tests/unit/sim/test_leadkernel.py): `python bench/check_leadkernel.py [--seeds N]`.

For each journey (the flagship, the every-feature journey, four random journeys) and seed, both
engines run many runs and every per-run quantity is z-tested. Under equal distributions the z
values are standard normal: the script prints per journey the largest |z|, the share of
|z| > 2 (about 4.6% expected) and of |z| > 3 (about 0.27%), and the mean z (about 0). As in
the test, both engines share the seed (so the same personas and arrivals): the z values are
then conservative (the samples are positively correlated), fewer large ones than normal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "sim"))

from test_leadkernel import _engine, _per_run, _random_journey, _supported_features  # noqa: E402

from journeytui.model import load_journey  # noqa: E402


def z_values(j: object, leads: int | None, weeks: int, runs: int, seed: int) -> np.ndarray:
    old = _per_run(*_engine(j, leads, weeks, runs, seed, compiled=False))  # type: ignore[arg-type]
    new = _per_run(*_engine(j, leads, weeks, runs, seed, compiled=True))  # type: ignore[arg-type]
    zs = []
    for name in old:
        a, b = old[name], new[name]
        va, vb = a.var(axis=0, ddof=1), b.var(axis=0, ddof=1)
        ok = (va + vb) > 0
        zs.append((b.mean(axis=0) - a.mean(axis=0))[ok] / np.sqrt((va + vb)[ok] / runs))
    return np.concatenate(zs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=10)
    args = ap.parse_args()
    cases = [("flagship", load_journey(ROOT / "journeys" / "b2b-it-tool.toml"), 300, 40, 150)]
    cases.append(("every feature", _supported_features(), None, 30, 200))
    cases += [(f"random {k}", _random_journey(k), None, 25, 150) for k in range(1, 5)]
    for name, j, leads, weeks, runs in cases:
        z = np.concatenate([z_values(j, leads, weeks, runs, 100 + s) for s in range(args.seeds)])
        print(
            f"{name:14s} {z.size:6d} z-tests  max |z| {np.abs(z).max():5.2f}  |z|>2 {np.mean(np.abs(z) > 2):6.2%}  "
            f"|z|>3 {np.mean(np.abs(z) > 3):6.2%}  mean z {z.mean():+.3f}"
        )


if __name__ == "__main__":
    main()
