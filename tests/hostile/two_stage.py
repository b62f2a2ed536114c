"""A commented two-stage journey (lead -> won) for the hostile save tests: each test names it."""

from __future__ import annotations


def two_stage(journey_id: str, title: str, comment: str) -> str:
    """The journey as a file: ``# comment`` first (kept by every save), then lead -> won at 0.1."""
    return f"""\
# {comment}
[journey]
id = "{journey_id}"
title = "{title}"
horizon = 52

[[stages]]
id = "lead"
name = "Lead"
entry = true

[[stages]]
id = "won"
name = "Won"
kind = "won"

[[transitions]]
from = "lead"
to = "won"
probability = 0.1
"""
