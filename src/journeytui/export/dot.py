"""The journey as a Graphviz graph: ``dot -Tsvg journey.dot > journey.svg``.

The same picture as the Mermaid export: one cluster per phase, left to right; forward moves
labelled with their weekly probability, regressions dashed with their cause, stalls a line on
their stage, outcomes with a double border and colour, entries bold. Node ids are generated
(``s1``…); every label is a quoted DOT string with quotes and backslashes escaped and
invisible characters shown as visible escapes (:func:`journeytui.textsafe.visible`), so no name
can end the string or reorder the text around it. UTF-8, with a CJK font named first so
Japanese renders (fontconfig falls back to any sans-serif font).
"""

from __future__ import annotations

from journeytui.export.common import edge_extras, edge_label, layers, node_ids, regressions, stall_note
from journeytui.model.types import Journey, Stage
from journeytui.textsafe import visible

FONT = "Noto Sans CJK JP,Noto Sans CJK,Noto Sans JP,sans-serif"
"""Tried in order by fontconfig (Graphviz's cairo/pango renderers) and by an SVG viewer's CSS."""

_DOT = str.maketrans({"\\": "\\\\", '"': '\\"', "&": "&amp;", "#": "&#35;", "<": "&lt;", ">": "&gt;"})
"""One pass, so the ``&`` and ``#`` of the entities written are never escaped again."""

COLOURS = {
    "won": ("#e3f4e1", "#2e7d32"),
    "lost": ("#fbe3e1", "#b3261e"),
}


def quoted(text: str) -> str:
    """``text`` as a DOT quoted string that shows it literally (one line).

    Graphviz decodes HTML entities in labels, so ``&`` is written ``&amp;`` (a name holding
    ``&lt;`` shows as typed), ``#`` as ``&#35;`` (no ``##[`` workflow command in a CI log) and
    ``<`` ``>`` as ``&lt;`` ``&gt;`` (no markup in the source for a tool that embeds it).
    """
    return '"' + visible(text).translate(_DOT) + '"'


def _label(*lines: str) -> str:
    """Several lines as one DOT label: each line literal, joined by DOT's centred line break."""
    return '"' + "\\n".join(quoted(line)[1:-1] for line in lines) + '"'


def graph(journey: Journey) -> str:
    """The whole graph as DOT source (ends with a newline)."""
    ids = node_ids(journey)
    back = regressions(journey)
    stalls: dict[str, list[str]] = {}
    for st in journey.stalls:
        stalls.setdefault(st.stage, []).append(stall_note(st))
    meta = journey.journey
    font = quoted(FONT)
    out = [
        "digraph journey {",
        f'  graph [rankdir=LR, charset="UTF-8", fontname={font}, labelloc=t, label={quoted(meta.title or meta.id)}];',
        f'  node [shape=box, style="rounded,filled", fillcolor="#f5f7fa", fontname={font}];',
        f"  edge [fontname={font}, fontsize=10];",
    ]

    def node(s: Stage, indent: str) -> str:
        attrs = [f"label={_label(s.name or s.id, *stalls.get(s.id, []))}"]
        if s.kind in COLOURS:
            fill, stroke = COLOURS[s.kind]
            attrs += ["peripheries=2", f'fillcolor="{fill}"', f'color="{stroke}"']
        if s.entry and s.kind == "open":
            attrs.append("penwidth=2.5")
        return f"{indent}{ids[s.id]} [{', '.join(attrs)}];"

    for n, layer in enumerate(layers(journey), start=1):
        if layer.phase is None:
            out += [node(s, "  ") for s in layer.stages]
            continue
        out.append(f"  subgraph cluster_phase{n} {{")
        out.append(f'    label={quoted(layer.title)}; style="rounded,dashed"; color="#9aa5b1";')
        out += [node(s, "    ") for s in layer.stages]
        out.append("  }")
    for t, is_back in zip(journey.transitions, back, strict=True):
        if t.from_ not in ids or t.to not in ids:
            continue
        attrs = [f"label={_label(edge_label(t), *edge_extras(journey, t))}"]
        if is_back:
            attrs += ["style=dashed", "constraint=false", 'color="#7a4fb5"', 'fontcolor="#7a4fb5"']
        out.append(f"  {ids[t.from_]} -> {ids[t.to]} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"
