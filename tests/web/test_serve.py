"""``journeytui serve`` in a real browser: the server is started on a free port, headless Debian
Chromium (driven by Playwright) opens the page, and the test waits until the app's screen,
with the journey's title, has reached the page; then keys typed in the page open workshop
mode and export its SVG, which the browser downloads. The screenshot is kept as a test
artifact (``test-artifacts/serve.png``, or ``$JOURNEYTUI_ARTIFACTS``).

Everything has a deadline and the server's process group is ended whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import WebSocket

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TITLE = "B2B IT tool: six-phase journey"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {seconds} s")


@contextlib.contextmanager
def serving(args: list[str], log: Path, cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``journeytui serve ARGS`` in its own process group, ended (with the apps it started) on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "journeytui", "serve", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )
        try:
            yield proc
        finally:
            for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(wait)
                    break


def _artifacts() -> Path:
    folder = Path(os.environ.get("JOURNEYTUI_ARTIFACTS", REPO / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_serve_shows_the_app_in_headless_chromium(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Debian Chromium (/usr/bin/chromium) is missing: install the chromium package")
        pytest.skip("no /usr/bin/chromium")
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    journey = tmp_path / "workshop.toml"
    shutil.copy(REPO / "journeys" / "b2b-it-tool.toml", journey)
    port = _free_port()
    log = tmp_path / "serve.log"
    frames: list[bytes] = []
    with serving([str(journey), "--host", "127.0.0.1", "--port", str(port)], log, tmp_path) as proc:
        _wait_for_port(port, proc, 15)
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(tmp_path / "profile"),  # a fresh profile
                executable_path=str(CHROMIUM),
                headless=True,
                args=FLAGS,
                viewport={"width": 1200, "height": 800},
                timeout=15_000,
            )
            try:
                page = context.new_page()

                def on_frame(data: bytes | str) -> None:
                    frames.append(data if isinstance(data, bytes) else data.encode())

                def on_socket(ws: WebSocket) -> None:
                    ws.on("framereceived", on_frame)

                page.on("websocket", on_socket)
                page.goto(f"http://127.0.0.1:{port}/", timeout=15_000)
                deadline = time.monotonic() + 20
                while not any(TITLE.encode() in f for f in frames):
                    assert time.monotonic() < deadline, (
                        f"the app's screen never reached the page; server log:\n{log.read_text(errors='replace')}"
                    )
                    page.wait_for_timeout(200)
                page.wait_for_function("document.body.classList.contains('-first-byte')", timeout=10_000)
                page.wait_for_timeout(500)  # let the terminal paint what arrived
                shot = _artifacts() / "serve.png"
                page.screenshot(path=str(shot), timeout=10_000)
                # Keys typed in the page reach the app: workshop mode, then its SVG export, which
                # the browser downloads (and the server's folder keeps).
                page.mouse.click(600, 400)
                seen = len(frames)
                page.keyboard.press("w")
                while not any(b"WEEK" in f for f in frames[seen:]):
                    assert time.monotonic() < deadline + 10, "workshop mode never reached the page"
                    page.wait_for_timeout(100)
                saved = tmp_path / "downloaded.svg"
                for attempt in range(2):
                    # textual-serve hands the file over in a second request; on a loaded machine the
                    # browser has seen it canceled once (the export itself was written): press x again
                    with page.expect_download(timeout=10_000) as download:
                        page.keyboard.press("x")
                    try:
                        download.value.save_as(saved)
                        break
                    except PlaywrightError as exc:
                        if attempt or "canceled" not in str(exc):
                            raise
                name = download.value.suggested_filename
            finally:
                context.close()
        assert proc.poll() is None  # still serving after a browser came and went
    assert shot.stat().st_size > 10_000  # a painted page, not a blank one
    assert b"journeytui" in b"".join(frames) or b"workshop.toml" in b"".join(frames)
    svg = saved.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "WON" in svg
    exported = sorted(p.name for p in tmp_path.glob("*.svg") if p != saved)
    assert name in exported and len(exported) == attempt + 1  # one export per x pressed


def test_serve_refuses_a_bad_port_without_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "journeytui", "serve", "--port", "70000"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "a port is 1-65535" in result.stderr and "Traceback" not in result.stderr


def test_serve_says_when_the_port_is_taken(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "journeytui", "serve", "--host", "127.0.0.1", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1, result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr
