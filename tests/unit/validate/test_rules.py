"""Semantic rules on small hand-made journeys: ids, references, probability sums, outcomes, DMU, warnings."""

from __future__ import annotations

import pytest

from journeytui.model import (
    Channel,
    Dmu,
    Duration,
    Gate,
    Journey,
    JourneyMeta,
    Persona,
    Schedule,
    Stage,
    Stall,
    Touchpoint,
    Transition,
)
from journeytui.validate import check


def make(*transitions: tuple[str, str, float], stages: str = "lead*,mid,won!,lost!", **kw) -> Journey:
    """Stages as 'id' (open), 'id*' (open entry), 'id!' (outcome: won first, then lost)."""
    out = []
    for i, spec in enumerate(stages.split(",")):
        sid = spec.rstrip("*!")
        kind = ("won" if sid == "won" else "lost") if spec.endswith("!") else "open"
        out.append(
            Stage(id=sid, name=sid.title(), kind=kind, entry=spec.endswith("*"), phase=kw.pop(f"phase_{sid}", i + 1))
        )
    ts = [Transition(from_=a, to=b, probability=p) for a, b, p in transitions]
    return Journey(journey=JourneyMeta(id="t", title="T"), stages=out, transitions=ts, **kw)


CLEAN = [("lead", "mid", 0.2), ("lead", "lost", 0.1), ("mid", "won", 0.2), ("mid", "lost", 0.1)]


def codes(j: Journey) -> list[str]:
    return sorted(d.code for d in check(j))


def test_a_clean_hand_made_journey() -> None:
    assert check(make(*CLEAN)) == []


def test_duplicate_ids_and_duplicate_transitions() -> None:
    j = make(*CLEAN, ("lead", "mid", 0.1), stages="lead*,mid,mid,won!,lost!")
    found = {(d.code, d.path): d.message for d in check(j)}
    assert found[("E201", ("stages", 2, "id"))] == 'duplicate stage id "mid" (first defined at stages[1])'
    assert found[("E201", ("transitions", 4))].startswith(
        "duplicate transition lead -> mid (first defined at transitions[0])"
    )


def test_unknown_references_with_hints() -> None:
    j = make(*CLEAN, ("mid", "wno", 0.1))
    [d] = check(j)
    assert (d.code, d.path) == ("E202", ("transitions", 4, "to"))
    assert d.message == 'unknown stage "wno"; did you mean "won"?'


def test_unknown_persona_key_and_empty_kind() -> None:
    j = make(*CLEAN)
    j.transitions[0].by_persona = {"ghost": 0.1}
    [d] = check(j)
    assert (d.code, d.path, d.message) == (
        "E203",
        ("transitions", 0, "by_persona", "ghost"),
        'unknown persona "ghost" (personas is empty)',
    )


def test_unknown_channel_touchpoint_gate_behaviour() -> None:
    j = make(*CLEAN)
    j.channels = [Channel(id="email", name="Email")]
    j.touchpoints = [Touchpoint(id="t", name="T", type="other", channel="fax", stages=["lead", "mid"])]
    j.touchpoints[0].schedule.after = "nope"
    j.touchpoints[0].behaviour = "click"
    j.transitions[0].gate = "board"
    assert codes(j) == ["E204", "E205", "E206", "E207"]


def test_probability_sum_includes_stalls() -> None:
    j = make(*CLEAN)
    j.stalls = [Stall(stage="mid", probability=0.8, duration=Duration(kind="fixed", weeks=2), cause="freeze")]
    [d] = check(j)
    assert d.code == "E302" and d.path == ("stages", 1, "id")
    assert d.message.startswith("outgoing probabilities plus stall chances of stage `mid` sum to 1.1;")


def test_probability_sum_at_exactly_one_is_fine() -> None:
    assert check(make(("lead", "mid", 0.7), ("lead", "lost", 0.3), ("mid", "won", 0.5), ("mid", "lost", 0.5))) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, []),
        ({"boss": 0.85}, ["boss"]),  # 0.85 + 0.1 + 0.1 stall > 1 only for boss
        ({"boss": 0.5, "user": 0.95}, ["user"]),
        ({"boss": 0.0}, []),
    ],
)
def test_probability_sum_is_checked_per_persona_with_overrides(
    overrides: dict[str, float], expected: list[str]
) -> None:
    j = make(*CLEAN)
    j.personas = [Persona(id="boss", name="B", role="decision_maker"), Persona(id="user", name="U", role="user")]
    j.transitions[0].by_persona = overrides
    j.stalls = [Stall(stage="lead", probability=0.1, duration=Duration(kind="fixed", weeks=1), cause="c")]
    found = [d for d in check(j) if d.code == "E302"]
    assert [d.message.rsplit("for persona ", 1)[1].split(";")[0] for d in found] == expected
    assert all("`lead`" in d.message for d in found)


def test_base_probability_overflow_is_reported_without_a_persona() -> None:
    j = make(("lead", "mid", 0.8), ("lead", "lost", 0.3), ("mid", "won", 0.5), ("mid", "lost", 0.1))
    [d] = check(j)
    assert d.code == "E302" and "for persona" not in d.message and "sum to 1.1;" in d.message


