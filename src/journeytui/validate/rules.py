"""Semantic rules over a loaded journey: ids, references, probabilities, DMU, content.

Each rule yields :class:`Finding` records with a path into the model; the
caller turns paths into file positions. Graph rules live in :mod:`.graph`.
"""

from __future__ import annotations

from collections.abc import Iterator

from journeytui.diagnostics import Path
from journeytui.model.accounts import (
    account_members,
    account_size,
    composition,
    initial_leads,
    journey_account_size,
    uses_accounts,
)
from journeytui.model.refs import ID_LISTS, known_ids, unknown_refs
from journeytui.model.structure import Finding
from journeytui.model.types import OUTCOME_KINDS, ROLES, Journey, Stall, Transition

PROBABILITY_SLACK = 1e-9
"""Rounding room when summing probabilities written with a few decimals."""

REF_CODES = {
    "stage": "E202",
    "persona": "E203",
    "channel": "E204",
    "touchpoint": "E205",
    "gate": "E206",
    "behaviour": "E207",
}


def check_duplicates(j: Journey) -> Iterator[Finding]:
    for attr, kind in ID_LISTS.items():
        seen: dict[str, int] = {}
        for i, e in enumerate(getattr(j, attr)):
            if e.id in seen:
                yield Finding(
                    "E201", f'duplicate {kind} id "{e.id}" (first defined at {attr}[{seen[e.id]}])', (attr, i, "id")
                )
            else:
                seen[e.id] = i
    pairs: dict[tuple[str, str], int] = {}
    for i, t in enumerate(j.transitions):
        key = (t.from_, t.to)
        if key in pairs:
            yield Finding(
                "E201",
                f"duplicate transition {t.from_} -> {t.to} (first defined at transitions[{pairs[key]}]); "
                "merge them into one probability",
                ("transitions", i),
            )
        else:
            pairs[key] = i


def check_references(j: Journey, defined: dict[str, set[str]] | None = None) -> Iterator[Finding]:
    """Unknown references. ``defined``: ids the file defines whose elements did not load (their
    own error is reported where they are): naming one is not a second error."""
    ids = known_ids(j)
    # membership in O(1) (lists for did-you-mean); the walk builds a path only for what is left
    known = {kind: set(names).union(defined.get(kind, ()) if defined else ()) for kind, names in ids.items()}
    for kind, ref, path, is_key in unknown_refs(j, known):
        import difflib  # here: only a file with an unknown reference needs it

        hint = difflib.get_close_matches(ref, ids[kind], n=1, cutoff=0.6)
        where = "scoring.behaviours" if kind == "behaviour" else f"{kind}s"
        msg = f'unknown {kind} "{ref}"'
        if hint:
            msg += f'; did you mean "{hint[0]}"?'
        elif ids[kind]:
            msg += f" (not defined in {where})"
        else:
            msg += f" ({where} is empty)"
        yield Finding(REF_CODES[kind], msg, path, at_value=not is_key)


