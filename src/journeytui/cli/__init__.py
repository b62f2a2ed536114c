"""The command line: parse arguments, call the library, print. Nothing else lives here.

Each subcommand is a module in this package with ``register(subparsers)``, which adds
its parser and sets ``func`` to a ``run(args) -> int``. Exit codes: 0 success,
1 a finding (errors, failed expectations, files that would change), 2 usage errors.

Every line that shows file text (a path, a name, a message quoting a key) goes through
:func:`journeytui.textsafe.log_line` (or the table, Markdown and JSON variants), so no journey
file can send a control sequence to the terminal or a workflow command to a CI log.

Start-up time matters (pre-commit runs ``validate`` on every commit): :func:`main` imports
only the module of the subcommand it runs, and ``--version`` none, so ``validate`` never
pays for numpy, the simulator or Textual. Keep this module's own imports to the standard library.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from journeytui import __version__

if TYPE_CHECKING:
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
    "serve",
    "compare",
    "report",
    "calibrate",
    "backtest",
    "synth",
    "sweep",
    "optimise",
    "export",
    "import-mermaid",
]
"""Subcommand modules, in the order ``--help`` lists them."""


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``, without importing shutil (and with it zlib, bz2 and
    lzma): argparse asks for the width whenever it checks an argument, so every start paid for it."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's own help layout, at the width argparse would choose (see :func:`_terminal_columns`)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _terminal_columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

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
    """Print findings as ``path:line:col: CODE message`` (file text shown safely)."""
    from journeytui.validate.report import text_line

    for d in diags:
        print(text_line(d))


def emit(text: str, out: str | None, command: str) -> int:
    """Print ``text``, or write it atomically to ``out``; the exit code (2 if it cannot be written)."""
    if not out:
        sys.stdout.write(text)
        return 0
    from journeytui.model.save import atomic_write

    try:
        atomic_write(out, text)
    except OSError as exc:
        say_error(command, f"cannot write {out}: {exc.strerror or exc}")
        return 2
    return 0


def say_error(command: str, message: str) -> None:
    """``journeytui COMMAND: error: MESSAGE`` on stderr; the message may quote file text."""
    from journeytui.textsafe import log_line

    print(f"journeytui {command}: error: {log_line(message)}", file=sys.stderr)


def build_parser(commands: Sequence[str] = COMMANDS) -> argparse.ArgumentParser:
    """The parser with the given subcommands registered (importing each one's module)."""
    parser = _Parser(
        prog="journeytui",
        description="Design and forecast B2B lead-nurturing journeys.",
        epilog="With no command, opens the app on the bundled B2B IT tool journey.",
    )
    parser.add_argument("--version", action="version", version=f"journeytui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in commands:
        importlib.import_module(f"journeytui.cli.{name.replace('-', '_')}").register(sub)
    return parser


def _commands_needed(args: Sequence[str]) -> Sequence[str]:
    """The subcommands whose modules must be imported to parse ``args``.

    The command named first, alone; none for a bare ``--version``; all of them otherwise
    (``--help`` lists them, and a misspelt command gets argparse's list of choices).
    """
    first = next((a for a in args if not a.startswith("-")), None)
    if first in COMMANDS:
        return [first]
    if first is None and "--version" in args and not {"-h", "--help"} & set(args):
        return []
    return COMMANDS


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list and "edit" in COMMANDS:
        args_list = ["edit"]
    parser = build_parser(_commands_needed(args_list))
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
    except MemoryError:
        # the engines estimate memory before allocating (sim/limits.py); this is the last resort
        print(
            "journeytui: error: out of memory; forecast fewer weeks or leads, or raise the process's memory limit",
            file=sys.stderr,
        )
        return 2
