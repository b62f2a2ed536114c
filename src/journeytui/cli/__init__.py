"""The command line: parse arguments, call the library, print. Nothing else lives here.

Each subcommand is a module in this package with ``register(subparsers)``, which adds
its parser and sets ``func`` to a ``run(args) -> int``. Exit codes: 0 success,
1 a finding (errors, failed expectations, files that would change), 2 usage errors.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from journeytui import __version__
from journeytui.diagnostics import Diagnostic
from journeytui.model.types import Journey

COMMANDS = [
    "validate",
    "rule",
    "fmt",
    "schema",
    "simulate",
    "check",
    "edit",
    "compare",
    "report",
    "calibrate",
    "backtest",
    "synth",
]
"""Subcommand modules, in the order ``--help`` lists them."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def load_valid(path: str) -> tuple[Journey | None, list[Diagnostic]]:
    """Validate a journey file: the journey when it has no errors, and its errors."""
    from journeytui.validate import validate_file

    result = validate_file(path)
    errors = [d for d in result.diagnostics if d.is_error]
    return (result.journey if not errors else None), errors


def print_diagnostics(diags: list[Diagnostic]) -> None:
    """Print findings as ``path:line:col: CODE message``."""
    for d in diags:
        print(f"{d.file}:{d.line}:{d.column}: {d.code} {d.message}")


def emit(text: str, out: str | None, command: str) -> int:
    """Print ``text``, or write it atomically to ``out``; the exit code (2 if it cannot be written)."""
    if not out:
        sys.stdout.write(text)
        return 0
    from journeytui.model.save import atomic_write

    try:
        atomic_write(out, text)
    except OSError as exc:
        print(f"journeytui {command}: error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="journeytui",
        description="Design and forecast B2B lead-nurturing journeys.",
        epilog="With no command, opens the app on the bundled B2B IT tool journey.",
    )
    parser.add_argument("--version", action="version", version=f"journeytui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"journeytui.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list and "edit" in COMMANDS:
        args_list = ["edit"]
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # --help, --version and usage errors: return the code, do not exit
        return exc.code if isinstance(exc.code, int) else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
