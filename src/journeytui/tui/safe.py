"""File text for Textual widgets: visible escapes, never markup.

Textual reads a ``str`` given to most widgets (labels, tree nodes, table cells, border
titles, notifications, options) as markup, where ``[@click=app.quit]`` is an action and
``[link=...]`` a link, and sends the characters themselves to the terminal, where ``ESC``
starts a control sequence. Every string that comes from a journey file (or its path) is
therefore shown as :func:`plain` (a Rich :class:`~rich.text.Text`, which is never parsed)
of :func:`journeytui.textsafe.visible` text. See docs/format.md, "Untrusted files".
"""

from __future__ import annotations

from rich.text import Text

from journeytui.textsafe import visible, visible_lines


def plain(text: str, style: str = "") -> Text:
    """``text`` on one line, control characters shown as escapes, never read as markup."""
    return Text(visible(text), style=style)


def plain_lines(text: str, style: str = "") -> Text:
    """Multi-line ``text`` (notes, a description, a message): line breaks kept, the rest as :func:`plain`."""
    return Text(visible_lines(text), style=style)


def plain_cells(*cells: str | Text) -> list[Text]:
    """Table cells: each ``str`` as :func:`plain` (DataTable reads a ``str`` cell as markup)."""
    return [plain(c) if isinstance(c, str) else c for c in cells]
