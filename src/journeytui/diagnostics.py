"""Diagnostics: the stable codes, their severities, and the Diagnostic record.

A leaf module shared by the loader (structural problems) and the validator
(semantic and graph problems). Codes are never renumbered; a retired code stays
reserved. docs/diagnostics.md documents each one with an example.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from journeytui import DOCS_URL

Path = tuple[str | int, ...]
"""A key path into the TOML document: table keys and array indices."""


class Severity(StrEnum):
    """Errors fail validation; warnings only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    """A diagnostic code: its stable name, severity, and what docs/diagnostics.md says of it."""

    code: str
    name: str
    severity: Severity
    summary: str
    fix: str


def _codes(*rows: tuple[str, str, str, str]) -> dict[str, Code]:
    out: dict[str, Code] = {}
    for code, name, summary, fix in rows:
        sev = Severity.WARNING if code.startswith("W") else Severity.ERROR
        out[code] = Code(code, name, sev, summary, fix)
    return out


CODES: dict[str, Code] = _codes(
    # E0xx: the file itself
    (
        "E001",
        "toml-syntax",
        "The file is not valid TOML.",
        "Fix the TOML at the position shown: an unterminated string, a missing `=` or `]`, a duplicated key.",
    ),
    (
        "E002",
        "unreadable-file",
        "The file cannot be read: missing, a folder, a fifo or device, not text, or too large.",
        "Check the path; save the file as UTF-8 text; split or trim a file over 10 MB.",
    ),
    (
        "E003",
        "no-journeys",
        "A folder given on the command line gives no file to check: it holds no *.toml files, or "
        "the exclude settings or git's ignore rules leave out all of them (the message says which).",
        "Point the command at journey files, or put *.toml journeys in the folder; name an excluded "
        "or ignored file to check it anyway.",
    ),
    (
        "E004",
        "too-deep",
        "Keys, tables or arrays nested absurdly deep (more than 32 levels): refused before parsing.",
        f'Flatten the file: journey files need only a few levels ({DOCS_URL}/format.md, "Limits").',
    ),
    # E1xx: structure
    (
        "E101",
        "unknown-key",
        "A key the format does not define (often a typo).",
        f"Correct the key (the hint names the closest allowed one) or remove it; {DOCS_URL}/format.md lists every key.",
    ),
    (
        "E102",
        "wrong-type",
        "A value of the wrong TOML type.",
        "Write the value with the type shown: numbers without quotes, strings in quotes, arrays in [ ].",
    ),
    (
        "E103",
        "missing-field",
        "A required field is absent.",
        f"Add the field; {DOCS_URL}/format.md says which fields each table needs.",
    ),
    (
        "E104",
        "invalid-value",
        "A value outside the allowed set, or an id that is not a valid identifier.",
        "Use one of the allowed values, or an id made of letters, digits, `_` and `-`.",
    ),
    (
        "E105",
        "out-of-range",
        "A number outside its allowed range (negative counts, absurd sizes).",
        "Use a value within the range shown (counts are never negative; sizes have sane upper limits).",
    ),
    # E2xx: ids and references
    (
        "E201",
        "duplicate-id",
        "Two elements of the same kind share an id (or two transitions the same pair).",
        "Give each element its own id; for two transitions between the same stages, merge them into one.",
    ),
    (
        "E202",
        "unknown-stage",
        "A reference to a stage id that does not exist.",
        "Use the id of a stage defined in [[stages]], or add that stage.",
    ),
    (
        "E203",
        "unknown-persona",
        "A reference to a persona id that does not exist.",
        "Use the id of a persona defined in [[personas]], or add that persona.",
    ),
    (
        "E204",
        "unknown-channel",
        "A reference to a channel id that does not exist.",
        "Use the id of a channel defined in [[channels]], or add that channel.",
    ),
    (
        "E205",
        "unknown-touchpoint",
        "A reference to a touchpoint id that does not exist.",
        "Use the id of a touchpoint defined in [[touchpoints]], or add that touchpoint.",
    ),
    (
        "E206",
        "unknown-gate",
        "A reference to a gate id that does not exist.",
        "Use the id of a gate defined in [[gates]], or add that gate.",
    ),
    (
        "E207",
        "unknown-behaviour",
        "A touchpoint names a behaviour the scoring table does not score.",
        "Score the behaviour in [scoring.behaviours], or use a behaviour that is scored there.",
    ),
    # E3xx: probabilities
    (
        "E301",
        "invalid-probability",
        "A probability outside [0, 1], NaN or infinite.",
        "Write the weekly probability as a number from 0 to 1 (0.05 means 5% a week).",
    ),
    (
        "E302",
        "probability-overflow",
        "A stage's outgoing probabilities plus stall chances exceed 1.",
        "Lower some probabilities: in one week a lead either moves along one transition, stalls, or stays.",
    ),
    # E4xx: the graph
    (
        "E401",
        "no-entry-stage",
        "No stage is marked `entry = true`.",
        "Add `entry = true` to the stage where new leads arrive.",
    ),
    (
        "E402",
        "no-outcome-stage",
        "No stage has an outcome kind (won or lost).",
        "Add the outcome stages: `kind = 'won'` and usually `kind = 'lost'`.",
    ),
    (
        "E403",
        "unreachable-stage",
        "A stage cannot be reached from any entry stage.",
        "Add a transition into the stage from a reachable stage, or remove the stage.",
    ),
    (
        "E404",
        "no-path-to-outcome",
        "An open stage from which no outcome can be reached.",
        "Add a transition from the stage (or the loop it is in) towards won or lost.",
    ),
    (
        "E405",
        "outcome-has-exits",
        "An outcome stage has outgoing transitions or stalls.",
        "Remove the transition or stall; model repeat business as a new journey or an open stage.",
    ),
    (
        "E406",
        "trapped-stage",
        "An open stage that no lead can ever leave.",
        "Add a transition out of the stage with a probability above 0.",
    ),
    # E5xx: DMU and gates
    (
        "E501",
        "no-decision-maker",
        "The DMU composition has no decision-maker persona.",
        "Add a persona with `role = 'decision_maker'` and count it in [dmu.composition].",
    ),
    (
        "E502",
        "gate-missing-role",
        "A gate requires a DMU role that no persona in the composition has.",
        "Add a persona with that role to the composition, or drop the role from `require_roles`.",
    ),
    # W1xx: warnings
    (
        "W101",
        "content-gap",
        "A stage x persona cell that no touchpoint reaches.",
        "Add a touchpoint for that stage and persona, or widen an existing one's `personas`.",
    ),
    (
        "W102",
        "regression-without-cause",
        "A backward transition (regression) with no cause label.",
        "Say why leads go back with `cause` (e.g. 'competitor launch'): reviews and reports show it.",
    ),
    (
        "W103",
        "stay-exceeds-horizon",
        "The expected stay in a stage is longer than the journey's horizon.",
        "Raise the journey's `horizon`, or the stage's transition probabilities.",
    ),
    (
        "W104",
        "non-nfc-text",
        "An id that is not in Unicode NFC form and may look like another.",
        "Retype the id; normalise the file to NFC (most editors can).",
    ),
    (
        "W105",
        "account-size-mismatch",
        "Accounts do not hold whole buying committees: members are left out or doubled.",
        "Set `accounts` to the initial leads divided by the committee size (the message says the number), "
        "or change [dmu.composition] to the account size.",
    ),
    (
        "W106",
        "gate-never-passes",
        "A consensus gate that no account (or, without accounts, no lead) can ever pass: its moves never happen.",
        "Without accounts each lead is a committee of one: add `accounts` to [population] or require one role; "
        "with accounts, make them large enough to hold every required role.",
    ),
    (
        "W107",
        "population-setting-ignored",
        "A [population] setting the forecast ignores: `mix` with accounts, or `accounts` without a composition.",
        "Remove the setting, or add what it needs: with accounts personas follow [dmu.composition]; "
        "accounts need a [dmu.composition].",
    ),
    (
        "W108",
        "account-size-rounded",
        "The initial leads are not a whole number of leads per account; the size is rounded.",
        "Make `accounts` divide the initial leads (the message shows the rounding and the accounts formed).",
    ),
    # W9xx: the checker itself
    (
        "W901",
        "unused-suppression",
        "A `# journeytui: ignore[...]` comment that silences nothing here, or names an unknown code.",
        "Remove the comment, or the codes in it that are no longer reported (the message names them).",
    ),
)


@dataclass(frozen=True)
class Diagnostic:
    """One finding about one place in one file."""

    code: str
    message: str
    file: str = ""
    line: int = 1
    column: int = 1
    path: Path = field(default=(), compare=False)
    """Where in the document it is; used to select the element in the app."""

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    @property
    def name(self) -> str:
        return CODES[self.code].name

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file, self.line, self.column, self.code, self.message)
