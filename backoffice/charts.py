"""Charts drawn on the server as SVG (pure): no script, nothing loaded from elsewhere.

Colours are presentation attributes, not ``style``, so the strict
Content-Security-Policy (no inline styles or scripts) still applies.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence

from markupsafe import Markup, escape

PALETTE = {
    "success": "#2e7d32", "failed": "#c62828", "pending": "#f9a825", "held": "#6a1b9a",
    "cancelled": "#757575", "otp_sent": "#1565c0", "initiated": "#90a4ae",
    "ecocash": "#1565c0", "onemoney": "#ef6c00", "zimswitch": "#00838f",
}
FALLBACK_COLOURS = ["#455a64", "#8d6e63", "#5c6bc0", "#26a69a"]
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 240, 36, 28, 12


def colour(name: str, index: int = 0) -> str:
    return PALETTE.get(name, FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)])


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]


def stacked_bars(title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """One bar per label, each series stacked in its colour, with a legend and a y scale."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = max(totals + [1])
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(labels), 1)
    parts: List[str] = [_open(title)]
    for tick in _ticks(top):
        y = TOP + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>'
                     f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{tick}</text>')
    for i, label in enumerate(labels):
        x = LEFT + i * slot + slot * 0.15
        y = TOP + plot_h
        for index, s in enumerate(series):
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                         f'fill="{colour(s.name, index)}">'
                         f'<title>{escape(label)} {escape(s.name)}: {value}</title></rect>')
        if len(labels) <= 12 or i % 2 == 0:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
                         f'font-size="10">{escape(label)}</text>')
    parts.append(_legend([s.name for s in series]))
    parts.append("</svg>")
    return Markup("".join(parts))


def rate_bar(title: str, succeeded: int, settled: int) -> Markup:
    """A success rate as a filled bar with its figure, or a note when nothing settled yet."""
    width, height = WIDTH, 56
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>']
    parts.append(f'<rect x="0" y="8" width="{width}" height="24" fill="#eeeeee"/>')
    if settled:
        share = succeeded / settled
        parts.append(f'<rect x="0" y="8" width="{width * share:.1f}" height="24" fill="{PALETTE["success"]}"/>')
        caption = f"{share:.0%} of {settled} settled payment(s) succeeded"
    else:
        caption = "no payment settled yet today"
    parts.append(f'<text x="0" y="48" font-size="12">{escape(caption)}</text></svg>')
    return Markup("".join(parts))


def _open(title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 24}" role="img" '
            f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>')


def _legend(names: Sequence[str]) -> str:
    parts, x = [], LEFT
    for index, name in enumerate(names):
        parts.append(f'<rect x="{x}" y="{HEIGHT + 8}" width="10" height="10" fill="{colour(name, index)}"/>'
                     f'<text x="{x + 14}" y="{HEIGHT + 17}" font-size="11">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    return "".join(parts)


def _ticks(top: int) -> List[int]:
    step = max(1, -(-top // 4))
    return list(range(0, top + 1, step))


def count_by(rows: Sequence[str], names: Sequence[str]) -> Dict[str, int]:
    counts = {name: 0 for name in names}
    for row in rows:
        counts[row] = counts.get(row, 0) + 1
    return counts
