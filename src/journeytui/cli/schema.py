"""``journeytui schema``: print the JSON Schema of the journey format."""

from __future__ import annotations

import argparse
import json

from journeytui.cli import emit
from journeytui.validate.schema import journey_schema


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema (draft-07) of journey files",
        description="Print the JSON Schema (draft-07) of journey files, for editors (taplo, Even Better TOML).",
    )
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    text = json.dumps(journey_schema(), ensure_ascii=False, indent=2) + "\n"
    return emit(text, args.out, "schema")
