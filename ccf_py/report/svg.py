"""Small inline-SVG chart builders shared by the table and the monthly HTML renderers.

Each function returns one ``<svg role="img">`` element whose ``<title>`` is its accessible name.
Charts are sized through ``viewBox`` and scale with their container (see ``svg.chart`` in the page
CSS). Callers pass raw strings: every label is HTML-escaped here. Charts show emissions, which are
never negative, so negative values (credits leaking into a metric) are drawn as zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

OPERATIONAL_COLOR = "#2a7f62"
EMBODIED_COLOR = "#d9912b"
BAR_COLOR = "#3a6ea5"
LINE_COLOR = "#2a7f62"

WIDTH = 1000
LABEL_W = 250       # left column holding the bar labels
VALUE_W = 90        # right margin holding the value printed after each bar
ROW_H = 22
BAR_H = 14
LEGEND_H = 28
MAX_LABEL_CHARS = 34


def fmt_value(value: float, significant: int = 3) -> str:
    """A number for people: thousands separators, ``significant`` digits below 100, never
    scientific notation (0.000959, not 9.59e-04)."""
    a = abs(value)
    if a == 0 or not math.isfinite(value):
        return "0" if a == 0 else str(value)
    if a >= 100:
        return f"{value:,.0f}"
    decimals = significant - 1 - math.floor(math.log10(a))
    if decimals > MAX_DECIMALS:
        return f"{'-' if value < 0 else ''}<0.{'0' * (MAX_DECIMALS - 1)}1"
    return f"{value:,.{max(decimals, 0)}f}"


MAX_DECIMALS = 9


def nice_ticks(vmax: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 up to at least ``vmax`` (steps of 1, 2, 2.5 or 5 x 10^k)."""
    if not vmax > 0 or math.isinf(vmax):
        return [0.0, 1.0]
    raw = vmax / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))
    n = max(1, math.ceil(vmax / step - 1e-9))
    return [i * step for i in range(n + 1)]


def _clean(value: float | None) -> float:
    v = float(value or 0)
    return v if v > 0 and math.isfinite(v) else 0.0


def shorten(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    """Cut the middle out of a long label: IDs and ARNs differ at their end, names at both."""
    if len(label) <= limit:
        return label
    head = (limit - 1) * 2 // 5
    return label[:head] + "\u2026" + label[head + 1 - limit:]


def _open(title: str, width: int, height: int) -> str:
    t = escape(title)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{t}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'font-size="12"><title>{t}</title>')


def _empty(title: str, width: int) -> str:
    return (_open(title, width, 60)
            + f'<text x="{width / 2:.0f}" y="34" text-anchor="middle" fill="#666">'
              'No data</text></svg>')


def _legend(series: Sequence[tuple[str, str]], x: float) -> str:
    parts = []
    for name, color in series:
        parts.append(f'<rect x="{x:.1f}" y="6" width="12" height="12" fill="{color}"/>'
                     f'<text x="{x + 16:.1f}" y="16">{escape(name)}</text>')
        x += 28 + 7 * len(name)
    return "".join(parts)


def _row_label(label: str, y: float) -> str:
    return (f'<text x="{LABEL_W - 8}" y="{y + BAR_H - 3:.1f}" text-anchor="end">'
            f'<title>{escape(label)}</title>{escape(shorten(label))}</text>')


def stacked_bar_chart(labels: Sequence[str],
                      series: Sequence[tuple[str, Sequence[float | None]]], *,
                      title: str, unit: str = "", colors: Sequence[str] | None = None,
                      width: int = WIDTH) -> str:
    """Horizontal bars, one per label, each split into the ``(name, values)`` series in order."""
    if not labels:
        return _empty(title, width)
    colors = list(colors or (OPERATIONAL_COLOR, EMBODIED_COLOR, BAR_COLOR))
    values = [[_clean(v) for v in vals] for _, vals in series]
    totals = [sum(col) for col in zip(*values, strict=True)]
    vmax = max(totals) or 1.0
    plot_w = width - LABEL_W - VALUE_W
    height = LEGEND_H + ROW_H * len(labels) + 6
    legend = [(name, colors[i % len(colors)]) for i, (name, _) in enumerate(series)]
    out = [_open(title, width, height), _legend(legend, LABEL_W)]
    for i, label in enumerate(labels):
        y = LEGEND_H + i * ROW_H
        out.append(_row_label(label, y))
        x = float(LABEL_W)
        for s, (name, _) in enumerate(series):
            w = values[s][i] / vmax * plot_w
            if w > 0:
                tip = f"{label} \u2014 {name}: {fmt_value(values[s][i])} {unit}".strip()
                out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{BAR_H}" '
                           f'fill="{legend[s][1]}"><title>{escape(tip)}</title></rect>')
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + BAR_H - 3:.1f}" fill="#333">'
                   f'{escape(_with_unit(totals[i], unit))}</text>')
    out.append(_baseline(LEGEND_H, height - 6))
    out.append("</svg>")
    return "".join(out)


