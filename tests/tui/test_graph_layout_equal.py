"""The fast graph layout equals the layout it replaced, element by element and cell by cell.

:mod:`graph_layout_reference` is the layout as it was before it was rewritten with numpy and
lazy regions (a frozen copy of ``journeytui.tui.graph_layout`` at 7bb09f1). Both lay out the
same journeys: the bundled ones, generated large ones (hubs, stubs, skips, regressions), and
seeded random ones with every awkward case (duplicate ids, unknown ends, self-loops, -0.0
and zero probabilities, Japanese and emoji ids, lane overflow, hubs on both sides, stages
without phases). Compared: the size and columns, every box and edge, every region, and every
row as drawn (characters, styles and what a click there selects), also with bottleneck
marks and after a probability edit (:func:`relayout`). Hit numbers themselves are internal
(the fast layout numbers elements by a formula): a cell is compared by the element it selects.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import graph_layout_reference as before
import pytest

from journeytui.model import edit
from journeytui.model.load import load_file
from journeytui.model.types import Duration, Journey, JourneyMeta, Population, Stage, Stall, Transition
from journeytui.tui import graph_layout as now

JOURNEYS = Path(__file__).resolve().parents[2] / "journeys"


def _rows(canvas: Any) -> list[tuple[str, tuple[str, ...], tuple[Any, ...]]]:
    out = []
    for y in range(canvas.height):
        chars, styles, hits = canvas.row(y)
        out.append(("".join(chars), tuple(styles), tuple(canvas.targets[h] if h >= 0 else None for h in hits)))
    return out


def assert_same_layout(j: Journey, marks: dict[int, tuple[str, str]] | None = None) -> None:
    old, new = before.layout(j), now.layout(j)
    assert type(old).__name__ == type(new).__name__
    if isinstance(old, before.Canvas):
        assert isinstance(new, now.Canvas) and old.chars == new.chars
        return
    assert isinstance(old, before.JourneyCanvas) and isinstance(new, now.JourneyCanvas)
    assert (new.width, new.height, new.lanes_x, new.left_x) == (old.width, old.height, old.lanes_x, old.left_x)
    assert new.stage_order == old.stage_order
    assert [vars(b) for b in new.boxes] == [vars(b) for b in old.boxes]
    assert [vars(e) for e in new.edges] == [vars(e) for e in old.edges]
    assert dict(new.regions) == old.regions and len(new.regions) == len(old.regions)
    assert set(new.ids) == set(old.ids)
    if marks:
        old.set_marks(marks)
        new.set_marks(marks)
    assert _rows(new) == _rows(old)


def test_the_bundled_journeys_lay_out_as_before() -> None:
    files = sorted(JOURNEYS.glob("*.toml"))
    assert len(files) >= 7
    for f in files:
        j = load_file(f).journey
        assert j is not None, f
        assert_same_layout(j, {0: ("3.1w ⏸2%", "hot"), 1: ("", "warm")})


def chain(n: int, hub_every: int = 1) -> Journey:
    """``n`` open stages in phases of ten: next, drop-out to lost (a hub), regressions twenty back
    on every third, skips on every fourth, a stall on every fifth (three on every fifteenth)."""
    stages = [Stage(id=f"s{i}", name=f"Stage {i}", phase=i // 10 + 1, entry=i == 0) for i in range(n)]
    stages += [Stage(id="won", name="Won", kind="won", phase=n // 10 + 2)]
    stages += [Stage(id="lost", name="Lost", kind="lost", phase=n // 10 + 2)]
    ts = []
    for i in range(n):
        ts.append(Transition(from_=f"s{i}", to=f"s{i + 1}" if i + 1 < n else "won", probability=0.2))
        if i % hub_every == 0:
            ts.append(Transition(from_=f"s{i}", to="lost", probability=0.01, by_persona={"p": 0.02} if i % 7 else {}))
        if i >= 20 and i % 3 == 0:
            ts.append(Transition(from_=f"s{i}", to=f"s{i - 20}", probability=0.02, cause="back"))
        if i + 2 < n and i % 4 == 1:
            ts.append(Transition(from_=f"s{i}", to=f"s{i + 2}", probability=0.125))
    stalls = [
        Stall(stage=f"s{i}", probability=0.02, duration=Duration(kind="fixed", weeks=4), cause=f"hold {k}")
        for i in range(0, n, 5)
        for k in range(3 if i % 15 == 0 else 1)
    ]
    return _journey(stages, ts, stalls)


def _journey(stages: list[Stage], ts: list[Transition], stalls: list[Stall]) -> Journey:
    return Journey(
        journey=JourneyMeta(id="t", title="t"),
        population=Population(initial={stages[0].id: 10} if stages else {}),
        stages=stages,
        transitions=ts,
        stalls=stalls,
    )


@pytest.mark.parametrize(("n", "hub_every"), [(600, 1), (2000, 1), (400, 50)])
def test_generated_large_journeys_lay_out_as_before(n: int, hub_every: int) -> None:
    j = chain(n, hub_every)
    canvas = now.layout(j)
    assert isinstance(canvas, now.JourneyCanvas)
    if hub_every == 1:  # lost is a hub: its edges are stubs at their source
        assert any(e.stub and e.at_src and not e.at_dst for e in canvas.edges)
    assert_same_layout(j, {5: ("badge", "hot"), n - 1: ("", "warm")})


IDS = ["a", "b", "c", "認知", "関心", "👩\u200d💻", "a-very-long-stage-identifier-indeed", "x\u200dy", "b"]


def random_journey(rng: random.Random) -> Journey:
    n = rng.randint(0, 40)
    pool = IDS + [f"s{k}" for k in range(n)]
    stages = []
    for k in range(n):
        kind = rng.choice(["open"] * 6 + ["won", "lost"])
        phase = rng.choice([None, None, *range(0, 14)])
        sid = rng.choice(pool) if rng.random() < 0.3 else f"s{k}"
        name = rng.choice(["Stage", "認知 (Awareness) が長い名前", "x" * rng.randint(1, 30), ""])
        stages.append(Stage(id=sid, name=name, kind=kind, entry=rng.random() < 0.2, phase=phase))
    ids = [s.id for s in stages] + ["nowhere"]
    ts = []
    hub = rng.choice(ids)
    for _ in range(rng.randint(0, 3 * n + 1)):
        p = rng.choice([0.0, -0.0, 0.1, 0.125, 1e-5, 0.333333, 1.0, 2.5])
        to = hub if rng.random() < 0.25 else rng.choice(ids)
        over = {"p": 0.1} if rng.random() < 0.2 else {}
        ts.append(Transition(from_=rng.choice(ids), to=to, probability=p, by_persona=over))
    stalls = [
        Stall(
            stage=rng.choice(ids),
            probability=rng.choice([0.0, 0.05]),
            duration=Duration(kind="fixed", weeks=2),
            cause=rng.choice(["", "予算凍結", "hold ", "a long cause that will not fit"]),
        )
        for _ in range(rng.randint(0, n))
    ]
    return _journey(stages, ts, stalls)


def test_random_journeys_lay_out_as_before() -> None:
    rng = random.Random(20261202)
    for _ in range(150):
        assert_same_layout(random_journey(rng), {0: ("b", "hot")})


def test_lane_overflow_and_a_hub_on_both_sides_lay_out_as_before() -> None:
    """More crossing spans than MAX_LANES (the extra ones become stubs with ports at both ends)
    and a stage more than MAX_PORTS edges end at on each side."""
    n = 60
    stages = [Stage(id=f"s{i}", name=f"S{i}", phase=i + 1) for i in range(n)]
    ts = [Transition(from_=f"s{i}", to=f"s{i + 30}", probability=0.1) for i in range(30)]
    ts += [Transition(from_=f"s{i + 30}", to=f"s{i}", probability=0.1) for i in range(30)]
    ts += [Transition(from_="s59", to=f"s{i}", probability=0.1) for i in range(20)]
    ts += [Transition(from_=f"s{i}", to="s59", probability=0.1) for i in range(40, 58)]
    j = _journey(stages, ts, [])
    canvas = now.layout(j)
    assert isinstance(canvas, now.JourneyCanvas)
    assert any(e.stub and e.at_src and e.at_dst for e in canvas.edges)  # overflow: stubs with both ports
    assert_same_layout(j)


def test_a_probability_edit_relays_out_as_before() -> None:
    j = chain(300)
    old, new = before.layout(j), now.layout(j)
    assert isinstance(old, before.JourneyCanvas) and isinstance(new, now.JourneyCanvas)
    drop = next(i for i, t in enumerate(j.transitions) if t.to == "lost")  # a stub: its label changes width
    step = next(i for i, t in enumerate(j.transitions) if t.to == "s1")
    for i, p in ((drop, 0.015), (step, 0.25), (drop, 0.5)):
        j = edit.set_field(j, ("transitions", i, "probability"), p)
        assert before.relayout(old, j) is old and now.relayout(new, j) is new  # the geometry is kept
        assert [vars(e) for e in new.edges] == [vars(e) for e in old.edges]
        assert dict(new.regions) == old.regions
        assert _rows(new)[:40] == _rows(old)[:40]
    assert "50%" in "".join(now.layout(j).row(new.regions[("transitions", drop)][1])[0])


def test_wide_characters_and_signed_zeros_are_measured_as_before() -> None:
    """The widths the fast layout measures without building the texts: a double-width name that
    decides the box width, a stall at -0.0 ("-0%", a cell wider than "0%") that decides it, and
    stubs naming hubs with Japanese ids on both sides (they decide the columns)."""
    names = [Stage(id="a", name="A", phase=1, entry=True), Stage(id="b", name="認知認知認知認知", phase=2)]
    assert_same_layout(_journey(names, [Transition(from_="a", to="b", probability=0.1)], []))
    held = Duration(kind="fixed", weeks=2)
    zeros = [Stall(stage="a", probability=p, duration=held, cause="a long cause") for p in (-0.0, 0.0)]
    plain = [Stage(id="a", name="A", phase=1, entry=True), Stage(id="b", name="B", phase=2)]
    assert_same_layout(_journey(plain, [], zeros))
    back, lost = "戻り先の長い段階の名前", "長い長い長い長い長い"
    stages = [Stage(id=back, name="Back", phase=1, entry=True)]
    stages += [Stage(id=f"s{i}", name=f"S{i}", phase=2 + i) for i in range(20)]
    stages += [Stage(id=lost, name="Lost", kind="lost", phase=30)]
    ts = [Transition(from_=f"s{i}", to=lost, probability=0.01) for i in range(20)]
    ts += [Transition(from_=f"s{i}", to=back, probability=0.02) for i in range(20)]
    j = _journey(stages, ts, [])
    canvas = now.layout(j)
    assert isinstance(canvas, now.JourneyCanvas)
    assert all(e.stub for e in canvas.edges)  # both hubs: every edge is a stub naming one of them
    assert_same_layout(j)
