"""The generated 50-stage journey the app benchmarks share (bench_open, bench_whatif)."""

from __future__ import annotations

from journeytui.model.types import Duration, Journey, JourneyMeta, Persona, Population, Stage, Stall, Transition


def big_journey(n: int = 50, personas: int = 0) -> Journey:
    """n open stages in a chain with skips, regressions and stalls, plus won/lost.

    With ``personas``, that many personas in equal shares and per-persona overrides on
    every other stage.
    """
    stages = [Stage(id=f"s{i}", name=f"Stage {i}", phase=i + 1, entry=i == 0) for i in range(n)]
    stages += [
        Stage(id="won", name="Won", kind="won", phase=n + 1),
        Stage(id="lost", name="Lost", kind="lost", phase=n + 1),
    ]
    people = [Persona(id=f"p{k}", name=f"Persona {k}", role="influencer") for k in range(personas)]
    ts = []
    for i in range(n):
        over = {p.id: 0.12 - 0.04 * k for k, p in enumerate(people[:2])} if i % 2 else {}
        ts.append(Transition(from_=f"s{i}", to=f"s{i + 1}" if i + 1 < n else "won", probability=0.1, by_persona=over))
        ts.append(Transition(from_=f"s{i}", to="lost", probability=0.01))
        if i >= 2 and i % 3 == 0:
            ts.append(Transition(from_=f"s{i}", to=f"s{i - 2}", probability=0.02, cause="regression"))
        if i + 2 < n and i % 4 == 1:
            ts.append(Transition(from_=f"s{i}", to=f"s{i + 2}", probability=0.01))
    stalls = [
        Stall(stage=f"s{i}", probability=0.02, duration=Duration(kind="fixed", weeks=4), cause="hold")
        for i in range(0, n, 5)
    ]
    return Journey(
        journey=JourneyMeta(id="big", title="50 stages", horizon=104),
        population=Population(initial={"s0": 2000}, arrivals={"s0": 50.0}, mix={p.id: 1.0 for p in people}),
        stages=stages,
        transitions=ts,
        stalls=stalls,
        personas=people,
    )


def large_journey(n: int = 10_000, personas: int = 4, horizon: int = 104) -> Journey:
    """A journey of ``n`` open stages with everything a real file has, for the scale benchmarks.

    Phases of ten stages (more beyond 9,980 stages: phases stop at 1,000). Each stage moves
    on (per-persona overrides on every other stage) and drops out; every third regresses
    twenty stages back (from stage 20 on), every fourth skips one; a stall every fifth stage
    (fixed, uniform and geometric in turn); ``personas`` personas in a mix; a channel per
    hundred stages and a touchpoint every ten stages covering the next ten.
    """
    from journeytui.model.types import Channel, Schedule, Touchpoint

    roles = ("decision_maker", "influencer", "champion", "user")
    people = [Persona(id=f"p{k}", name=f"Persona {k}", role=roles[k % 4]) for k in range(personas)]  # type: ignore[arg-type]
    per_phase = max(10, -(-n // 998))  # phases go up to 1,000
    stages = [Stage(id=f"s{i}", name=f"Stage {i}", phase=i // per_phase + 1, entry=i == 0) for i in range(n)]
    top = (n - 1) // per_phase + 2
    stages += [
        Stage(id="won", name="Won", kind="won", phase=top),
        Stage(id="lost", name="Lost", kind="lost", phase=top),
    ]
    ts = []
    for i in range(n):
        over = {p.id: 0.12 - 0.02 * k for k, p in enumerate(people[:3])} if i % 2 else {}
        ts.append(Transition(from_=f"s{i}", to=f"s{i + 1}" if i + 1 < n else "won", probability=0.2, by_persona=over))
        ts.append(Transition(from_=f"s{i}", to="lost", probability=0.01))
        if i >= 20 and i % 3 == 0:
            ts.append(Transition(from_=f"s{i}", to=f"s{i - 20}", probability=0.02, cause="regression"))
        if i + 2 < n and i % 4 == 1:
            ts.append(Transition(from_=f"s{i}", to=f"s{i + 2}", probability=0.01))
    kinds = [
        Duration(kind="fixed", weeks=4),
        Duration(kind="uniform", min=2, max=8),
        Duration(kind="geometric", mean=5.0),
    ]
    stalls = [
        Stall(stage=f"s{i}", probability=0.02, duration=kinds[(i // 5) % 3], cause=f"hold {i // 5 % 3}")
        for i in range(0, n, 5)
    ]
    channels = [Channel(id=f"c{k}", name=f"Channel {k}", cost=10.0) for k in range(max(1, n // 100))]
    touch = [
        Touchpoint(
            id=f"t{i}",
            name=f"Content {i}",
            type="newsletter",
            channel=f"c{(i // 100) % len(channels)}",
            stages=[f"s{k}" for k in range(i, min(n, i + 10))],
            schedule=Schedule(every_weeks=2),
            engagement=0.2,
        )
        for i in range(0, n, 10)
    ]
    return Journey(
        journey=JourneyMeta(id="large", title=f"{n:,} stages", horizon=horizon),
        population=Population(initial={"s0": 100_000}, arrivals={"s0": 500.0}, mix={p.id: 1.0 for p in people}),
        stages=stages,
        transitions=ts,
        stalls=stalls,
        personas=people,
        channels=channels,
        touchpoints=touch,
    )


def write_large(path: str, n: int, personas: int = 4) -> str:
    """Write :func:`large_journey` to ``path`` in canonical form; returns the path."""
    from pathlib import Path

    from journeytui.model.save import dumps

    Path(path).write_text(dumps(large_journey(n, personas)), encoding="utf-8")
    return path
