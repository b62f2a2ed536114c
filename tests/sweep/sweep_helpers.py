"""A small journey and sweep files the sweep tests share (a plain chain with a stall: fast to forecast)."""

from __future__ import annotations

JOURNEY = """\
[journey]
id = "mini-sweep"
title = "Mini sweep"
horizon = 12

[population.initial]
lead = 300

[[stages]]
id = "lead"
name = "Lead"
entry = true
phase = 1

[[stages]]
id = "opp"
name = "Opportunity"
phase = 2

[[stages]]
id = "won"
name = "Won"
kind = "won"
phase = 3

[[stages]]
id = "lost"
name = "Lost"
kind = "lost"
phase = 3

[[transitions]]
from = "lead"
to = "opp"
probability = 0.2

[[transitions]]
from = "lead"
to = "lost"
probability = 0.05

[[transitions]]
from = "opp"
to = "won"
probability = 0.15

[[transitions]]
from = "opp"
to = "lost"
probability = 0.05

[[stalls]]
stage = "opp"
probability = 0.05
duration.kind = "fixed"
duration.weeks = 2
cause = "budget freeze"
"""

SWEEP = """\
[sweep]
name = "mini"
journey = "mini-sweep"

[objective]
metric = "won"

[constraints]
budget = 1000

[[levers]]
id = "nurture"
kind = "transition"
from = "lead"
to = "opp"
values = [0.2, 0.25, 0.3]
cost.per_unit = 100

[[levers]]
id = "freeze"
kind = "stall"
stage = "opp"
cause = "budget freeze"
values = [0.05, 0.0]
costs = [0, 300]
"""
