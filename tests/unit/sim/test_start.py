"""The per-lead engine started from a given per-lead state (sim/start.py), as the backtest uses it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from journeytui.model import load_journey
from journeytui.model.types import Journey
from journeytui.sim.start import Start, _Started, compiled, for_start, run_from, snapshot

FLAGSHIP = Path(__file__).resolve().parents[3] / "journeys" / "b2b-it-tool.toml"


def _start(c_key: np.ndarray, runs: int, **kw: np.ndarray) -> Start:
    n = c_key.size
    zeros = np.zeros((runs, n), dtype=np.int64)
    base = {
        "key": np.broadcast_to(c_key, (runs, n)).astype(np.int32),
        "hold": zeros,
        "queued": zeros.astype(bool),
        "queue_since": zeros,
        "since": zeros,
    }
    base.update(kw)
    return Start(**base)  # type: ignore[arg-type]


def _flagship() -> Journey:
    return load_journey(FLAGSHIP)


def test_queued_leads_are_handed_off_at_the_channels_capacity() -> None:
    """100 compare leads waiting in the sales queue: the hand-off channel (capacity 40 a week) moves
    exactly 40 to sales in week 1 and none of the waiting leads moves otherwise."""
    j = _flagship()
    base = compiled(j)
    compare, sales = base.stage_ids.index("compare"), base.stage_ids.index("sales")
    key = np.full(100, compare * base.P, dtype=np.int64)  # persona 0
    c = for_start(j, {"compare": 100}, base.account_size, base.pattern)
    queued = np.ones((3, 100), dtype=bool)
    since = np.broadcast_to(-np.arange(100) // 10, (3, 100)).astype(np.int64)
    occ = run_from(c, _start(key, 3, queued=queued, queue_since=since), weeks=2, seed=1)
    assert occ.shape == (3, 3, base.S)
    assert (occ[:, 0, compare] == 100).all() and (occ[:, 0].sum(axis=1) == 100).all()
    assert (occ[:, 1, sales] == 40).all()
    assert (occ[:, 1, compare] == 60).all()  # the 60 still queued are on hold: no other move


def test_started_counts_equal_the_snapshot_and_lifts_end_on_time() -> None:
    """A snapshot's leads restarted: week 0 counts are the snapshot's; a lift carried in ends the
    week after its last week (the engine's expiry list knows of it)."""
    j = _flagship()
    j = replace(j, touchpoints=[replace(tp, lift_weeks=3) for tp in j.touchpoints])
    c0, snap = snapshot(j, 12, 2, seed=3)
    arrived = snap.key[0] < c0.S * c0.P
    n = int(arrived.sum())
    assert n > 0 and (snap.key[1] < c0.S * c0.P).sum() >= 1
    first = Start(
        key=snap.key[:1, :n],
        hold=snap.hold[:1, :n],
        queued=snap.queued[:1, :n],
        queue_since=snap.queue_since[:1, :n],
        since=snap.since[:1, :n],
        score=None if snap.score is None else snap.score[:1, :n],
        mask=None if snap.mask is None else snap.mask[:1, :n],
        lift_until=None if snap.lift_until is None else snap.lift_until[:, :1, :n],
    )
    assert first.lift_until is not None and (first.lift_until >= 1).any()  # some lifts run on
    per_stage = np.bincount(first.key[0] // c0.P, minlength=c0.S)
    c = for_start(j, {c0.stage_ids[i]: int(v) for i, v in enumerate(per_stage) if v}, c0.account_size, c0.pattern)
    occ = run_from(c, first, weeks=1, seed=0)
    assert (occ[0, 0] == per_stage).all()
    eng = _Started(c, 6, 1, 0, first)
    live = first.lift_until[:, 0] >= 1
    assert eng.mask is not None
    bits = (eng.mask[:n][None, :] >> np.arange(live.shape[0])[:, None]) & 1
    assert (bits.astype(bool) == live).all()
    for t in range(1, 5):
        eng.step(t, np.repeat(np.maximum(eng.capacity, 0)[:, None], 1, axis=1))
    assert eng.lift_until is not None
    still = (eng.mask[:n][None, :] >> np.arange(live.shape[0])[:, None]) & 1
    assert not (still.astype(bool) & (eng.lift_until[:, :n] < 4)).any()  # every ended lift is off
