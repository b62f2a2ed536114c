"""A Markdown report of a journey: summary, forecast tables, KPIs, bottlenecks and a comparison.

Used by ``journeytui report`` and by the app's palette ("Report: write Markdown…").
Names are written as they are (Japanese included), but always as literal text: file text goes
through :func:`journeytui.textsafe.markdown_text` (no raw HTML, no links, no control
characters, no ``|`` ending a cell), the description through
:func:`~journeytui.textsafe.markdown_lines`. No Textual.
"""

from __future__ import annotations

from journeytui.model.types import Journey
from journeytui.sim.compare import Comparison, markdown_table, md
from journeytui.sim.exact import estimate_exact
from journeytui.sim.headline import DEFAULT_RUNS, full_forecast
from journeytui.sim.kpi_tree import kpi_tree
from journeytui.sim.limits import Estimate, check
from journeytui.sim.live import ignored_note, live_forecast, lost_share, stage_health, won_share
from journeytui.sim.results import Forecast, SimResult
from journeytui.sim.sensitivity import estimate_sensitivity, sensitivity
from journeytui.textsafe import markdown_lines, no_workflow_commands


def _how(fc: Forecast) -> str:
    """What the forecast is: ``exact``, ``full model: Monte Carlo means, 20 runs, seed 0``, or the
    plain chain with what it ignores."""
    if fc.engine == "monte_carlo":
        s = fc.settings
        return f"full model: Monte Carlo means, {s.get('runs')} runs, seed {s.get('seed')}"
    if fc.ignored:
        return f"plain chain, exact; {ignored_note(fc)}"
    return "exact"


def report_weeks(weeks: int) -> list[int]:
    """The weeks the stage table shows: 0, quarters of the horizon, the horizon."""
    return sorted({0, round(weeks / 4), round(weeks / 2), round(3 * weeks / 4), weeks})


def estimate_report(journey: Journey, weeks: int | None = None) -> Estimate:
    """Memory and time of :func:`report`: the forecast and the sensitivity ranking (the comparison checks itself)."""
    fc = estimate_exact(journey, weeks, what="the report")
    sens = estimate_sensitivity(journey, weeks)
    return Estimate("the report", max(fc.bytes, sens.bytes), fc.seconds + sens.seconds, fc.why, fc.suggestion)


