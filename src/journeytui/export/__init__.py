"""Share a journey outside the app: Mermaid and Graphviz diagrams, the journey map, and a Mermaid import.

Every function here takes a :class:`~journeytui.model.types.Journey` and returns text
(or, for the import, a journey and its diagnostics); nothing writes files or prints. File
text from strangers is escaped for each target language (Mermaid entity codes, DOT quoted
strings, HTML, Markdown). No Textual: scripts and CI use it without a terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journeytui.model.types import Journey

FORMATS = {
    "mermaid": "a Mermaid flowchart (GitHub, GitLab, most wikis render it)",
    "dot": "a Graphviz graph (dot -Tsvg renders it)",
    "map-md": "the journey map as a Markdown table: phases x personas, with the forecast",
    "map-html": "the journey map as one printable HTML page (no network, no scripts)",
}
"""The formats ``journeytui export`` writes, with a one-line description each."""

SUFFIXES = {"mermaid": ".mmd", "dot": ".dot", "map-md": ".md", "map-html": ".html"}
"""The usual file suffix of each format (the app's default file name)."""


def export_text(journey: Journey, fmt: str, weeks: int | None = None, runs: int = 20, seed: int = 0) -> str:
    """``journey`` in format ``fmt`` (a key of :data:`FORMATS`). The maps run the full-model forecast
    (``weeks``, ``runs``, ``seed``) and raise :class:`journeytui.sim.SimulationError` when it is refused."""
    if fmt == "mermaid":
        from journeytui.export.mermaid import flowchart

        return flowchart(journey)
    if fmt == "dot":
        from journeytui.export.dot import graph

        return graph(journey)
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    from journeytui.export.journeymap import build, to_html, to_markdown

    m = build(journey, weeks=weeks, runs=runs, seed=seed)
    return to_markdown(m) if fmt == "map-md" else to_html(m)
