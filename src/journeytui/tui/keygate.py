"""Keys reach the widget that has focus once the key before them has been handled.

Textual dispatches a key by posting it to the focused widget's message queue; the app's
bindings run only when the key has bubbled back up to the app, and ``Widget.focus()`` and
``push_screen`` take effect a few messages later still. Keys that arrive in one read from the
terminal (typed quickly, pasted, scripted) are all forwarded before the first one's action has
run, so on the graph ``e`` (edit) followed by ``xyz`` sent ``x`` to the graph, which deleted
the selection, instead of typing it into the field ``e`` focused (issue 11).

:class:`InOrderKeys` makes the app handle keys one at a time: after forwarding a key it holds
the keys that follow until the first one has been handled, and the focus and screen changes it
started have taken effect, then forwards the next. Nothing is dropped and the order is kept;
each wait is bounded, so a busy app delays a key at most :data:`MAX_WAIT_SECONDS`, never
swallows it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

MAX_ROUNDS = 12
"""Rounds over the screen's widgets while the focus or the screen still changes."""
MAX_WAIT_SECONDS = 2.0
"""The longest a key is held for the one before it (an app blocked for longer lets it through)."""
STOP_POLL_SECONDS = 0.1
"""How often a wait looks whether the app has stopped."""

HeldEvent = events.Key | events.Paste


class InOrderKeys(App[None]):
    """An app mixin: keys and pastes are forwarded one at a time, each to the focus its
    predecessor left (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_keys: deque[HeldEvent] = deque()
        """Keys (and pastes) read while an earlier one is handled, oldest first."""
        self._key_in_flight = False
        self._releasing: HeldEvent | None = None
        """The held key just posted again: its turn, not to be held a second time."""
        self._key_task: asyncio.Task[None] | None = None

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, (events.Key, events.Paste)) or event.is_forwarded:
            await super().on_event(event)
            return
        if event is self._releasing:  # a held key, its turn now
            self._releasing = None
        elif self._key_in_flight:
            self._held_keys.append(event)
            return
        self._key_in_flight = True
        chain: list[MessagePump] = [*(self.focused or self.screen).ancestors_with_self]
        try:
            await super().on_event(event)
        finally:  # the next key's turn comes even when this one raised
            self._key_task = asyncio.create_task(self._release_next(chain))

    @property
    def keys_pending(self) -> bool:
        """True while a key is being handled or keys wait for their turn."""
        return self._key_in_flight or bool(self._held_keys)

    async def _release_next(self, chain: list[MessagePump]) -> None:
        """Wait until the key just forwarded has been handled, then post the next held one."""
        try:
            deadline = time.monotonic() + MAX_WAIT_SECONDS
            await _handled(self, chain, deadline)
        finally:
            held = self._held_keys
            if held and self.is_running:
                self._releasing = held.popleft()
                if not self.post_message(self._releasing):
                    self._releasing = None
                    self._key_in_flight = False
            else:
                self._key_in_flight = False


async def _drained(app: App[None], pumps: Iterable[MessagePump], deadline: float) -> None:
    """Wait until each pump has handled every message it held when called (or the deadline
    passes, or the app stops: a quitting app never handles the rest)."""
    pending: list[asyncio.Event] = []
    for pump in pumps:
        done = asyncio.Event()
        if pump.call_later(done.set):
            pending.append(done)
    tasks = [asyncio.create_task(done.wait()) for done in pending]
    try:
        while tasks and app.is_running and (left := deadline - time.monotonic()) > 0:
            _, late = await asyncio.wait(tasks, timeout=min(left, STOP_POLL_SECONDS))
            tasks = list(late)
    finally:
        for task in tasks:
            task.cancel()


async def _handled(app: App[None], chain: list[MessagePump], deadline: float) -> None:
    """Wait until a key forwarded to ``chain[0]`` has been handled and the focus it moved has settled.

    First follow the key up its bubbling path: each widget posts it to its parent before it
    handles the next message, so waiting bottom-up sees it at every step, ending at the app,
    whose bindings run the key's action. Then the app's own queue once more (``Widget.focus()``
    takes effect in an ``app.call_later`` callback). Then rounds over the screen's widgets that
    have messages waiting, until none has or one round changes neither the screen nor the focus
    (a pushed screen composes, mounts and focuses its first field; a message the action posted
    focuses a table), within the deadline.
    """
    for pump in chain:
        await _drained(app, [pump], deadline)
    await _drained(app, [app], deadline)
    for _ in range(MAX_ROUNDS):
        screen, focused = app.screen, app.focused
        # only widgets with messages waiting can still move the focus: an idle one is not woken
        busy = [pump for pump in (app, *screen.walk_children(with_self=True)) if pump.message_queue_size]
        if not busy and screen.is_mounted:
            return
        await _drained(app, busy or [screen], deadline)
        if time.monotonic() >= deadline:
            return
        if app.screen is screen and app.focused is focused and screen.is_mounted:
            return
