"""Share a journey outside the app: Mermaid and Graphviz diagrams, the journey map, and a Mermaid import.

Every function here takes a :class:`~journeytui.model.types.Journey` and returns text
(or, for the import, a journey and its diagnostics); nothing writes files or prints. File
text from strangers is escaped for each target language (Mermaid entity codes, DOT quoted
strings, HTML, Markdown). No Textual: scripts and CI use it without a terminal.
"""

from __future__ import annotations

FORMATS = {
    "mermaid": "a Mermaid flowchart (GitHub, GitLab, most wikis render it)",
    "dot": "a Graphviz graph (dot -Tsvg renders it)",
    "map-md": "the journey map as a Markdown table: phases x personas, with the forecast",
    "map-html": "the journey map as one printable HTML page (no network, no scripts)",
}
"""The formats ``journeytui export`` writes, with a one-line description each."""

SUFFIXES = {"mermaid": ".mmd", "dot": ".dot", "map-md": ".md", "map-html": ".html"}
"""The usual file suffix of each format (the app's default file name)."""
