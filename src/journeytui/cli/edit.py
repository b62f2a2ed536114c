"""``journeytui edit [PATH]``: open the journey designer (no PATH: the flagship bundled journey)."""

from __future__ import annotations

import argparse

from journeytui.bundled import resolve_arg


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "edit",
        help="open the journey designer (the default command)",
        description=(
            "Open a journey file in the terminal designer. Without PATH, opens the bundled "
            "B2B IT tool journey (saving it asks for a new path). A PATH that does not exist "
            "offers to start it from a bundled journey; nothing is written until you save."
        ),
    )
    p.add_argument(
        "path", nargs="?", metavar="PATH", type=resolve_arg, help="journey file to open or create, or a bundled name"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from journeytui.tui.app import create_app  # Textual is imported only when the app runs

    app = create_app(args.path)
    app.run()
    return app.return_code or 0
