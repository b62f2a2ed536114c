"""The journey model: one dataclass per element of a journey file.

Field order is the canonical order in a saved file. Field metadata (see
:func:`spec`) carries what the loader, the validator, the JSON Schema and the
edit operations need: the TOML key, documentation, numeric bounds, and which
kind of id a field refers to. docs/format.md is the prose version of this file.

No ``from __future__ import annotations`` here: the loader reads every field's type, and
types written as objects cost nothing to read, where string annotations must each be
compiled and evaluated again in every process (a tenth of ``journeytui validate``'s start).
"""

from dataclasses import dataclass, field
from typing import Any, Literal

ROLES = ("decision_maker", "influencer", "champion", "user", "gatekeeper", "buyer")
Role = Literal["decision_maker", "influencer", "champion", "user", "gatekeeper", "buyer"]
StageKind = Literal["open", "won", "lost"]
OUTCOME_KINDS = ("won", "lost")
Team = Literal["marketing", "inside_sales", "field_sales", "partner", "customer_success"]
Authority = Literal["full", "partial", "none"]
ContentType = Literal[
    "seo_article",
    "whitepaper",
    "ebook",
    "case_study",
    "video",
    "sns_post",
    "newsletter",
    "step_email",
    "seminar",
    "webinar",
    "trade_show",
    "comparison_sheet",
    "price_list",
    "roi_simulation",
    "follow_up_call",
    "retargeting_ad",
    "line_message",
    "meeting",
    "partner_sales",
    "survey",
    "other",
]
DurationKind = Literal["fixed", "geometric", "uniform"]
Metric = Literal["share", "count"]

# Sizes beyond these are refused with a clear message rather than attempted.
MAX_LEADS = 100_000_000
MAX_WEEKS = 10_000
MAX_DAYS = 7 * MAX_WEEKS


def spec(
    doc: str,
    *,
    key: str | None = None,
    ref: str | None = None,
    key_ref: str | None = None,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    prob: bool = False,
    id: bool = False,
    always: bool = False,
    fallback: Any = None,
    all_if_empty: bool = False,
    default: Any = ...,
    default_factory: Any = ...,
) -> Any:
    """A dataclass field with the metadata the loader, schema and edits use.

    ``ref``: the field holds (or lists) ids of that kind. ``key_ref``: the keys
    of this mapping are ids of that kind. ``prob``: a probability in [0, 1].
    ``id``: the element's own id. ``always``: written even when it equals the default.
    ``fallback``: for a required field, a stand-in (or a factory) used after reporting it
    missing or invalid, so one bad field does not hide every other finding.
    ``all_if_empty``: an empty list means "all", so removing its last entry must not empty it.
    """
    meta = {
        "doc": doc,
        "key": key,
        "ref": ref,
        "key_ref": key_ref,
        "ge": ge,
        "le": le,
        "gt": gt,
        "prob": prob,
        "id": id,
        "always": always,
        "fallback": fallback,
        "all_if_empty": all_if_empty,
    }
    if default is not ...:
        return field(default=default, metadata=meta)
    if default_factory is not ...:
        return field(default_factory=default_factory, metadata=meta)
    return field(metadata=meta)


@dataclass
class JourneyMeta:
    """The `[journey]` table: what this journey is."""

    id: str = spec("Identifier of the journey.", id=True, fallback="")
    title: str = spec("Human-readable title (any Unicode).", fallback="")
    description: str = spec("What the journey models and why.", default="")
    time_unit: Literal["week"] = spec("The simulation step. Only `week` is supported.", default="week")
    horizon: int = spec("Default forecast horizon, in weeks.", ge=1, le=MAX_WEEKS, always=True, default=52)
    currency: str = spec("Currency of channel costs (e.g. JPY).", default="JPY")
    format: int = spec("Version of the journey file format.", ge=1, le=1, default=1)


