"""Small helpers for pilot tests: driving modal dialogs, waiting for the app's workers, and
reading its notifications through Textual's public ``message_hook``."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Input, OptionList
from textual.worker import WorkerCancelled, WorkerFailed

from journeytui.tui.screens.dialogs import ChoiceScreen, PromptScreen


async def answer_prompt(pilot: Pilot[None], text: str) -> None:
    """Replace the text of the open prompt and press enter."""
    await pilot.pause()
    assert isinstance(pilot.app.screen, PromptScreen), pilot.app.screen
    pilot.app.screen.query_one(Input).value = text
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def choose(pilot: Pilot[None], value: str) -> None:
    """Pick the option with id ``value`` in the open choice dialog."""
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ChoiceScreen), screen
    options = screen.query_one(OptionList)
    options.highlighted = options.get_option_index(value)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def settle(pilot: Pilot[None], rounds: int = 100) -> None:
    """Wait until the app's background work (live forecast, checks, KPI tree) has answered and
    the answers are on screen: what a person sees once the "updating…" marker is gone.

    An answer may start the next computation (an edit came in meanwhile), so wait for the
    workers, let the app handle their answers, and look again."""
    app = pilot.app
    for _ in range(rounds):
        await workers_done(pilot)
        if not (getattr(app, "forecast_pending", False) or getattr(app, "checks_pending", False)):
            await workers_done(pilot)
            return
    raise AssertionError("the app's workers did not settle")


async def workers_done(pilot: Pilot[None]) -> None:
    """Wait for every worker to end (a failed or cancelled one too), then for the app to handle their messages."""
    workers = pilot.app.workers
    while running := [w for w in workers if not w.is_finished]:
        with contextlib.suppress(WorkerCancelled, WorkerFailed):  # the app reports these itself
            await workers.wait_for_complete(running)
    await pilot.pause()


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 60.0) -> None:
    """Let the app run until ``condition`` holds (a loaded machine may take a while)."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, "timed out"
        await pilot.pause(0.05)


class Toasts:
    """The notifications an app shows, collected as they arrive: pass an instance as
    ``app.run_test(message_hook=...)`` (Textual's public hook; no private state is read)."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.messages.append(message.notification.message)
