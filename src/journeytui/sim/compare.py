"""Compare two journeys (as-is vs to-be, a file vs its saved version): KPIs side by side with deltas.

Both journeys get the live forecast (:func:`journeytui.sim.live.live_forecast`) over the
same horizon; :class:`Comparison` holds the KPI rows, the stage counts at the horizon and
renders as a text table, JSON or Markdown. The CLI and the app only display it. No Textual.
Labels and stage names are file text: the renderings show them through
:mod:`journeytui.textsafe` (visible escapes, literal Markdown).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from journeytui.model.types import Journey
from journeytui.sim.exact import estimate_exact
from journeytui.sim.limits import Estimate, check
from journeytui.sim.live import ignored_note, live_forecast, lost_share, won_share
from journeytui.sim.results import Forecast
from journeytui.textsafe import markdown_text, no_workflow_commands, visible


@dataclass(frozen=True)
class Row:
    """One KPI of both journeys; ``kind`` is ``count``, ``share`` or ``weeks`` (how to print it)."""

    key: str
    label: str
    a: float | None
    b: float | None
    kind: str = "count"

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    def cells(self) -> tuple[str, str, str]:
        return fmt(self.a, self.kind), fmt(self.b, self.kind), fmt(self.delta, self.kind, signed=True)


def fmt(x: float | None, kind: str, signed: bool = False) -> str:
    if x is None:
        return "-"
    if signed and abs(x) < (0.5 if kind == "weeks" else 0.0005 if kind == "share" else 0.05):
        x = 0.0
    sign = "+" if signed else ""
    if kind == "share":
        return f"{x * 100:{sign},.1f}%" if not signed else f"{x * 100:+,.1f} pt"
    if kind == "weeks":
        return f"{x:{sign},.0f}"
    return f"{x:{sign},.1f}"


def _time_to_half(fc: Forecast) -> float | None:
    """First week by which half of the horizon's wins have happened (None without wins)."""
    final = float(fc.won[-1] - fc.won[0])
    if final <= 0:
        return None
    for t in range(fc.weeks + 1):
        if fc.won[t] - fc.won[0] >= final / 2:
            return float(t)
    return None


def _regressions(j: Journey, fc: Forecast) -> float:
    order = j.stage_order()
    kinds = {s.id: s.kind for s in j.stages}
    # Journey.is_regression, without its linear stage look-up per transition
    regs = {
        f"{t.from_}->{t.to}"
        for t in j.transitions
        if t.from_ in order and t.to in order and order[t.to] < order[t.from_] and kinds.get(t.to) == "open"
    }
    return sum(x for k, x in fc.flows.items() if k in regs)


def _on_hold(fc: Forecast) -> float | None:
    """Leads on hold at the horizon; None where the engine does not record it (Monte Carlo)."""
    return float(fc.on_hold[-1].sum()) if fc.on_hold.size else None


def kpi_rows(ja: Journey, a: Forecast, jb: Journey, b: Forecast) -> list[Row]:
    """The headline KPIs of both forecasts at the horizon."""
    T = a.weeks
    return [
        Row("leads", f"leads so far (week {T})", float(a.total[-1]), float(b.total[-1])),
        Row("won", f"won by week {T}", float(a.won[-1]), float(b.won[-1])),
        Row("won_share", f"won share at week {T}", won_share(a), won_share(b), "share"),
        Row("lost", f"lost by week {T}", float(a.lost[-1]), float(b.lost[-1])),
        Row("lost_share", f"lost share at week {T}", lost_share(a), lost_share(b), "share"),
        Row(
            "in_play",
            "still in play",
            float(a.total[-1] - a.won[-1] - a.lost[-1]),
            float(b.total[-1] - b.won[-1] - b.lost[-1]),
        ),
        Row("half_wins_week", "week half the wins are in", _time_to_half(a), _time_to_half(b), "weeks"),
        Row("stalls", "stalls started", sum(a.stall_starts.values()), sum(b.stall_starts.values())),
        Row("on_hold", f"on hold at week {T}", _on_hold(a), _on_hold(b)),
        Row("regressions", "regression moves", _regressions(ja, a), _regressions(jb, b)),
    ]


@dataclass
class Comparison:
    """Two forecasts over one horizon, with KPI rows and stage rows (stages of either journey)."""

    label_a: str
    label_b: str
    journey_a: Journey
    journey_b: Journey
    a: Forecast
    b: Forecast
    rows: list[Row]
    stage_rows: list[Row]

    @property
    def weeks(self) -> int:
        return self.a.weeks

    def how(self) -> str:
        """Which engines made the figures: ``exact forecast``, ``Monte Carlo means (20 runs, seed 0)``..."""
        names = []
        for fc in (self.a, self.b):
            if fc.engine == "monte_carlo":
                names.append(f"Monte Carlo means ({fc.settings.get('runs')} runs, seed {fc.settings.get('seed')})")
            else:
                names.append("exact forecast" + (" of the plain chain" if fc.ignored else ""))
        return names[0] if names[0] == names[1] else f"{names[0]} vs {names[1]}"

    def notes(self) -> list[str]:
        from journeytui.sim.headline import noise_of_difference

        out = []
        for label, fc in ((self.label_a, self.a), (self.label_b, self.b)):
            note = ignored_note(fc)
            if note:
                out.append(f"{label}: the forecast {note}")
        noise = noise_of_difference(self.a, self.b)
        if noise is not None:
            diff = float(self.b.won[-1] - self.a.won[-1])
            within = "within" if abs(diff) <= noise else "beyond"
            out.append(
                f"won {diff:+,.1f} leads from A to B, {within} Monte Carlo noise ±{noise:,.1f} (three standard errors "
                "of the difference: the same seed draws in another order for another journey, so even a rename "
                "moves the means; more runs narrow it)"
            )
        return out

    def to_json(self) -> dict[str, Any]:
        def row(r: Row) -> dict[str, Any]:
            return {"key": r.key, "label": r.label, "a": _r(r.a), "b": _r(r.b), "delta": _r(r.delta), "kind": r.kind}

        return {
            "a": {
                "label": self.label_a,
                "journey": self.journey_a.journey.id,
                "engine": self.a.engine,
                "settings": self.a.settings,
                "ignored": list(self.a.ignored),
            },
            "b": {
                "label": self.label_b,
                "journey": self.journey_b.journey.id,
                "engine": self.b.engine,
                "settings": self.b.settings,
                "ignored": list(self.b.ignored),
            },
            "weeks": self.weeks,
            "kpis": [row(r) for r in self.rows],
            "stages": [row(r) for r in self.stage_rows],
            "won": {"a": [_r(x) for x in self.a.won], "b": [_r(x) for x in self.b.won]},
        }

    def to_markdown(self, level: int = 2) -> str:
        h = "#" * level
        out = [
            f"{h} Comparison: {md(self.label_a)} vs {md(self.label_b)} (week {self.weeks})",
            "",
            f"Figures: {md(self.how())}.",
            "",
            *markdown_table(["KPI", self.label_a, self.label_b, "delta"], [[r.label, *r.cells()] for r in self.rows]),
            "",
            f"{h}# Stages at week {self.weeks}",
            "",
            *markdown_table(
                ["stage", self.label_a, self.label_b, "delta"], [[r.label, *r.cells()] for r in self.stage_rows]
            ),
        ]
        notes = self.notes()
        if notes:
            out += ["", *(f"- {md(n)}" for n in notes)]
        return no_workflow_commands("\n".join(out) + "\n")

    def to_table(self) -> str:
        """Aligned plain text (double-width names measured in cells; file text as visible escapes,
        never as Rich markup)."""
        from rich import box
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        buf = io.StringIO()
        console = Console(file=buf, width=120, color_system=None, force_terminal=False, highlight=False)
        for title, rows, first in (
            (f"{self.label_a} vs {self.label_b}: {self.how()}, week {self.weeks}", self.rows, "KPI"),
            (f"stages at week {self.weeks}", self.stage_rows, "stage"),
        ):
            table = Table(title=Text(visible(title)), box=box.SIMPLE_HEAD, title_justify="left")
            table.add_column(first)
            for name in (self.label_a, self.label_b, "delta"):
                table.add_column(Text(visible(name)), justify="right")
            for r in rows:
                table.add_row(Text(visible(r.label)), *r.cells())
            console.print(table)
        for note in self.notes():
            console.print(visible(note), markup=False, highlight=False, soft_wrap=True)
        # a long name wraps: a piece of it may start a line, and CI logs show this table
        return no_workflow_commands("\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n")


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 6)


def md(text: str) -> str:
    """Text shown literally in Markdown, safe inside a table cell (see :func:`markdown_text`)."""
    return markdown_text(text)


def markdown_table(header: list[str], rows: list[list[str]], left: int = 1) -> list[str]:
    """GitHub Markdown table lines; the first ``left`` columns left-aligned, the rest right-aligned."""
    lines = ["| " + " | ".join(md(h) for h in header) + " |"]
    lines.append("|" + "|".join([":---"] * left + ["---:"] * (len(header) - left)) + "|")
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return lines


def estimate_compare(a: Journey, b: Journey, weeks: int | None = None) -> Estimate:
    """Memory and time of :func:`compare`: both exact forecasts (refused together, before either runs)."""
    horizon = weeks if weeks is not None else max(a.journey.horizon, b.journey.horizon)
    both = estimate_exact(a, horizon, what="the comparison") + estimate_exact(b, horizon, what="the comparison")
    # both forecasts are held at once
    return Estimate(both.what, 2 * both.bytes, both.seconds, both.why, both.suggestion)


def compare(
    a: Journey,
    b: Journey,
    weeks: int | None = None,
    labels: tuple[str, str] | None = None,
    model: str = "full",
    runs: int = 20,
    seed: int = 0,
) -> Comparison:
    """Forecast both journeys over ``weeks`` (default: the longer of their horizons) and compare.

    ``model="full"`` (the default) forecasts each journey's full model: exact where that is
    exact, else the means of a seeded Monte Carlo run (``runs``, ``seed``).
    ``model="plain"`` compares the exact forecasts of the plain chains, ignoring (and
    naming) what the exact forecast cannot model.
    """
    if model not in ("full", "plain"):
        raise ValueError(f"model must be 'full' or 'plain', not {model!r}")
    horizon = weeks if weeks is not None else max(a.journey.horizon, b.journey.horizon)
    if model == "full":
        from journeytui.sim.headline import full_forecast

        fa = full_forecast(a, weeks=horizon, runs=runs, seed=seed)
        fb = full_forecast(b, weeks=horizon, runs=runs, seed=seed)
    else:
        check(estimate_compare(a, b, horizon))
        fa, fb = live_forecast(a, weeks=horizon), live_forecast(b, weeks=horizon)
    la, lb = labels or (a.journey.id or "A", b.journey.id or "B")
    if la == lb:
        la, lb = f"{la} (A)", f"{lb} (B)"
    names = {s.id: s.name for s in b.stages} | {s.id: s.name for s in a.stages}
    order = list(dict.fromkeys([*fa.stages, *fb.stages]))
    stage_rows = []
    col_a = {s: i for i, s in enumerate(fa.stages)}
    col_b = {s: i for i, s in enumerate(fb.stages)}
    for sid in order:
        va = float(fa.mean[-1, col_a[sid]]) if sid in col_a else None
        vb = float(fb.mean[-1, col_b[sid]]) if sid in col_b else None
        label = sid if names.get(sid, sid) == sid else f"{sid} ({names[sid]})"
        stage_rows.append(Row(sid, label, va, vb))
    return Comparison(la, lb, a, b, fa, fb, kpi_rows(a, fa, b, fb), stage_rows)
