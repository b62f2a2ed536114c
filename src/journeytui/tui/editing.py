"""Editing actions of the app: add, rename, delete, reorder, transitions, stalls, tables.

Each action asks what it needs (an id, a stage) in a modal, then makes one call
into :mod:`journeytui.model.edit` through ``JourneyApp.apply``, so it is one
undoable step with a label ("add stage nurture"). Deleting something that other
elements refer to lists the cascade (``removal_effects``) and asks first.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

from journeytui.diagnostics import Path as ModelPath
from journeytui.model import edit
from journeytui.model.structure import check_id, dotted
from journeytui.model.types import (
    Channel,
    Dmu,
    Duration,
    Expectation,
    Gate,
    Journey,
    Persona,
    Scoring,
    Stage,
    Stall,
    Touchpoint,
    Transition,
)
from journeytui.textsafe import visible
from journeytui.tui import forms
from journeytui.tui.base import AppBase
from journeytui.tui.screens.dialogs import ChoiceScreen, ConfirmScreen, PromptScreen
from journeytui.tui.selection import KIND_OF_LIST, after_removal, describe, kind_of

ADDERS = {
    "stages": "add_stage",
    "transitions": "add_transition",
    "stalls": "add_stall",
    "personas": "add_persona",
    "channels": "add_channel",
    "touchpoints": "add_touchpoint",
    "gates": "add_gate",
    "expectations": "add_expectation",
    "scoring": "add_scoring",
    "dmu": "add_dmu",
}


def with_table(j: Journey, name: str, value: Any) -> Journey:
    """``j`` with a whole top-level table set (or removed with None); the rest is shared, as edits share it."""
    return dataclasses.replace(j, **{name: copy.deepcopy(value)})


def new_persona(j: Journey, new_id: str) -> tuple[Persona, int | None]:
    """A new persona like the others: the median of their influence (1 when it is the first),
    and, when the journey has a buying committee ([dmu]), one member per account in it."""
    weights = sorted(p.influence for p in j.personas)
    influence = 1.0 if not weights else round(float(weights[(len(weights) - 1) // 2]), 3)
    members = 1 if j.dmu is not None else None
    return Persona(id=new_id, name=new_id, role="influencer", influence=influence), members


def with_persona(j: Journey, persona: Persona, members: int | None) -> Journey:
    """``j`` with ``persona`` added and, when ``members`` is given, seated in the committee."""
    j = edit.add(j, "persona", persona)
    if members is None or j.dmu is None:
        return j
    dmu = dataclasses.replace(j.dmu, composition={**j.dmu.composition, persona.id: members})
    return with_table(j, "dmu", dmu)


def handoff_stage(j: Journey) -> str | None:
    """Where a new [scoring] hands leads: a sales team's stage, else the open stage that leads to a
    won one, else the last open stage; never an outcome (the blank journey's last stage is lost)."""
    open_ = [s for s in j.stages if s.kind == "open"]
    sales = next((s.id for s in open_ if s.team in ("field_sales", "inside_sales")), None)
    if sales is not None:
        return sales
    won = {s.id for s in j.stages if s.kind == "won"}
    closing = [s.id for s in open_ if any(t.from_ == s.id and t.to in won for t in j.transitions)]
    if closing:
        return closing[-1]
    return open_[-1].id if open_ else None


def persona_note(persona: Persona, members: int | None, j: Journey) -> str:
    """What the new persona got, so nothing is set without a word."""
    why = "the median of the other personas" if j.personas else "the default for a first persona"
    seat = (
        f"; {members} member per account in the buying committee ([dmu] composition)"
        if members is not None
        else "; no [dmu] table, so not in a committee (Palette: DMU: add)"
    )
    return f"{persona.id}: role influencer, influence {persona.influence:g} ({why}){seat}. Edit them in the inspector."


def new_problems(before: Journey, after: Journey, limit: int = 3) -> list[str]:
    """What an edit brought with it: the validator's findings of ``after`` beyond ``before``'s
    (by code), as ``CODE message`` lines, at most ``limit`` (a large journey: none, its checks
    run in the background)."""
    from collections import Counter

    from journeytui.tui.forms import LARGE, size_of
    from journeytui.validate import findings

    if size_of(after) > LARGE:
        return []
    old = Counter(f.code for f in findings(before))
    out = []
    for f in sorted(findings(after), key=lambda f: (not f.code.startswith("E"), f.code)):
        if old[f.code] > 0:
            old[f.code] -= 1
        else:
            out.append(f"{f.code} {f.message}")
    return out[:limit]


class EditingMixin(AppBase):
    """Actions that change the journey. Mixed into :class:`JourneyApp`."""

    # -- helpers ------------------------------------------------------------------------------
    def _selected_stage(self) -> Stage | None:
        j, sel = self.journey, self.selection
        if j is None or not sel or len(sel) != 2:
            return None
        if sel[0] == "stages":
            return j.stages[int(sel[1])]
        if sel[0] == "transitions":
            return j.stage(j.transitions[int(sel[1])].from_)
        if sel[0] == "stalls":
            return j.stage(j.stalls[int(sel[1])].stage)
        return None

    def _default_stage(self) -> Stage | None:
        j = self.journey
        if j is None:
            return None
        return self._selected_stage() or next(
            (s for s in j.stages if s.kind == "open"), j.stages[0] if j.stages else None
        )

    def _ask_new_id(self, kind: str, then: Callable[[str], None], value: str = "") -> None:
        j = self.journey
        if j is None:
            return

        def check(text: str) -> str | None:
            text = text.strip()
            return check_id(text) or (f'a {kind} "{text}" already exists' if text in edit.ids(j, kind) else None)

        self.push_screen(
            PromptScreen(f"Id of the new {kind}", value, check, "Letters (any script), digits, _ and -."),
            lambda text: then(text.strip()) if text else None,
        )

    def _pick_stage(self, question: str, then: Callable[[str], None], highlight: str | None = None) -> None:
        j = self.journey
        if j is None or not j.stages:
            self.notify("Add a stage first.", severity="warning")
            return
        choices = [(s.id, f"{s.id}: {s.name}" if s.name != s.id else s.id) for s in j.stages]
        self.push_screen(ChoiceScreen(question, choices, highlight=highlight), lambda v: then(v) if v else None)

    def _list_index(self, attr: str) -> int | None:
        sel = self.selection
        return int(sel[1]) if sel and len(sel) == 2 and sel[0] == attr else None

    # -- generic actions on the selection ---------------------------------------------------
    def action_add(self) -> None:
        sel = self.selection
        name = str(sel[0]) if sel else "stages"
        adder = ADDERS.get(name, "add_stage")
        getattr(self, f"action_{adder}")()

    def action_rename(self) -> None:
        j, sel = self.journey, self.selection
        kind = kind_of(sel)
        if j is None or sel is None or kind is None:
            self.notify("Select a stage, persona, channel, touchpoint or gate to rename it.", severity="warning")
            return
        old = getattr(j, str(sel[0]))[int(sel[1])].id

        def check(text: str) -> str | None:
            text = text.strip()
            if text == old:
                return None
            return check_id(text) or (f'a {kind} "{text}" already exists' if text in edit.ids(j, kind) else None)

        refs = len(edit.references(j, kind, old))
        hint = f"{refs} reference{'s' * (refs != 1)} will follow the new id." if refs else "Nothing refers to it yet."

        def answer(text: str | None) -> None:
            if text and text.strip() != old:
                self.rename(kind, old, text.strip())

        self.push_screen(PromptScreen(f"Rename {kind} {old}", old, check, hint), answer)

    def rename(self, kind: str, old: str, new: str) -> bool:
        return self.apply(f"rename {kind} {old} -> {new}", lambda j: edit.rename(j, kind, old, new))

    def action_delete(self) -> None:
        j, sel = self.journey, self.selection
        if j is None or sel is None:
            self.notify("Select something to delete.", severity="warning")
            return
        label = describe(j, sel)
        if len(sel) == 1:
            if sel[0] not in ("scoring", "dmu") or getattr(j, str(sel[0])) is None:
                self.notify(f"The [{sel[0]}] table cannot be deleted; edit its fields instead.", severity="warning")
                return
            effects = []
            if sel[0] == "scoring":
                effects = [
                    f"touchpoints[{i}].behaviour ({t.behaviour}) no longer scores"
                    for i, t in enumerate(j.touchpoints)
                    if t.behaviour
                ]
            self._confirm_then(
                f"Delete the [{sel[0]}] table?",
                effects,
                f"delete {sel[0]}",
                lambda x: with_table(x, str(sel[0]), None),
                None,
            )
            return
        kind = KIND_OF_LIST.get(str(sel[0]))
        index = int(sel[1])
        after = after_removal(edit.remove_at(j, str(sel[0]), index), sel)
        if kind is None:
            self.apply(f"delete {label}", lambda x: edit.remove_at(x, str(sel[0]), index), select=after)
            self.notify(f"Deleted {label} (ctrl+z undoes).")
            return
        element_id = getattr(j, str(sel[0]))[index].id
        effects = edit.removal_effects(j, kind, element_id)
        self._confirm_then(
            f"Delete {label}?", effects, f"delete {label}", lambda x: edit.remove(x, kind, element_id), after
        )

    def _confirm_then(
        self, question: str, effects: list[str], label: str, fn: Callable[[Journey], Journey], after: ModelPath | None
    ) -> None:
        if not effects:
            if self.apply(label, fn, select=after):
                self.notify(f"{label[0].upper()}{label[1:]} (ctrl+z undoes).")
            return

        def answer(ok: bool | None) -> None:
            if ok:
                self.apply(label, fn, select=after)

        self.push_screen(ConfirmScreen(f"{question} This also changes:", effects, yes="Delete", no="Cancel"), answer)

    def _move(self, delta: int) -> None:
        sel = self.selection
        if self.journey is None or not sel or len(sel) != 2:
            self.notify("Select an element of a list to move it.", severity="warning")
            return
        attr, index = str(sel[0]), int(sel[1])
        size = len(getattr(self.journey, attr))
        target = max(0, min(size - 1, index + delta))
        if target == index:
            return
        self.apply(
            f"move {describe(self.journey, sel)}", lambda j: edit.move(j, attr, index, delta), select=(attr, target)
        )

    def action_move_up(self) -> None:
        self._move(-1)

    def action_move_down(self) -> None:
        self._move(1)

    def commit_field(self, path: ModelPath, value: Any, rename: bool) -> None:
        """A value from the inspector: one edit (a rename for ids)."""
        j = self.journey
        if j is None:
            return
        if rename and path == ("journey", "id"):
            meta = dataclasses.replace(j.journey, id=value)
            self.apply(f"set journey.id = {value}", lambda x: with_table(x, "journey", meta))
            return
        if rename:
            kind = KIND_OF_LIST.get(str(path[0]))
            old = edit.get(j, path)
            if kind is not None:
                self.rename(kind, old, value)
            return
        try:
            current = edit.get(j, path)
        except edit.EditError:  # a key the load left out of a mapping
            current = None
        if value == current and self.doc.confirm(path, f"keep {dotted(path)} = {forms.to_text(value)}"):
            # the value the load put in place of one with an error, applied as it is: one undoable step
            self.refresh_all()
            self.notify(
                f"{dotted(path)} = {forms.to_text(value)}: the save writes it over the file's value.",
                title="Problem fixed",
            )
            return
        shown = value if not isinstance(value, str) else f'"{value}"'
        label = f"set {dotted(path)} = {shown}" if value is not None else f"clear {dotted(path)}"
        self.apply(label, lambda x: edit.set_field(x, path, value))

    # -- adding elements --------------------------------------------------------------------
    def action_add_stage(self) -> None:
        def add(new_id: str) -> None:
            j = self.journey
            assert j is not None
            here = self._list_index("stages")
            phase = j.stages[here].phase if here is not None else None
            index = here + 1 if here is not None else len(j.stages)
            stage = Stage(id=new_id, name=new_id, phase=phase, entry=not j.stages)
            self.apply(f"add stage {new_id}", lambda x: edit.add(x, "stage", stage, index), select=("stages", index))

        self._ask_new_id("stage", add)

    def action_add_transition(self) -> None:
        start = self._selected_stage()

        def pick_to(from_id: str) -> None:
            def add(to_id: str) -> None:
                j = self.journey
                assert j is not None
                t = Transition(from_=from_id, to=to_id, probability=0.05)
                self.apply(
                    f"add transition {from_id} -> {to_id}",
                    lambda x: edit.add_transition(x, t),
                    select=("transitions", len(j.transitions)),
                )

            self._pick_stage(f"Transition from {from_id} to which stage?", add)

        self._pick_stage("Transition from which stage?", pick_to, start.id if start else None)

    def _retarget(self, end: str) -> None:
        j = self.journey
        index = self._list_index("transitions")
        if j is None or index is None:
            self.notify("Select a transition first (left/right in the graph).", severity="warning")
            return
        t = j.transitions[index]
        current = t.from_ if end == "from" else t.to

        def done(stage_id: str) -> None:
            kwargs = {"from_": stage_id} if end == "from" else {"to": stage_id}
            self.apply(
                f"retarget transition {t.from_} -> {t.to} ({end} {stage_id})",
                lambda x: edit.retarget(x, index, **kwargs),
            )

        self._pick_stage(f"Transition {t.from_} -> {t.to}: {end} which stage?", done, current)

    def action_retarget_from(self) -> None:
        self._retarget("from")

    def action_retarget_to(self) -> None:
        self._retarget("to")

    def action_add_stall(self) -> None:
        stage = self._selected_stage()
        if stage is None or self.journey is None:
            self.notify("Select the stage the stall happens in.", severity="warning")
            return
        stall = Stall(stage=stage.id, probability=0.02, duration=Duration(kind="fixed", weeks=4), cause="on hold")
        n = len(self.journey.stalls)
        self.apply(f"add stall in {stage.id}", lambda x: edit.append(x, "stalls", stall), select=("stalls", n))

    def _add_with_id(self, kind: str, make: Callable[[str], Any | None]) -> None:
        def add(new_id: str) -> None:
            j = self.journey
            assert j is not None
            element = make(new_id)
            if element is None:
                return
            attr = edit.KINDS[kind]
            self.apply(
                f"add {kind} {new_id}", lambda x: edit.add(x, kind, element), select=(attr, len(getattr(j, attr)))
            )

        self._ask_new_id(kind, add)

    def action_add_persona(self) -> None:
        j = self.journey
        if j is None:
            return

        def add(new_id: str) -> None:
            journey = self.journey
            assert journey is not None
            persona, members = new_persona(journey, new_id)
            done = self.apply(
                f"add persona {new_id}",
                lambda x: with_persona(x, persona, members),
                select=("personas", len(journey.personas)),
            )
            if done:
                self._tell_added(journey, persona_note(persona, members, journey), "Persona added")

        self._ask_new_id("persona", add)

    def action_add_channel(self) -> None:
        self._add_with_id("channel", lambda i: Channel(id=i, name=i))

    def action_add_touchpoint(self) -> None:
        j = self.journey
        stage = self._default_stage()
        if j is None or not j.channels or stage is None:
            self.notify("A touchpoint needs a stage and a channel: add those first.", severity="warning")
            return
        channel = j.channels[0].id
        self._add_with_id(
            "touchpoint", lambda i: Touchpoint(id=i, name=i, type="other", channel=channel, stages=[stage.id])
        )

    def action_add_gate(self) -> None:
        stage = self._default_stage()
        if stage is None:
            self.notify("A gate needs a stage: add one first.", severity="warning")
            return
        self._add_with_id("gate", lambda i: Gate(id=i, stage=stage.id, name=i))

    def action_add_expectation(self) -> None:
        j = self.journey
        if j is None or not j.stages:
            self.notify("An expectation needs a stage: add one first.", severity="warning")
            return
        stage = next((s for s in j.stages if s.kind == "won"), j.stages[-1])
        e = Expectation(stage=stage.id, week=j.journey.horizon, min=0.0, name="")
        self.apply(
            f"add expectation {stage.id}",
            lambda x: edit.append(x, "expectations", e),
            select=("expectations", len(j.expectations)),
        )

    def action_add_scoring(self) -> None:
        j = self.journey
        if j is None:
            return
        if j.scoring is not None:
            self.selection = ("scoring",)
            self.notify("This journey already has a [scoring] table.")
            return
        if not j.stages:
            self.notify("Scoring hands leads to a stage: add stages first.", severity="warning")
            return
        to = handoff_stage(j)
        if to is None:
            self.notify("Scoring hands leads to an open stage: this journey has none.", severity="warning")
            return
        scoring = Scoring(
            mql_threshold=50.0,
            handoff_to=to,
            handoff_from=[],
            behaviours={"email_open": 5.0, "download": 10.0, "seminar": 20.0},
        )
        if self.apply("add scoring", lambda x: with_table(x, "scoring", scoring), select=("scoring",)):
            note = f"MQL threshold 50; a lead that reaches it is handed to {to}. Edit them in the inspector."
            self._tell_added(j, note, "Scoring added")

    def action_add_dmu(self) -> None:
        j = self.journey
        if j is None:
            return
        if j.dmu is not None:
            self.selection = ("dmu",)
            self.notify("This journey already has a [dmu] table.")
            return
        dmu = Dmu(composition={p.id: 1 for p in j.personas})
        if self.apply("add dmu", lambda x: with_table(x, "dmu", dmu), select=("dmu",)):
            self._tell_added(j, f"One member per account for each of the {len(j.personas)} personas.", "DMU added")

    def _tell_added(self, before: Journey, note: str, title: str) -> None:
        """Say what an add set, and what it brought with it (a problem the checks now report)."""
        after = self.journey
        problems = new_problems(before, after) if after is not None else []
        if problems:
            note += " It brings: " + "; ".join(problems) + " (Problems panel)."
        self.notify(visible(note), title=title, severity="warning" if problems else "information")
