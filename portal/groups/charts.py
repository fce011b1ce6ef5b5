"""Geometry of the server-rendered SVG charts (no inline style, no script: the CSP forbids both).

Each chart has a table beside it in the page, which is its text equivalent.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.groups.balance import CATEGORIES, Assessment, Snapshot

BAR_LEFT = 250  # room for the longest category label ("pracovník poradenského zařízení")
BAR_WIDTH = 360
ROW = 28


@dataclass
class Bar:
    category: str
    count: int
    y: int
    width: float
    missing: bool
    over: bool


def composition_bars(assessment: Assessment) -> dict:
    """Horizontal bars, one per category, scaled so the dominance limit is always on the chart."""
    scale_max = max([*assessment.counts.values(), assessment.max_members, 1])
    bars = []
    for i, category in enumerate(CATEGORIES):
        count = assessment.counts[category]
        bars.append(Bar(
            category=category,
            count=count,
            y=10 + i * ROW,
            width=round(BAR_WIDTH * count / scale_max, 1),
            missing=count < assessment.thresholds.min_per_category,
            over=assessment.total > 0 and count > assessment.limit + 1e-9,
        ))
    # The line stands at the limit in whole people (2 members under a limit of 2.3 are at it, not below).
    limit = assessment.max_members
    limit_x = round(BAR_LEFT + BAR_WIDTH * limit / scale_max, 1) if assessment.total else None
    return {"bars": bars, "left": BAR_LEFT, "bar_width": BAR_WIDTH, "row": ROW,
            "height": 20 + len(CATEGORIES) * ROW, "limit_x": limit_x, "width": BAR_LEFT + BAR_WIDTH + 40}


@dataclass
class Segment:
    category: str
    y: float
    height: float


@dataclass
class Column:
    snapshot: Snapshot
    x: float
    segments: list[Segment]
    total_y: float


def timeline_columns(snapshots: list[Snapshot]) -> dict:
    """Stacked columns, one per snapshot date, segments coloured by category."""
    height, top, bottom, left, step = 180, 15, 40, 30, 44
    highest = max([s.total for s in snapshots] + [1])
    columns = []
    for i, snap in enumerate(snapshots):
        x = left + i * step
        y = top + height
        segments = []
        for category in CATEGORIES:
            h = height * snap.counts[category] / highest
            if h:
                y -= h
                segments.append(Segment(category, round(y, 1), round(h, 1)))
        columns.append(Column(snap, x, segments, round(y, 1)))
    return {"columns": columns, "width": left + len(snapshots) * step + 10, "height": top + height + bottom,
            "base": top + height, "bar": step - 12, "highest": highest, "top": top}
