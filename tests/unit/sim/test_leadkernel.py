"""The compiled per-lead engine (sim/leadkernel.py) against the numpy engine (montecarlo.Engine).

The two draw differently, so a seed's sample differs; the distribution must be the same. Each
test runs both engines on the same journey with many runs (runs are independent samples) and
z-tests every per-run quantity the KPIs come from: leads per stage (and persona) at two weeks,
entries, moves per edge, hand-offs, stall starts and weeks per cause, MQLs, hand-offs and queue
per run, sends and engagements per touchpoint, touches per channel, accounts held per gate
and why, accounts won. Tolerance: |z| < Z_TOL = 5 for every quantity (a few hundred z-tests
per journey: under equal distributions a false alarm anywhere has chance below 1e-3), and a
quantity constant in both engines must be the same constant. Both engines run with the same
seed: the personas, account seats and arrivals (montecarlo.Engine._place) are then the same and
only the weekly draws (independent streams) differ, so the test sees the dynamics without the
arrivals' own sampling noise; the two samples are then positively correlated, which makes
the unpaired z conservative.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import test_montecarlo as semantics
from sim_helpers import journey

from journeytui.model import Journey, load_file
from journeytui.sim import SimulationCancelled, SimulationError, simulate
from journeytui.sim import montecarlo as mc
from journeytui.sim.leadrun import FastEngine, load_kernel, unsupported_engine
from journeytui.sim.montecarlo import _prepare, numpy_engine, run_leads

Z_TOL = 5.0
ROOT = Path(__file__).resolve().parents[3]


def _engine(j: Journey, leads: int | None, weeks: int, runs: int, seed: int, compiled: bool) -> tuple[Any, np.ndarray]:
    c, W, R, _ = _prepare(j, leads, weeks, runs, seed, (), None, "leads")
    record = np.empty((W + 1, R, c.SP), dtype=np.int64)
    if not compiled:
        return numpy_engine(c, W, R, seed, record), record
    kern = load_kernel()
    assert kern is not None
    eng = FastEngine(c, W, R, seed)
    assert unsupported_engine(eng) is None
    eng.run(kern, seed, record, None, None)
    return eng, record


def _per_run(eng: Any, record: np.ndarray) -> dict[str, np.ndarray]:
    """Every per-run quantity, as (runs, k) arrays."""
    W, R, S, P = eng.W, eng.R, eng.S, eng.P
    by = record.reshape(W + 1, R, S, P)
    out = {
        "stages_mid": by[W // 2].sum(axis=2),
        "stages_end": by[W].sum(axis=2),
        "personas_end": by[W].reshape(R, S * P),
        "entries": eng.entries,
        "edge_moves": eng.edge_moves,
        "handoff_moves": eng.handoff_moves,
        "stall_starts": eng.stall_starts,
        "stall_weeks": eng.stall_weeks,
        "tp_sends": eng.tp_sends,
        "tp_engaged": eng.tp_engaged,
        "ch_touches": eng.ch_touches,
    }
    for k, v in eng.per_week.items():
        out[k] = np.stack([v[:, 1:].sum(axis=1), v[:, W // 2]], axis=1)
    for g, h in enumerate(eng.gate_holds):
        flags = [h.ever, h.ever_short, *h.ever_missing]
        out[f"gate{g}"] = np.stack(
            [h.per_week.sum(axis=1)] + [f.reshape(R, -1).sum(axis=1) if f.size else np.zeros(R) for f in flags], axis=1
        )
    if eng.c.account_size:
        won = eng.is_won[eng.key // P].reshape(R, -1)
        acc = won[:, : (won.shape[1] // eng.b) * eng.b].reshape(R, -1, eng.b).any(axis=2)
        out["accounts_won"] = acc.sum(axis=1)[:, None]
    return {k: np.asarray(v, dtype=float).reshape(R, -1) for k, v in out.items()}


def _log_matches_tallies(eng: Any) -> None:
    """The week-by-week log (sums over runs) agrees exactly with the engine's counters."""
    c, log = eng.c, eng.log
    S = eng.S
    moved_in = np.zeros(S)
    moved_out = np.zeros(S)
    np.add.at(moved_in, eng.entry, eng.arrivals.sum(axis=(0, 1)))
    sidx = {s: i for i, s in enumerate(c.stage_ids)}
    won_moves = 0.0
    regressed = 0.0
    for e, t in enumerate(c.journey.transitions):
        if t.from_ in sidx and t.to in sidx:
            n = float(eng.edge_moves[:, e].sum())
            moved_in[sidx[t.to]] += n
            moved_out[sidx[t.from_]] += n
            won_moves += n if c.kinds[sidx[t.to]] == "won" else 0.0
            regressed += n if c.regression[e] else 0.0
    if eng.score is not None:
        moved_in[eng.score.to_stage] += eng.handoff_moves.sum()
        moved_out += eng.handoff_moves.sum(axis=0)
        won_moves += eng.handoff_moves.sum() if c.kinds[eng.score.to_stage] == "won" else 0.0
    assert np.allclose(log.moved_in.sum(axis=0), moved_in)
    assert np.allclose(log.moved_out.sum(axis=0), moved_out)
    assert np.isclose(log.regressed.sum(), regressed)
    assert np.isclose(log.stalled.sum(), eng.stall_starts.sum())
    assert np.isclose(log._queued.sum(), eng.per_week["queue"].sum())
    assert int(eng.won_after.sum()) == round(won_moves)


def _z_compare(j: Journey, leads: int | None, weeks: int, runs: int, seed: int = 7) -> int:
    """z-test every per-run quantity of the two engines; returns how many were tested."""
    old_eng, old_rec = _engine(j, leads, weeks, runs, seed, compiled=False)
    new_eng, new_rec = _engine(j, leads, weeks, runs, seed, compiled=True)
    _log_matches_tallies(old_eng)
    _log_matches_tallies(new_eng)
    old, new = _per_run(old_eng, old_rec), _per_run(new_eng, new_rec)
    assert old.keys() == new.keys()
    tested = 0
    worst = (0.0, "")
    for name in old:
        a, b = old[name], new[name]
        assert a.shape == b.shape, name
        va, vb = a.var(axis=0, ddof=1), b.var(axis=0, ddof=1)
        ma, mb = a.mean(axis=0), b.mean(axis=0)
        for k in range(a.shape[1]):
            if va[k] == 0 and vb[k] == 0:
                assert ma[k] == mb[k], f"{name}[{k}]: constant {ma[k]} (numpy) vs {mb[k]} (compiled)"
                continue
            z = (mb[k] - ma[k]) / np.sqrt((va[k] + vb[k]) / runs)
            tested += 1
            if abs(z) > abs(worst[0]):
                worst = (float(z), f"{name}[{k}]: numpy {ma[k]:.4g}, compiled {mb[k]:.4g}")
    assert abs(worst[0]) < Z_TOL, f"z = {worst[0]:.2f} for {worst[1]}"
    return tested