@dataclass
class Stage:
    """A `[[stages]]` entry: a state a lead can be in."""

    id: str = spec("Identifier referenced by transitions, stalls, touchpoints.", id=True)
    name: str = spec("Display name, any Unicode (e.g. 認知).")
    kind: StageKind = spec("`open` while the lead is in play; `won` / `lost` are outcomes.", default="open")
    entry: bool = spec("New leads arrive here. At least one stage must be an entry.", default=False)
    phase: int | None = spec("Layer for layout and for 'at or past' in gates (1, 2, ...).", ge=0, le=1000, default=None)
    team: Team = spec("Who owns the stage.", default="marketing")
    notes: str = spec("Free text.", default="")


@dataclass
class Transition:
    """A `[[transitions]]` entry: a weekly chance of moving from one stage to another."""

    from_: str = spec("Stage the lead leaves.", key="from", ref="stage")
    to: str = spec("Stage the lead enters (backward = regression, skips allowed).", ref="stage")
    probability: float = spec("Weekly probability of taking this transition.", prob=True)
    by_persona: dict[str, float] = spec(
        "Per-persona weekly probabilities that replace `probability` for that persona.",
        key_ref="persona",
        prob=True,
        default_factory=dict,
    )
    cause: str = spec("Why leads take it (e.g. 'competitor launch'); expected on regressions.", default="")
    gate: str | None = spec("A consensus gate the account must pass for this move.", ref="gate", default=None)
    notes: str = spec("Free text.", default="")


@dataclass
class Duration:
    """How long a stall holds, in weeks."""

    kind: DurationKind = spec("`fixed` (weeks), `geometric` (mean) or `uniform` (min..max).")
    weeks: int | None = spec("For `fixed`: the hold in weeks.", ge=1, le=MAX_WEEKS, default=None)
    mean: float | None = spec("For `geometric`: the mean hold in weeks (>= 1).", ge=1, le=MAX_WEEKS, default=None)
    min: int | None = spec("For `uniform`: shortest hold in weeks.", ge=1, le=MAX_WEEKS, default=None)
    max: int | None = spec("For `uniform`: longest hold in weeks.", ge=1, le=MAX_WEEKS, default=None)


@dataclass
class Stall:
    """A `[[stalls]]` entry: a weekly chance that a lead's progress is put on hold."""

    stage: str = spec("Stage where the stall can start.", ref="stage")
    probability: float = spec("Weekly chance that a lead in the stage stalls.", prob=True)
    duration: Duration = spec("How long the hold lasts.")
    cause: str = spec("Why (budget freeze, waiting for the committee...).")


@dataclass
class Persona:
    """A `[[personas]]` entry: a kind of person in the buying committee."""

    id: str = spec("Identifier referenced by DMU composition, touchpoints, overrides.", id=True)
    name: str = spec("Display name.")
    role: Role = spec("DMU role.")
    authority: Authority = spec("Decision authority.", default="none")
    influence: float = spec("Influence weight in consensus gates.", ge=0, le=1000, default=1.0)
    needs: list[str] = spec("What this person needs from the product.", default_factory=list)
    channels: list[str] = spec("Preferred channels (channel ids).", ref="channel", default_factory=list)
    notes: str = spec("Free text.", default="")


@dataclass
class Dmu:
    """The `[dmu]` table: who sits in one account's buying committee."""

    composition: dict[str, int] = spec(
        "Members per account by persona id.", key_ref="persona", ge=0, le=1000, default_factory=dict
    )


@dataclass
class Gate:
    """A `[[gates]]` entry: a consensus rule that gated transitions must satisfy."""

    id: str = spec("Identifier referenced by transitions' `gate`.", id=True)
    stage: str = spec("Members count as ready when at or past this stage (by phase).", ref="stage")
    name: str = spec("Display name.", default="")
    require_roles: list[Role] = spec("Roles that must be ready.", default_factory=lambda: ["decision_maker"])
    min_share: float = spec("Influence-weighted share of members that must be ready.", prob=True, default=0.5)


