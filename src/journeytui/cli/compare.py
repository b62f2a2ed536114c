"""``journeytui compare A.toml B.toml``: forecast two journeys and print their KPIs with deltas.

Either side may be ``git:REF:PATH``. ``--fail-on-drop POINTS`` turns it into a gate for
pull requests: exit 1 when B's won share at the horizon (full model, seeded) is more than
POINTS percentage points below A's.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING, Any

from journeytui.bundled import resolve_arg
from journeytui.cli import load_valid, print_diagnostics, say_error
from journeytui.textsafe import json_dumps

if TYPE_CHECKING:
    from journeytui.model.types import Journey
    from journeytui.sim.headline import Headline


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "compare",
        help="compare the forecasts of two journeys (KPIs side by side with deltas)",
        description="Forecast A and B over the same horizon with each journey's full model (the exact forecast "
        "where it is exact, else the means of a seeded Monte Carlo run) and print KPIs and stage counts with the "
        "change from A to B. A or B may be git:REF:PATH (the file as that commit has it). --fail-on-drop makes "
        "it a gate for pull requests.",
    )
    p.add_argument(
        "a", metavar="A", type=resolve_arg, help="first journey: a file, a bundled name (asis-example) or git:REF:PATH"
    )
    p.add_argument("b", metavar="B", type=resolve_arg, help="second journey: a file, a bundled name or git:REF:PATH")
    p.add_argument("--weeks", type=int, help="horizon in weeks (default: the longer of the two horizons)")
    p.add_argument("--format", choices=("table", "json", "markdown"), default="table", help="output format")
    p.add_argument(
        "--fail-on-drop",
        type=float,
        metavar="POINTS",
        help="exit 1 when won at the horizon drops by more than POINTS percentage points from A to B (full model)",
    )
    p.add_argument("--runs", type=int, default=20, help="Monte Carlo runs where one is needed (default 20)")
    p.add_argument("--seed", type=int, default=0, help="seed of those runs (default 0)")
    p.add_argument(
        "--exact",
        action="store_true",
        help="compare the exact forecasts of the plain chains instead, ignoring scoring, lifts, gates and capacity",
    )
    p.set_defaults(func=run)


def _load(spec: str) -> tuple[Journey | None, list[Any]]:
    from journeytui.cli.sources import is_git, validate_git

    if not is_git(spec):
        return load_valid(spec)
    result = validate_git(spec)
    errors = [d for d in result.diagnostics if d.is_error]
    return (result.journey if not errors else None), errors


def gate_noise(a: Headline, b: Headline) -> float:
    """``NOISE_SE`` standard errors of the won share's difference, in percentage points (0 when exact):
    the same rule as :func:`journeytui.sim.headline.noise_of_difference`, for shares."""
    from journeytui.sim.headline import NOISE_SE

    return NOISE_SE * math.hypot(a.se or 0.0, b.se or 0.0) * 100


def gate_lines(a: Headline, b: Headline, points: float, labels: tuple[str, str]) -> tuple[bool, list[str]]:
    """Whether B passes, and the lines that say so. B fails when its won share drops by more than
    ``points`` and by more than the Monte Carlo noise of the difference: two journeys' seeded runs
    are not paired, so a rename alone moves the means (a drop within the noise is not detected;
    more runs narrow it)."""
    drop = (a.share - b.share) * 100
    noise = gate_noise(a, b)
    ok = drop <= points + 1e-9 or drop <= noise
    verdict = "PASS" if ok else "FAIL"
    change = f"{b.share * 100 - a.share * 100:+.2f} pt"
    if noise > 0:
        within = "within" if abs(drop) <= noise else "beyond"
        change += f", {within} Monte Carlo noise ±{noise:.2f} pt"
        if points < noise:  # the threshold cannot be told from noise at these runs
            change += " (the noise is larger than the threshold: more --runs narrow it)"
    return ok, [
        f"{labels[0]}: {a.describe()}",
        f"{labels[1]}: {b.describe()}",
        f"{verdict}: won at week {b.week} changed {change} "
        f"(a drop of more than {points:g} pt, beyond the noise, fails)",
    ]


def run(args: argparse.Namespace) -> int:
    from journeytui.sim import SimulationError
    from journeytui.sim.compare import compare
    from journeytui.sim.headline import headline, headline_of

    if args.fail_on_drop is not None and not 0 <= args.fail_on_drop <= 100:
        print("journeytui compare: error: --fail-on-drop takes percentage points from 0 to 100", file=sys.stderr)
        return 2
    ja, errors_a = _load(args.a)
    jb, errors_b = _load(args.b)
    if ja is None or jb is None:
        print_diagnostics(errors_a + errors_b)
        return 1
    from journeytui.cli.sources import is_git

    # Both sides of a pull-request gate are usually the same journey: name them by where they come from.
    named = (args.a, args.b) if is_git(args.a) or is_git(args.b) else None
    try:
        model = "plain" if args.exact else "full"
        result = compare(ja, jb, weeks=args.weeks, labels=named, model=model, runs=args.runs, seed=args.seed)
        labels = (result.label_a, result.label_b)
        gate: tuple[bool, list[str], Headline, Headline] | None = None
        if args.fail_on_drop is not None:
            weeks = result.weeks
            if model == "full":  # the comparison's own full-model forecasts: no second run
                ha, hb = headline_of(result.a), headline_of(result.b)
            else:
                ha = headline(ja, weeks=weeks, runs=args.runs, seed=args.seed)
                hb = headline(jb, weeks=weeks, runs=args.runs, seed=args.seed)
            ok, lines = gate_lines(ha, hb, args.fail_on_drop, labels)
            gate = (ok, lines, ha, hb)
    except SimulationError as exc:
        say_error("compare", str(exc))
        return 2
    if args.format == "json":
        data = result.to_json()
        if gate is not None:
            data["gate"] = {
                "passed": gate[0],
                "fail_on_drop_points": args.fail_on_drop,
                "noise_points": round(gate_noise(gate[2], gate[3]), 6),
                "a": _headline_json(gate[2]),
                "b": _headline_json(gate[3]),
            }
        sys.stdout.write(json_dumps(data, indent=1) + "\n")
    elif args.format == "markdown":
        text = result.to_markdown()
        if gate is not None:
            from journeytui.sim.compare import md

            text += "\n**Forecast gate** (full model)\n\n" + "".join(f"- {md(line)}\n" for line in gate[1])
        sys.stdout.write(text)
    else:
        text = result.to_table()
        if gate is not None:
            from journeytui.textsafe import log_line

            text += "\n" + "".join(log_line(line) + "\n" for line in gate[1])
        sys.stdout.write(text)
    return 0 if gate is None or gate[0] else 1


def _headline_json(h: Headline) -> dict[str, Any]:
    return {
        "week": h.week,
        "won": round(h.won, 6),
        "total": round(h.total, 6),
        "share": round(h.share, 6),
        "p05": None if h.low is None else round(h.low, 6),
        "p95": None if h.high is None else round(h.high, 6),
        "engine": h.engine,
        "runs": h.runs,
        "seed": h.seed,
    }
