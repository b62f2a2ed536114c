"""The strip's "vs saved" line says when a change of a Monte Carlo headline is within its noise.

A seeded run of a renamed journey draws its numbers in another order (the forecast does not
depend on file order, so elements are taken in id order), and its mean moves by Monte Carlo
noise: a planner must be able to tell that from a real what-if."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from journeytui.model.load import load_text
from journeytui.sim.headline import full_forecast, noise_of_difference
from journeytui.tui.widgets.forecast import change_line

FLAGSHIP = (Path(__file__).resolve().parents[2] / "journeys" / "b2b-it-tool.toml").read_text(encoding="utf-8")
RUNS = 20


def _forecast(text: str):  # type: ignore[no-untyped-def]
    result = load_text(text, "j.toml")
    assert result.journey is not None and not [d for d in result.diagnostics if d.is_error]
    return full_forecast(result.journey, runs=RUNS, seed=0)


def test_a_rename_is_within_noise_and_a_real_change_is_not() -> None:
    saved = _forecast(FLAGSHIP)
    assert saved.engine == "monte_carlo" and saved.won_se is not None and saved.won_se > 0
    renamed = _forecast(re.sub(r"\bit_staff\b", "zz", FLAGSHIP))
    noise = noise_of_difference(saved, renamed)
    assert noise is not None and noise == 3 * np.hypot(saved.won_se, renamed.won_se)
    line = change_line(renamed, saved)
    if line:  # the same figures to a tenth of a lead show no line at all
        assert f"leads, within noise ±{noise:,.0f})" in line, line
    halved = re.sub(
        r'(from = "sales"\nto = "won"\nprobability = )([0-9.]+)', lambda m: m[1] + str(float(m[2]) / 2), FLAGSHIP
    )
    assert halved != FLAGSHIP
    line = change_line(_forecast(halved), saved)
    assert line.startswith("won ") and "within" not in line and "leads, noise ±" in line, line


def test_the_standard_error_is_the_spread_of_the_runs() -> None:
    """won_se is sd/sqrt(runs) of the per-run won counts: with 4x the runs it is about half."""
    result = load_text(FLAGSHIP, "j.toml")
    assert result.journey is not None
    few = full_forecast(result.journey, runs=10, seed=1)
    many = full_forecast(result.journey, runs=40, seed=1)
    assert few.won_se is not None and many.won_se is not None
    assert 0.3 < many.won_se / few.won_se < 0.8
