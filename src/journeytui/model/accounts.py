"""How a journey's leads form accounts: the account size and the members of one account.

Shared by the simulator (which lays leads out this way) and the validator (which warns
when the result is surprising), so both always say the same thing. Plain Python: no
numpy, so validating stays light. docs/simulation.md, *Accounts*, is the prose version.
"""

from __future__ import annotations

from journeytui.model.types import Journey


def composition(journey: Journey) -> dict[str, int]:
    """The DMU composition (persona id -> members) restricted to defined personas with
    a positive count, keyed in persona-id order."""
    known = {p.id for p in journey.personas}
    comp = journey.dmu.composition if journey.dmu else {}
    return {k: comp[k] for k in sorted(comp) if k in known and comp[k] > 0}


def initial_leads(journey: Journey) -> int:
    return sum(journey.population.initial.values())


def uses_accounts(journey: Journey) -> bool:
    """Whether leads are grouped into accounts: `accounts` > 0 and a non-empty composition."""
    return journey.population.accounts > 0 and bool(composition(journey))


def account_size(leads: int, accounts: int, committee: int) -> int:
    """Leads per account: ``leads / accounts`` rounded half up (at least 1), or the
    committee size when there are no initial leads."""
    if not leads:
        return committee
    return max(1, (2 * leads + accounts) // (2 * accounts))


def account_members(comp: dict[str, int], size: int) -> dict[str, int]:
    """Members of each persona in one account of ``size`` leads (every persona of ``comp``
    is a key, possibly with 0).

    The composition scaled to ``size`` members, rounded by largest remainder with ties to
    the persona whose id sorts first: whole committees when ``size`` is a multiple of the
    committee size, else as near to the composition's shares as whole people allow. Nothing
    here depends on the order of anything in the file.
    """
    ids = sorted(comp)
    total = sum(comp[p] for p in ids)
    if total <= 0 or size <= 0:
        return dict.fromkeys(ids, 0)
    # exact share = comp * size / total; compare remainders as integers (numerators over total)
    base = {p: comp[p] * size // total for p in ids}
    rest = size - sum(base.values())
    by_remainder = sorted(ids, key=lambda p: -(comp[p] * size % total))  # stable: ties by id
    for p in by_remainder[:rest]:
        base[p] += 1
    return base


def journey_account_size(journey: Journey) -> int:
    """The size of the journey's accounts (0 when leads are not grouped into accounts)."""
    if not uses_accounts(journey):
        return 0
    comp = composition(journey)
    return account_size(initial_leads(journey), journey.population.accounts, sum(comp.values()))
