"""The journey map: phases x personas with the full model's stage counts and weakest link, as
Markdown and as one printable HTML page that headless Chromium opens, draws and prints."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from export_helpers import ARTIFACTS, chromium

from journeytui.export.journeymap import build, to_html, to_markdown
from journeytui.model.load import load_journey, load_text
from journeytui.sim.headline import full_forecast
from journeytui.sim.kpi_tree import kpi_tree
from journeytui.textsafe import markdown_text

REPO = Path(__file__).resolve().parents[3]
FLAGSHIP = REPO / "journeys" / "b2b-it-tool.toml"

SMALL = """\
[journey]
id = "small"
title = "小さな <b>journey</b> | 'x'"
horizon = 26

[population.arrivals]
lead = 50.0

[dmu.composition]
boss = 1
user = 1

[[stages]]
id = "lead"
name = "認知"
entry = true
phase = 1

[[stages]]
id = "mid"
name = "<script>alert(1)</script> 検討"
phase = 2

[[stages]]
id = "won"
name = "受注"
kind = "won"
phase = 3

[[stages]]
id = "lost"
name = "失注"
kind = "lost"
phase = 3

[[transitions]]
from = "lead"
to = "mid"
probability = 0.2

[[transitions]]
from = "mid"
to = "won"
probability = 0.1

[[transitions]]
from = "mid"
to = "lost"
probability = 0.05

[[personas]]
id = "boss"
name = "部長 ##[error]x"
role = "decision_maker"

[[personas]]
id = "user"
name = "現場 <img src=x onerror=alert(1)>"
role = "user"

[[channels]]
id = "web"
name = "Web"

[[touchpoints]]
id = "article"
name = "SEO記事 [link](javascript:alert(1))"
type = "seo_article"
channel = "web"
stages = ["lead"]
personas = ["user"]
"""


@pytest.fixture(scope="module")
def flagship_map():  # type: ignore[no-untyped-def]
    return build(load_journey(FLAGSHIP))


def test_the_map_shows_the_full_models_counts_and_weakest_link(flagship_map) -> None:  # type: ignore[no-untyped-def]
    journey = load_journey(FLAGSHIP)
    fc = full_forecast(journey)
    assert fc.engine == "monte_carlo"  # the flagship has scoring, lifts, gates and capacity
    expected = {sid: float(fc.mean[fc.weeks, i]) for i, sid in enumerate(fc.stages)}
    names = {s.id: s.name for s in journey.stages}
    shown = {name: count for col in flagship_map.columns for name, count in col.counts}
    assert shown == {names[s]: v for s, v in expected.items() if journey.stage(s).kind == "open"}  # type: ignore[union-attr]
    weakest = kpi_tree(journey, fc).weakest
    assert weakest is not None
    marked = [c for c in flagship_map.columns if c.weakest]
    assert len(marked) == 1 and marked[0].weakest.startswith(weakest.name)
    assert (
        "week 52" in flagship_map.forecast_note and "Monte Carlo means, 20 runs, seed 0" in flagship_map.forecast_note
    )
    assert "won share 5-95%" in flagship_map.forecast_note
    assert [c.title for c in flagship_map.columns][:3] == ["Phase 1: 認知", "Phase 2: 情報収集", "Phase 3: 比較・検討"]
    assert [r.persona for r in flagship_map.rows] == [p.name for p in journey.personas]


def test_an_exact_journey_says_so_and_its_gaps_are_marked() -> None:
    journey = load_text(SMALL, "small.toml").journey
    assert journey is not None
    m = build(journey)
    assert "full model: exact forecast" in m.forecast_note and "week 26" in m.forecast_note
    # the boss gets nothing anywhere, the user only the article in phase 1
    assert [[bool(c) for c in r.cells] for r in m.rows] == [[False, False], [True, False]]
    assert m.gaps == 3 and m.cells == 4
    text = to_markdown(m)
    assert text.count("**gap**") == 3
    assert "Gaps (no content reaches the persona in that phase): 3 of 4 cells." in text
    assert "<script>" not in text and "<img" not in text and "[link](" not in text and "##[" not in text
    assert markdown_text("<script>alert(1)</script> 検討") in text


def test_the_html_page_is_self_contained_and_escapes_file_text() -> None:
    journey = load_text(SMALL, "small.toml").journey
    assert journey is not None
    page = to_html(build(journey))
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"<script|<img|<link|@import|url\(|https?://|src=", page.replace("src=x", "")), page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 検討" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "##[" not in page
    assert "@page { size: A4 landscape" in page and "@media print" in page


def test_chromium_opens_draws_and_prints_the_flagship_map(tmp_path: Path, flagship_map) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "b2b-it-tool-map.html"
    page.write_text(to_html(flagship_map), encoding="utf-8")
    shot, pdf = tmp_path / "b2b-it-tool-map.png", tmp_path / "b2b-it-tool-map.pdf"
    # one launch: the DOM as drawn, a screenshot to keep, and the page printed
    done = chromium(
        tmp_path,
        "--dump-dom",
        f"--screenshot={shot}",
        "--window-size=1600,1000",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        page.as_uri(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    text = done.stdout
    headers = [html.unescape(h) for h in re.findall(r'<th scope="col" data-phase="\d+">(.*?)</th>', text)]
    assert headers == [c.title for c in flagship_map.columns]
    rows = re.findall(r'<tr data-persona="(\d+)"><th class="persona" scope="row">(.*?)<span', text)
    assert [html.unescape(name) for _, name in rows] == [r.persona for r in flagship_map.rows]
    assert "部長 (department head)" in html.unescape(text) and "比較・検討" in text
    assert "a competitor's launch sends some back" in text  # escaped once, shown as written
    cells = re.findall(r'<td[^>]*data-phase="(\d+)" data-persona="(\d+)"', text)
    assert len(cells) == len(flagship_map.columns) * len(flagship_map.rows)
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / shot.name).write_bytes(shot.read_bytes())
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes and all(float(w) > float(h) for w, h in boxes)  # printed landscape (A4: 842 x 595 pt)
    assert abs(float(boxes[0][0]) - 842) < 2 and abs(float(boxes[0][1]) - 595) < 2
