"""Server-rendered SVG charts: no JavaScript and nothing fetched from the internet, printable.

Each function returns SVG markup (marked safe) sized by its viewBox so it scales to its container.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import mark_safe

PALETTE = ["#1f6f5c", "#d97706", "#2563eb", "#b3261e", "#7c3aed", "#0891b2"]


def _fmt(value) -> str:
    number = float(value)
    return f"{number:.0f}" if number.is_integer() else f"{number:.1f}"


def _text_width(text: str, font_size: int) -> int:
    """The approximate width of ``text`` in SVG user units at ``font_size`` (no font metrics at hand)."""
    return round(sum(font_size if ord(ch) > 0x2E7F else font_size * 0.6 for ch in str(text)))


def hbar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    max_value: float | None = None,
    unit: str = "",
    thresholds: tuple[float, float] | None = None,
    width: int = 520,
) -> str:
    """Horizontal bars, one per (label, value). With thresholds (warn, ok) bars are coloured
    red below warn, amber below ok, green otherwise (e.g. completion percentages)."""
    if not rows:
        return ""
    bar_height, gap = 18, 8
    # Room for the longest label (a CJK character is about one font size wide, Latin about 0.6 of it), so
    # that "0-36个月儿童中医药健康管理" is not cut off at the left edge.
    label_width = max(150, min(width // 2, 10 + max(_text_width(label, 12) for label, _v in rows)))
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
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" font-size="12">{escape(label)}</text>'
        )
        parts.append(f'<rect x="{label_width}" y="{y}" width="{plot}" height="{bar_height}" fill="#e3ebe8" rx="3"/>')
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{colour}" rx="3">'
            f"<title>{escape(label)}: {_fmt(value)}{escape(unit)}</title></rect>"
        )
        parts.append(
            f'<text x="{label_width + plot + 6}" y="{y + 13}" font-size="12">{_fmt(value)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def line_chart(
    labels: list[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    unit: str = "",
    width: int = 560,
    height: int = 220,
    max_value: float | None = None,
    dashed: tuple[str, ...] = (),
) -> str:
    """Lines over a shared x axis (e.g. months), with a legend; one colour per series. ``max_value``
    fixes the top of the y axis (e.g. 100 for percentages); series named in ``dashed`` are dashed."""
    if not labels or not series:
        return ""
    left, right, top_pad, bottom = 44, 12, 12, 46
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max_value or max((max(values) if values else 0) for _n, values in series) or 1
    step = plot_w / max(1, len(labels) - 1)
    parts = [f'<svg class="chart line" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for fraction in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e8e6"/>')
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{_fmt(top * fraction)}{escape(unit)}</text>"
        )
    for index, label in enumerate(labels):
        x = left + index * step
        parts.append(
            f'<text x="{x:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle" font-size="11">{escape(label)}</text>'
        )
    for number, (name, values) in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = " ".join(
            f"{left + i * step:.1f},{top_pad + plot_h * (1 - float(v) / top):.1f}" for i, v in enumerate(values)
        )
        dash = ' stroke-dasharray="5 4"' if name in dashed else ""
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{points}"/>')
        legend_x = left + (number % 4) * (plot_w / 4)
        legend_y = height - 14 + (number // 4) * 0
        parts.append(
            f'<rect x="{legend_x:.1f}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14:.1f}" y="{legend_y}" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def small_multiples(
    labels: list[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    reference: Sequence[float] | None = None,
    reference_label: str = "",
    series_label: str = "",
    max_value: float = 100,
    unit: str = "%",
    thresholds: tuple[float, float] | None = None,
    columns: int = 5,
    width: int = 900,
) -> str:
    """One small line chart per series (e.g. per township) on the same scale, side by side, each with
    the ``reference`` line dashed behind it (e.g. the county average or the pace to keep) and its last
    value written large. With thresholds (warn, ok) that value is red below warn, amber below ok."""
    if not labels or not series:
        return ""
    columns = max(1, min(columns, len(series)))
    legend_h, gap = 22, 10
    cell_w = (width - gap * (columns - 1)) / columns
    cell_h = 92
    rows = (len(series) + columns - 1) // columns
    height = legend_h + rows * (cell_h + gap)
    top = max_value or 1
    pad_l, pad_r, pad_t, pad_b = 6, 6, 22, 16
    plot_w, plot_h = cell_w - pad_l - pad_r, cell_h - pad_t - pad_b
    step = plot_w / max(1, len(labels) - 1)

    def points(values, x0, y0):
        return " ".join(
            f"{x0 + pad_l + i * step:.1f},{y0 + pad_t + plot_h * (1 - min(1.0, max(0.0, float(v) / top))):.1f}"
            for i, v in enumerate(values)
        )

    parts = [
        f'<svg class="chart multiples" viewBox="0 0 {width} {height}" role="img" xmlns="http://www.w3.org/2000/svg">'
    ]
    parts.append(
        f'<line x1="0" x2="22" y1="9" y2="9" stroke="{PALETTE[0]}" stroke-width="2"/>'
        f'<text x="28" y="13" font-size="12">{escape(series_label)}</text>'
    )
    if reference is not None:
        parts.append(
            '<line x1="200" x2="222" y1="9" y2="9" stroke="#8a9692" stroke-width="1.5" stroke-dasharray="4 3"/>'
            f'<text x="228" y="13" font-size="12">{escape(reference_label)}</text>'
        )
    for index, (name, values) in enumerate(series):
        x0 = (index % columns) * (cell_w + gap)
        y0 = legend_h + (index // columns) * (cell_h + gap)
        last = float(values[-1]) if values else 0.0
        colour = "#1f2a27"
        if thresholds:
            warn, ok = thresholds
            colour = "#b3261e" if last < warn else "#b45309" if last < ok else "#1f7a3a"
        readings = "，".join(
            f"{escape(label)} {_fmt(v)}{escape(unit)}" for label, v in zip(labels, values, strict=False)
        )
        parts.append(f"<g><title>{escape(name)}：{readings}</title>")
        parts.append(
            f'<rect x="{x0:.1f}" y="{y0}" width="{cell_w:.1f}" height="{cell_h}" fill="#fbfcfc" stroke="#e3e8e6" rx="4"/>'
        )
        parts.append(f'<text x="{x0 + pad_l:.1f}" y="{y0 + 15}" font-size="12" font-weight="600">{escape(name)}</text>')
        parts.append(
            f'<text x="{x0 + cell_w - pad_r:.1f}" y="{y0 + 16}" font-size="14" font-weight="700" '
            f'text-anchor="end" fill="{colour}">{_fmt(last)}{escape(unit)}</text>'
        )
        for fraction in (0, 0.5, 1):
            y = y0 + pad_t + plot_h * (1 - fraction)
            parts.append(
                f'<line x1="{x0 + pad_l:.1f}" x2="{x0 + cell_w - pad_r:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="#e3e8e6" stroke-width="0.8"/>'
            )
        if reference is not None:
            parts.append(
                f'<polyline fill="none" stroke="#8a9692" stroke-width="1.2" stroke-dasharray="4 3" '
                f'points="{points(reference, x0, y0)}"/>'
            )
        parts.append(
            f'<polyline fill="none" stroke="{PALETTE[0]}" stroke-width="2" points="{points(values, x0, y0)}"/>'
        )
        parts.append(
            f'<text x="{x0 + pad_l:.1f}" y="{y0 + cell_h - 3}" font-size="10" fill="#5f6b67">{escape(labels[0])}</text>'
            f'<text x="{x0 + cell_w - pad_r:.1f}" y="{y0 + cell_h - 3}" font-size="10" fill="#5f6b67" '
            f'text-anchor="end">{escape(labels[-1])}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
