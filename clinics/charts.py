"""Server-rendered SVG charts: no JavaScript and nothing fetched from the internet, printable.

Each function returns SVG markup (marked safe) sized by its viewBox so it scales to its container.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import mark_safe

PALETTE = ["#1f6f5c", "#d97706", "#2563eb", "#b3261e", "#7c3aed", "#0891b2"]


def _fmt(value) -> str:
    number = float(value)
    return f"{number:.0f}" if number.is_integer() else f"{number:.1f}"


def hbar_chart(rows: list[tuple[str, float]], *, max_value: float | None = None, unit: str = "",
               thresholds: tuple[float, float] | None = None, width: int = 520) -> str:
    """Horizontal bars, one per (label, value). With thresholds (warn, ok) bars are coloured
    red below warn, amber below ok, green otherwise (e.g. completion percentages)."""
    if not rows:
        return ""
    bar_height, gap, label_width = 18, 8, 150
    top = max_value if max_value else max((v for _l, v in rows), default=0) or 1
    height = len(rows) * (bar_height + gap) + gap
    plot = width - label_width - 60
    parts = [f'<svg class="chart hbar" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for index, (label, value) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        length = max(0.0, min(1.0, float(value) / top)) * plot
        colour = PALETTE[0]
        if thresholds:
            warn, ok = thresholds
            colour = "#b3261e" if value < warn else "#d97706" if value < ok else "#1f7a3a"
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{plot}" height="{bar_height}" fill="#e3ebe8" rx="3"/>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{colour}" rx="3">'
                     f'<title>{escape(label)}: {_fmt(value)}{escape(unit)}</title></rect>')
        parts.append(f'<text x="{label_width + plot + 6}" y="{y + 13}" font-size="12">{_fmt(value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def line_chart(labels: list[str], series: list[tuple[str, list[float]]], *, unit: str = "", width: int = 560,
               height: int = 220) -> str:
    """Lines over a shared x axis (e.g. months), with a legend; one colour per series."""
    if not labels or not series:
        return ""
    left, right, top_pad, bottom = 44, 12, 12, 46
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max((max(values) if values else 0) for _n, values in series) or 1
    step = plot_w / max(1, len(labels) - 1)
    parts = [f'<svg class="chart line" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for fraction in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e8e6"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{_fmt(top * fraction)}</text>')
    for index, label in enumerate(labels):
        x = left + index * step
        parts.append(f'<text x="{x:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle" font-size="11">{escape(label)}</text>')
    for number, (name, values) in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = " ".join(f"{left + i * step:.1f},{top_pad + plot_h * (1 - float(v) / top):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        legend_x = left + (number % 4) * (plot_w / 4)
        legend_y = height - 14 + (number // 4) * 0
        parts.append(f'<rect x="{legend_x:.1f}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{legend_x + 14:.1f}" y="{legend_y}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