def check_variants(j: Journey) -> Iterator[Finding]:
    """Fields whose meaning depends on another field: stall durations, schedules, bounds."""
    needs = {"fixed": ("weeks",), "geometric": ("mean",), "uniform": ("min", "max")}
    for i, stall in enumerate(j.stalls):
        d = stall.duration
        base: Path = ("stalls", i, "duration")
        for name in needs[d.kind]:
            if getattr(d, name) is None:
                yield Finding("E103", f'`duration.{name}` is required when kind = "{d.kind}"', base, at_value=False)
        for name in ("weeks", "mean", "min", "max"):
            if name not in needs[d.kind] and getattr(d, name) is not None:
                yield Finding(
                    "E104", f'`duration.{name}` does not apply to kind = "{d.kind}"', (*base, name), at_value=False
                )
        if d.kind == "uniform" and d.min is not None and d.max is not None and d.min > d.max:
            yield Finding("E105", f"`duration.min` ({d.min}) is larger than `duration.max` ({d.max})", (*base, "min"))
    for i, tp in enumerate(j.touchpoints):
        s = tp.schedule
        base = ("touchpoints", i, "schedule")
        if s.days and s.every_weeks is not None:
            yield Finding("E104", "a schedule has either `days` or `every_weeks`, not both", base, at_value=False)
        elif not s.days and s.every_weeks is None:
            yield Finding(
                "E103",
                "a schedule needs `days` (a sequence) or `every_weeks` (recurring; `every_weeks = 1` for weekly)",
                base,
                at_value=False,
            )
        if s.after == tp.id:
            yield Finding("E104", f'touchpoint "{tp.id}" cannot be triggered by its own engagement', (*base, "after"))
        seen_days: set[int] = set()
        for k, day in enumerate(s.days):  # one send a day: a repeated day is a mistake, and 30,000 of
            if day in seen_days:  # them would make every lead's week loop over them (a small file's bomb)
                yield Finding("E104", f"day {day} is listed twice in `days` (one send a day)", (*base, "days", k))
                break
            seen_days.add(day)
    for role in j.scoring.roles if j.scoring else {}:
        if role not in ROLES:
            import difflib

            hint = difflib.get_close_matches(role, ROLES, n=1, cutoff=0.6)
            msg = f'scoring.roles names "{role}", which is not a DMU role ({", ".join(ROLES)})'
            yield Finding(
                "E104",
                msg + (f'; did you mean "{hint[0]}"?' if hint else ""),
                ("scoring", "roles", role),
                at_value=False,
            )
    for i, e in enumerate(j.expectations):
        if e.min is None and e.max is None:
            yield Finding("E103", "an expectation needs `min`, `max` or both", ("expectations", i), at_value=False)
        elif e.min is not None and e.max is not None and e.min > e.max:
            yield Finding("E105", f"`min` ({e.min}) is larger than `max` ({e.max})", ("expectations", i, "min"))
        if e.metric == "share" and any(b is not None and not 0 <= b <= 1 for b in (e.min, e.max)):
            yield Finding(
                "E105", "bounds of a `share` expectation are fractions between 0 and 1", ("expectations", i, "metric")
            )


def stalls_of(j: Journey, stage_id: str) -> list[tuple[int, Stall]]:
    return [(i, s) for i, s in enumerate(j.stalls) if s.stage == stage_id]


def by_stage(j: Journey) -> tuple[dict[str, list[Transition]], dict[str, list[Stall]]]:
    """Outgoing transitions and stalls of every stage, in file order: one pass, so rules stay linear."""
    out: dict[str, list[Transition]] = {}
    stalls: dict[str, list[Stall]] = {}
    for t in j.transitions:
        out.setdefault(t.from_, []).append(t)
    for st in j.stalls:
        stalls.setdefault(st.stage, []).append(st)
    return out, stalls


def check_probability_sums(j: Journey) -> Iterator[Finding]:
    outgoing, stalls = by_stage(j)
    for si, stage in enumerate(j.stages):
        out = outgoing.get(stage.id, [])
        stall_sum = sum(s.probability for s in stalls.get(stage.id, []))
        personas = sorted({p for t in out for p in t.by_persona})
        for persona in [None, *personas]:
            total = stall_sum + sum(t.by_persona.get(persona, t.probability) if persona else t.probability for t in out)
            if total > 1 + PROBABILITY_SLACK:
                who = f" for persona {persona}" if persona else ""
                yield Finding(
                    "E302",
                    f"outgoing probabilities plus stall chances of stage `{stage.id}` sum to {total:.4g}{who}; "
                    "at most 1 is possible in a week",
                    ("stages", si, "id"),
                )


def check_outcomes(j: Journey) -> Iterator[Finding]:
    outcome = {s.id for s in j.stages if s.kind in OUTCOME_KINDS}
    for i, t in enumerate(j.transitions):
        if t.from_ in outcome:
            yield Finding(
                "E405",
                f"outcome stage `{t.from_}` has an outgoing transition to `{t.to}`; outcomes are final",
                ("transitions", i, "from"),
            )
    for i, s in enumerate(j.stalls):
        if s.stage in outcome:
            yield Finding("E405", f"outcome stage `{s.stage}` has a stall; outcomes are final", ("stalls", i, "stage"))