def report(
    journey: Journey,
    *,
    source: str = "",
    weeks: int | None = None,
    comparison: Comparison | None = None,
    sim: SimResult | None = None,
    top: int = 5,
    model: str = "full",
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
) -> str:
    """The whole report as Markdown text (ends with a newline).

    ``model="full"`` (the default): every figure is the journey's full model, exact where the
    exact forecast models the journey, else the means of a seeded Monte Carlo run (``runs``,
    ``seed``) with the won share's 5th-95th percentile band; the sensitivity ranking re-forecasts
    its top ``top`` candidates with the full model. ``model="plain"``: the exact forecast of the
    plain chain, naming what it ignores.
    """
    if model not in ("full", "plain"):
        raise ValueError(f"model must be 'full' or 'plain', not {model!r}")
    j = journey
    check(estimate_report(j, weeks))
    fc = full_forecast(j, weeks=weeks, runs=runs, seed=seed) if model == "full" else live_forecast(j, weeks=weeks)
    names = {s.id: s.name for s in j.stages}
    meta = j.journey
    out = [f"# {md(meta.title or meta.id)}", ""]
    if meta.description:
        out += [markdown_lines(meta.description), ""]
    summary = [
        ["file", source or "-"],
        ["journey id", meta.id],
        ["stages", f"{len(j.stages)} ({sum(s.kind == 'open' for s in j.stages)} open)"],
        ["transitions", str(len(j.transitions))],
        ["stalls", str(len(j.stalls))],
        ["personas", ", ".join(f"{p.name} ({p.role})" for p in j.personas) or "-"],
        ["touchpoints", str(len(j.touchpoints))],
        ["initial leads", f"{sum(j.population.initial.values()):,}"],
        ["arrivals per week", f"{sum(j.population.arrivals.values()):,.1f}"],
        ["horizon", f"{fc.weeks} weeks"],
    ]
    out += ["## Summary", "", *markdown_table(["", ""], summary, left=2), ""]

    shown = report_weeks(fc.weeks)
    out += [f"## Forecast ({_how(fc)})", ""]
    rows = [[sid, names.get(sid, ""), *(f"{fc.mean[t, i]:,.1f}" for t in shown)] for i, sid in enumerate(fc.stages)]
    rows.append(["total", "", *(f"{fc.total[t]:,.1f}" for t in shown)])
    out += [*markdown_table(["stage", "name", *(f"week {t}" for t in shown)], rows, left=2), ""]

    band = fc.won_share_band
    kpis = [
        [f"won by week {fc.weeks}", f"{fc.won[-1]:,.1f}", f"{won_share(fc):.1%}"],
        *([["won share, p05-p95 of runs", "", f"{band[0]:.1%}-{band[1]:.1%}"]] if band else []),
        [f"lost by week {fc.weeks}", f"{fc.lost[-1]:,.1f}", f"{lost_share(fc):.1%}"],
        ["leads so far", f"{fc.total[-1]:,.1f}", ""],
        *([f"stall: {c}", f"{v:,.1f} started", ""] for c, v in fc.stall_starts.items()),
    ]
    out += ["## KPIs", "", *markdown_table(["KPI", "value", "share of leads"], kpis), ""]

    health = stage_health(j, fc)
    if health:
        ranked = sorted(health.values(), key=lambda h: -h.score)
        rows = [
            [
                f"{h.stage} ({names.get(h.stage, '')})",
                f"{h.mean_weeks:.1f}",
                f"{h.stall_share:.0%}",
                f"{h.drop_out:.0%}",
                f"{h.score:.2f}",
            ]
            for h in ranked
        ]
        out += [
            "## Bottlenecks",
            "",
            f"Weakest stage: **{md(ranked[0].stage)}** ({md(names.get(ranked[0].stage, ''))}).",
            "",
            *markdown_table(["stage", "mean weeks in stage", "stalled", "drop-out", "score"], rows),
            "",
        ]

    tree = kpi_tree(j, fc)
    if tree.links:
        rows = [
            [
                f"{lk.stage} ({lk.name})",
                f"{lk.entered:,.0f}",
                f"{lk.forward:.0%}",
                f"{lk.back:.0%}",
                f"{lk.dropped:.0%}",
                f"{lk.remaining:.0%}",
            ]
            for lk in tree.links
        ]
        weakest = tree.weakest
        out += [
            "## KPI tree",
            "",
            f"Won at week {tree.weeks}: {tree.won:,.0f} of {tree.leads:,.0f} leads ({tree.won_share:.1%}), "
            "decomposed into each stage's conversion (entries are gross: a lead that comes back enters again)."
            + (f" Weakest link: **{md(weakest.stage)}**." if weakest else ""),
            "",
            *markdown_table(["stage", "entered", "moved on", "went back", "dropped out", "still there"], rows),
            "",
        ]

    full_base = fc if fc.engine == "monte_carlo" else None  # the same runs and seed: not run again
    effects = sensitivity(j, weeks=fc.weeks, exact_top=top, model=model, runs=runs, seed=seed, base=full_base)[:top]
    if effects:
        rows = [[e.param.label, f"{e.won_delta:+,.1f}", f"{e.share_delta * 100:+.2f} pt"] for e in effects]
        how = (
            f"; the {top} candidates the plain chain's gradient ranks highest, each re-forecast with the "
            f"full model ({runs} runs, seed {seed}, the same draws as the base)"
            if fc.engine == "monte_carlo"
            else ""
        )
        out += [
            f"## Sensitivity (each probability +{effects[0].step * 100:.0f} point alone{how})",
            "",
            *markdown_table(["parameter", "won", "won share"], rows),
            "",
        ]

    if sim is not None:
        s = sim.settings
        rows = [
            [sid, names.get(sid, ""), f"{sim.mean[-1, i]:,.1f}", f"{sim.p05[-1, i]:,.0f}..{sim.p95[-1, i]:,.0f}"]
            for i, sid in enumerate(sim.stages)
        ]
        out += [
            f"## Monte Carlo ({s.get('runs')} runs, seed {s.get('seed')}, week {sim.weeks})",
            "",
            *markdown_table(["stage", "name", "mean", "p05..p95"], rows, left=2),
            "",
        ]

    if comparison is not None:
        out += [comparison.to_markdown(level=2)]
    return no_workflow_commands("\n".join(out).rstrip("\n") + "\n")
