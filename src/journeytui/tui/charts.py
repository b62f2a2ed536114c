"""Terminal charts drawn with block characters, as Rich Text (no Textual, so they are easy to test).

Series are downsampled to the width they get: one column per week when the
horizon fits, else evenly spaced weeks (the first and the last always shown).
Callers show :func:`placeholder` text when a chart cannot render.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.cells import cell_len
from rich.text import Text

from journeytui.tui.graph_layout import fit

BARS = " ▁▂▃▄▅▆▇█"
MIN_BARS = 16
"""The fewest week columns a sparkline keeps when labels are long."""
PALETTE = ("cyan", "magenta", "yellow", "bright_blue", "green", "bright_red", "bright_cyan", "bright_magenta")


class ChartError(ValueError):
    """The chart cannot be drawn at this size or with this data."""


def placeholder(reason: str) -> Text:
    return Text(f"(no chart: {reason})", style="dim italic")


def sample_columns(points: int, width: int) -> np.ndarray:
    """Indices of ``points`` samples to show in ``width`` columns (all of them when they fit)."""
    if width < 1 or points < 1:
        raise ChartError("no room")
    if points <= width:
        return np.arange(points)
    return np.unique(np.linspace(0, points - 1, width).round().astype(int))


def sparkline(values: np.ndarray, top: float | None = None) -> str:
    """One row of bars, scaled to ``top`` (default: the series' own maximum)."""
    peak = float(top if top is not None else (values.max() if values.size else 0.0))
    if peak <= 0 or not np.isfinite(peak):
        return BARS[0] * len(values)
    idx = np.clip(np.ceil(values / peak * (len(BARS) - 1)), 0, len(BARS) - 1).astype(int)
    return "".join(BARS[i] for i in idx)


def small_multiples(
    labels: Sequence[str],
    series: np.ndarray,
    width: int,
    *,
    extra: Sequence[tuple[str, np.ndarray, str]] = (),
    label_width: int | None = None,
    short_labels: Sequence[str] | None = None,
) -> Text:
    """One sparkline row per column of ``series`` ((weeks + 1) x n), each scaled to its own peak.

    Each row: the label, the bars, then the value at the last week. ``extra`` rows
    (label, values, style) follow, e.g. cumulative won and lost. Labels are measured in
    terminal cells (a Japanese character takes two): the label column is as wide as the
    longest label while the bars keep :data:`MIN_BARS` columns; when ``labels`` would be
    cut there, ``short_labels`` (e.g. the stage names alone) are shown instead, and a label
    that still does not fit ends in "…".
    """
    if series.ndim != 2 or series.shape[0] < 2:
        raise ChartError("nothing to plot")
    value_width = 9
    room = width - value_width - 2
    if label_width is None:
        extra_labels = [lab for lab, _, _ in extra]
        candidates = [list(labels)] + ([list(short_labels)] if short_labels is not None else [])
        widest = room - MIN_BARS
        for option in candidates:
            labels = option
            need = max((cell_len(lab) for lab in [*option, *extra_labels]), default=1)
            if need <= widest:
                break
        label_width = max(4, min(need, widest))
    bars = room - label_width
    if bars < 8:
        raise ChartError("the panel is too narrow")
    cols = sample_columns(series.shape[0], bars)
    out = Text(no_wrap=True, overflow="crop")
    rows = [(lab, series[:, i], PALETTE[i % len(PALETTE)]) for i, lab in enumerate(labels)] + list(extra)
    for n, (label, values, style) in enumerate(rows):
        name = fit(label, label_width)
        out.append(name + " " * (label_width - cell_len(name) + 1), style="bold" if n >= len(labels) else "")
        out.append(sparkline(values[cols]).ljust(bars), style=style)
        out.append(f" {values[-1]:>{value_width},.0f}")
        out.append("\n")
    weeks = series.shape[0] - 1
    axis = f"week 0{'':{max(0, len(cols) - 12)}}week {weeks}"
    out.append(" " * (label_width + 1) + axis, style="dim")
    return out


def band_chart(
    mean: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    width: int,
    height: int = 8,
    exact: np.ndarray | None = None,
) -> Text:
    """A percentile band (░ between low and high) with the mean (━) and an optional exact line (•)."""
    if height < 3:
        raise ChartError("the panel is too short")
    axis_width = 8
    cols_n = width - axis_width - 1
    if cols_n < 8:
        raise ChartError("the panel is too narrow")
    cols = sample_columns(len(mean), cols_n)
    peak = float(max(high.max(), mean.max(), exact.max() if exact is not None else 0.0))
    if peak <= 0:
        peak = 1.0
    step = peak / height
    grid = [[(" ", "")] * len(cols) for _ in range(height)]

    def row_of(v: float) -> int:
        return min(height - 1, max(0, int(v / step)))

    for c, t in enumerate(cols):
        lo, hi = row_of(float(low[t])), row_of(float(high[t]))
        for r in range(lo, hi + 1):
            grid[r][c] = ("░", "blue")
        grid[row_of(float(mean[t]))][c] = ("━", "bold cyan")
        if exact is not None:
            r = row_of(float(exact[t]))
            if grid[r][c][0] != "━":
                grid[r][c] = ("•", "yellow")
    out = Text(no_wrap=True, overflow="crop")
    for r in range(height - 1, -1, -1):
        label = f"{step * (r + 1):>{axis_width - 1},.0f}" if r in (height - 1, 0) else ""
        out.append(f"{label:>{axis_width - 1}} │", style="dim")
        for ch, style in grid[r]:
            out.append(ch, style=style)
        out.append("\n")
    weeks = len(mean) - 1
    out.append(" " * axis_width + f"week 0{'':{max(0, len(cols) - 12)}}week {weeks}", style="dim")
    return out
