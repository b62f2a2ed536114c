"""The command palette: every action of :mod:`journeytui.tui.actions`, grouped by prefix."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from journeytui.tui.actions import ACTIONS, Action, base_name


class JourneyCommands(Provider):
    """ "Stage: add", "Transition: retarget to…", "File: save"… (disabled ones are left out)."""

    def _available(self) -> list[Action]:
        app = self.app
        return [a for a in ACTIONS if app.check_action(base_name(a.action), ()) is not False]

    def _run(self, action: Action) -> None:
        # JourneyApp.run_chosen_action: the action runs although focus may be back in a form.
        run = getattr(self.app, "run_chosen_action", self.app.run_action)
        self.app.call_later(run, action.action)

    async def discover(self) -> Hits:
        for a in self._available():
            yield DiscoveryHit(a.label, partial(self._run, a), help=_help(a))

    async def search(self, query: str) -> AsyncIterator[Hit]:  # type: ignore[override]
        matcher = self.matcher(query)
        for a in self._available():
            score = matcher.match(a.label)
            if score > 0:
                yield Hit(score, matcher.highlight(a.label), partial(self._run, a), help=_help(a))


def _help(a: Action) -> str:
    """The palette's second line: the action's help and its key. Textual reads it as markup, so
    brackets are escaped (``[scoring]`` was taken for a tag and shown as "Add the  table")."""
    keys = f"  [{a.key.split(',')[0]}]" if a.key else ""
    return escape(a.help + keys)