FEATURES = """
[population]
accounts = 40
[population.initial]
a = 120
b = 60
[population.arrivals]
a = 3.0
[dmu.composition]
boss = 1
user = 2
[[personas]]
id = "boss"
name = "Boss"
role = "decision_maker"
influence = 0.5
[[personas]]
id = "user"
name = "User"
role = "user"
influence = 0.25
[scoring]
mql_threshold = 12.0
handoff_to = "c"
handoff_from = ["a", "b"]
handoff_channel = "calls"
decay = 0.1
[scoring.behaviours]
open = 3.0
call = 6.0
[scoring.roles]
decision_maker = 2.0
[[stages]]
id = "a"
name = "A"
entry = true
phase = 1
[[stages]]
id = "b"
name = "B"
phase = 2
[[stages]]
id = "c"
name = "C"
phase = 3
[[stages]]
id = "won"
name = "W"
kind = "won"
phase = 4
[[stages]]
id = "lost"
name = "L"
kind = "lost"
phase = 4
[[gates]]
id = "g"
stage = "b"
require_roles = ["decision_maker"]
min_share = 0.5
[[transitions]]
from = "a"
to = "b"
probability = 0.15
[[transitions]]
from = "a"
to = "lost"
probability = 0.03
[[transitions]]
from = "b"
to = "c"
probability = 0.2
by_persona.user = 0.1
gate = "g"
[[transitions]]
from = "b"
to = "a"
probability = 0.05
cause = "back"
[[transitions]]
from = "c"
to = "won"
probability = 0.15
[[transitions]]
from = "c"
to = "b"
probability = 0.05
cause = "again"
[[transitions]]
from = "c"
to = "lost"
probability = 0.05
[[stalls]]
stage = "a"
probability = 0.03
duration.kind = "fixed"
duration.weeks = 3
cause = "fixed"
[[stalls]]
stage = "b"
probability = 0.04
duration.kind = "uniform"
duration.min = 1
duration.max = 4
cause = "uniform"
[[stalls]]
stage = "c"
probability = 0.03
duration.kind = "geometric"
duration.mean = 3.0
cause = "geometric"
[[channels]]
id = "mail"
name = "Mail"
[[channels]]
id = "calls"
name = "Calls"
capacity = 6
[[channels]]
id = "events"
name = "Events"
capacity = 5
[[touchpoints]]
id = "news"
name = "News"
type = "newsletter"
channel = "mail"
stages = ["a", "b"]
engagement = 0.3
behaviour = "open"
lift.b = 1.5
lift_weeks = 2
[[touchpoints]]
id = "steps"
name = "Steps"
type = "step_email"
channel = "mail"
stages = ["b"]
schedule.days = [1, 3, 9]
engagement = 0.4
behaviour = "open"
[[touchpoints]]
id = "follow"
name = "Follow-up"
type = "step_email"
channel = "mail"
stages = ["a", "b", "c"]
schedule.after = "news"
schedule.days = [7, 14]
engagement = 0.5
lift.c = 2.0
[[touchpoints]]
id = "call"
name = "Call"
type = "follow_up_call"
channel = "calls"
stages = ["b", "c"]
personas = ["boss"]
schedule.every_weeks = 2
engagement = 0.5
behaviour = "call"
lift.won = 1.5
lift_weeks = 3
[[touchpoints]]
id = "event"
name = "Event"
type = "seminar"
channel = "events"
stages = ["a", "b"]
schedule.days = [1, 2]
engagement = 0.2
lift.b = 1.2
[[touchpoints]]
id = "later"
name = "Later"
type = "step_email"
channel = "mail"
stages = ["b", "c"]
schedule.after = "call"
schedule.every_weeks = 1
schedule.max_sends = 2
engagement = 0.25
behaviour = "open"
"""
"""Every feature at once: accounts with roles and a gate, scoring with decay, role points and a
hand-off through a limited queue, lifts of 1-3 weeks, a touchpoint sending twice in a week, two
triggered by engagement (one by a limited touchpoint listed before it is not supported, so
`later`'s trigger `call` is listed before it but `later` is on an unlimited channel: see
test_unsupported...), capacity on two channels, stalls of every kind, regressions, arrivals."""


def _features() -> Journey:
    return journey(FEATURES, horizon=30)


def test_features_journey_needs_every_branch() -> None:
    """The feature journey really exercises what the z-test is meant to cover."""
    eng, _ = _engine(_supported_features(), None, 30, 40, 3, compiled=True)
    assert eng.per_week["queue"].sum() > 0 and eng.per_week["handoffs"].sum() > 0  # a queue forms
    assert (eng.gate_holds[0].per_week.sum(axis=1) > 0).all()  # the gate holds accounts
    assert eng.stall_starts[:, :3].min() > 0  # every stall kind
    sends = eng.tp_sends.sum(axis=0)
    assert (sends > 0).all() and (eng.tp_engaged.sum(axis=0) > 0).all()  # every touchpoint
    cap = eng.capacity
    assert (eng.ch_touches[:, cap >= 0] <= cap[cap >= 0] * 30).all()


def test_unsupported_trigger_runs_on_numpy() -> None:
    """`later` triggered by `call` (limited) listed before it: the kernel would draw `call`'s
    engagements too late, so the numpy engine runs (and forcing the kernel is an error)."""
    j = _features()
    c, W, R, _ = _prepare(j, None, 30, 2, 1, (), None, "leads")
    assert unsupported_engine(FastEngine(c, W, R, 1)) is not None
    with pytest.raises(SimulationError, match="cannot run this journey"):
        run_leads(c, W, R, 1, {}, compiled=True)
    assert run_leads(c, W, R, 1, {}, compiled=None).mean.shape == (W + 1, c.S)


def _supported_features() -> Journey:
    """The feature journey with `later` triggered by `news` (unlimited) instead of `call`."""
    j = _features()
    next(tp for tp in j.touchpoints if tp.id == "later").schedule.after = "news"
    return j


