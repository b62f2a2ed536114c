"""``journeytui fmt PATH...``: rewrite journey files in canonical form."""

from __future__ import annotations

import argparse
import difflib
import sys

from journeytui.model.commented import keep_comments
from journeytui.model.load import load_file
from journeytui.model.save import ReadOnlyFile, RoundTripError, atomic_write, render_canonical
from journeytui.textsafe import log_line
from journeytui.validate import discover
from journeytui.validate.config import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "fmt",
        help="rewrite journey files in canonical form",
        description=(
            "Rewrite journey files in canonical form (stable order, defaults left out). Comments are kept "
            "with what they belong to (the item below a comment line, the table whose last key a comment "
            "line follows, the line a trailing comment ends, the array element below or before a comment "
            "inside an array); --drop-comments leaves them out."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="journey files or folders")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 and list files that would change")
    p.add_argument("--diff", action="store_true", help="change nothing; print what would change as a diff")
    p.add_argument("--drop-comments", action="store_true", help="write the canonical form without the comments")
    p.add_argument(
        "--force-exclude",
        action="store_true",
        help="leave out files that `journeytui validate` would not check (other tools' TOML such as pyproject.toml "
        "or tox.toml, excluded paths in the settings) even when named explicitly, as pre-commit does",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    changed = skipped = unchanged = others = 0
    dry = args.check or args.diff
    settings = None
    if args.force_exclude:
        from dataclasses import replace

        from journeytui.validate.config import ConfigError, settings_for

        try:
            settings = replace(settings_for(), force_exclude=True)
        except ConfigError as exc:
            print(log_line(f"error: {exc}"), file=sys.stderr)
            return 2
    for name, problem, optional in discover.entries(args.paths, settings or Settings()):
        if problem is not None:
            print(log_line(f"{problem.file}: {problem.code} {problem.message}"), file=sys.stderr)
            skipped += 1
            continue
        result = load_file(name, journeys_only=optional)
        if result.not_journey:  # another tool's TOML found by a walk or passed by pre-commit: never rewritten
            others += 1
            continue
        errors = [d for d in result.diagnostics if d.is_error]
        if result.journey is None or errors or result.text is None:
            first = errors[0] if errors else None
            where = f"{first.file}:{first.line}:{first.column}: {first.code} {first.message}" if first else name
            where, shown = log_line(where), log_line(name)
            print(f"{where}\nerror: cannot format {shown}: fix its errors first (journeytui validate)", file=sys.stderr)
            skipped += 1
            continue
        comments = [c for c in result.positions.comments if not (c == 0 and result.text.startswith("#:schema"))]
        try:  # the new text must load back to the same journey (and keep every comment), or the file is left alone
            if comments and not args.drop_comments:
                new = keep_comments(result.text, result.journey, result.positions)
            else:
                new = render_canonical(result.journey, result.text)
        except RoundTripError as exc:
            print(log_line(f"{name}: cannot format: {exc}"), file=sys.stderr)
            skipped += 1
            continue
        if new == result.text:
            unchanged += 1
            continue
        changed += 1
        if args.diff:
            sys.stdout.writelines(
                log_line(line.removesuffix("\n"), keep_tabs=True) + "\n"  # the file's own text, shown safely
                for line in difflib.unified_diff(
                    result.text.splitlines(True), new.splitlines(True), f"{name}", f"{name} (canonical)"
                )
            )
        elif args.check:
            print(log_line(f"Would reformat: {name}"))
        elif _write(name, "\ufeff" * result.bom + new):  # a byte-order mark is encoding, not layout: kept
            print(log_line(f"Reformatted: {name}"))
        else:
            changed -= 1
            skipped += 1
    verb = "would be reformatted" if dry else "reformatted"
    print(
        f"{changed} file{'s' if changed != 1 else ''} {verb}, {unchanged} already canonical"
        + (f", {skipped} skipped" if skipped else "")
        + (f", {others} other TOML file{'s' if others != 1 else ''} left alone (not journeys)" if others else ""),
        file=sys.stderr,
    )
    if skipped:
        return 1
    return 1 if dry and changed else 0


def _write(name: str, text: str) -> bool:
    """Write one file; on failure say why on stderr and return False (the caller goes on).

    A read-only file (no write bit, whoever runs fmt) is refused: someone marked it so.
    A symlink is written through to its target (see model.save.atomic_write).
    """
    try:
        atomic_write(name, text)
    except ReadOnlyFile:
        print(f"{name}: read-only file, not reformatted (make it writable to format it)", file=sys.stderr)
        return False
    except OSError as exc:
        print(f"{name}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True
