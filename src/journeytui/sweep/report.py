"""The sweep report: the ranking, the Pareto front of wins against cost, what each lever contributes.

Terminal text or Markdown. Every piece of file text (lever ids, the sweep's name) goes through
:mod:`journeytui.textsafe`. No Textual.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from journeytui.sweep.evaluate import MAXIMISE
from journeytui.sweep.spec import SweepFile
from journeytui.textsafe import markdown_text, visible


def usable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of scenarios that ran and meet every constraint, with an objective."""
    return [r for r in rows if r.get("status") == "ok" and r.get("feasible") and r.get("objective") is not None]


def ranking(rows: list[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    """Best first (ties: the cheaper, then the earlier scenario)."""
    sign = -1.0 if MAXIMISE[metric] else 1.0
    return sorted(usable(rows), key=lambda r: (sign * float(r["objective"]), float(r["cost"]), int(r["index"])))


def pareto(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scenarios no other beats on both wins (more) and lever cost (less), cheapest first."""
    ok = [r for r in rows if r.get("status") == "ok" and r.get("feasible") and r.get("won") is not None]
    front: list[dict[str, Any]] = []
    best = -math.inf
    for r in sorted(ok, key=lambda r: (float(r["cost"]), -float(r["won"]), int(r["index"]))):
        if float(r["won"]) > best:
            front.append(r)
            best = float(r["won"])
    return front


def main_effects(rows: list[dict[str, Any]], sweep: SweepFile) -> list[tuple[str, float, list[tuple[float, float]]]]:
    """Per lever: the spread of the mean objective across its values, and the mean at each value.

    With a full grid these are the levers' main effects (every other lever averaged over the
    same combinations); with a sample they are the sample's averages. Largest spread first.
    """
    ok = usable(rows)
    out = []
    for lv in sweep.levers:
        by: dict[float, list[float]] = {}
        for r in ok:
            by.setdefault(float(r["levers"][lv.id]), []).append(float(r["objective"]))
        means = sorted((v, sum(xs) / len(xs)) for v, xs in by.items())
        spread = max(m for _, m in means) - min(m for _, m in means) if means else 0.0
        out.append((lv.id, spread, means))
    return sorted(out, key=lambda e: -e[1])


def _fmt(x: Any, digits: int = 1) -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and abs(x) < 1 and x != 0:
        return f"{x:.3g}"
    return f"{x:,.{digits}f}"


def pareto_chart(rows: list[dict[str, Any]], width: int = 56, height: int = 12) -> list[str]:
    """A text scatter of wins (up) against lever cost (right): `*` on the Pareto front, `.` the rest."""
    ok = [r for r in rows if r.get("status") == "ok" and r.get("feasible") and r.get("won") is not None]
    if not ok:
        return ["(no feasible scenario to chart)"]
    front = {r["scenario"] for r in pareto(ok)}
    xs = [float(r["cost"]) for r in ok]
    ys = [float(r["won"]) for r in ok]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    grid = [[" "] * width for _ in range(height)]
    for r, x, y in zip(ok, xs, ys, strict=True):
        cx = 0 if x1 == x0 else round((x - x0) / (x1 - x0) * (width - 1))
        cy = 0 if y1 == y0 else round((y - y0) / (y1 - y0) * (height - 1))
        mark = "*" if r["scenario"] in front else "."
        if grid[height - 1 - cy][cx] != "*":
            grid[height - 1 - cy][cx] = mark
    label = max(len(_fmt(y1)), len(_fmt(y0)))
    lines = []
    for i, row in enumerate(grid):
        tick = _fmt(y1) if i == 0 else (_fmt(y0) if i == height - 1 else "")
        lines.append(f"{tick:>{label}} |{''.join(row)}")
    lines.append(" " * label + " +" + "-" * width)
    lo, hi = _fmt(x0, 0), _fmt(x1, 0)
    lines.append(" " * (label + 2) + lo + " " * max(1, width - len(lo) - len(hi)) + hi)
    lines.append(" " * (label + 2) + "won (up) against lever cost (right); * = Pareto front")
    return lines


def _levers(r: dict[str, Any], esc: Callable[[str], str]) -> str:
    return ", ".join(f"{esc(k)}={v:g}" for k, v in r["levers"].items())


def render(rows: list[dict[str, Any]], sweep: SweepFile, markdown: bool = False, top: int = 10) -> str:
    """The whole report as text (terminal) or Markdown."""
    esc = markdown_text if markdown else visible
    metric = sweep.objective.metric
    ranked = ranking(rows, metric)
    counts: dict[str, int] = {}
    for r in rows:
        key = "infeasible" if r.get("status") == "ok" and not r.get("feasible") else str(r.get("status"))
        counts[key] = counts.get(key, 0) + 1
    title = esc(sweep.sweep.name) if sweep.sweep.name else "Sweep"
    out = [f"# {title}" if markdown else title, ""]
    out.append(
        f"{len(rows):,} scenarios: "
        + ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in sorted(counts.items()))
        + f"; objective: {metric} ({'higher' if MAXIMISE[metric] else 'lower'} is better)"
    )
    out.append("")
    out.append("## Ranking" if markdown else "Ranking")
    if markdown:
        out += ["", "| # | scenario | levers | cost | won (5-95%) | objective |", "|---|---|---|---|---|---|"]
    for k, r in enumerate(ranked[:top], start=1):
        band = _fmt(r["won"]) + (
            f" ({_fmt(r['won_p05'])}-{_fmt(r['won_p95'])})" if r.get("won_p05") is not None else ""
        )
        cells = [str(k), r["scenario"], _levers(r, esc), _fmt(r["cost"], 0), band, _fmt(r["objective"], 2)]
        out.append("| " + " | ".join(cells) + " |" if markdown else "  " + "  ".join(cells))
    if not ranked:
        out.append("  (no scenario met every constraint)")
    out += ["", "## Pareto front: wins against cost" if markdown else "Pareto front: wins against cost", ""]
    chart = pareto_chart(rows)
    out += ["```", *chart, "```"] if markdown else ["  " + line for line in chart]
    for r in pareto(rows):
        out.append(f"{'- ' if markdown else '  '}cost {_fmt(r['cost'], 0)}: won {_fmt(r['won'])} ({_levers(r, esc)})")
    out += ["", "## What each lever contributes" if markdown else "What each lever contributes", ""]
    for lever_id, spread, means in main_effects(rows, sweep):
        at = ", ".join(f"{v:g}: {_fmt(m, 2)}" for v, m in means)
        out.append(f"{'- ' if markdown else '  '}{esc(lever_id)}: spread {_fmt(spread, 2)} (mean {metric} at {at})")
    return "\n".join(out) + "\n"
