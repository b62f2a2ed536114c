"""``journeytui rule CODE``: what a diagnostic code means and how to fix it."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "rule",
        help="explain a diagnostic code (or list them all)",
        description="Explain a diagnostic code: what it means, how to fix it, how to silence one finding.",
    )
    p.add_argument("code", nargs="?", metavar="CODE", help="a code such as W101")
    p.add_argument("--all", action="store_true", help="every code")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from journeytui.diagnostics import CODES
    from journeytui.validate.formats import explain
    from journeytui.validate.report import DOCS_URL

    if args.all == bool(args.code):
        print("journeytui rule: error: give one CODE, or --all", file=sys.stderr)
        return 2
    codes = list(CODES) if args.all else [args.code.strip().upper()]
    unknown = [c for c in codes if c not in CODES]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], list(CODES), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        shown = unknown[0].encode("unicode_escape").decode("ascii")
        print(f"journeytui rule: error: unknown code {shown!r}{hint}", file=sys.stderr)
        return 2
    if args.format == "json":
        rows = [
            {
                "code": c,
                "name": CODES[c].name,
                "severity": CODES[c].severity.value,
                "summary": CODES[c].summary,
                "fix": CODES[c].fix,
            }
            for c in codes
        ]
        sys.stdout.write(json.dumps(rows if args.all else rows[0], ensure_ascii=False, indent=2) + "\n")
        return 0
    sys.stdout.write("\n".join(explain(c, DOCS_URL) for c in codes))
    return 0