@dataclass
class Channel:
    """A `[[channels]]` entry: a way to reach a lead."""

    id: str = spec("Identifier referenced by touchpoints and personas.", id=True)
    name: str = spec("Display name.")
    cost: float = spec("Cost of one touch, in the journey's currency.", ge=0, le=1e12, default=0.0)
    capacity: int | None = spec(
        "Touches per week at most (sales calls, seminar seats).", ge=0, le=MAX_LEADS, default=None
    )


@dataclass
class Schedule:
    """When a touchpoint is sent to a lead in one of its stages."""

    days: list[int] = spec(
        "Days after the trigger on which it is sent (step emails: 1, 3, 5, 7); each day once.",
        ge=1,
        le=MAX_DAYS,
        default_factory=list,
    )
    every_weeks: int | None = spec(
        "Recurring: sent every N weeks while the lead stays.", ge=1, le=MAX_WEEKS, default=None
    )
    start_week: int = spec(
        "First week (0 = the week after the trigger) for recurring sends.", ge=0, le=MAX_WEEKS, default=0
    )
    max_sends: int | None = spec("Stop after this many sends.", ge=1, le=MAX_WEEKS, default=None)
    after: str | None = spec(
        "Trigger: engagement with this touchpoint instead of stage entry.", ref="touchpoint", default=None
    )


@dataclass
class Touchpoint:
    """A `[[touchpoints]]` entry: a piece of content sent over a channel."""

    id: str = spec("Identifier.", id=True)
    name: str = spec("Display name.")
    type: ContentType = spec("Content type.")
    channel: str = spec("Channel id it is sent over.", ref="channel")
    stages: list[str] = spec("Stages whose leads receive it.", ref="stage")
    personas: list[str] = spec(
        "Personas it targets; empty means all.", ref="persona", all_if_empty=True, default_factory=list
    )
    schedule: Schedule = spec("When it is sent.", default_factory=lambda: Schedule(every_weeks=1))
    engagement: float = spec("Probability that a lead engages with one send.", prob=True, default=0.1)
    behaviour: str | None = spec(
        "Scoring behaviour an engagement counts as (key of scoring.behaviours).", ref="behaviour", default=None
    )
    lift: dict[str, float] = spec(
        "Multiplier on the move to each target stage for leads who engaged.",
        key_ref="stage",
        ge=0,
        le=1000,
        default_factory=dict,
    )
    lift_weeks: int = spec("How many weeks the lift lasts after an engagement.", ge=1, le=MAX_WEEKS, default=1)
    notes: str = spec("Free text.", default="")


@dataclass
class Scoring:
    """The `[scoring]` table: points, decay, and the MQL hand-off to sales."""

    mql_threshold: float = spec("Score at which a lead becomes an MQL and is handed to sales.", ge=0, le=1e9)
    handoff_to: str = spec("Stage an MQL moves to (sales).", ref="stage")
    handoff_from: list[str] = spec("Stages in which an MQL is handed over.", ref="stage")
    handoff_channel: str | None = spec(
        "Channel whose weekly capacity limits hand-offs (inside sales).", ref="channel", default=None
    )
    decay: float = spec("Share of the score lost each week.", prob=True, default=0.0)
    behaviours: dict[str, float] = spec(
        "Points per behaviour (email_open = 5, download = 10...).", ge=-1e6, le=1e6, default_factory=dict
    )
    roles: dict[str, float] = spec(
        "Points for an attribute: the lead's DMU role (decision_maker = 15).", ge=-1e6, le=1e6, default_factory=dict
    )


@dataclass
class Population:
    """The `[population]` table: the leads a forecast starts with and receives."""

    initial: dict[str, int] = spec(
        "Leads in each stage at week 0.", key_ref="stage", ge=0, le=MAX_LEADS, default_factory=dict
    )
    arrivals: dict[str, float] = spec(
        "New leads per week in each (entry) stage.", key_ref="stage", ge=0, le=MAX_LEADS, default_factory=dict
    )
    accounts: int = spec(
        "Number of accounts the leads belong to (0: leads are independent); needs a DMU composition.",
        ge=0,
        le=MAX_LEADS,
        default=0,
    )
    mix: dict[str, float] = spec(
        "Persona share weights of leads without accounts (default: the DMU composition); ignored with accounts.",
        key_ref="persona",
        ge=0,
        le=1e6,
        default_factory=dict,
    )


