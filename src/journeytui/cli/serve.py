"""``journeytui serve [PATH] [--host] [--port]``: the app in a web browser, for remote workshops.

textual-serve (the Textual project's own server) starts one ``journeytui edit PATH`` per
browser tab and streams its screen to the page: the same keys and screens as in a terminal.
It listens on localhost unless told otherwise, because whoever opens the page can edit and
save files as the user who started the server.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from pathlib import Path

from journeytui import DOCS_URL
from journeytui.bundled import resolve_arg

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 8000


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1-65535, not {port}")
    return port


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "serve",
        help="serve the app to a web browser (remote workshops)",
        description=(
            "Serve the journey designer to a web browser with textual-serve: each browser tab runs "
            "its own `journeytui edit PATH` with the same keys and screens. Local only by default "
            f"(http://{DEFAULT_HOST}:{DEFAULT_PORT}); a facilitator shares the browser window in the "
            f"video call. Stop it with Ctrl+C. See {DOCS_URL}/workshop.md."
        ),
    )
    p.add_argument(
        "path", nargs="?", metavar="PATH", type=resolve_arg, help="journey file to open or create, or a bundled name"
    )
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only; 0.0.0.0 lets the network in)",
    )
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers use, when it is not http://HOST:PORT (a reverse proxy, https)",
    )
    p.set_defaults(func=run)


def app_command(path: str | Path | None) -> str:
    """The shell command textual-serve runs for each browser tab: this Python, this package."""
    argv = [sys.executable, "-m", "journeytui", "edit"]
    if path is not None:
        argv.append(str(Path(path).expanduser().absolute()))
    return shlex.join(argv)


def is_local(host: str) -> bool:
    """True for a loopback address or name (only this machine can connect)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    from journeytui.cli import say_error

    try:
        from textual_serve.server import Server
    except ImportError:
        say_error("serve", "textual-serve is not installed; install journeytui again (pip install journeytui)")
        return 2
    if not is_local(args.host):
        print(
            f"journeytui serve: listening on {args.host}: anyone who can reach it can open the app and edit "
            "and save files as you. Prefer localhost and share your screen.",
            file=sys.stderr,
        )
    server = Server(
        app_command(args.path), host=args.host, port=args.port, title="journeytui", public_url=args.public_url
    )
    try:
        server.serve()
    except OSError as exc:  # the port is taken, or the address is not this machine's
        say_error("serve", f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return 1
    return 0
