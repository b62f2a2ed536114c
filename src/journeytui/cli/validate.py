"""``journeytui validate PATH...``: check journey files like a linter."""

from __future__ import annotations

import argparse
import sys

from journeytui.bundled import PATHS_HELP, resolve_arg
from journeytui.validate import check_paths
from journeytui.validate.report import FORMATS, render


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "validate",
        help="check journey files (exit 0 clean, 1 errors, 2 usage)",
        description="Check journey files and folders of *.toml files. Prints path:line:col: CODE message.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", type=resolve_arg, help=PATHS_HELP)
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    diags, files = check_paths(args.paths)
    sys.stdout.write(render(diags, args.format, files))
    failed = any(d.is_error or args.strict for d in diags)
    return 1 if failed else 0