def check_dmu(j: Journey) -> Iterator[Finding]:
    roles_in_dmu: set[str] = set()
    if j.dmu is not None and j.dmu.composition:
        members = {pid for pid, n in j.dmu.composition.items() if n > 0}
        roles_in_dmu = {p.role for p in j.personas if p.id in members}
        if "decision_maker" not in roles_in_dmu:
            yield Finding(
                "E501",
                'the DMU composition has no decision maker: add a persona with role = "decision_maker" to it',
                ("dmu", "composition"),
                at_value=False,
            )
    for i, g in enumerate(j.gates):
        for k, role in enumerate(g.require_roles):
            if role not in roles_in_dmu:
                where = (
                    "the DMU composition"
                    if j.dmu is not None and j.dmu.composition
                    else "the journey (it has no [dmu] composition)"
                )
                yield Finding(
                    "E502",
                    f'gate "{g.id}" requires role {role}, which no persona in {where} has',
                    ("gates", i, "require_roles", k),
                )


def check_content(j: Journey) -> Iterator[Finding]:
    """W101: stage x persona cells that no touchpoint reaches."""
    if not j.touchpoints and not j.personas:
        return
    # The personas leads actually have; a journey that never says so is checked for all of them.
    personas = j.lead_personas() or [p.id for p in j.personas]
    # who each stage's touchpoints reach (Journey.touchpoints_at for every cell, in one pass)
    reach: dict[str, set[str] | None] = {}  # stage -> personas reached; None: everyone
    for tp in j.touchpoints:
        for sid in tp.stages:
            got = reach.setdefault(sid, set())
            if got is None:
                continue
            if tp.personas:
                got.update(tp.personas)
            else:
                reach[sid] = None
    for si, stage in enumerate(j.stages):
        if stage.kind != "open":
            continue
        if not personas:
            if stage.id not in reach:
                yield Finding("W101", f"no touchpoint reaches stage `{stage.id}`", ("stages", si, "id"))
            continue
        cell = reach.get(stage.id, set())
        missing = [] if cell is None else [p for p in personas if p not in cell]
        if missing:
            yield Finding(
                "W101",
                f"no touchpoint reaches {', '.join(missing)} in stage `{stage.id}` (content gap)",
                ("stages", si, "id"),
            )


def check_regressions(j: Journey) -> Iterator[Finding]:
    order = j.stage_order()
    kinds = {s.id: s.kind for s in j.stages}
    for i, t in enumerate(j.transitions):
        # Journey.is_regression without its linear stage look-up
        a, b = order.get(t.from_), order.get(t.to)
        if a is not None and b is not None and b < a and kinds.get(t.to) == "open" and not t.cause.strip():
            yield Finding(
                "W102", f"regression {t.from_} -> {t.to} has no `cause`; say what sends leads back", ("transitions", i)
            )


def expected_hold(stall: Stall) -> float:
    d = stall.duration
    if d.kind == "fixed":
        return float(d.weeks or 0)
    if d.kind == "geometric":
        return float(d.mean or 0)
    return ((d.min or 0) + (d.max or 0)) / 2


def check_stays(j: Journey) -> Iterator[Finding]:
    """W103: expected weeks in a stage, holds included, longer than the horizon."""
    horizon = j.journey.horizon
    outgoing, stalls = by_stage(j)
    lead_personas = j.lead_personas()
    for si, stage in enumerate(j.stages):
        if stage.kind != "open":
            continue
        out = outgoing.get(stage.id, [])
        held = sum(s.probability * expected_hold(s) for s in stalls.get(stage.id, []))
        worst: tuple[float, str | None] = (0.0, None)
        leave = sum(t.probability for t in out)
        if leave > 0:  # no way out at all is for the graph rules (E406)
            worst = ((1 + held) / leave, None)
        # A persona no transition here overrides leaves as everyone does: the same sum, never
        # a longer stay than the first one found. Only the others are summed (linear in overrides).
        overridden = {p for t in out for p in t.by_persona} if out else ()
        for pid in lead_personas:
            if pid not in overridden:
                continue
            leave = sum(t.by_persona.get(pid, t.probability) for t in out)
            if leave > 0 and (1 + held) / leave > worst[0]:
                worst = ((1 + held) / leave, pid)
        stay, persona = worst
        if stay > horizon:
            who = f"leads of persona {persona}" if persona else "leads"
            yield Finding(
                "W103",
                f"{who} stay in `{stage.id}` {stay:.0f} weeks on average, longer than the {horizon}-week horizon",
                ("stages", si, "id"),
            )


