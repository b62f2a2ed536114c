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


def journey(body: str, horizon: int = 10) -> Journey:
    result = load_text(HEADER.format(horizon=horizon) + body)
    assert result.journey is not None and result.ok, result.diagnostics
    return result.journey
