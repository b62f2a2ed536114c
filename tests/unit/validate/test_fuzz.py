"""Mutated journeys never crash the loader, the validator or the canonical writer.

Hypothesis takes the bundled journeys and breaks them the way people do: a deleted or
doubled line, a value replaced by one of another type or an absurd size, a truncated
file, a stray character. Whatever comes out, validation returns diagnostics with real
positions, and a model that loads still writes and reloads.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeytui.model.save import dumps
from journeytui.validate import check, validate_text

ROOT = Path(__file__).resolve().parents[3]
TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "journeys").glob("*.toml"))]

VALUES = st.sampled_from(
    [
        '""', '"x"', '"認知"', "0", "-1", "1.5", "-0.0", "nan", "inf", "-inf", "true", "[]", "{}",
        "[1, 2]", '["a", "b"]', "{ kind = \"fixed\" }", "1e308", "99999999999999999999",
        "1979-05-27", '"\\u200d"', '"a b"',
    ]
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(TEXTS)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "double", "value", "truncate", "char"]))
        if action == "delete":
            del lines[i]
        elif action == "double":
            lines.insert(i, lines[i])
        elif action == "value" and " = " in lines[i]:
            lines[i] = lines[i].split(" = ", 1)[0] + " = " + draw(VALUES)
        elif action == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif action == "char":
            pos = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + draw(st.sampled_from(list("[]{}=\"'#.,\\"))) + lines[i][pos:]
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_journeys_give_diagnostics_not_tracebacks(text: str) -> None:
    result = validate_text(text, "fuzz.toml")
    n_lines = text.count("\n") + 1
    for d in result.diagnostics:
        assert d.message
        assert 1 <= d.line <= n_lines and d.column >= 1
    if result.journey is not None:
        again = validate_text(dumps(result.journey), "again.toml")
        assert again.journey == result.journey
        check(result.journey)  # the app re-checks models after edits
