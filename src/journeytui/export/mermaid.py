"""The journey as a Mermaid flowchart: what GitHub, GitLab and most wikis render from a code block.

Stages are grouped by phase as subgraphs, left to right; forward moves are arrows labelled with
their weekly probability, regressions dashed arrows with their cause, stalls a line on their
stage, outcomes rounded and coloured (``classDef won`` / ``lost``), entries with a thick border.

Any name renders: node ids are generated (``s1``, ``s2``…, never the file's own id, which could
be ``end`` or start with ``o``), and every label is a quoted string in which the characters
Mermaid or its Markdown would read (quotes, ``#``, ``<>``, brackets, backticks, ``*``, ``_``,
``|``…), line breaks and invisible characters are entity codes (``#35;``). Japanese and emoji
stay as they are. ``%% journeytui:`` comments keep the stage ids, so
:mod:`journeytui.export.mermaid_import` gives back the same journey.
"""

from __future__ import annotations

import unicodedata

from journeytui.export.common import edge_extras, edge_label, layers, node_ids, regressions, stall_note
from journeytui.model.types import Journey, Stage
from journeytui.textsafe import json_dumps

_LITERAL = frozenset('"#&<>`*_~|[]{}')
"""Characters written as entity codes in labels: Mermaid's string and entity syntax, the HTML
and Markdown that labels may be rendered with (GitHub turns Markdown on), and braces, without
which no ``%%{init}%%`` directive can be spelt. ``%``, ``:`` and ``;`` are literal inside a
quoted label (checked with Mermaid's own parser in the tests) and stay readable."""

CLASS_DEFS = {
    "won": "fill:#e3f4e1,stroke:#2e7d32,stroke-width:2px,color:#1b4d1f",
    "lost": "fill:#fbe3e1,stroke:#b3261e,stroke-width:2px,color:#5c1410",
    "entry": "stroke-width:3px",
}
ID_COMMENT = "%% journeytui:"
"""Comment lines that map generated node ids back to the journey's ids (ignored by Mermaid)."""


def _code(ch: str) -> str:
    if ch == '"':
        return "#quot;"
    return f"#{ord(ch)};"


def label(text: str) -> str:
    """``text`` as the inside of a quoted Mermaid label: literal, whatever it holds.

    Leading and trailing whitespace is written as entity codes too, since Mermaid trims labels.
    """
    body = text.strip()
    lead = len(text) - len(text.lstrip())
    trail = len(text) - len(text.rstrip()) if body else 0
    out = [_code(ch) for ch in text[:lead]]
    for ch in text[lead : len(text) - trail]:
        if ch in _LITERAL or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"):
            out.append(_code(ch))
        else:
            out.append(ch)
    out += [_code(ch) for ch in text[len(text) - trail :]] if trail else []
    return "".join(out)


def _lines(*parts: str) -> str:
    """Several lines of one label: each escaped, joined by Mermaid's line break."""
    return "<br/>".join(label(p) for p in parts)


def _yaml_string(text: str) -> str:
    """A YAML double-quoted string: JSON's escapes (json_dumps escapes what is invisible), and
    ``<`` ``>`` ``&`` as ``\\u`` escapes so that no markup stands in the source; Mermaid draws
    the title as text either way."""
    return json_dumps(text).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def flowchart(journey: Journey) -> str:
    """The whole flowchart as Mermaid source (ends with a newline)."""
    ids = node_ids(journey)
    back = regressions(journey)
    stalls: dict[str, list[str]] = {}
    for st in journey.stalls:
        stalls.setdefault(st.stage, []).append(stall_note(st))
    meta = journey.journey
    out = []
    title = meta.title or meta.id
    if title:
        # YAML frontmatter: a JSON string is a YAML double-quoted scalar; json_dumps escapes what is invisible
        out += ["---", f"title: {_yaml_string(title)}", "---"]
    out += ["flowchart LR"]
    if meta.id:
        out.append(f"  {ID_COMMENT} journey = {meta.id}")
    out += [f"  {ID_COMMENT} {ids[s.id]} = {s.id}" for s in journey.stages]

    def node(s: Stage, indent: str) -> str:
        text = _lines(s.name or s.id, *stalls.get(s.id, []))
        shape = ('(["', '"])') if s.kind != "open" else ('["', '"]')
        return f"{indent}{ids[s.id]}{shape[0]}{text}{shape[1]}"

    for n, layer in enumerate(layers(journey), start=1):
        if layer.phase is None:
            out += [node(s, "  ") for s in layer.stages]
            continue
        out.append(f'  subgraph phase{n} ["{label(layer.title)}"]')
        out += [node(s, "    ") for s in layer.stages]
        out.append("  end")
    for t, is_back in zip(journey.transitions, back, strict=True):
        if t.from_ not in ids or t.to not in ids:
            continue
        arrow = "-.->" if is_back else "-->"
        text = _lines(edge_label(t), *edge_extras(journey, t))
        out.append(f'  {ids[t.from_]} {arrow}|"{text}"| {ids[t.to]}')
    for name, style in CLASS_DEFS.items():
        out.append(f"  classDef {name} {style}")
    for kind in ("won", "lost"):
        members = [ids[s.id] for s in journey.stages if s.kind == kind]
        if members:
            out.append(f"  class {','.join(members)} {kind}")
    entries = [ids[s.id] for s in journey.stages if s.entry and s.kind == "open"]
    if entries:
        out.append(f"  class {','.join(entries)} entry")
    return "\n".join(out) + "\n"