def _people(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {p}" for p, n in counts.items() if n)


def check_accounts(j: Journey) -> Iterator[Finding]:
    """W105, W107, W108: how [population] groups the leads into accounts (docs/simulation.md)."""
    pop = j.population
    comp = composition(j)
    if pop.accounts > 0 and not comp:
        yield Finding(
            "W107",
            f"`accounts = {pop.accounts}` is ignored: without a [dmu.composition] leads are not grouped into accounts",
            ("population", "accounts"),
        )
    if not uses_accounts(j):
        return
    if any(v > 0 for v in pop.mix.values()):
        yield Finding(
            "W107",
            "`mix` is ignored: with `accounts` every account holds the members of [dmu.composition], "
            "and they decide the personas of the leads",
            ("population", "mix"),
            at_value=False,
        )
    n0, accounts, m = initial_leads(j), pop.accounts, sum(comp.values())
    b = account_size(n0, accounts, m)
    if n0 and n0 % accounts:
        formed = -(-n0 // b)
        last = f" (the last one with {n0 - (formed - 1) * b})" if n0 % b else ""
        yield Finding(
            "W108",
            f"{n0} initial leads / {accounts} accounts = {n0 / accounts:.4g} leads per account, rounded half up to "
            f"{b}: the initial leads form {formed} accounts of {b}{last}",
            ("population", "accounts"),
        )
    if b % m:
        seats = account_members(comp, b)
        fits = f"; `accounts = {n0 // m}` makes whole committees" if n0 % m == 0 else ""
        if b < m:
            left_out = {p: comp[p] - seats[p] for p in comp}
            msg = (
                f"accounts of {b} leads are smaller than the {m}-member DMU composition: each account holds "
                f"{_people(seats)} and leaves out {_people(left_out)}"
            )
        else:
            msg = f"accounts of {b} leads are not whole {m}-member committees: each account holds {_people(seats)}"
        yield Finding("W105", msg + fits, ("population", "accounts"))


def check_gates_can_pass(j: Journey) -> Iterator[Finding]:
    """W106: gates that can never hold, so the moves behind them never happen."""
    used = {t.gate for t in j.transitions if t.gate}
    role_of = {p.id: p.role for p in j.personas}
    comp = composition(j)
    b = journey_account_size(j)
    for i, g in enumerate(j.gates):
        roles = list(dict.fromkeys(g.require_roles))
        if g.id not in used or any(r not in {role_of[p] for p in comp} for r in roles):
            continue  # unused, or a role nobody has (E502 says so)
        moves = ", ".join(f"{t.from_} -> {t.to}" for t in j.transitions if t.gate == g.id)
        never = f"the gated moves ({moves}) never happen"
        if b:
            seats = account_members(comp, b)
            missing = [r for r in roles if r not in {role_of[p] for p, n in seats.items() if n}]
            if missing:
                yield Finding(
                    "W106",
                    f'gate "{g.id}" requires {", ".join(missing)}, but accounts of {b} leads hold nobody with that '
                    f"role ({_people(seats)}): {never}",
                    ("gates", i, "require_roles"),
                    at_value=False,
                )
        elif len(roles) >= 2:
            yield Finding(
                "W106",
                f'gate "{g.id}" requires {" and ".join(roles)}, but without `accounts` each lead is a committee of '
                f"one with one role: {never}; add `accounts` to [population]",
                ("gates", i, "require_roles"),
                at_value=False,
            )
        elif roles and roles[0] not in {role_of.get(p) for p in j.lead_personas()}:
            yield Finding(
                "W106",
                f'gate "{g.id}" requires {roles[0]}, but no lead has that role (leads are '
                f"{', '.join(j.lead_personas())}; without `accounts` each lead is a committee of one): {never}",
                ("gates", i, "require_roles"),
                at_value=False,
            )


RULES = (
    check_duplicates,
    check_references,
    check_variants,
    check_probability_sums,
    check_outcomes,
    check_dmu,
    check_content,
    check_regressions,
    check_stays,
    check_accounts,
    check_gates_can_pass,
)
