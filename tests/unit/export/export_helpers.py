"""Helpers for the export tests: the real tools (Graphviz, Chromium, Mermaid from npm) and hostile journeys.

A tool that is missing skips its test on a developer's machine and fails it under CI=true:
CI installs them (README, "Quick start"), so a skip there would hide a broken export.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from journeytui.model.types import Duration, Journey, JourneyMeta, Population, Stage, Stall, Transition

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / ".artifacts" / "export"
"""Screenshots kept for people to look at (git-ignored; CI can upload the folder)."""
DOT = "/usr/bin/dot"
CHROMIUM = "/usr/bin/chromium"
MERMAID_VERSION = "11.17.2"
"""Pinned: the flowchart grammar and entity handling the tests check against (GitHub renders with 11.x)."""


def need(tool: str) -> str:
    """The path of a system tool; a skip without it, a failure under CI=true."""
    found = tool if os.path.exists(tool) else shutil.which(Path(tool).name)
    if not found:
        message = f"{tool} is needed (Debian: graphviz, chromium, fonts-noto-cjk)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def chromium(tmp_path: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with a fresh profile and nothing that talks to the network."""
    exe = need(CHROMIUM)
    profile = tmp_path / "chromium-profile"
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


HOSTILE_NAMES = [
    "end",
    '"quoted" name',
    "[brackets] (parens) {braces}",
    "<script>alert(1)</script>",
    "🚀 launch 👩‍💻",
    "עברית \u202eevil\u202c",
    "line\nbreak",
    "#35; literal & amp; &lt;",
    "`code` *bold* _em_ ~strike~",
    '%%{init: {"theme":"dark"}}%%',
    "a|pipe|b --> c",
    ":::won",
    "subgraph",
    "認知 → 関心",
    "tab\there",
    "\\back\\slash",
    "it's",
    "\x1b[31mred ##[error] ::error::x",
]
HOSTILE_IDS = [
    "end",
    "o",
    "x",
    "subgraph",
    "認知",
    "graph",
    "class",
    "style",
    "A-B",
    "default",
    "click",
    "flowchart",
    "direction",
    "id_1",
    "linkStyle",
    "classDef",
    "end2",
    "call",
]


def hostile_journey() -> Journey:
    """A valid journey whose ids are Mermaid and DOT keywords and whose names and causes break naive escaping."""
    n = len(HOSTILE_NAMES)
    stages = [
        Stage(id=HOSTILE_IDS[i], name=name, phase=(i % 4) + 1, entry=i == 0) for i, name in enumerate(HOSTILE_NAMES)
    ]
    stages += [
        Stage(id="won", name='受注 "won" <end>', kind="won", phase=5),
        Stage(id="lost", name="失注 #lost", kind="lost", phase=5),
    ]
    transitions = []
    for i in range(n):
        nxt = HOSTILE_IDS[i + 1] if i + 1 < n else "won"
        cause = HOSTILE_NAMES[(i + 3) % n] if i % 2 else ""
        transitions.append(Transition(from_=HOSTILE_IDS[i], to=nxt, probability=0.1234, cause=cause))
        transitions.append(Transition(from_=HOSTILE_IDS[i], to="lost", probability=0.005))
        if i > 2:
            transitions.append(
                Transition(from_=HOSTILE_IDS[i], to=HOSTILE_IDS[i - 2], probability=0.0333333, cause=HOSTILE_NAMES[i])
            )
    stalls = [Stall(stage="認知", probability=0.02, duration=Duration(kind="fixed", weeks=4), cause="<budget> #freeze")]
    return Journey(
        journey=JourneyMeta(id="hostile", title='敵対的な "名前" <b>end</b>'),
        population=Population(arrivals={"end": 10.0}),
        stages=stages,
        transitions=transitions,
        stalls=stalls,
    )


def graph_of(journey: Journey) -> dict[str, Any]:
    """What a round trip must keep: stages (name, kind, phase, entry) and transitions (probability, cause)."""
    return {
        "stages": {s.id: (s.name, s.kind, s.phase, s.entry) for s in journey.stages},
        "transitions": {(t.from_, t.to): (t.probability, t.cause) for t in journey.transitions},
    }


# -- Mermaid itself, from the npm registry, run in headless Chromium ---------------------------------
def mermaid_dist() -> Path:
    """``mermaid.min.js`` of the npm package, installed once into .cache/ beside the tests."""
    cache = REPO / ".cache" / "mermaid"
    dist = cache / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
    if not dist.is_file():
        npm = shutil.which("npm")
        if not npm:
            if os.environ.get("CI") == "true":
                pytest.fail("npm is needed to install mermaid (Node.js is part of this machine)")
            pytest.skip("npm is needed to install mermaid")
        done = subprocess.run(
            [
                npm,
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(cache),
                f"mermaid@{MERMAID_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
    return dist


_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><script src="@DIST@"></script></head><body>
<pre id="result"></pre>
<script id="data" type="application/json">@DATA@</script>
<script>
(async () => {
  const sources = JSON.parse(document.getElementById('data').textContent);
  mermaid.initialize({startOnLoad: false, securityLevel: 'strict'});
  const out = {};
  for (const [name, [text, draw]] of Object.entries(sources)) {
    try {
      const db = (await mermaid.mermaidAPI.getDiagramFromText(text)).db;
      const svg = draw ? (await mermaid.render('diagram' + Object.keys(out).length, text)).svg : '';
      out[name] = {
        nodes: [...db.getVertices().values()].map(v => ({id: v.id, text: v.text, classes: v.classes})),
        edges: db.getEdges().map(e => ({from: e.start, to: e.end, text: e.text, stroke: e.stroke})),
        subgraphs: db.getSubGraphs().map(s => ({id: s.id, title: s.title, nodes: s.nodes})),
        svg: svg,
      };
    } catch (e) { out[name] = {error: String((e && e.message) || e)}; }
  }
  document.getElementById('result').textContent = JSON.stringify(out);
})();
</script></body></html>
"""


def mermaid_in_chromium(tmp_path: Path, sources: dict[str, str], draw: set[str]) -> dict[str, Any]:
    """Parse each flowchart with Mermaid's own code in headless Chromium, and render those in ``draw``.

    For each: its nodes (id, label text, classes), edges (ends, label, stroke), subgraphs and the
    rendered SVG (empty when not drawn) as Mermaid's flowchart database and renderer hold them,
    or the parse ``error``. Drawing is the slow part: a few diagrams are enough.
    """
    dist = mermaid_dist()
    data = json.dumps({name: [text, name in draw] for name, text in sources.items()}).replace("<", "\\u003c")
    page = tmp_path / "mermaid.html"
    page.write_text(_PAGE.replace("@DIST@", dist.as_uri()).replace("@DATA@", data), encoding="utf-8")
    done = chromium(
        tmp_path, "--allow-file-access-from-files", "--virtual-time-budget=60000", "--dump-dom", page.as_uri()
    )
    m = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.DOTALL)
    assert m and m.group(1), f"Mermaid did not finish in Chromium: {done.stderr[-2000:]}"
    return json.loads(html.unescape(m.group(1)))


_MERMAID_ENTITY = re.compile("ﬂ°°(\\d+)¶ß|ﬂ°(\\w+)¶ß")


def mermaid_text(text: str) -> str:
    """A label as Mermaid's database holds it, with its placeholders for entity codes decoded
    (the renderer does this when it draws the label)."""

    def one(m: re.Match[str]) -> str:
        return chr(int(m.group(1))) if m.group(1) else html.unescape(f"&{m.group(2)};")

    return _MERMAID_ENTITY.sub(one, text)
