"""The elements tree: every part of the journey by kind, for what the graph does not show.

Personas, channels, touchpoints, gates, expectations and the top-level tables
(journey, population, DMU, scoring) are selected here; selecting a node selects
the element everywhere.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree

from journeytui.diagnostics import Path
from journeytui.model.types import Journey
from journeytui.tui.safe import plain
from journeytui.tui.selection import LISTS, SINGULAR, TABLES, describe


class ElementsTree(Tree[Path]):
    """Tables first, then each list of elements."""

    HELP = """\
## Elements

Every element of the journey, grouped by kind. Moving the cursor selects the
element, and the inspector shows its form.

- `up` / `down`: move; `space` expands or collapses a group
- `a`: add an element of the selected kind; `delete`: delete it; `r`: rename it
- `shift+up` / `shift+down`: move it earlier / later in its list
"""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Select", show=False)]

    class Selected(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("journey", id=id)
        self.show_root = False
        self.guide_depth = 2
        self._shape: list[tuple[Path, str]] = []

    def show(self, journey: Journey | None, selection: Path | None) -> None:
        shape: list[tuple[Path, str]] = []
        if journey is not None:
            for name in TABLES:
                shape.append(((name,), SINGULAR[name] + ("" if getattr(journey, name) is not None else " (none)")))
            for name in LISTS:
                items = getattr(journey, name)
                shape.append(((name,), f"{name} ({len(items)})"))
                shape.extend(((name, i), describe(journey, (name, i)).split(" ", 1)[-1]) for i in range(len(items)))
        # Moves of the cursor made here (a rebuild, following the selection) are not the user's
        # choice: reported as selections they would arrive late and chase the selection forever.
        with self.prevent(Tree.NodeHighlighted):
            if shape != self._shape:
                self._shape = shape
                self._rebuild(shape)
            self._sync(selection)

    def _rebuild(self, shape: list[tuple[Path, str]]) -> None:
        expanded = {n.data for n in self._all_nodes() if n.is_expanded and n.data}
        self.move_cursor(None)  # the old cursor node is gone; _sync puts the cursor on the selection
        self.clear()
        groups = {}
        for path, text in shape:
            label = plain(text)  # ids from the file: a str label would be read as markup
            if len(path) == 1 and path[0] in TABLES:
                self.root.add_leaf(label, data=path)
            elif len(path) == 1:
                groups[path[0]] = self.root.add(label, data=path, expand=path in expanded or not expanded)
            else:
                groups[path[0]].add_leaf(label, data=path)

    def _all_nodes(self) -> list:  # type: ignore[type-arg]
        out, stack = [], [self.root]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(node.children)
        return out

    def _sync(self, selection: Path | None) -> None:
        if selection is None or (self.cursor_node is not None and self.cursor_node.data == selection):
            return
        for node in self._all_nodes():
            if node.data == selection:
                if node.parent is not None:
                    node.parent.expand()
                _ = self.last_line  # lays the lines out now, so the node knows its line
                self.move_cursor(node, animate=False)
                return

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Path]) -> None:
        event.stop()
        data = event.node.data
        # A highlight the cursor has already left (keys pressed faster than handled) is stale.
        if (
            not self.has_focus
            or event.node is not self.cursor_node
            or data is None
            or (len(data) == 1 and data[0] in LISTS)
        ):
            return
        self.post_message(self.Selected(data))

    def on_tree_node_selected(self, event: Tree.NodeSelected[Path]) -> None:
        event.stop()