def test_outcome_with_exits() -> None:
    j = make(*CLEAN, ("won", "mid", 0.1))
    j.stalls = [Stall(stage="lost", probability=0.1, duration=Duration(kind="fixed", weeks=1), cause="c")]
    found = [(d.code, d.path) for d in check(j)]
    assert ("E405", ("transitions", 4, "from")) in found
    assert ("E405", ("stalls", 0, "stage")) in found


def test_dmu_without_a_decision_maker_and_gate_roles() -> None:
    personas = [Persona(id="boss", name="B", role="decision_maker"), Persona(id="it", name="IT", role="gatekeeper")]
    j = make(*CLEAN, personas=personas, dmu=Dmu(composition={"boss": 0, "it": 1}))
    j.gates = [Gate(id="g", stage="mid", require_roles=["decision_maker", "gatekeeper", "buyer"])]
    found = [(d.code, d.path) for d in check(j) if d.code.startswith("E5")]
    assert found == [
        ("E501", ("dmu", "composition")),
        ("E502", ("gates", 0, "require_roles", 0)),
        ("E502", ("gates", 0, "require_roles", 2)),
    ]


def test_stall_duration_variants() -> None:
    j = make(*CLEAN)
    j.stalls = [
        Stall(stage="lead", probability=0.01, duration=Duration(kind="fixed"), cause="a"),
        Stall(stage="lead", probability=0.01, duration=Duration(kind="uniform", min=5, max=2, weeks=3), cause="b"),
    ]
    found = sorted((d.code, d.path) for d in check(j))
    assert found == [
        ("E103", ("stalls", 0, "duration")),
        ("E104", ("stalls", 1, "duration", "weeks")),
        ("E105", ("stalls", 1, "duration", "min")),
    ]


def test_content_gap_regression_and_stay_warnings() -> None:
    personas = [Persona(id="boss", name="B", role="decision_maker"), Persona(id="it", name="IT", role="gatekeeper")]
    j = make(*CLEAN, ("mid", "lead", 0.01), personas=personas, channels=[Channel(id="c", name="C")])
    j.journey.horizon = 3
    j.touchpoints = [Touchpoint(id="t", name="T", type="other", channel="c", stages=["lead", "mid"], personas=["boss"])]
    found = {d.code: d for d in check(j)}
    assert sorted(d.code for d in check(j)) == ["W101", "W101", "W102", "W103", "W103"]
    assert "it" in found["W101"].message
    assert found["W102"].path == ("transitions", 4)
    assert "longer than the 3-week horizon" in found["W103"].message


def test_a_regression_with_a_cause_is_fine() -> None:
    j = make(*CLEAN, ("mid", "lead", 0.01))
    j.transitions[-1].cause = "competitor launch"
    assert check(j) == []


def test_a_slow_persona_override_triggers_the_stay_warning() -> None:
    from journeytui.validate import validate_text

    text = """
[journey]
id = "p"
title = "P"
horizon = 20

[dmu.composition]
boss = 1
it = 1

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
probability = 0.2
by_persona.it = 0.01

[[personas]]
id = "boss"
name = "Boss"
role = "decision_maker"

[[personas]]
id = "it"
name = "IT"
role = "gatekeeper"
"""
    stays = [d for d in validate_text(text, "p.toml").diagnostics if d.code == "W103"]
    assert len(stays) == 1
    assert "persona it" in stays[0].message and "100 weeks" in stays[0].message


def test_content_gaps_follow_the_personas_leads_have() -> None:
    from journeytui.validate import validate_text

    text = """
[journey]
id = "p"
title = "P"

[population.mix]
buyer = 1.0

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
probability = 0.2

[[personas]]
id = "buyer"
name = "Buyer"
role = "buyer"

[[personas]]
id = "retired"
name = "Persona nobody has"
role = "user"

[[channels]]
id = "mail"
name = "Mail"

[[touchpoints]]
id = "t"
name = "T"
type = "newsletter"
channel = "mail"
stages = ["lead"]
personas = ["retired"]
"""
    gaps = [d.message for d in validate_text(text, "p.toml").diagnostics if d.code == "W101"]
    assert gaps == ["no touchpoint reaches buyer in stage `lead` (content gap)"]


def test_a_day_listed_twice_in_a_schedule() -> None:
    """One send a day: a repeated day is refused at the repeat (30,000 of them made every lead's
    week loop over them in the engines)."""
    j = make(*CLEAN, channels=[Channel(id="c", name="C")])
    tp = Touchpoint(id="t", name="T", type="other", channel="c", stages=["lead"], schedule=Schedule(days=[1, 3, 1, 1]))
    j.touchpoints = [tp]
    found = [(d.code, d.path, d.message) for d in check(j) if d.code.startswith("E")]
    assert found == [
        ("E104", ("touchpoints", 0, "schedule", "days", 2), "day 1 is listed twice in `days` (one send a day)")
    ]
    tp.schedule = Schedule(days=[1, 3, 5, 7])
    assert not [d for d in check(j) if d.code.startswith("E")]