def test_same_distribution_on_every_feature() -> None:
    assert _z_compare(_supported_features(), None, 30, 400) > 60


def test_same_distribution_on_the_flagship() -> None:
    j = load_file(ROOT / "journeys" / "b2b-it-tool.toml").journey
    assert j is not None
    assert _z_compare(j, 400, 40, 300) > 100


def _random_journey(seed: int) -> Journey:
    """A random journey of 3-5 open stages: random moves, regressions, stalls, touchpoints
    (lifts, limited channels, several sends a week), scoring on or off."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 6))
    ids = [f"s{i}" for i in range(n)]
    text = "[population.initial]\n" + "".join(f"{s} = {int(rng.integers(20, 120))}\n" for s in ids)
    text += f"[population.arrivals]\ns0 = {rng.uniform(0.5, 4):.2f}\n"
    scoring = bool(rng.integers(0, 2))
    if scoring:
        text += (
            f'[scoring]\nmql_threshold = 10.0\nhandoff_to = "s{n - 1}"\nhandoff_from = ["s0", "s1"]\n'
            f'handoff_channel = "c1"\ndecay = {rng.uniform(0, 0.3):.2f}\n[scoring.behaviours]\nview = 4.0\n'
        )
    for i, s in enumerate(ids):
        text += f'[[stages]]\nid = "{s}"\nname = "{s}"\nphase = {i + 1}\n' + ("entry = true\n" if i == 0 else "")
    text += (
        '[[stages]]\nid = "won"\nname = "won"\nkind = "won"\n[[stages]]\nid = "lost"\nname = "lost"\nkind = "lost"\n'
    )
    for i, s in enumerate(ids):
        nxt = ids[i + 1] if i + 1 < n else "won"
        text += f'[[transitions]]\nfrom = "{s}"\nto = "{nxt}"\nprobability = {rng.uniform(0.05, 0.3):.3f}\n'
        text += f'[[transitions]]\nfrom = "{s}"\nto = "lost"\nprobability = {rng.uniform(0.0, 0.08):.3f}\n'
        if i > 0 and rng.random() < 0.6:
            text += f'[[transitions]]\nfrom = "{s}"\nto = "{ids[i - 1]}"\nprobability = 0.04\ncause = "back"\n'
        if rng.random() < 0.6:
            kind = ["fixed", "uniform", "geometric"][int(rng.integers(0, 3))]
            dur = {"fixed": "duration.weeks = 2", "uniform": "duration.min = 1\nduration.max = 5"}.get(
                kind, "duration.mean = 4.0"
            )
            text += f'[[stalls]]\nstage = "{s}"\nprobability = 0.03\nduration.kind = "{kind}"\n{dur}\ncause = "c{i}"\n'
    text += '[[channels]]\nid = "c0"\nname = "c0"\n'
    text += f'[[channels]]\nid = "c1"\nname = "c1"\ncapacity = {int(rng.integers(1, 12))}\n'
    for k in range(int(rng.integers(1, 5))):
        stages = sorted({ids[int(x)] for x in rng.integers(0, n, 2)})
        sched = ["", "schedule.every_weeks = 2\n", "schedule.days = [1, 4]\n", "schedule.days = [2, 9, 16]\n"]
        text += (
            f'[[touchpoints]]\nid = "t{k}"\nname = "t{k}"\ntype = "step_email"\n'
            f'channel = "c{int(rng.integers(0, 2))}"\n'
            f"stages = {stages}\n".replace("'", '"')
            + sched[int(rng.integers(0, 4))]
            + f"engagement = {rng.uniform(0.05, 0.6):.2f}\n"
            + (f"lift.{ids[min(n - 1, 1)]} = {rng.uniform(0.5, 2.5):.2f}\n" if rng.random() < 0.7 else "")
            + f"lift_weeks = {int(rng.integers(1, 4))}\n"
            + ('behaviour = "view"\n' if scoring else "")
        )
    return journey(text, horizon=25)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_same_distribution_on_random_journeys(seed: int) -> None:
    assert _z_compare(_random_journey(seed), None, 25, 300, seed) > 20


def test_the_z_test_sees_a_small_change() -> None:
    """The comparison has the power to see a 10% change of one touchpoint's engagement."""
    j = _supported_features()
    j2 = _supported_features()
    next(tp for tp in j2.touchpoints if tp.id == "news").engagement *= 0.9
    old_eng, old_rec = _engine(j, None, 30, 400, 5, compiled=False)
    new_eng, new_rec = _engine(j2, None, 30, 400, 6, compiled=True)
    a, b = _per_run(old_eng, old_rec)["tp_engaged"], _per_run(new_eng, new_rec)["tp_engaged"]
    z = (b.mean(axis=0) - a.mean(axis=0)) / np.sqrt((a.var(axis=0, ddof=1) + b.var(axis=0, ddof=1)) / 400)
    assert abs(z[0]) > Z_TOL