@dataclass
class Expectation:
    """An `[[expectations]]` entry: a forecast assertion `journeytui check` evaluates."""

    stage: str = spec("Stage whose occupancy is checked.", ref="stage")
    week: int = spec("Week at whose end it is checked.", ge=0, le=MAX_WEEKS)
    metric: Metric = spec("`share` of all leads so far, or `count` of leads.", default="share")
    min: float | None = spec("Lower bound (inclusive).", default=None)
    max: float | None = spec("Upper bound (inclusive).", default=None)
    name: str = spec("What the assertion means.", default="")


@dataclass
class Journey:
    """A whole journey file."""

    journey: JourneyMeta = spec("What this journey is.", fallback=lambda: JourneyMeta(id="", title=""))
    population: Population = spec("Initial leads and arrivals.", default_factory=Population)
    dmu: Dmu | None = spec("Buying-committee composition.", default=None)
    scoring: Scoring | None = spec("Lead scoring and the hand-off to sales.", default=None)
    stages: list[Stage] = spec("The stages.", default_factory=list)
    transitions: list[Transition] = spec("Weekly moves between stages.", default_factory=list)
    stalls: list[Stall] = spec("Holds on progress.", default_factory=list)
    personas: list[Persona] = spec("People in the buying committee.", default_factory=list)
    gates: list[Gate] = spec("Consensus gates.", default_factory=list)
    channels: list[Channel] = spec("Channels.", default_factory=list)
    touchpoints: list[Touchpoint] = spec("Content and its schedule.", default_factory=list)
    expectations: list[Expectation] = spec("Forecast assertions for `journeytui check`.", default_factory=list)

    # -- look-ups ---------------------------------------------------------
    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def persona(self, persona_id: str) -> Persona | None:
        return next((p for p in self.personas if p.id == persona_id), None)

    def channel(self, channel_id: str) -> Channel | None:
        return next((c for c in self.channels if c.id == channel_id), None)

    def lead_personas(self) -> list[str]:
        """Personas leads can have: those weighted in population.mix or counted in the DMU
        composition (as the simulator draws them); empty when leads have no persona."""
        known = [p.id for p in self.personas]
        mix = {k for k, v in self.population.mix.items() if v > 0}
        comp = {k for k, v in (self.dmu.composition if self.dmu else {}).items() if v > 0}
        return [p for p in known if p in mix or p in comp]

    def touchpoints_at(self, stage_id: str, persona_id: str | None) -> list[int]:
        """Indices of the touchpoints that reach ``persona_id`` (None: anyone) in ``stage_id``:
        the cells of the content-coverage matrix (W101 is an empty cell)."""
        return [
            i
            for i, t in enumerate(self.touchpoints)
            if stage_id in t.stages and (not t.personas or persona_id is None or persona_id in t.personas)
        ]

    def outgoing(self, stage_id: str) -> list[Transition]:
        return [t for t in self.transitions if t.from_ == stage_id]

    def stage_order(self) -> dict[str, int]:
        """Layer of each stage: its phase, or its position among stages without one."""
        return {s.id: (s.phase if s.phase is not None else i + 1) for i, s in enumerate(self.stages)}

    def is_regression(self, t: Transition, order: dict[str, int] | None = None) -> bool:
        """A move back to an earlier layer's open stage. Pass ``order`` (from
        :meth:`stage_order`) when asking for many transitions."""
        order = self.stage_order() if order is None else order
        a, b = order.get(t.from_), order.get(t.to)
        if a is None or b is None:
            return False
        target = self.stage(t.to)
        return b < a and target is not None and target.kind == "open"
