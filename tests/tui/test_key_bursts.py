"""Keys that arrive in one read from the terminal (typed fast, pasted, scripted) go to the widget
the key before them focused, in order, none lost (issue 11).

The keys are posted to the app back to back, as Textual's driver posts what it read, without
waiting between them (``pilot.press`` waits after each key, which hid the defect); and written
to the app running under a pseudo-terminal in one write.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

from textual import events
from tui_helpers import wait_for

from journeytui.tui.app import JourneyApp
from journeytui.tui.screens.dialogs import PromptScreen
from journeytui.tui.widgets.inspector import FieldInput

SIZE = (120, 40)


def burst(app: JourneyApp, keys: str) -> None:
    """Post ``keys`` to the app in one go, as the terminal driver does with one read."""
    for key in keys:
        name = {"\r": "enter"}.get(key, key)
        app.post_message(events.Key(name, key))


async def handled(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until the app has handled every key it was sent (once it has read them: a pause)."""
    await pilot.pause()
    await wait_for(pilot, lambda: not pilot.app.keys_pending, seconds=20)
    await pilot.pause()


async def test_keys_after_edit_go_to_the_field_not_the_graph(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        before = app.journey
        assert before is not None and app.selection == ("stages", 0)
        burst(app, "exyz")  # x on the graph deletes the selection: it must be typed instead
        await handled(pilot)
        box = app.focused
        assert isinstance(box, FieldInput) and box.field.path == ("stages", 0, "id")
        assert box.value == "xyz"
        assert app.journey is before  # nothing applied yet, nothing deleted
        burst(app, "\r")
        await handled(pilot)
        assert app.journey is not None and app.journey.stages[0].id == "xyz"
        assert len(app.journey.stages) == len(before.stages)


async def test_keys_after_a_dialog_opens_are_typed_into_it(flagship: JourneyApp) -> None:
    app = flagship
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "r")  # rename: a prompt screen with the id selected
        app.post_message(events.Paste("discover"))  # a bracketed paste, in the same read
        burst(app, "\r")
        await handled(pilot)
        assert not isinstance(app.screen, PromptScreen)
        j = app.journey
        assert j is not None and j.stages[0].id == "discover"
        assert all(t.from_ != "aware" for t in j.transitions)


def test_keys_in_one_read_from_a_real_terminal(copy_journey: Callable[[str], Path]) -> None:
    """The app under a pseudo-terminal: edit, a new id, enter and ctrl+s arrive in one write."""
    path = copy_journey("b2b-it-tool.toml")
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = dict(os.environ, TERM="xterm-256color")
    cmd = [sys.executable, "-m", "journeytui", "edit", str(path)]
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    screen = bytearray()

    def read() -> None:  # keep the terminal drained, or the app blocks writing to it
        with contextlib.suppress(OSError):
            while chunk := os.read(master, 65536):
                screen.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        _until(lambda: b"aware" in screen, "the app never drew the journey")
        os.write(master, b"exyz\r\x13")  # e (edit), the new id, enter (apply), ctrl+s (save)
        _until(lambda: b'id = "xyz"' in path.read_bytes(), "the new id was never saved")
        text = path.read_text(encoding="utf-8")
        assert 'id = "aware"' not in text and 'from = "xyz"' in text  # renamed everywhere, not deleted
        os.write(master, b"\x11")  # ctrl+q: saved, so it quits without asking
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        reader.join(timeout=5)


def _until(condition: Callable[[], bool], message: str, seconds: float = 60.0) -> None:
    """Wait for ``condition`` (a loaded machine may start the app slowly)."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, message
        time.sleep(0.05)
