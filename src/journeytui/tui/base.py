"""The typed base of the app and its mixins (editing, forecasting, calibrating).

The mixins are written against :class:`AppBase` rather than the app itself, so mypy checks
them and no module needs to import :mod:`journeytui.tui.app` (which imports them). It holds
the state every part shares (the open document and the selection) and declares what the app
provides to all of them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App, ScreenStackError
from textual.css.query import NoMatches
from textual.reactive import reactive

from journeytui.diagnostics import Path as ModelPath
from journeytui.model.types import Journey
from journeytui.tui.document import Document
from journeytui.tui.offload import Offload

Handler = TypeVar("Handler", bound=Callable[..., Any])


def while_open(handler: Handler) -> Handler:
    """A worker's result handler that does nothing once the app is closing.

    A worker can finish while the app quits: its message is then handled after the panels it
    updates are gone, and ``query_one`` would end the app with a traceback. A missing panel
    while the app is open is still an error."""

    @functools.wraps(handler)
    def wrapper(self: App[Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return handler(self, *args, **kwargs)
        except (NoMatches, ScreenStackError):
            if closing(self):
                return None
            raise

    return wrapper  # type: ignore[return-value]


def closing(app: App[Any]) -> bool:
    """The app has been asked to exit (:meth:`AppBase.exit`), or no longer runs."""
    return bool(getattr(app, "exiting", False)) or not app.is_running


class AppBase(App[None]):
    """The open document, the selection every panel follows, and the app's shared operations."""

    selection: reactive[ModelPath | None] = reactive(None)
    doc: Document
    doc_version: int
    """Bumped on every change of the document: results of workers started earlier are stale."""
    offload: Offload
    """The child process that computes a large journey's checks and live forecast."""

    exiting: bool = False
    """True once :meth:`exit` was called (Textual keeps that in private state)."""

    def exit(self, result: None = None, return_code: int = 0, message: Any = None) -> None:
        self.exiting = True
        super().exit(result, return_code, message)

    @property
    def journey(self) -> Journey | None:
        return self.doc.journey

    def apply(self, label: str, edit: Callable[[Journey], Journey], select: ModelPath | bool | None = False) -> bool:
        """Run one edit through the history; ``select``: what to select afterwards (False: keep)."""
        raise NotImplementedError

    def known_errors(self) -> int:
        """Errors the problems panel shows for the journey as it is now (0 while they are being checked)."""
        raise NotImplementedError

    def refresh_all(self) -> None:
        """Show the current journey in every panel."""
        raise NotImplementedError

    def checks_failed(self, error: BaseException | None) -> None:
        """The checks worker raised: say so instead of "checking…" forever."""
        raise NotImplementedError

    def action_view(self, name: str) -> None:
        """Show one of the main tabs and focus it."""
        raise NotImplementedError

    def focus_view(self) -> None:
        """Focus the main widget of the visible tab."""
        raise NotImplementedError
