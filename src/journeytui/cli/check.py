"""``journeytui check PATH...``: validate journeys, then test their expectations with the simulator."""

from __future__ import annotations

import argparse
import sys

from journeytui.bundled import PATHS_HELP, resolve_arg
from journeytui.diagnostics import Diagnostic
from journeytui.sim import ResourceLimit, SimulationError
from journeytui.sim.expect import CHECK_RUNS, evaluate
from journeytui.textsafe import log_line
from journeytui.validate import validate_paths
from journeytui.validate.report import text_line


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "check",
        help="validate journeys and test their [[expectations]] (exit 1 on any miss)",
        description="Validate each file, then evaluate its expectations with the exact forecast "
        f"when possible, else Monte Carlo ({CHECK_RUNS} runs, seed 0).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", type=resolve_arg, help=PATHS_HELP)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    checked = failed = bad_files = refused = 0
    results = validate_paths(args.paths)
    for res in results:
        errors: list[Diagnostic] = sorted((d for d in res.diagnostics if d.is_error), key=Diagnostic.sort_key)
        if errors or res.journey is None:
            bad_files += 1
            for d in errors:
                print(text_line(d))
            continue
        try:
            outcomes = evaluate(res.journey)
        except ResourceLimit as exc:
            # too big to check here: a limit, not a finding about the journey (exit 2)
            refused += 1
            print(f"{res.file}: error: {exc}")
            continue
        except SimulationError as exc:
            bad_files += 1
            print(log_line(f"{res.file}: error: {exc}"))
            continue
        if not outcomes:
            print(log_line(f"{res.file}: no expectations"))
        for o in outcomes:
            e = o.expectation
            checked += 1
            failed += not o.passed
            verdict = "PASS" if o.passed else "FAIL"
            value = f"{o.value:.4f}" if e.metric == "share" else f"{o.value:.1f}"
            label = f" ({e.name})" if e.name else ""
            print(
                log_line(f"{res.file}: {verdict} {e.stage}@{e.week} {e.metric} {value} in {o.band} [{o.engine}]{label}")
            )
    files = len(results)
    summary = (
        f"{checked} expectation{'s' * (checked != 1)} checked in {files} file{'s' * (files != 1)}: {failed} failed"
    )
    if bad_files:
        summary += f", {bad_files} file{'s' * (bad_files != 1)} with errors"
    if refused:
        summary += f", {refused} file{'s' * (refused != 1)} too large to forecast"
    print(summary)
    sys.stdout.flush()
    return 2 if refused else 1 if failed or bad_files else 0
