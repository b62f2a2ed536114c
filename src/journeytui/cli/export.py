"""``journeytui export PATH --format mermaid|dot|map-md|map-html``: the journey as a diagram or a journey map.

Mermaid and DOT draw the graph; the maps need the forecast (full model: exact where exact,
else seeded Monte Carlo means), so ``--weeks``, ``--runs`` and ``--seed`` apply to them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from journeytui.bundled import PATH_HELP, resolve_arg
from journeytui.cli import emit, load_valid, print_diagnostics, say_error
from journeytui.export import FORMATS, SUFFIXES, export_text

BY_SUFFIX = {
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".dot": "dot",
    ".gv": "dot",
    ".md": "map-md",
    ".html": "map-html",
}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "export",
        help="export a journey as a Mermaid flowchart, a Graphviz graph or a journey map (Markdown, HTML)",
        description="Write the journey for documents, slides and pull requests: "
        + "; ".join(f"{k}: {v}" for k, v in FORMATS.items())
        + ". Without --format, the --out file's suffix chooses ("
        + ", ".join(f"{s} {f}" for f, s in SUFFIXES.items())
        + "), else mermaid.",
    )
    p.add_argument("path", metavar="PATH", type=resolve_arg, help=PATH_HELP)
    p.add_argument(
        "--format", choices=tuple(FORMATS), help="what to write (default: from --out's suffix, else mermaid)"
    )
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.add_argument("--weeks", type=int, help="maps: forecast week (default: the journey's horizon)")
    p.add_argument("--runs", type=int, default=20, help="maps: Monte Carlo runs where one is needed (default 20)")
    p.add_argument("--seed", type=int, default=0, help="maps: seed of those runs (default 0)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from journeytui.sim import SimulationError

    fmt = args.format or (BY_SUFFIX.get(Path(args.out).suffix.lower(), "mermaid") if args.out else "mermaid")
    if args.runs < 1:
        say_error("export", "--runs must be at least 1")
        return 2
    journey, errors = load_valid(args.path)
    if journey is None:
        print_diagnostics(errors)
        return 1
    try:
        text = export_text(journey, fmt, weeks=args.weeks, runs=args.runs, seed=args.seed)
    except SimulationError as exc:
        say_error("export", str(exc))
        return 2
    return emit(text, args.out, "export")
