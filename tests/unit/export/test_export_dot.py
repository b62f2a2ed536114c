"""The Graphviz export rendered by the real ``dot -Tsvg``: every stage a node, every phase a cluster,
every transition an edge (regressions dashed), names shown literally whatever they hold."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest
from export_helpers import ARTIFACTS, DOT, hostile_journey, need

from journeytui.bundled import bundled_journeys
from journeytui.export.dot import graph, quoted
from journeytui.model.load import load_journey
from journeytui.model.types import Journey
from journeytui.textsafe import visible

CASES = {p.stem: p for p in bundled_journeys()}


def _svg(journey: Journey, tmp_path: Path, name: str) -> str:
    source = tmp_path / f"{name}.dot"
    source.write_text(graph(journey), encoding="utf-8")
    done = subprocess.run([need(DOT), "-Tsvg", str(source)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "syntax error" not in done.stderr and "Error" not in done.stderr, done.stderr
    return done.stdout


def _texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.DOTALL)]


@pytest.mark.parametrize("name", [*CASES, "hostile"])
def test_dot_renders_every_stage_phase_and_transition(name: str, tmp_path: Path) -> None:
    journey = hostile_journey() if name == "hostile" else load_journey(CASES[name])
    svg = _svg(journey, tmp_path, name)
    order = journey.stage_order()
    assert svg.count('class="node"') == len(journey.stages)
    assert svg.count('class="cluster"') == len({s.phase for s in journey.stages if s.phase is not None})
    assert svg.count('class="edge"') == len(journey.transitions)
    edges = re.findall(r'<g id="edge\d+" class="edge">(.*?)</g>', svg, re.DOTALL)
    dashed = [e for e in edges if "stroke-dasharray" in e]
    assert len(dashed) == sum(journey.is_regression(t, order) for t in journey.transitions)
    texts = _texts(svg)
    for s in journey.stages:
        assert visible(s.name) in texts, (s.id, s.name)
    if name == "b2b-it-tool":
        assert "比較・検討" in texts and "stall 2%/week, mean 8 weeks: budget freeze" in texts
        assert "3%/week: competitor launch: back to re-evaluation" in texts
        assert 'font-family="Noto Sans CJK JP,Noto Sans CJK,Noto Sans JP,sans-serif"' in svg
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "b2b-it-tool.graphviz.svg").write_text(svg, encoding="utf-8")


def test_hostile_text_never_reaches_the_svg_as_markup(tmp_path: Path) -> None:
    svg = _svg(hostile_journey(), tmp_path, "hostile")
    assert "<script" not in svg and "\x1b" not in svg and "\u202e" not in svg
    assert "##[" not in graph(hostile_journey())  # a CI log that prints the DOT sees no workflow command
    texts = _texts(svg)
    assert (
        "<script>alert(1)</script>" in texts
        and "line\\nbreak" in texts
        and "\\x1b[31mred ##[error] ::error::x" in texts
    )
    assert "#35; literal & amp; &lt;" in texts  # entities in a name are shown as typed, not decoded


def test_quoted_strings() -> None:
    assert quoted('a "b" \\ c') == '"a \\"b\\" \\\\ c"'
    assert quoted("x\ny") == '"x\\\\ny"'  # the line break shown as \n, never a DOT line break
    assert quoted("#1 & co") == '"&#35;1 &amp; co"'
