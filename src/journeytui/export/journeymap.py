"""The journey map as the seed articles draw it: phases as columns, the buying committee as rows.

Each cell holds the touchpoints and content that reach that persona in that phase (name,
content type, channel, schedule); an empty cell is a gap, marked as such. Under the phase
headers stand the forecast's expected leads in each stage at the horizon and the weakest
link, both from the journey's **full model** (:func:`journeytui.sim.headline.full_forecast`:
the exact forecast where it is exact, else the means of a seeded Monte Carlo run), labelled
with the week, the engine and the won share's band.

Two renderings of one :class:`JourneyMap`: Markdown (:func:`to_markdown`, for pull requests
and wikis) and one self-contained printable HTML page (:func:`to_html`: inline CSS, no
scripts, no network, a Content-Security-Policy that forbids both, landscape when printed).
File text is escaped for each (:func:`journeytui.textsafe.markdown_text`, one-pass HTML escaping
after :func:`journeytui.textsafe.visible`). No Textual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from journeytui.export.common import Layer, layers
from journeytui.model.types import Journey, Schedule, Stage, Touchpoint
from journeytui.sim.headline import Headline, full_forecast, headline_of
from journeytui.sim.kpi_tree import kpi_tree
from journeytui.textsafe import markdown_lines, markdown_text, no_workflow_commands, visible, visible_lines

ROLE_LABELS = {
    "decision_maker": "decision maker",
    "influencer": "influencer",
    "champion": "champion",
    "user": "user",
    "gatekeeper": "gatekeeper",
    "buyer": "buyer",
}


@dataclass(frozen=True)
class Item:
    """One touchpoint in a cell."""

    name: str
    kind: str
    """Content type, in words (``step email``)."""
    channel: str
    schedule: str
    stages: list[str]
    """Names of the phase's stages it is sent in, when the phase has more than one stage."""


@dataclass(frozen=True)
class Column:
    """One phase: its stages, their forecast counts and whether the weakest link is here."""

    title: str
    stages: list[Stage]
    counts: list[tuple[str, float]]
    """(stage name, expected leads at the forecast's week) for each stage of the phase."""
    weakest: str = ""
    """``比較・検討: 8% of entries moved on`` when the weakest link is in this phase."""


@dataclass(frozen=True)
class Row:
    """One persona (or every lead, for a journey without personas) and its cells, one per column."""

    persona: str
    details: str
    cells: list[list[Item]]


@dataclass(frozen=True)
class JourneyMap:
    title: str
    description: str
    columns: list[Column]
    rows: list[Row]
    headline: Headline
    forecast_note: str
    """What the counts are: the week, the engine (exact, or Monte Carlo runs and seed), the band."""
    outcomes: list[tuple[str, float]] = field(default_factory=list)

    @property
    def gaps(self) -> int:
        return sum(not cell for row in self.rows for cell in row.cells)

    @property
    def cells(self) -> int:
        return sum(len(row.cells) for row in self.rows)


def schedule_text(s: Schedule, names: dict[str, str]) -> str:
    """``day 1, 3, 5, 7`` / ``every 4 weeks, at most 3`` / ``… after Whitepaper``."""
    if s.days:
        when = "day " + ", ".join(str(d) for d in s.days)
    elif s.every_weeks:
        when = "weekly" if s.every_weeks == 1 else f"every {s.every_weeks} weeks"
        if s.start_week:
            when += f" from week {s.start_week}"
    else:
        when = "once"
    if s.max_sends:
        when += f", at most {s.max_sends}"
    if s.after:
        when += f" after {names.get(s.after, s.after)}"
    return when


def _item(t: Touchpoint, stages: list[Stage], channels: dict[str, str], tp_names: dict[str, str]) -> Item:
    in_stages = [s.name for s in stages if s.id in t.stages] if len(stages) > 1 else []
    return Item(
        t.name or t.id,
        t.type.replace("_", " "),
        channels.get(t.channel, t.channel),
        schedule_text(t.schedule, tp_names),
        in_stages,
    )


def _cell(journey: Journey, layer: Layer, persona: str | None) -> list[Item]:
    open_stages = [s for s in layer.stages if s.kind == "open"]
    seen: set[int] = set()
    for s in open_stages:
        seen.update(journey.touchpoints_at(s.id, persona))
    channels = {c.id: c.name for c in journey.channels}
    tp_names = {x.id: x.name for x in journey.touchpoints}
    return [_item(journey.touchpoints[i], open_stages, channels, tp_names) for i in sorted(seen)]


def _column_title(layer: Layer) -> str:
    names = " / ".join(s.name or s.id for s in layer.stages)
    return f"{layer.title}: {names}" if layer.title else names


