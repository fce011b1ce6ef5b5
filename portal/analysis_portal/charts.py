"""Geometry of the analysis charts, rendered server-side as SVG by templates/analysis/_charts.html.

No inline style and no script (the CSP forbids both): the templates use SVG presentation attributes and the
classes of static/css/analysis.css. Every chart sits in a <figure> whose table holds the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

LABEL_WIDTH = 230
PLOT_WIDTH = 380
ROW = 26
TOP = 24


@dataclass
class Bar:
    label: str
    share: float | None
    y: float
    width: float
    flagged: bool
    text_x: float


def _scale_max(values: list[float]) -> float:
    """A round upper end for the axis (at least 10 %, at most 100 %)."""
    top = max(values + [0.1])
    return min(1.0, math.ceil(top * 10 + 1e-9) / 10)


def share_bars(items: list[tuple[str, float | None, bool]], *, threshold: float | None = None,
               reference: float | None = None) -> dict[str, Any]:
    """Horizontal bars of shares (label, share, flagged).

    ``threshold`` draws the band the pairwise spread rule allows: from the lowest share up to lowest +
    threshold; a bar reaching past it differs from the lowest by more than the threshold. ``reference`` draws
    a line (e.g. the pooled share of the school type in the territory).
    """
    shares = [s for _, s, _ in items if s is not None]
    band_high = (min(shares) + threshold) if (shares and threshold is not None) else None
    extra = ([band_high] if band_high is not None else []) + ([reference] if reference else [])
    scale = _scale_max(shares + extra)

    def x(value: float) -> float:
        return round(LABEL_WIDTH + PLOT_WIDTH * min(value, scale) / scale, 1)

    bars = []
    for i, (label, share, flagged) in enumerate(items):
        width = round(PLOT_WIDTH * (share or 0.0) / scale, 1)
        bars.append(Bar(label=label, share=share, y=TOP + i * ROW, width=width, flagged=flagged,
                        text_x=round(LABEL_WIDTH + width + 6, 1)))
    height = TOP + len(items) * ROW + 30
    ticks = [{"x": x(scale * k / 4), "value": scale * k / 4} for k in range(5)]
    band = None
    if band_high is not None and shares:
        band = {"x": x(min(shares)), "width": round(x(band_high) - x(min(shares)), 1)}
    return {
        "bars": bars, "left": LABEL_WIDTH, "plot_width": PLOT_WIDTH, "row": ROW, "top": TOP,
        "height": height, "width": LABEL_WIDTH + PLOT_WIDTH + 70, "axis_y": TOP + len(items) * ROW + 4,
        "ticks": ticks, "band": band, "reference_x": x(reference) if reference is not None else None,
    }


@dataclass
class Line:
    key: str
    label: str
    points: list[tuple[float, float, str, float]]  # x, y, year, share

    @property
    def path(self) -> str:
        return " ".join(f"{px},{py}" for px, py, _, _ in self.points)


def trend_lines(years: list[str], series: list[tuple[str, str, dict[str, float | None]]]) -> dict[str, Any]:
    """Lines of a share over school years, one per series (key for the CSS class, label, {year: share})."""
    left, top, plot_w, plot_h = 50, 16, 420, 180
    values = [v for _, _, by_year in series for v in by_year.values() if v is not None]
    scale = _scale_max(values)
    step = plot_w / max(len(years) - 1, 1)

    def y(value: float) -> float:
        return round(top + plot_h - plot_h * value / scale, 1)

    lines = []
    for key, label, by_year in series:
        points = [(round(left + i * step, 1), y(v), year, v)
                  for i, year in enumerate(years) if (v := by_year.get(year)) is not None]
        lines.append(Line(key, label, points))
    return {
        "lines": lines, "width": left + plot_w + 40, "height": top + plot_h + 40, "left": left, "top": top,
        "base": top + plot_h, "right": left + plot_w,
        "years": [{"x": round(left + i * step, 1), "label": year} for i, year in enumerate(years)],
        "ticks": [{"y": y(scale * k / 4), "value": scale * k / 4} for k in range(5)],
    }
