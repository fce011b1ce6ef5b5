"""The report's charts: a `model.Chart` as an SVG string (HTML page and PDF) or PNG bytes (DOCX).

The SVG is self-contained, so the same string serves the portal page, WeasyPrint and cairosvg: colours, font
and sizes are presentation attributes (no inline style, no script: the portal's CSP forbids both), the font
family is DejaVu Sans (Czech diacritics; `scripts/ensure-fonts.sh`), and a <title> and <desc> tell a screen
reader what the chart shows and that the table beside it holds the same numbers. Labels are never cut: the
label column grows with the longest label, and column labels that do not fit their slot are turned.

Kinds (see `model.Chart`): "bar" (one value per label, horizontal), "stacked" (several series per label,
horizontal stacked bars with a legend), "column" (vertical columns, one group of columns per label) and
"line" (several series over the labels, with a legend).

Numbers shown in the chart are formatted in the current locale (the renderers force the report's language).
"""

from __future__ import annotations

import math
import textwrap
from html import escape

from flask_babel import format_decimal
from flask_babel import gettext as _

from portal.exports.documents import svg_to_png
from portal.reports.model import Chart

FONT = "DejaVu Sans, Liberation Sans, sans-serif"
FONT_SIZE = 12
CHAR_WIDTH = 7.2  # a generous average advance of DejaVu Sans at 12 px (its glyphs are wide)
TEXT_COLOUR = "#1c2a3a"
AXIS_COLOUR = "#8a97a8"
GRID_COLOUR = "#d9dee5"
# The portal's category colours first (groups.css), so a chart by category matches the group page.
PALETTE = ("#2362a2", "#6a3d9a", "#1d6b35", "#b15928", "#0b7a75", "#5a6b80", "#b3261e", "#a66b00")

ROW = 26
PLOT_WIDTH = 360
LABEL_LINE = 40  # characters of a bar's label on one line
LINE_HEIGHT = 15


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def nice_ceiling(value: float) -> float:
    """A round upper end for an axis: 1, 2, 2.5, 5 or 10 times a power of ten, at least `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power + 1e-9:
            return step * power
    return 10 * power


def axis_top(values: list[float]) -> float:
    """The axis' upper end, four round steps (0.1, 0.25, 2, 5…) from zero; whole counts get whole steps."""
    top = max(values + [0])
    step = nice_ceiling(top / 4) if top > 0 else 0.25
    if values and all(float(v).is_integer() for v in values):
        step = max(1.0, math.ceil(step))
    return 4 * step


def number(value: float | None, unit: str | None = None, pattern: str = "#,##0.#") -> str:
    if value is None:
        return "—"
    text = format_decimal(value, pattern)
    return f"{text} {unit}" if unit else text


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = FONT_SIZE,
          weight: str | None = None, rotate: float | None = None) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    if rotate is not None:
        extra += f' transform="rotate({rotate:g} {x:g} {y:g})"'
    return (f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}" font-size="{size}" fill="{TEXT_COLOUR}"'
            f'{extra}>{escape(content)}</text>')


def _lines(x: float, y: float, lines: list[str]) -> str:
    """Right-aligned lines of one label (a wrapped long label), the first baseline at `y`."""
    spans = "".join(f'<tspan x="{x:g}" dy="{0 if i == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return (f'<text x="{x:g}" y="{y:g}" text-anchor="end" font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">'
            f"{spans}</text>")


def _rect(x: float, y: float, width: float, height: float, fill: str) -> str:
    return f'<rect x="{x:g}" y="{y:g}" width="{max(width, 0):g}" height="{max(height, 0):g}" fill="{fill}"/>'


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str = AXIS_COLOUR) -> str:
    return f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{stroke}" stroke-width="1"/>'


def _legend(names: list[str], top: float, left: float, width: float) -> tuple[list[str], float]:
    """Swatches with the series' names, wrapped into lines across `width`; the parts and their height."""
    parts: list[str] = []
    x, y = left, top
    for index, name in enumerate(names):
        item = 18 + text_width(name) + 16
        if x > left and x + item > left + width:
            x, y = left, y + 20
        parts.append(_rect(x, y, 12, 12, colour(index)))
        parts.append(_text(x + 18, y + 11, name))
        x += item
    return parts, (y - top) + 24 if names else 0


def _svg(chart: Chart, width: float, height: float, parts: list[str], ident: str | None) -> str:
    ident = ident or f"chart-{chart.key}"
    description = _("The same numbers are in the table next to the chart.")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart report-chart" role="img" '
        f'width="{math.ceil(width)}" height="{math.ceil(height)}" '
        f'viewBox="0 0 {math.ceil(width)} {math.ceil(height)}" font-family="{FONT}" '
        f'aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(chart.title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
        f'<rect x="0" y="0" width="{math.ceil(width)}" height="{math.ceil(height)}" fill="#ffffff"/>'
        + "".join(parts) + "</svg>"
    )


