"""Helpers for simulator tests: tiny journeys from TOML text."""

from __future__ import annotations

from journeytui.model import Journey, load_text

HEADER = """
[journey]
id = "t"
title = "test"
horizon = {horizon}
"""


FOUR_STAGES = """
[[stages]]
id = "a"
name = "A"
entry = true
[[stages]]
id = "b"
name = "B"
[[stages]]
id = "won"
name = "W"
kind = "won"
[[stages]]
id = "lost"
name = "L"
kind = "lost"
"""
"""Entry `a`, open `b`, and the outcomes `won` and `lost`: the stages most tests need."""


CHAIN = (
    """
[population.initial]
a = 1000
"""
    + FOUR_STAGES
    + """
[[transitions]]
from = "a"
to = "b"
probability = 0.5
[[transitions]]
from = "a"
to = "lost"
probability = 0.1
[[transitions]]
from = "b"
to = "won"
probability = 0.2
[[transitions]]
from = "b"
to = "a"
probability = 0.1
cause = "back"
"""
)
"""a -> b (0.5), a -> lost (0.1), b -> won (0.2), and the regression b -> a (0.1); 1000 leads in a."""


def journey(body: str, horizon: int = 10) -> Journey:
    result = load_text(HEADER.format(horizon=horizon) + body)
    assert result.journey is not None and result.ok, result.diagnostics
    return result.journey
