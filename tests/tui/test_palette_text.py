"""The command palette shows each action's help as written: Textual reads a hit's help as
markup, and "Add the [scoring] table" lost its table name ("Add the  table")."""

from __future__ import annotations

from textual.content import Content

from journeytui.tui.actions import ACTIONS
from journeytui.tui.commands import _help


def test_every_help_line_shows_as_written_with_its_key() -> None:
    for a in ACTIONS:
        key = f"  [{a.key.split(',')[0]}]" if a.key else ""
        assert Content.from_markup(_help(a)).plain == a.help + key
    scoring = next(a for a in ACTIONS if a.action == "add_scoring")
    assert "[scoring]" in Content.from_markup(_help(scoring)).plain