def build(journey: Journey, weeks: int | None = None, runs: int = 20, seed: int = 0) -> JourneyMap:
    """The map of ``journey`` with its full-model forecast at ``weeks`` (default: its horizon).

    Raises :class:`journeytui.sim.SimulationError` when the forecast is refused (too large).
    """
    fc = full_forecast(journey, weeks=weeks, runs=runs, seed=seed)
    head = headline_of(fc)
    at = {sid: float(fc.mean[fc.weeks, i]) for i, sid in enumerate(fc.stages)}
    weakest = kpi_tree(journey, fc).weakest
    grid = [ly for ly in layers(journey) if any(s.kind == "open" for s in ly.stages)]
    columns = []
    for ly in grid:
        note = ""
        if weakest is not None and any(s.id == weakest.stage for s in ly.stages):
            note = f"{weakest.name or weakest.stage}: {weakest.forward:.0%} of entries moved on"
        counts = [(s.name or s.id, at.get(s.id, 0.0)) for s in ly.stages if s.kind == "open"]
        columns.append(Column(_column_title(ly), ly.stages, counts, note))
    people: list[tuple[str | None, str, str]] = []
    for p in journey.personas:
        authority = "no authority" if p.authority == "none" else f"{p.authority} authority"
        facts = [ROLE_LABELS.get(p.role, p.role), authority, f"influence {p.influence:g}"]
        if p.needs:
            facts.append("needs: " + ", ".join(p.needs))
        people.append((p.id, p.name or p.id, "; ".join(facts)))
    if not people:
        people.append((None, "every lead", "the journey has no personas"))
    rows = [Row(name, details, [_cell(journey, ly, pid) for ly in grid]) for pid, name, details in people]
    if fc.engine == "exact":
        how = "exact forecast"
    else:
        band = (
            f", won share 5-95%: {head.low:.1%}-{head.high:.1%}"
            if head.low is not None and head.high is not None
            else ""
        )
        how = f"Monte Carlo means, {head.runs} runs, seed {head.seed}{band}"
    note = f"expected leads in each stage at the end of week {fc.weeks} (full model: {how})"
    outcomes = [(s.name or s.id, at.get(s.id, 0.0)) for s in journey.stages if s.kind != "open"]
    meta = journey.journey
    return JourneyMap(meta.title or meta.id, meta.description, columns, rows, head, note, outcomes)


# -- Markdown ---------------------------------------------------------------------------------
def _md_item(it: Item) -> str:
    where = f" in {', '.join(it.stages)}" if it.stages else ""
    return f"**{markdown_text(it.name)}** ({markdown_text(it.kind)}, {markdown_text(it.channel)}, " + (
        f"{markdown_text(it.schedule)}{markdown_text(where)})"
    )


def to_markdown(m: JourneyMap) -> str:
    """The map as Markdown: a heading, what the figures are, and the phases x personas table."""
    out = [f"# Journey map: {markdown_text(m.title)}", ""]
    if m.description:
        out += [markdown_lines(m.description), ""]
    out += [f"{markdown_text(m.headline.describe())}.", "", f"Stage counts: {markdown_text(m.forecast_note)}."]
    if m.outcomes:
        out[-1] += " Outcomes: " + ", ".join(f"{markdown_text(n)} {c:,.0f}" for n, c in m.outcomes) + "."
    out += ["", f"Gaps (no content reaches the persona in that phase): {m.gaps} of {m.cells} cells.", ""]
    head = ["persona", *(markdown_text(c.title) for c in m.columns)]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    counts = ["<br>".join(f"{markdown_text(n)}: {v:,.0f}" for n, v in c.counts) for c in m.columns]
    out.append(f"| *forecast, week {m.headline.week}* | " + " | ".join(counts) + " |")
    weak = [f"**⚠ {markdown_text(c.weakest)}**" if c.weakest else "" for c in m.columns]
    out.append("| *weakest link* | " + " | ".join(weak) + " |")
    for row in m.rows:
        cells = ["<br>".join(f"• {_md_item(it)}" for it in cell) if cell else "**gap**" for cell in row.cells]
        who = f"**{markdown_text(row.persona)}**<br>{markdown_text(row.details)}"
        out.append(f"| {who} | " + " | ".join(cells) + " |")
    return no_workflow_commands("\n".join(out) + "\n")


# -- HTML -------------------------------------------------------------------------------------
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "#": "&#35;"})
"""Markup characters, and ``#`` so that no ``##[`` reaches a CI log that prints the page (one pass:
the ``#`` of an entity this writes is never escaped again)."""


def _h(text: str) -> str:
    """File text as HTML text: invisible characters shown as escapes, then markup escaped."""
    return visible(text).translate(_HTML)


