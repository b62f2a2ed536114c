"""Lookup tables for the Monte Carlo engine: outcome rows with lifts, gates, touchpoints, scoring.

Every per-lead quantity the weekly step needs is a gather from a small table indexed
by the lead's key (``stage * P + persona``; stage ``S`` is 'not arrived yet') and,
with lifts, its active-lift bit mask: ``row = key << L | mask``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from journeytui.sim.compile import KIND_MOVE, KIND_STALL, MAX_LIFT_BITS, Compiled
from journeytui.sim.errors import SimulationError

MAX_TABLE_ENTRIES = 1 << 23


@dataclass
class OutcomeTable:
    """Outcome chances per row (``key << L | lift mask``) and what each outcome does per key.

    The engine draws when a lead's next outcome other than staying falls (a geometric wait
    from ``inv_log_stay``) and then which one, from ``cond``: the cumulative chances given
    not staying. Outcome ``oc`` of a lead with key ``k`` has code ``k * K + oc``; the
    ``code_*`` arrays say what it does.
    """

    L: int
    K: int
    exit: np.ndarray  # (rows,) chance of any outcome other than staying
    cond: np.ndarray  # (K - 1, rows) cumulative chances of outcomes 0 .. K-2 given not staying
    wait_scale: np.ndarray  # (rows,) -1 / log(1 - exit): a standard exponential times it, floored, is the wait
    depends: list[np.ndarray]  # per lift bit: (rows,) whether the row's outcomes change with the bit
    tp_bit: list[int]  # per touchpoint: its lift bit or -1
    code_kind: np.ndarray  # (keys * K,) KIND_*
    code_key: np.ndarray  # (keys * K,) the lead's key after the outcome
    code_stage: np.ndarray  # (keys * K,) the lead's stage after the outcome
    code_edge: np.ndarray  # (keys * K,) transition index or -1
    code_stall: np.ndarray  # (keys * K,) stall index or -1
    code_gate: np.ndarray  # (keys * K,) gate index or -1


def lift_bits(c: Compiled) -> tuple[list[int], np.ndarray, list[int]]:
    """Per touchpoint its lift bit (-1: none), per bit the factor per target stage and lift_weeks."""
    groups: dict[tuple[object, ...], int] = {}
    tp_bit: list[int] = []
    factors: list[np.ndarray] = []
    weeks: list[int] = []
    sidx = {s: i for i, s in enumerate(c.stage_ids)}
    for tp in c.journey.touchpoints:
        lift = {k: v for k, v in tp.lift.items() if k in sidx and v != 1.0}
        if not lift:
            tp_bit.append(-1)
            continue
        sig = (tuple(sorted(lift.items())), tp.lift_weeks)
        if sig not in groups:
            groups[sig] = len(groups)
            f = np.ones(c.S + 1)
            for k, v in lift.items():
                f[sidx[k]] = v
            factors.append(f)
            weeks.append(tp.lift_weeks)
        tp_bit.append(groups[sig])
    if len(groups) > MAX_LIFT_BITS:
        raise SimulationError(
            f"the journey has {len(groups)} distinct touchpoint lifts; the engine supports at most "
            f"{MAX_LIFT_BITS} (touchpoints with equal lift and lift_weeks share one)"
        )
    return tp_bit, np.array(factors).reshape(len(groups), c.S + 1), weeks


def outcome_table(c: Compiled) -> OutcomeTable:
    tp_bit, factors, _ = lift_bits(c)
    L = factors.shape[0]
    S, P, K = c.S, c.P, c.K
    keys = (S + 1) * P
    if keys * (1 << L) * K > MAX_TABLE_ENTRIES:
        raise SimulationError(
            f"lift table too large ({keys} stage x persona keys x {1 << L} lift combinations); "
            "use fewer distinct touchpoint lifts"
        )
    prob = np.zeros((keys, K))
    prob[: S * P] = c.prob
    stage = np.arange(keys) // P
    kind = np.zeros((keys, K), dtype=np.int8)
    kind[: S * P] = c.out_kind[stage[: S * P]]
    target = np.full((keys, K), S)
    target[: S * P] = c.out_target[stage[: S * P]]
    masks = np.arange(1 << L)
    mult = np.ones((1 << L, S + 1))
    for b in range(L):
        mult[(masks >> b) & 1 == 1] *= factors[b]
    is_move = kind == KIND_MOVE
    stall = np.where(kind == KIND_STALL, prob, 0.0).sum(axis=1)  # (keys,)
    moves = np.where(is_move, prob, 0.0)[None, :, :] * mult[:, target]  # (masks, keys, K)
    total = moves.sum(axis=2)
    room = np.clip(1.0 - stall, 0.0, None)[None, :]
    scale = np.where(total > room, room / np.where(total > 0, total, 1.0), 1.0)
    lifted = np.where(is_move[None], moves * scale[:, :, None], np.where(kind == KIND_STALL, prob, 0.0)[None])
    lifted = np.transpose(lifted, (1, 0, 2)).reshape(keys << L, K)
    cum = np.cumsum(lifted, axis=1)
    exit_ = cum[:, -1].copy()
    with np.errstate(divide="ignore"):
        log_stay = np.log1p(-np.minimum(exit_, 1.0))
        # P(wait >= k) = (1 - exit)^k; inf where exit is 0 (never), 0 where exit is 1 (this week)
        scale = np.where(exit_ > 0, -1.0 / np.where(log_stay < 0, log_stay, -1.0), np.inf)
        cond = np.where(exit_[:, None] > 0, cum / np.where(exit_ > 0, exit_, 1.0)[:, None], 1.0)
    rows = np.arange(keys << L)
    depends = [np.any(cum != cum[rows ^ (1 << b)], axis=1) for b in range(L)]
    persona = np.arange(keys) % P
    code_stage = np.where(kind == KIND_MOVE, target, stage[:, None])
    gate = np.full((keys, K), -1, dtype=np.int64)
    gate[: S * P] = c.out_gate[stage[: S * P]]
    edge = np.full((keys, K), -1, dtype=np.int64)
    edge[: S * P] = np.where(kind[: S * P] == KIND_MOVE, c.out_edge[stage[: S * P]], -1)
    stall_ = np.full((keys, K), -1, dtype=np.int64)
    stall_[: S * P] = np.where(kind[: S * P] == KIND_STALL, c.out_stall[stage[: S * P]], -1)
    return OutcomeTable(
        L=L,
        K=K,
        exit=exit_,
        # float32 (the draws are float32 too): the rounding (< 1e-7) is far below sampling noise
        cond=np.ascontiguousarray(cond[:, : K - 1].T).astype(np.float32),
        wait_scale=scale.astype(np.float32),
        depends=depends,
        tp_bit=tp_bit,
        code_kind=kind.ravel(),
        code_key=(code_stage * P + persona[:, None]).astype(np.int32).ravel(),
        code_stage=code_stage.ravel(),
        code_edge=edge.ravel(),
        code_stall=stall_.ravel(),
        code_gate=gate.ravel(),
    )


@dataclass
class GateTable:
    min_share: float
    ready_w: np.ndarray  # (keys,) influence if ready, else 0
    weight: np.ndarray  # (keys,) influence of a present member
    role_ready: list[np.ndarray]  # per required role: (keys,) bool


def gate_tables(c: Compiled) -> list[GateTable]:
    j = c.journey
    S, P = c.S, c.P
    keys = (S + 1) * P
    stage = np.arange(keys) // P
    persona = np.arange(keys) % P
    pers = [j.persona(pid) for pid in c.persona_ids]
    infl = np.array([p.influence if p else 1.0 for p in pers])
    roles = [p.role if p else "" for p in pers]
    present = stage < S
    kinds = np.array([*c.kinds, "none"])
    layer = np.append(c.layer, -1)
    out: list[GateTable] = []
    sidx = {s: i for i, s in enumerate(c.stage_ids)}
    for g in j.gates:
        at = c.layer[sidx[g.stage]] if g.stage in sidx else math.inf
        ready = present & (layer[stage] >= at) & (kinds[stage] != "lost")
        out.append(
            GateTable(
                min_share=g.min_share,
                ready_w=np.where(ready, infl[persona], 0.0),
                weight=np.where(present, infl[persona], 0.0),
                role_ready=[ready & (np.array(roles)[persona] == r) for r in g.require_roles],
            )
        )
    return out


@dataclass
class TouchTable:
    index: int
    engagement: float
    points: float
    bit: int
    lift_weeks: int
    channel: int
    after: int  # index into the engine's last-engagement arrays, or -1
    trigger_slot: int  # this touchpoint's own last-engagement array, or -1
    sends: np.ndarray  # ((S+1)*P * (W+2),) sends due, indexed key * (W+2) + k


def sends_by_week(tp_schedule: object, weeks: int) -> np.ndarray:
    """Sends due k weeks after the trigger, for k = 0 .. weeks + 1 (the last entry: never)."""
    sch = tp_schedule
    out = np.zeros(weeks + 2, dtype=np.int16)
    for d in getattr(sch, "days", []):
        k = math.ceil(d / 7)
        if k <= weeks:
            out[k] += 1
    n = getattr(sch, "every_weeks", None)
    if n:
        first = 1 + getattr(sch, "start_week", 0)
        ks = np.arange(first, weeks + 1, n)
        cap = getattr(sch, "max_sends", None)
        if cap is not None:
            ks = ks[:cap]
        out[ks] += 1
    out[-1] = 0
    return out


def touch_tables(c: Compiled, weeks: int, tp_bit: list[int]) -> tuple[list[TouchTable], int]:
    j = c.journey
    S, P = c.S, c.P
    keys = (S + 1) * P
    stage = np.arange(keys) // P
    persona = np.arange(keys) % P
    sidx = {s: i for i, s in enumerate(c.stage_ids)}
    tids = [tp.id for tp in j.touchpoints]
    chans = [ch.id for ch in j.channels]
    triggers = sorted({tids.index(tp.schedule.after) for tp in j.touchpoints if tp.schedule.after in tids})
    behaviours = j.scoring.behaviours if j.scoring else {}
    _, _, lift_weeks = lift_bits(c)
    out: list[TouchTable] = []
    for i, tp in enumerate(j.touchpoints):
        in_stage = np.zeros(S + 1, dtype=bool)
        for s in tp.stages:
            if s in sidx and c.kinds[sidx[s]] == "open":
                in_stage[sidx[s]] = True
        who = [c.persona_ids.index(p) for p in tp.personas if p in c.persona_ids]
        in_persona = np.ones(P, dtype=bool) if not tp.personas or c.persona_ids == [""] else np.isin(np.arange(P), who)
        elig = in_stage[stage] & in_persona[persona]
        if not elig.any() or tp.channel not in chans:
            continue
        table = (elig[:, None] * sends_by_week(tp.schedule, weeks)[None, :]).astype(np.int16).ravel()
        after = triggers.index(tids.index(tp.schedule.after)) if tp.schedule.after in tids else -1
        bit = tp_bit[i]
        out.append(
            TouchTable(
                index=i,
                engagement=tp.engagement,
                points=float(behaviours.get(tp.behaviour, 0.0)) if tp.behaviour else 0.0,
                bit=bit,
                lift_weeks=lift_weeks[bit] if bit >= 0 else 0,
                channel=chans.index(tp.channel),
                after=after,
                trigger_slot=triggers.index(i) if i in triggers else -1,
                sends=table,
            )
        )
    return out, len(triggers)


@dataclass
class ScoreTable:
    threshold: np.ndarray  # (keys,) behaviour score needed; inf outside hand-off stages
    decay: float
    to_stage: int
    channel: int  # -1: no channel


def score_table(c: Compiled) -> ScoreTable | None:
    sc = c.journey.scoring
    if sc is None or not sc.handoff_from or sc.handoff_to not in c.stage_ids:
        return None
    S, P = c.S, c.P
    keys = (S + 1) * P
    stage = np.arange(keys) // P
    persona = np.arange(keys) % P
    pers = [c.journey.persona(pid) for pid in c.persona_ids]
    role_pts = np.array([sc.roles.get(p.role, 0.0) if p else 0.0 for p in pers])
    from_mask = np.zeros(S + 1, dtype=bool)
    for s in sc.handoff_from:
        if s in c.stage_ids and c.kinds[c.stage_ids.index(s)] == "open":
            from_mask[c.stage_ids.index(s)] = True
    threshold = np.where(from_mask[stage], sc.mql_threshold - role_pts[persona], np.inf)
    chans = [ch.id for ch in c.journey.channels]
    return ScoreTable(
        threshold=threshold,
        decay=sc.decay,
        to_stage=c.stage_ids.index(sc.handoff_to),
        channel=chans.index(sc.handoff_channel) if sc.handoff_channel in chans else -1,
    )


@dataclass
class DueTable:
    """Which stage-triggered touchpoints are due, per key and weeks since the trigger.

    ``code[key * (W+2) + k]`` numbers the set of touchpoints due (``patterns[code]`` as bits
    over ``members``); code 0 is 'none'. The codes are dense so that leads sort by them fast.
    """

    code: np.ndarray  # ((S+1)*P * (W+2),) uint8 or uint16
    patterns: list[int]  # per code: bit j set when touchpoint members[j] sends at least once
    members: list[int]  # positions in the engine's touch list, one per bit
    multi: list[bool]  # per bit: may send more than once in a week (the count is looked up)


def due_table(touches: list[TouchTable]) -> DueTable | None:
    """One gather per week tells every lead which stage-triggered touchpoints are due (up to 64)."""
    members = [i for i, tp in enumerate(touches) if tp.after < 0][:64]
    if not members:
        return None
    bits = np.zeros(touches[members[0]].sends.size, dtype=np.uint64)
    for j, i in enumerate(members):
        bits |= np.where(touches[i].sends > 0, np.uint64(1) << np.uint64(j), np.uint64(0))
    patterns, code = np.unique(bits, return_inverse=True)
    if patterns[0] != 0:  # keep code 0 for 'none'
        patterns, code = np.concatenate([[np.uint64(0)], patterns]), code + 1
    dtype = np.uint8 if patterns.size <= 256 else np.uint16 if patterns.size <= 65536 else np.uint32
    return DueTable(
        code=code.astype(dtype),
        patterns=[int(p) for p in patterns],
        members=members,
        multi=[bool(touches[i].sends.max() > 1) for i in members],
    )
