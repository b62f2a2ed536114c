"""The KPI tree: shares that add up, hand-computed on a tiny chain, and the weakest link."""

from __future__ import annotations

import pytest
from sim_helpers import CHAIN, journey

from journeytui.sim import forecast
from journeytui.sim.kpi_tree import kpi_tree


def test_one_week_by_hand() -> None:
    j = journey(CHAIN)
    tree = kpi_tree(j, forecast(j, weeks=1))
    a, b = tree.links
    assert (a.stage, b.stage) == ("a", "b")
    # week 1: of 1000 in a, 500 move to b, 100 drop out, 400 stay; nobody is in b before week 1
    assert a.entered == pytest.approx(1000)
    assert (a.forward, a.back, a.dropped, a.remaining) == pytest.approx((0.5, 0.0, 0.1, 0.4))
    assert b.entered == pytest.approx(500) and b.remaining == pytest.approx(1.0)
    assert tree.won == pytest.approx(0) and tree.leads == pytest.approx(1000)
    assert tree.weakest is b  # nothing has left b yet


def test_shares_add_up_and_the_weakest_link_is_named() -> None:
    j = journey(CHAIN)
    tree = kpi_tree(j, forecast(j, weeks=30))
    for lk in tree.links:
        assert lk.forward + lk.back + lk.dropped + lk.remaining == pytest.approx(1.0)
    assert tree.links[1].back > 0  # b -> a is a regression
    lines = tree.lines()
    assert lines[0].startswith("won at week 30:")
    assert sum("weakest link" in line for line in lines) == 1
    assert tree.won_share == pytest.approx(tree.won / tree.leads)
