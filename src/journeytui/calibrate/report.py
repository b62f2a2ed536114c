"""Render a calibration (the change table) and a backtest as plain text tables or Markdown."""

from __future__ import annotations

from typing import Any

from journeytui import DOCS_URL
from journeytui.calibrate.fit import Calibration


def _num(v: float | None, digits: int = 4) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def change_rows(cal: Calibration) -> list[list[str]]:
    """One row per fitted value: what, old, new, 95% interval, evidence."""
    rows = []
    for c in cal.changes:
        if c.kind == "initial":
            rows.append([c.label, _num(c.before, 0), f"{int(c.after)}", "", "leads at as-of", ""])
            continue
        digits = 2 if c.kind == "arrival" else 4
        unit = "weeks" if c.kind == "arrival" else "lead-weeks"
        what = "leads" if c.kind == "arrival" else ("starts" if c.kind == "stall" else "moves")
        evidence = f"{c.moves:,.0f} {what} / {c.at_risk:,.0f} {unit}"
        interval = f"{_num(c.low, digits)}..{_num(c.high, digits)}"
        rows.append(
            [c.label, _num(c.before, digits), _num(c.after, digits), interval, evidence, "thin" if c.thin else ""]
        )
    return rows


HEAD = ["value", "before", "after", "95% interval", "evidence", "flag"]


def _table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(out) + "\n"


def _md(head: list[str], rows: list[list[str]]) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|")

    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def _extras(cal: Calibration) -> list[str]:
    lines = []
    for m in cal.missing:
        lines.append(
            f"moves the journey lacks: {m['from']} -> {m['to']}: {m['moves']} moves, "
            f"{m['probability']:.4f} ({m['low']:.4f}..{m['high']:.4f})"
        )
    for m in cal.handoff_moves:
        lines.append(
            f"made by the scoring hand-off (the full model's own): {m['from']} -> {m['to']}: {m['moves']} moves"
        )
    for u in cal.unseen:
        lines.append(
            f"never seen in the data: {u['from']} -> {u['to']} ({u['at_risk']:,.0f} lead-weeks at risk, "
            f"chance at most {u['high']:.4f}); left as it is"
        )
    if cal.full_model:
        f = cal.full_model
        lines.append(
            f"full model ({', '.join(f['features'])}): transition values are base values under which the full "
            f"model reproduces the observed rates ({f['iterations']} iterations, "
            f'{"converged" if f["converged"] else "not converged"}; {DOCS_URL}/calibration.md, "The full model")'
        )
    for s in cal.stall_fits:
        lines.append(f"stalls in {s['stage']}: LR {s['lr_statistic']:.1f}: {s['judged']}")
        for d in s.get("durations", []):
            lines.append(f"  hold of {d['cause']}: mean {d['mean']:g} weeks; {d['judged']}")
    for p in cal.proposals:
        lines.append(
            f"proposed stall in {p['stage']}: chance {p['probability']:.4f}, geometric hold mean {p['mean']:g} weeks "
            f"({p['judged']})"
        )
    lines += [f"warning: {w}" for w in cal.warnings]
    return lines


def render_calibration(cal: Calibration, fmt: str, wrote: str | None) -> str:
    title = (
        f"calibration of {cal.journey_id} at {cal.as_of}: {cal.leads:,} leads, {cal.events:,} entries, "
        f"{cal.weeks} weeks"
    )
    tail = f"wrote {wrote}" if wrote else "dry run: nothing written (use --out PATH to write)"
    if fmt == "markdown":
        body = _md(HEAD, change_rows(cal))
        extras = "".join(f"- {x}\n" for x in _extras(cal))
        return f"# {title}\n\n{body}\n{extras}\n{tail}\n"
    return f"{title}\n\n{_table(HEAD, change_rows(cal))}\n" + "".join(f"{x}\n" for x in _extras(cal)) + f"{tail}\n"


def text_chart(actual: list[float], mean: list[float], p05: list[float], p95: list[float], width: int = 40) -> str:
    """One line per week: the p05..p95 band as '-', the mean as '|', the actual as '*'."""
    top = max([*actual, *p95, 1.0])
    lines = []
    for t, (a, m, lo, hi) in enumerate(zip(actual, mean, p05, p95, strict=True), 1):
        row = [" "] * (width + 1)
        for x in range(round(lo / top * width), round(hi / top * width) + 1):
            row[x] = "-"
        row[round(m / top * width)] = "|"
        row[round(a / top * width)] = "*"
        lines.append(f"{t:>3} {''.join(row)} {a:,.0f}")
    return "\n".join(lines)


def render_backtest(data: dict[str, Any], fmt: str) -> str:
    head = ["stage", "WAPE", "coverage", "cells"]
    rows = [[s, _num(data["wape"][s], 3), _num(data["coverage"][s], 3), str(data["cells"][s])] for s in data["stages"]]
    rows.append(
        [
            "overall",
            _num(data["wape"]["overall"], 3),
            _num(data["coverage"]["overall"], 3),
            str(data["cells"]["overall"]),
        ]
    )
    title = (
        f"backtest of {data['journey']}: {data['weeks']} weeks after {len(data['folds'])} cutoff(s) "
        f"({', '.join(f['cutoff'] for f in data['folds'])}), {data['runs']} runs"
    )
    note = "coverage: share of observed cells inside p05..p95 (about 0.90 for an honest model)"
    if fmt == "markdown":
        charts = []
        fold = data["folds"][-1]
        for i, s in enumerate(data["stages"]):
            a, m, lo, hi = ([float(r[i]) for r in fold[k]] for k in ("actual", "mean", "p05", "p95"))
            charts.append(f"### {s} (cutoff {fold['cutoff']})\n\n```\n{text_chart(a, m, lo, hi)}\n```\n")
        legend = "Each line is a week: `-` the p05..p95 band, `|` the forecast mean, `*` what happened.\n"
        return f"# {title}\n\n{_md(head, rows)}\n{note}\n\n## Forecast vs actual\n\n{legend}\n" + "\n".join(charts)
    return f"{title}\n\n{_table(head, rows)}\n{note}\n"