def _digest(seed: int) -> str:
    j = load_file(ROOT / "journeys" / "b2b-it-tool.toml").journey
    assert j is not None
    c, W, R, _ = _prepare(j, 300, 20, 3, seed, (), None, "leads")
    r = run_leads(c, W, R, seed, {}, compiled=True)
    return hashlib.sha256(r.runs_counts.tobytes() + repr(sorted(r.kpis["touchpoints"].items())).encode()).hexdigest()


def test_same_seed_same_result_in_and_across_processes() -> None:
    a, b, c = _digest(4), _digest(4), _digest(5)
    assert a == b and a != c
    code = "import sys; sys.path.insert(0, 'tests/unit/sim'); import test_leadkernel as t; print(t._digest(4))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    assert out == a


def test_progress_and_cancel_on_the_kernel() -> None:
    j = load_file(ROOT / "journeys" / "b2b-it-tool.toml").journey
    assert j is not None
    c, W, R, _ = _prepare(j, 300, 20, 4, 1, (), None, "leads")
    seen: list[tuple[int, int]] = []
    run_leads(c, W, R, 1, {}, progress=lambda t, w: seen.append((t, w)), compiled=True)
    assert seen[-1] == (W, W) and [t for t, _ in seen] == sorted(t for t, _ in seen)
    stop = threading.Event()
    stop.set()
    with pytest.raises(SimulationCancelled):
        run_leads(c, W, R, 1, {}, cancel=stop, compiled=True)


def test_auto_picks_the_kernel_for_large_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    j = load_file(ROOT / "journeys" / "b2b-it-tool.toml").journey
    assert j is not None
    ran: list[str] = []
    real = FastEngine.run

    def spy(self: FastEngine, *args: Any) -> None:
        ran.append("kernel")
        real(self, *args)

    monkeypatch.setattr(FastEngine, "run", spy)
    simulate(j, leads=200, weeks=10, runs=2, engine="leads")
    assert ran == []  # small: the numpy engine (no numba import)
    monkeypatch.setattr(mc, "KERNEL_LEAD_WEEKS", 0)
    simulate(j, leads=200, weeks=10, runs=2, engine="leads")
    assert ran == ["kernel"]


SEMANTICS: list[Callable[[], None]] = [
    semantics.test_a_lead_makes_at_most_one_move_per_week,
    semantics.test_conservation_leads_only_come_from_arrivals,
    semantics.test_a_stalled_lead_does_not_move_until_released,
    semantics.test_by_persona_probabilities_apply_to_that_persona_only,
    semantics.test_touchpoint_schedules_send_on_the_documented_weeks,
    semantics.test_channel_capacity_limits_touches_per_week,
    semantics.test_mql_threshold_hands_off_through_a_limited_queue,
    semantics.test_score_decay_and_role_points,
    semantics.test_lift_multiplies_and_is_capped_at_one,
    semantics.test_lift_expires_after_lift_weeks,
    semantics.test_gate_needs_the_required_role_ready_in_the_account,
    semantics.test_gate_needs_the_influence_weighted_share,
]


@pytest.mark.parametrize("test", SEMANTICS, ids=lambda f: f.__name__)
def test_semantics_hold_on_the_kernel(test: Callable[[], None], monkeypatch: pytest.MonkeyPatch) -> None:
    """The numpy engine's hand-computed semantics tests, with every per-lead run compiled."""
    monkeypatch.setattr(mc, "KERNEL_LEAD_WEEKS", 0)
    test()