def _horizontal(chart: Chart, ident: str | None) -> str:
    stacked = chart.kind == "stacked"
    series = chart.series if stacked else chart.series[:1]
    totals = []
    for index in range(len(chart.labels)):
        values = [values[index] for _name, values in series if values[index] is not None]
        totals.append(sum(values) if values else None)
    scale = axis_top([t for t in totals if t is not None])
    # A long label (a proposal's title) wraps onto more lines rather than widening the chart or being cut.
    lines = [textwrap.wrap(label, LABEL_LINE, break_long_words=False) or [""] for label in chart.labels]
    label_width = max([text_width(line) for wrapped in lines for line in wrapped] + [40]) + 12
    value_width = max([text_width(number(t, chart.unit)) for t in totals] + [30]) + 12
    top = 10
    parts: list[str] = []
    y = top
    for index, wrapped in enumerate(lines):
        row = max(ROW, LINE_HEIGHT * len(wrapped) + 10)
        first = y + row / 2 + 4 - LINE_HEIGHT * (len(wrapped) - 1) / 2
        parts.append(_lines(label_width - 8, first, wrapped))
        x = label_width
        for series_index, (_name, values) in enumerate(series):
            value = values[index]
            if not value:
                continue
            width = PLOT_WIDTH * value / scale
            parts.append(_rect(x, y + row / 2 - (ROW - 8) / 2, width, ROW - 8, colour(series_index)))
            x += width
        parts.append(_text(x + 6, y + row / 2 + 4, number(totals[index], chart.unit)))
        y += row
    axis_bottom = y
    parts.append(_line(label_width, top - 4, label_width, axis_bottom))
    width = label_width + PLOT_WIDTH + value_width
    height = axis_bottom + 8
    if stacked:
        legend, legend_height = _legend([name for name, _values in series], height + 6, 10, width - 20)
        parts.extend(legend)
        height += 6 + legend_height
    return _svg(chart, width, height, parts, ident)


def _vertical(chart: Chart, ident: str | None) -> str:
    line = chart.kind == "line"
    series = chart.series
    values = [v for _name, vs in series for v in vs if v is not None]
    scale = axis_top(values)
    count = max(len(chart.labels), 1)
    left = max(text_width(number(scale / 4 * 3, pattern="#,##0.###")) + 14, 40)
    slot = min(max(44.0, 520 / count), 130.0)  # a year or two alone do not make metre-wide columns
    plot_width = slot * count
    top, plot_height = 14, 180
    base = top + plot_height
    longest = max([text_width(label) for label in chart.labels] + [0])
    turned = longest > slot - 6
    label_room = (longest * 0.72 + 18) if turned else 22
    if turned:  # a turned label reaches left of its column: room for the first one's
        left = max(left, longest * 0.72 - slot / 2 + 10)

    def y_of(value: float) -> float:
        return base - plot_height * value / scale

    parts: list[str] = []
    for step in range(5):
        tick = scale * step / 4
        y = y_of(tick)
        parts.append(_line(left, y, left + plot_width, y, GRID_COLOUR))
        parts.append(_text(left - 6, y + 4, number(tick, pattern="#,##0.###"), anchor="end", size=11))
    for index, label in enumerate(chart.labels):
        centre = left + slot * index + slot / 2
        if turned:
            parts.append(_text(centre + 4, base + 14, label, anchor="end", rotate=-45))
        else:
            parts.append(_text(centre, base + 16, label, anchor="middle"))
    if line:
        for series_index, (_name, vs) in enumerate(series):
            points = [(left + slot * i + slot / 2, y_of(v)) for i, v in enumerate(vs) if v is not None]
            # A missing value breaks the line rather than bridging the gap.
            pieces: list[list[tuple[float, float]]] = [[]]
            for i, v in enumerate(vs):
                if v is None:
                    pieces.append([])
                else:
                    pieces[-1].append((left + slot * i + slot / 2, y_of(v)))
            for piece in pieces:
                if len(piece) > 1:
                    path = " ".join(f"{x:g},{y:g}" for x, y in piece)
                    parts.append(f'<polyline points="{path}" fill="none" stroke="{colour(series_index)}" '
                                 f'stroke-width="2.5"/>')
            for (x, y), value in zip(points, [v for v in vs if v is not None], strict=True):
                parts.append(f'<circle cx="{x:g}" cy="{y:g}" r="4" fill="{colour(series_index)}"/>')
                if len(series) == 1:
                    parts.append(_text(x, y - 8, number(value, chart.unit), anchor="middle", size=11))
    else:
        bar = (slot - 12) / max(len(series), 1)
        for index in range(len(chart.labels)):
            for series_index, (_name, vs) in enumerate(series):
                value = vs[index]
                x = left + slot * index + 6 + bar * series_index
                if value:
                    parts.append(_rect(x, y_of(value), bar - 2, base - y_of(value), colour(series_index)))
                parts.append(_text(x + (bar - 2) / 2, y_of(value or 0) - 4, number(value, chart.unit),
                                   anchor="middle", size=11))
    parts.append(_line(left, base, left + plot_width, base))
    width = left + plot_width + 12
    height = base + label_room + 6
    if len(series) > 1:
        legend, legend_height = _legend([name for name, _vs in series], height, 10, width - 20)
        parts.extend(legend)
        height += legend_height
    return _svg(chart, width, height, parts, ident)


def to_svg(chart: Chart, ident: str | None = None) -> str:
    """The chart as a standalone SVG document (a string); `ident` prefixes the ids of its title and desc
    (unique within the page that shows it)."""
    if chart.kind in ("bar", "stacked"):
        return _horizontal(chart, ident)
    if chart.kind in ("column", "line"):
        return _vertical(chart, ident)
    raise ValueError(f"unknown chart kind {chart.kind!r}")


__all__ = ["svg_to_png", "to_png", "to_svg"]


def to_png(chart: Chart, *, scale: float = 2.0) -> bytes:
    return svg_to_png(to_svg(chart), scale=scale)
