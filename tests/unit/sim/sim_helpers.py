"""Helpers for simulator tests: tiny journeys from TOML text."""

from __future__ import annotations

from journeytui.model import Journey, load_text

HEADER = """
[journey]
id = "t"
title = "test"
horizon = {horizon}
"""


def journey(body: str, horizon: int = 10) -> Journey:
    result = load_text(HEADER.format(horizon=horizon) + body)
    assert result.journey is not None and result.ok, result.diagnostics
    return result.journey
