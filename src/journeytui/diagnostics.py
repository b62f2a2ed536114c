"""Diagnostics: the stable codes, their severities, and the Diagnostic record.

A leaf module shared by the loader (structural problems) and the validator
(semantic and graph problems). Codes are never renumbered; a retired code stays
reserved. docs/diagnostics.md documents each one with an example.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

Path = tuple[str | int, ...]
"""A key path into the TOML document: table keys and array indices."""


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    severity: Severity
    summary: str


def _codes(*rows: tuple[str, str, str]) -> dict[str, Code]:
    out: dict[str, Code] = {}
    for code, name, summary in rows:
        sev = Severity.WARNING if code.startswith("W") else Severity.ERROR
        out[code] = Code(code, name, sev, summary)
    return out


CODES: dict[str, Code] = _codes(
    # E0xx: the file itself
    ("E001", "toml-syntax", "The file is not valid TOML."),
    ("E002", "unreadable-file", "The file cannot be read: missing, a directory, not text, or too large."),
    ("E003", "no-journeys", "A folder given on the command line holds no *.toml files."),
    # E1xx: structure
    ("E101", "unknown-key", "A key the format does not define (often a typo)."),
    ("E102", "wrong-type", "A value of the wrong TOML type."),
    ("E103", "missing-field", "A required field is absent."),
    ("E104", "invalid-value", "A value outside the allowed set, or an id that is not a valid identifier."),
    ("E105", "out-of-range", "A number outside its allowed range (negative counts, absurd sizes)."),
    # E2xx: ids and references
    ("E201", "duplicate-id", "Two elements of the same kind share an id (or two transitions the same pair)."),
    ("E202", "unknown-stage", "A reference to a stage id that does not exist."),
    ("E203", "unknown-persona", "A reference to a persona id that does not exist."),
    ("E204", "unknown-channel", "A reference to a channel id that does not exist."),
    ("E205", "unknown-touchpoint", "A reference to a touchpoint id that does not exist."),
    ("E206", "unknown-gate", "A reference to a gate id that does not exist."),
    ("E207", "unknown-behaviour", "A touchpoint names a behaviour the scoring table does not score."),
    # E3xx: probabilities
    ("E301", "invalid-probability", "A probability outside [0, 1], NaN or infinite."),
    ("E302", "probability-overflow", "A stage's outgoing probabilities plus stall chances exceed 1."),
    # E4xx: the graph
    ("E401", "no-entry-stage", "No stage is marked `entry = true`."),
    ("E402", "no-outcome-stage", "No stage has an outcome kind (won or lost)."),
    ("E403", "unreachable-stage", "A stage cannot be reached from any entry stage."),
    ("E404", "no-path-to-outcome", "An open stage from which no outcome can be reached."),
    ("E405", "outcome-has-exits", "An outcome stage has outgoing transitions or stalls."),
    ("E406", "trapped-stage", "An open stage that no lead can ever leave."),
    # E5xx: DMU and gates
    ("E501", "no-decision-maker", "The DMU composition has no decision-maker persona."),
    ("E502", "gate-missing-role", "A gate requires a DMU role that no persona in the composition has."),
    # W1xx: warnings
    ("W101", "content-gap", "A stage x persona cell that no touchpoint reaches."),
    ("W102", "regression-without-cause", "A backward transition (regression) with no cause label."),
    ("W103", "stay-exceeds-horizon", "The expected stay in a stage is longer than the journey's horizon."),
    ("W104", "non-nfc-text", "An id that is not in Unicode NFC form and may look like another."),
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
