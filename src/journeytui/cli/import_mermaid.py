"""``journeytui import-mermaid FLOWCHART.mmd --out journey.toml``: start a journey from a Mermaid flowchart.

Nodes become stages, edges transitions (labels such as ``30%``, ``0.3`` or ``p=0.3`` their
weekly probability), top-level subgraphs phases. What could not be mapped, or had to be made
up for the journey to validate, is listed as ``FILE:LINE:COL: warning: ...``. The result always
passes ``journeytui validate``. An existing --out is never overwritten without --force.
Exit codes: 0 written (warnings allowed), 1 the flowchart cannot be imported, 2 usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from journeytui.cli import say_error
from journeytui.textsafe import log_line


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "import-mermaid",
        help="start a journey file from a Mermaid flowchart",
        description="Read a Mermaid flowchart (flowchart/graph): nodes become stages, edges transitions with the "
        "probability their label gives (30%%, 0.3, p=0.3), subgraphs phases, classes won/lost/entry the stage kinds. "
        "Writes a journey that validates, and says what it could not map or had to make up.",
    )
    p.add_argument("flowchart", metavar="FLOWCHART", help="a Mermaid flowchart file (.mmd, at most 1 MiB)")
    p.add_argument("--out", metavar="FILE", required=True, help="the journey file to write (.toml)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from journeytui.export.mermaid_import import import_text, read_flowchart
    from journeytui.model.save import atomic_write

    out = Path(args.out)
    if os.path.lexists(out) and not args.force:
        say_error("import-mermaid", f"{args.out} exists; pass --force to overwrite it")
        return 2
    if out.is_dir():
        say_error("import-mermaid", f"{args.out} is a folder")
        return 2
    text, problem = read_flowchart(args.flowchart)
    if text is None:
        assert problem is not None
        print(log_line(problem.format(args.flowchart)), file=sys.stderr)
        return 1
    stem = out.stem
    result = import_text(text, journey_id=stem, title=stem)
    for note in result.notes:
        print(log_line(note.format(args.flowchart)), file=sys.stderr)
    if not result.ok:
        say_error("import-mermaid", f"{args.flowchart} was not imported; nothing written")
        return 1
    assert result.journey is not None
    try:
        atomic_write(out, result.text)
    except OSError as exc:
        say_error("import-mermaid", f"cannot write {args.out}: {exc.strerror or exc}")
        return 2
    j = result.journey
    warned = sum(n.severity == "warning" for n in result.notes)
    print(
        log_line(
            f"wrote {args.out}: {len(j.stages)} stages, {len(j.transitions)} transitions"
            + (f"; {warned} warning{'s' if warned != 1 else ''} above" if warned else "")
        )
    )
    return 0
