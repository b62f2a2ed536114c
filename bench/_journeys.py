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