def bar_chart(labels: Sequence[str], values: Sequence[float | None], *, title: str,
              unit: str = "", color: str = BAR_COLOR, width: int = WIDTH) -> str:
    """Horizontal bars, one per label; the value is printed after each bar."""
    if not labels:
        return _empty(title, width)
    vals = [_clean(v) for v in values]
    vmax = max(vals) or 1.0
    plot_w = width - LABEL_W - VALUE_W
    height = ROW_H * len(labels) + 12
    out = [_open(title, width, height)]
    for i, (label, v) in enumerate(zip(labels, vals, strict=True)):
        y = 6 + i * ROW_H
        w = v / vmax * plot_w
        tip = f"{label}: {fmt_value(v)} {unit}".strip()
        out.append(_row_label(label, y))
        out.append(f'<rect x="{LABEL_W}" y="{y:.1f}" width="{w:.1f}" height="{BAR_H}" '
                   f'fill="{color}"><title>{escape(tip)}</title></rect>')
        out.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{y + BAR_H - 3:.1f}" fill="#333">'
                   f'{escape(_with_unit(v, unit))}</text>')
    out.append(_baseline(2, height - 4))
    out.append("</svg>")
    return "".join(out)


def _with_unit(value: float, unit: str) -> str:
    """The value printed after a bar, with the unit's first word ("262 kg")."""
    short = unit.split()[0] if unit else ""
    return f"{fmt_value(value)} {short}".strip()


def _baseline(y0: float, y1: float) -> str:
    return f'<line x1="{LABEL_W}" y1="{y0}" x2="{LABEL_W}" y2="{y1}" stroke="#999"/>'


def line_chart(labels: Sequence[str], values: Sequence[float | None], *, title: str,
               unit: str = "", color: str = LINE_COLOR, width: int = WIDTH,
               height: int = 256, x_label: str = "") -> str:
    """Area + line chart over ordered ``labels`` (e.g. days), with a y axis from zero."""
    if not labels:
        return _empty(title, width)
    vals = [_clean(v) for v in values]
    left, right, top, bottom = 64, 16, 24, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max(vals))
    ymax = ticks[-1]
    n = len(vals)
    xs = [left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2) for i in range(n)]
    ys = [top + plot_h * (1 - v / ymax) for v in vals]
    out = [_open(title, width, height)]
    if unit:
        out.append(f'<text x="4" y="14" fill="#555">{escape(unit)}</text>')
    for t in ticks:
        y = top + plot_h * (1 - t / ymax)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                   f'stroke="#e2e2e2"/><text x="{left - 6}" y="{y + 4:.1f}" '
                   f'text-anchor="end" fill="#555">{escape(fmt_value(t))}</text>')
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    base = top + plot_h
    out.append(f'<polygon points="{xs[0]:.1f},{base:.1f} {pts} {xs[-1]:.1f},{base:.1f}" '
               f'fill="{color}" fill-opacity="0.18"/>')
    out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>')
    for x, y, label, v in zip(xs, ys, labels, vals, strict=True):
        tip = f"{label}: {fmt_value(v)} {unit}".strip()
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
                   f'<title>{escape(tip)}</title></circle>')
    step = max(1, math.ceil(n / 8))
    for i in range(0, n, step):
        anchor = "end" if i == n - 1 and n > 1 else "middle"
        out.append(f'<text x="{xs[i]:.1f}" y="{height - 28}" text-anchor="{anchor}" '
                   f'fill="#555">{escape(str(labels[i]))}</text>')
    if x_label:
        out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                   f'fill="#555">{escape(x_label)}</text>')
    out.append("</svg>")
    return "".join(out)
