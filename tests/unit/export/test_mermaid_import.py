"""Importing Mermaid flowcharts people wrote by hand: what maps, what is noted with line:col, and input
that must never crash, hang or grow memory (untrusted files)."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeytui.export.mermaid_import import MAX_EDGES, MAX_NODES, import_text
from journeytui.validate import validate_text

SKETCH = """\
%%{init: {"theme": "dark"}}%%
graph TD
    %% a planner's sketch
    subgraph フェーズ1 [認知]
      A[展示会で名刺交換] -->|30%| B(資料ダウンロード)
    end
    subgraph p2 ["Phase 3: 検討"]
      B -- p=0.2 --> C{比較検討}
      C -.->|"5%: 競合の新製品"| B
    end
    C ==>|0.1| D([受注]):::won
    C --> E[[失注]]
    B --> F[ウェビナー] & G>ニュースレター]
    F --> C
    G --> C
    X[orphan]
    C ---|150%| D2["Deal #quot;big#quot;"]
    A --> A
"""


def _notes(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{n.line}:{n.column}: {n.severity}: {n.message}" for n in result.notes]


def test_a_hand_written_sketch_becomes_a_journey_that_validates() -> None:
    result = import_text(SKETCH, journey_id="sketch", title="Sketch")
    assert result.ok, _notes(result)
    j = result.journey
    assert j is not None
    assert not [d for d in validate_text(result.text).diagnostics if d.is_error]
    stages = {s.id: (s.name, s.kind, s.phase, s.entry) for s in j.stages}
    assert stages == {
        "A": ("展示会で名刺交換", "open", 1, True),
        "B": ("資料ダウンロード", "open", 1, False),
        "C": ("比較検討", "open", 3, False),
        "D": ("受注", "won", None, False),
        "E": ("失注", "lost", None, False),  # a dead end named 失注: lost
        "F": ("ウェビナー", "open", None, False),
        "G": ("ニュースレター", "open", None, False),
        "D2": ('Deal "big"', "won", None, False),
    }
    moves = {(t.from_, t.to): (t.probability, t.cause) for t in j.transitions}
    assert moves[("A", "B")] == (0.3, "") and moves[("B", "C")] == (0.2, "") and moves[("C", "D")] == (0.1, "")
    assert moves[("C", "B")] == (0.05, "競合の新製品")
    assert {("B", "F"), ("B", "G"), ("F", "C"), ("G", "C"), ("C", "E"), ("C", "D2")} <= set(moves)
    assert ("A", "A") not in moves
    assert all(p <= 0.1 for (a, b), (p, _) in moves.items() if (a, b) in {("B", "F"), ("C", "E")})
    assert j.population.arrivals == {"A": 100.0}
    notes = _notes(result)
    assert "12:7: warning: no probability on the link C -> E: set to a placeholder (write 10% or 0.1)" in notes
    assert "16:5: warning: node 'X' has no links: left out" in notes
    assert "17:7: warning: '150%' is not a weekly probability (more than 100%)" in notes
    assert any(n.startswith("17:17: warning: node 'D2' has no way out: made a won outcome") for n in notes)
    assert any(n.startswith("18:7: warning: a link from 'A' to itself") for n in notes)


def test_loops_without_a_way_out_get_an_entry_and_a_lost_outcome() -> None:
    text = "flowchart LR\n  a[one] -->|0.5| b[two]\n  b -->|60%| a\n  c[three] -->|0.2| d[four]\n  d --> c\n"
    result = import_text(text)
    assert result.ok, _notes(result)
    j = result.journey
    assert j is not None
    assert [s.id for s in j.stages if s.entry] == ["a", "c"]
    assert any(s.kind == "lost" for s in j.stages)
    assert not [d for d in validate_text(result.text).diagnostics if d.is_error]
    assert sum(t.probability for t in j.transitions if t.from_ == "b") <= 1


def test_probabilities_over_100_percent_are_scaled_down_and_said() -> None:
    text = "flowchart LR\n  a -->|80%| b([won]):::won\n  a -->|0.7| c([lost]):::lost\n"
    result = import_text(text)
    assert result.ok
    assert result.journey is not None
    assert sum(t.probability for t in result.journey.transitions) <= 1
    assert any("add up to more than 100%" in n for n in _notes(result))


def test_every_link_style_and_shape_is_read() -> None:
    text = (
        "flowchart TB\n"
        "  a([Lead]) --> b[(DB)] --- c[[Sub]] -.-> d{{Hex}} ==> e>Flag] --o f[/Para/] --x g[\\Alt\\]\n"
        '  g <-->|"0.05"| h(((Circle))) -- "10%" --> i@{ shape: rect, label: "新 shape" }\n'
        "  i -->|p=0.4| won([受注]):::won; i --> lost([失注])\n"
    )
    result = import_text(text)
    assert result.ok, _notes(result)
    j = result.journey
    assert j is not None
    names = {s.id: s.name for s in j.stages}
    assert names == {
        "a": "Lead", "b": "DB", "c": "Sub", "d": "Hex", "e": "Flag", "f": "Para", "g": "Alt",
        "h": "Circle", "i": "新 shape", "won": "受注", "lost": "失注",
    }  # fmt: skip
    moves = {(t.from_, t.to): t.probability for t in j.transitions}
    assert moves[("g", "h")] == moves[("h", "g")] == 0.05 and moves[("h", "i")] == 0.1 and moves[("i", "won")] == 0.4
    assert {s.id: s.kind for s in j.stages}["lost"] == "lost"


def test_what_is_not_a_flowchart_is_an_error_with_a_position() -> None:
    for text, where, words in [
        ("sequenceDiagram\n  A->>B: hi\n", (1, 1), "not a Mermaid flowchart"),
        ("", (1, 1), "no flowchart"),
        ('flowchart LR\n  a["never closed --> b\n', (2, 5), "not closed"),
        ("flowchart LR\n  a[never closed --> b\n", (2, 4), "not closed with `]`"),
        ("---\ntitle: x\nflowchart LR\n", (1, 1), "front matter"),
        ("flowchart LR\n", (1, 1), "no nodes"),
    ]:
        result = import_text(text)
        assert not result.ok and result.journey is None and result.text == ""
        errors = [n for n in result.notes if n.severity == "error"]
        assert errors and (errors[0].line, errors[0].column) == where and words in errors[0].message, (text, errors)


def test_large_and_pathological_input_is_refused_or_read_in_linear_time() -> None:
    cases = [
        "flowchart LR\n" + "".join(f"  n{i} --> n{i + 1}\n" for i in range(MAX_NODES + 5)),
        "flowchart LR\n  a" + " --> a" * (MAX_EDGES + 5) + "\n",
        "flowchart LR\n" + "[" * 200_000,
        "flowchart LR\n  a" + "-" * 200_000 + "> b\n",
        "flowchart LR\n  " + "a & " * 50_000 + "b --> c\n",
        "flowchart LR\n" + "subgraph x\n" * 20_000,
        'flowchart LR\n  a["' + "#" * 300_000 + '"] --> b\n',
        "flowchart LR\n  a -->|" + "9" * 100_000 + "%| b\n",
        "flowchart LR\n  " + "a -- " * 100_000 + "b\n",
    ]
    for text in cases:
        start = time.perf_counter()
        result = import_text(text)
        took = time.perf_counter() - start
        assert took < 10, (text[:40], took)
        assert result.ok or any(n.severity == "error" for n in result.notes)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list('flowchart LR\n-->|"[](){}:;&%#=.ox 0123456789abcdeend')), max_size=200))
def test_any_text_gives_a_result_never_an_exception(body: str) -> None:
    result = import_text("flowchart LR\n" + body)
    if result.ok:
        assert not [d for d in validate_text(result.text).diagnostics if d.is_error]
    else:
        assert result.journey is None and any(n.severity == "error" for n in result.notes)
