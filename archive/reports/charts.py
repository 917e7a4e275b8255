"""Charts as server-rendered SVG: no script, no chart library, nothing from a CDN (and the CSP forbids both).

The dashboard's stages are cumulative (accepted ⊂ digitised ⊂ catalogued ⊂ received ⊂ expected), so one
chart shape serves every figure: a horizontal bar per row with the stages drawn over each other from the
largest to the smallest, darker as they go, and a tick for the row's target (the work plan's figure, a
storeroom's capacity).  Every bar carries a ``<title>`` (the browser's tooltip) with its figure, and the chart
an ``aria-label``; the numbers are in the tables beside the charts too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["BarRow", "Series", "cumulative_bars"]

# Sized in SVG user units = CSS pixels; ``svg.chart`` (dangan.css) shrinks it to a narrower container.
_LABEL_W = 150
_VALUE_W = 90
_ROW_H = 26
_BAR_H = 16
_LEGEND_H = 28


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


@dataclass(frozen=True)
class BarRow:
    label: str
    values: Sequence[int]  # one per series, largest first (cumulative stages)
    target: int | None = None


def _text_width(text: str) -> int:
    """A rough width at 12 px: CJK characters are square, Latin ones about half as wide."""
    return sum(12 if ord(c) > 0x2E80 else 7 for c in text)


def _fit(text: str, room: int) -> str:
    """``text`` cut to ``room`` units with an ellipsis (the whole text stays in the row's tooltip)."""
    if _text_width(text) <= room:
        return text
    while text and _text_width(text) > room - 12:
        text = text[:-1]
    return text + "…"


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def cumulative_bars(rows: Sequence[BarRow], series: Sequence[Series], *, label: str, testid: str,
                    target_name: str = "", width: int = 720) -> Markup:
    """An SVG of one bar per row, the series drawn over each other, and the row's target as a tick."""
    top = _LEGEND_H
    height = top + _ROW_H * max(len(rows), 1) + 8
    scale_max = max([1, *(v for r in rows for v in r.values), *(r.target or 0 for r in rows)])
    plot_w = width - _LABEL_W - _VALUE_W
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}" '
             f'data-testid="{escape(testid)}" preserveAspectRatio="xMinYMin meet" font-size="12">']
    x = 0
    for s in series:  # legend
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{escape(s.colour)}"/>'
                     f'<text x="{x + 16}" y="16">{escape(s.name)}</text>')
        x += 28 + _text_width(s.name)
    if target_name:
        parts.append(f'<line x1="{x}" y1="4" x2="{x}" y2="20" stroke="#1f2328" stroke-width="2"/>'
                     f'<text x="{x + 6}" y="16">{escape(target_name)}</text>')
    for i, row in enumerate(rows):
        y = top + i * _ROW_H
        parts.append(f'<text x="{_LABEL_W - 8}" y="{y + _BAR_H - 3}" text-anchor="end"><title>{escape(row.label)}'
                     f'</title>{escape(_fit(row.label, _LABEL_W - 12))}</text>')
        parts.append(f'<rect x="{_LABEL_W}" y="{y}" width="{plot_w}" height="{_BAR_H}" fill="#f0f2f5"/>')
        for s, value in zip(series, row.values, strict=True):
            w = plot_w * value / scale_max
            if value <= 0:
                continue
            parts.append(f'<rect class="bar" x="{_LABEL_W}" y="{y}" width="{_fmt(max(w, 1.0))}" height="{_BAR_H}" '
                         f'fill="{escape(s.colour)}"><title>{escape(row.label)} · {escape(s.name)}: '
                         f'{value:,}</title></rect>')
        if row.target:
            tx = _LABEL_W + plot_w * row.target / scale_max
            parts.append(f'<line x1="{_fmt(tx)}" y1="{y - 3}" x2="{_fmt(tx)}" y2="{y + _BAR_H + 3}" '
                         f'stroke="#1f2328" stroke-width="2"><title>{escape(target_name)}: {row.target:,}</title>'
                         '</line>')
        first = row.values[0] if row.values else 0
        shown = f"{first:,}" + (f" / {row.target:,}" if row.target else "")
        parts.append(f'<text x="{width - 4}" y="{y + _BAR_H - 3}" text-anchor="end">{shown}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
