"""``journeytui validate PATH...``: check journey files like a linter (options as ruff's)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from journeytui import DOCS_URL
from journeytui.bundled import PATHS_HELP, resolve_arg
from journeytui.diagnostics import Diagnostic

if TYPE_CHECKING:
    from journeytui.model.load import LoadResult
    from journeytui.validate import discover
    from journeytui.validate.config import Settings

STDIN_LIMIT = 10 * 1024 * 1024
"""The same cap as for files: journeys are hand-written."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from journeytui.validate.report import FORMATS

    p = sub.add_parser(
        "validate",
        help="check journey files (exit 0 clean, 1 errors, 2 usage)",
        description=(
            "Check journey files and folders of *.toml files. Prints path:line:col: CODE message. "
            f"Settings come from journeytui.toml or pyproject.toml [tool.journeytui] ({DOCS_URL}/cli.md)."
        ),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", type=resolve_arg, help=PATHS_HELP + "; - reads standard input")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    p.add_argument("-q", "--quiet", action="store_true", help="print the findings only, no summary line")
    p.add_argument("--statistics", action="store_true", help="print how many findings of each code instead")
    p.add_argument("--output-file", "-o", metavar="FILE", help="write the report to FILE (atomically)")
    p.add_argument("--stdin-filename", metavar="NAME", help="the name standard input is reported under")
    p.add_argument("--show-files", action="store_true", help="list the files that would be checked, and stop")
    codes = p.add_argument_group("which codes (prefixes such as E2 or W, or ALL; comma-separated)")
    codes.add_argument("--select", metavar="CODES", help="only these codes (replaces the settings' select)")
    codes.add_argument("--extend-select", metavar="CODES", help="these codes too")
    codes.add_argument("--ignore", metavar="CODES", help="not these codes")
    codes.add_argument(
        "--per-file-ignores", metavar="GLOB:CODES", action="append", default=[], help="not these codes in these files"
    )
    files = p.add_argument_group("which files")
    files.add_argument("--exclude", metavar="GLOBS", help="leave out these paths in folder walks (replaces defaults)")
    files.add_argument("--extend-exclude", metavar="GLOBS", help="leave out these paths too")
    files.add_argument("--force-exclude", action="store_true", help="apply excludes to files named explicitly too")
    files.add_argument(
        "--no-respect-gitignore",
        action="store_true",
        help="walk files that git ignores (.gitignore, .git/info/exclude, the global excludes file)",
    )
    files.add_argument("--config", metavar="FILE", help="use these settings (journeytui.toml or pyproject.toml)")
    files.add_argument("--isolated", action="store_true", help="ignore every settings file")
    p.set_defaults(func=run)


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


def _settings(args: argparse.Namespace) -> Settings:
    from journeytui.validate.config import check_selectors, settings_for

    s = settings_for(args.config, args.isolated)
    if args.select:
        s = replace(s, select=check_selectors(_list(args.select), "--select"))
    if args.extend_select:
        s = replace(s, extend_select=s.extend_select + check_selectors(_list(args.extend_select), "--extend-select"))
    if args.ignore:
        s = replace(s, ignore=s.ignore + check_selectors(_list(args.ignore), "--ignore"))
    for raw in args.per_file_ignores:
        pattern, sep, codes = raw.rpartition(":")
        if not sep or not pattern:
            from journeytui.validate.config import ConfigError

            raise ConfigError(f"--per-file-ignores: expected GLOB:CODES, got {raw!r}")
        entry = (pattern, check_selectors(_list(codes), "--per-file-ignores"))
        s = replace(s, per_file_ignores=(*s.per_file_ignores, entry))
    if args.exclude is not None:
        s = replace(s, exclude=_list(args.exclude))
    if args.extend_exclude:
        s = replace(s, extend_exclude=s.extend_exclude + _list(args.extend_exclude))
    if args.force_exclude:
        s = replace(s, force_exclude=True)
    if args.no_respect_gitignore:
        s = replace(s, respect_gitignore=False)
    return s


def _stdin(name: str) -> LoadResult:
    from journeytui.model.load import LoadResult
    from journeytui.validate import validate_text

    data = sys.stdin.buffer.read(STDIN_LIMIT + 1)
    if len(data) > STDIN_LIMIT:
        return LoadResult(file=name, diagnostics=[Diagnostic("E002", "standard input is larger than 10 MB", name)])
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return LoadResult(file=name, diagnostics=[Diagnostic("E002", f"not UTF-8 text ({exc.reason})", name)])
    return validate_text(text, name)


class _Sources(dict[str, str]):
    """File name -> text, read on first use: only files with findings are read again, for
    snippets and end positions (the checking itself may have run in worker processes)."""

    def __missing__(self, name: str) -> str:
        from journeytui.model.load import Unreadable, read_bytes

        try:
            text = read_bytes(Path(name)).decode("utf-8").removeprefix("\ufeff")
        except (Unreadable, OSError, ValueError):
            text = ""
        self[name] = text
        return text

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return self[name] or default


STATISTICS_FORMATS = ("text", "concise", "full", "json")
"""The formats ``--statistics`` has a form in (as ruff: text, or a JSON array)."""


def run(args: argparse.Namespace) -> int:
    from journeytui.cli import emit, say_error
    from journeytui.validate import check_entries, discover
    from journeytui.validate.config import ConfigError
    from journeytui.validate.formats import statistics, statistics_json
    from journeytui.validate.report import render

    try:
        settings = _settings(args)
    except ConfigError as exc:
        say_error("validate", str(exc))
        return 2
    if args.paths.count("-") > 1:
        say_error("validate", "standard input (-) can be read once")
        return 2
    if args.statistics and args.format not in STATISTICS_FORMATS:
        say_error("validate", f"--statistics prints text or json; --format {args.format} has no statistics form")
        return 2
    entries = list(discover.entries(args.paths, settings))
    if args.show_files:
        return _show_files(entries, args.output_file)
    diags: list[Diagnostic] = [e.problem for e in entries if e.problem is not None]
    files = [e.name for e in entries if e.problem is None and e.name != "-"]
    checked = [e.name for e in entries]
    sources = _Sources()
    if any(e.name == "-" for e in entries if e.problem is None):
        stdin_name = args.stdin_filename or "-"
        checked = [stdin_name if name == "-" else name for name in checked]
        if settings.force_exclude and args.stdin_filename and settings.excluded(stdin_name):
            checked.remove(stdin_name)
        else:
            piped = _stdin(stdin_name)
            diags.extend(piped.diagnostics)
            sources[stdin_name] = piped.text or ""
    found = check_entries(files, {e.name for e in entries if e.optional})
    diags.extend(found.diagnostics)
    skipped = set(found.not_journeys)
    checked = [name for name in checked if name not in skipped]
    diags = sorted((d for d in diags if settings.enabled(d.code, d.file)), key=Diagnostic.sort_key)
    if args.statistics:
        report = statistics_json(diags) if args.format == "json" else statistics(diags)
    else:
        report = render(diags, args.format, len(checked), sources, checked, quiet=args.quiet, skipped=len(skipped))
    code = emit(report, args.output_file, "validate")
    if code:
        return code
    if args.exit_zero:
        return 0
    return 1 if any(d.is_error or args.strict for d in diags) else 0


def _show_files(entries: list[discover.Entry], output_file: str | None) -> int:
    """``--show-files``: the files that would be checked on standard output; on standard error,
    the optional ones skipped because they are not journeys, with their top-level keys."""
    from journeytui.cli import emit
    from journeytui.model.load import other_tool_keys
    from journeytui.textsafe import log_line

    listed = []
    for e in entries:
        if e.problem is not None or e.name == "-":
            continue
        keys = other_tool_keys(e.name) if e.optional else None
        if keys is not None:
            shown = ", ".join(keys[:6]) + (", ..." if len(keys) > 6 else "") if keys else "none: empty"
            print(log_line(f"{e.name}: skipped, not a journey (top-level keys: {shown})"), file=sys.stderr)
            continue
        listed.append(e.name)
    return emit("".join(f"{log_line(name)}\n" for name in listed), output_file, "validate")