CSS = """
:root { color-scheme: light; }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif;
  margin: 24px; color: #1f2933; font-size: 13px; line-height: 1.45; }
h1 { font-size: 20px; margin: 0 0 6px; }
p { margin: 4px 0; }
.description { white-space: pre-line; color: #3e4c59; max-width: 120ch; }
.figures { margin: 10px 0 14px; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border: 1px solid #9aa5b1; padding: 6px 8px; vertical-align: top; text-align: left; }
thead th { background: #e4e7eb; }
th.persona { width: 16%; background: #f5f7fa; }
th.persona .details { display: block; font-weight: normal; color: #52606d; font-size: 11px; }
tr.forecast td, tr.weakest td { background: #f5f7fa; font-size: 12px; }
td.weak { background: #fff3c4 !important; font-weight: bold; }
ul { margin: 0; padding-left: 16px; }
li { margin-bottom: 4px; }
.meta { display: block; color: #52606d; font-size: 11px; }
td.gap { background: repeating-linear-gradient(45deg, #fbe3e1, #fbe3e1 6px, #fff 6px, #fff 12px);
  color: #b3261e; font-weight: bold; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { margin: 0; font-size: 10px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
}
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""No scripts, no fetches, no fonts or images from anywhere: the page is what the file says."""


def _html_item(it: Item) -> str:
    where = f" · {_h(', '.join(it.stages))}" if it.stages else ""
    return (
        f'<li><span class="name">{_h(it.name)}</span> '
        f'<span class="meta">{_h(it.kind)} · {_h(it.channel)} · {_h(it.schedule)}{where}</span></li>'
    )


def to_html(m: JourneyMap) -> str:
    """The map as one HTML page: no scripts, no external resources, printable in landscape."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="ja">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Journey map: {_h(m.title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f'<h1 id="title">Journey map: {_h(m.title)}</h1>',
    ]
    if m.description:
        out.append(f'<p class="description">{_html_lines(m.description)}</p>')
    outcomes = ", ".join(f"{_h(n)} {c:,.0f}" for n, c in m.outcomes)
    outcome_note = f" Outcomes: {outcomes}." if outcomes else ""
    out += [
        '<div class="figures">',
        f'<p id="headline"><strong>{_h(m.headline.describe())}</strong></p>',
        f'<p id="forecast-note">Stage counts: {_h(m.forecast_note)}.{outcome_note}</p>',
        f'<p id="gaps">Gaps (no content reaches the persona in that phase): {m.gaps} of {m.cells} cells.</p>',
        "</div>",
        '<table id="map">',
        "<thead>",
        '<tr><th class="persona" scope="col">persona \\ phase</th>'
        + "".join(f'<th scope="col" data-phase="{i}">{_h(c.title)}</th>' for i, c in enumerate(m.columns))
        + "</tr>",
        f'<tr class="forecast"><th class="persona" scope="row">forecast, week {m.headline.week}</th>'
        + "".join(
            f'<td data-phase="{i}">' + "<br>".join(f"{_h(n)}: {v:,.0f}" for n, v in c.counts) + "</td>"
            for i, c in enumerate(m.columns)
        )
        + "</tr>",
        '<tr class="weakest"><th class="persona" scope="row">weakest link</th>'
        + "".join(
            f'<td class="weak" data-phase="{i}">⚠ {_h(c.weakest)}</td>' if c.weakest else f'<td data-phase="{i}"></td>'
            for i, c in enumerate(m.columns)
        )
        + "</tr>",
        "</thead>",
        "<tbody>",
    ]
    for r, row in enumerate(m.rows):
        cells = []
        for i, cell in enumerate(row.cells):
            if cell:
                items = "".join(_html_item(it) for it in cell)
                cells.append(f'<td data-phase="{i}" data-persona="{r}"><ul>{items}</ul></td>')
            else:
                cells.append(f'<td class="gap" data-phase="{i}" data-persona="{r}">gap</td>')
        out.append(
            f'<tr data-persona="{r}"><th class="persona" scope="row">{_h(row.persona)}'
            f'<span class="details">{_h(row.details)}</span></th>{"".join(cells)}</tr>'
        )
    out += ["</tbody>", "</table>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _html_lines(text: str) -> str:
    """Multi-line prose as HTML text (line breaks kept by CSS); no line starts a workflow command."""
    lines = [_h(line) for line in visible_lines(text.strip()).split("\n")]
    return "\n".join(re.sub(r"^(\s*):", r"\1&#58;", line) for line in lines)


def map_markdown(journey: Journey, weeks: int | None = None, runs: int = 20, seed: int = 0) -> str:
    return to_markdown(build(journey, weeks, runs, seed))


def map_html(journey: Journey, weeks: int | None = None, runs: int = 20, seed: int = 0) -> str:
    return to_html(build(journey, weeks, runs, seed))