def test_threads_do_not_change_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs side by side in two threads give the bit-identical result of one thread."""
    results = []
    for n in ("1", "2"):
        monkeypatch.setenv("JOURNEYTUI_THREADS", n)
        results.append(_digest(9))
    assert results[0] == results[1]


def test_kernel_exponentials_have_the_exponential_law() -> None:
    """The ziggurat sampler: P(X > q) = exp(-q) at quantiles from the body to past the tail's
    start (7.70), each within |z| < Z_TOL over 2,000,000 draws; mean and variance 1."""
    from journeytui.sim import leadkernel

    out = np.empty(2_000_000)
    leadkernel.exponentials(np.array([1, 2, 3, 4], dtype=np.uint64), out)
    n = out.size
    for q in (0.01, 0.1, 0.5, 1.0, 2.0, 4.0, 7.0, 7.7, 9.0):
        p = np.exp(-q)
        assert abs(((out > q).mean() - p) / np.sqrt(p * (1 - p) / n)) < Z_TOL, q
    assert abs(out.mean() - 1.0) < Z_TOL / np.sqrt(n) and abs(out.var() - 1.0) < Z_TOL * np.sqrt(8.0 / n)
    assert out.min() >= 0.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("²", None), ("٣", None), ("0", None), ("-1", None), ("abc", None), ("1e3", None), ("", None), (" 1 ", 1),
     ("3", 3), ("64", 64), ("65", 64), ("9" * 5000, 64)],
    ids=lambda v: repr(v)[:12],
)  # fmt: skip
def test_bad_thread_counts_fall_back_without_a_traceback(
    value: str, expected: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JOURNEYTUI_THREADS that is not a whole number from 1 (a superscript digit passes
    str.isdigit() but not int(); 5,000 digits pass neither int() nor a thread pool) gives the
    default; a count above MAX_THREADS is capped (a run's lead state per thread)."""
    from journeytui.sim import leadrun

    monkeypatch.delenv("JOURNEYTUI_THREADS", raising=False)
    default = leadrun.threads()
    monkeypatch.setenv("JOURNEYTUI_THREADS", value)
    assert leadrun.threads() == (default if expected is None else expected)


def test_the_touchpoint_tables_are_not_held_twice() -> None:
    """The kernel reads the touchpoints' send tables (keys x (weeks + 2) entries each) in
    place: run() puts them side by side once (each touchpoint's own then a view of it) and adds
    little (touchpoints sending twice a week: no grouped simple ones, whose per-set tables are
    the run's own). Before, it added an int64 copy of every table, four times their size on top
    of them: 56.6 MB peak for these 12.0 MB of tables; a file with many stages, personas and
    touchpoints over a long horizon needed GiBs more on the compiled path than on numpy's.
    Deterministic: tracemalloc counts numpy's allocations."""
    import tracemalloc

    T = 40
    text = "[population.initial]\na = 5\n[population.mix]\n" + "".join(f"p{k} = 1.0\n" for k in range(10))
    text += "".join(f'[[personas]]\nid = "p{k}"\nname = "p"\nrole = "user"\n' for k in range(10))
    text += semantics.STAGES
    text += '[[transitions]]\nfrom = "a"\nto = "b"\nprobability = 0.01\n[[channels]]\nid = "m"\nname = "m"\n'
    for k in range(T):
        text += (
            f'[[touchpoints]]\nid = "t{k:02d}"\nname = "t"\ntype = "step_email"\nchannel = "m"\n'
            f'stages = ["a", "b"]\nengagement = 0.1\nschedule.days = [1, 2, {7 * k + 8}, {7 * k + 9}]\n'
        )
    c, W, R, _ = _prepare(journey(text, horizon=3000), None, 3000, 2, 1, (), None, "leads")
    kern = load_kernel()
    assert kern is not None
    FastEngine(c, W, R, 1).run(kern, 1, np.empty((W + 1, R, c.SP), dtype=np.int64), None, None)  # compiled
    eng = FastEngine(c, W, R, 1)
    tables = sum(tp.sends.nbytes for tp in eng.touches)
    assert len(eng.touches) == T and tables > 1_000_000
    record = np.empty((W + 1, R, c.SP), dtype=np.int64)
    tracemalloc.start()
    try:
        eng.run(kern, 1, record, None, None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * tables  # the combined table (the touchpoints' own are freed) and small scratch
    assert sum(tp.sends.nbytes for tp in eng.touches) == tables
