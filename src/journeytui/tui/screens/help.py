"""F1 help: what the focused panel shows and its keys, then the app's keys.

Like posting's help screen: the text comes from the ``HELP`` class attribute of
the focused widget (or its nearest ancestor that has one) and from the bindings.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Label, Markdown

from journeytui.tui.actions import ACTIONS

GENERAL = """\
## Journey designer

Select a stage or an edge in the graph (or any element in the Elements tab), edit
it in the inspector on the right, and watch the problems panel below. Every edit
can be undone. `ctrl+p` opens the command palette with every action.
"""


def help_for(widget: Widget | None) -> str:
    """The HELP text of ``widget`` or its nearest ancestor that has one."""
    node = widget
    while node is not None:
        text = getattr(type(node), "HELP", None)
        if isinstance(text, str) and text.strip():
            return text
        node = node.parent if isinstance(node.parent, Widget) else None
    return GENERAL


def keys_table() -> str:
    rows = ["| key | action |", "|---|---|"]
    for a in ACTIONS:
        if a.key:
            keys = ", ".join(f"`{format_key(k.strip())}`" for k in a.key.split(","))
            rows.append(f"| {keys} | {a.label} |")
    rows.append("| `ctrl+p` | Command palette: every action |")
    return "\n".join(rows)


class HelpScreen(ModalScreen[None]):
    """Help for the focused panel."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1,q", "dismiss(None)", "Close")]

    def __init__(self, focused: Widget | None) -> None:
        super().__init__(classes="dialog")
        self.text = help_for(focused)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog--body help--body"):
            yield Label("Help  (escape to close)", classes="dialog--title")
            yield Markdown(self.text + "\n\n## All keys\n\n" + keys_table())
