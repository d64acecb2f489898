"""Server-rendered SVG charts for the dashboards: no JavaScript, no inline styles (strict CSP).

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` (its text alternative, named
by aria-labelledby); every bar is a `<rect class="bar …">` with its own `<title>` (the value on
hover). Colours are SVG presentation attributes (allowed by the CSP) so that the charts also
print. The data table is rendered next to each chart by the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#0b5394", "#e69138", "#6aa84f", "#a61c00", "#674ea7", "#45818e")
_ids = count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | int | None]
    colour: str = PALETTE[0]


def _num(value) -> float:
    return float(value or 0)


def fmt_number(value) -> str:
    """Vietnamese number style: 1.234 and 66,67; None is a dash."""
    if value is None:
        return "—"
    value = float(value)
    if value.is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def _head(title: str, desc: str, width: int, height: int) -> tuple[str, str]:
    n = next(_ids)
    tid, did = f"chart-{n}-title", f"chart-{n}-desc"
    return (
        f'<svg class="chart" role="img" aria-labelledby="{tid} {did}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>',
        tid,
    )


def _legend(series: Sequence[Series], x: int, y: int) -> str:
    parts = []
    for i, s in enumerate(series):
        xx = x + i * 170
        parts.append(
            f'<rect class="legend" x="{xx}" y="{y - 10}" width="12" height="12" '
            f'fill="{s.colour}"></rect>'
            f'<text x="{xx + 16}" y="{y}" font-size="12">{escape(s.name)}</text>'
        )
    return "".join(parts)


def bar_chart(
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    stacked: bool = False,
    width: int = 640,
    height: int = 260,
) -> SafeString:
    """Vertical bars per category: grouped side by side, or stacked (e.g. on time vs late)."""
    head, _tid = _head(title, desc, width, height)
    left, right, top, bottom = 48, 12, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    if stacked:
        peak = max([sum(_num(s.values[i]) for s in series) for i in range(len(categories))] or [0])
    else:
        peak = max([_num(v) for s in series for v in s.values] or [0])
    peak = peak or 1
    parts = [head, _legend(series, left, 14)]
    # Axis and three grid lines with their values.
    for k in range(4):
        y = top + plot_h - plot_h * k / 3
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d0d0d0" stroke-width="1"></line>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{fmt_number(round(peak * k / 3))}</text>"
        )
    slot = plot_w / max(len(categories), 1)
    groups = 1 if stacked else max(len(series), 1)
    bar_w = max(min(slot * 0.7 / groups, 48), 2)
    for i, label in enumerate(categories):
        x0 = left + slot * i + (slot - bar_w * groups) / 2
        base = top + plot_h
        for j, s in enumerate(series):
            v = _num(s.values[i])
            h = plot_h * v / peak
            x = x0 if stacked else x0 + j * bar_w
            y = base - h
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{s.colour}"><title>{escape(label)} — '
                f"{escape(s.name)}: {fmt_number(s.values[i])}</title></rect>"
            )
            if stacked:
                base = y
        parts.append(
            f'<text x="{left + slot * i + slot / 2:.1f}" y="{height - bottom + 16}" '
            f'font-size="11" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped above)


def hbar_chart(
    title: str,
    desc: str,
    items: Sequence[tuple[str, float | None]],
    *,
    maximum: float | None = None,
    width: int = 640,
    colour: str = PALETTE[0],
    unit: str = "",
) -> SafeString:
    """Horizontal bars, one per item (rankings): label on the left, value at the bar's end."""
    row_h, top, label_w = 26, 8, 230
    height = top * 2 + row_h * max(len(items), 1)
    head, _tid = _head(title, desc, width, height)
    peak = maximum or max([_num(v) for _l, v in items] or [0]) or 1
    plot_w = width - label_w - 70
    parts = [head]
    for i, (label, value) in enumerate(items):
        y = top + row_h * i
        w = plot_w * min(_num(value), peak) / peak
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 16}" font-size="12" text-anchor="end">'
            f"{escape(short)}</text>"
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{colour}"><title>{escape(label)}: {fmt_number(value)}{escape(unit)}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="12">'
            f"{fmt_number(value)}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped above)
