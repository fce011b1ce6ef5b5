"""The annual report as files (HTML, PDF, DOCX) and as a fragment of a portal page.

One layout for every format, built on the exports package (`portal.exports.documents`: fonts, page set-up,
table headers repeated on every page, DOCX heading styles): the title and the report's details (group,
territory, period, language), the coordinator's foreword, the sections in their order (an unavailable
section shows its note), and the notes at the end. In a section, consecutive figures make one two-column
table; each chart is a level-3 heading, the picture (SVG in HTML and PDF, PNG in DOCX) and the table with
the same numbers right below it. Headings are real headings everywhere: h1–h3 in HTML (so WeasyPrint makes
the PDF's bookmarks from them) and Word's Heading styles in the DOCX (its navigation pane).

Everything is rendered in `report.language` (flask_babel.force_locale), whatever the reader's interface
language: a Czech report stays Czech.
"""

from __future__ import annotations

from collections.abc import Iterator

from babel import Locale
from flask import render_template
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from portal import exports
from portal.i18n import date_filter
from portal.reports import charts
from portal.reports.model import Block, Cell, Chart, Figure, Items, Report, Section, Table, Text
from portal.text import render_markdown

FORMATS = ("html", "pdf", "docx")


def cell(value: Cell) -> str:
    """A table cell or a figure as people read it: numbers in the locale's format ("12,5"), none as "—"."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return format_decimal(value)
    if isinstance(value, float):
        # At least one decimal, as the pages show rates ("75,0 %"); at most two (Pielou's J "0,96").
        return format_decimal(value, "#,##0.0#")
    return str(value)


def figure_value(figure: Figure) -> str:
    text = cell(figure.value)
    return f"{text} {figure.unit}" if figure.unit and figure.value is not None else text


def period(report: Report) -> str:
    return f"{date_filter(report.start)} – {date_filter(report.end)}"


def details(report: Report) -> list[tuple[str, str]]:
    """The title page's details, in the report's language (call inside force_locale)."""
    rows = [(_("Working group"), report.group_name)]
    if report.territory_name:
        rows.append((_("Territory"), report.territory_name))
    rows.append((_("Period"), period(report)))
    language = Locale.parse(report.language).get_display_name(report.language)
    rows.append((_("Language of the report"), language))
    return rows


def runs(blocks: list[Block]) -> Iterator[tuple[str, object]]:
    """The section's blocks with consecutive figures gathered: ("figures", [Figure…]) or (kind, block)."""
    figures: list[Figure] = []
    for block in blocks:
        if isinstance(block, Figure):
            figures.append(block)
            continue
        if figures:
            yield "figures", figures
            figures = []
        yield type(block).__name__.lower(), block
    if figures:
        yield "figures", figures


def chart_id(section: Section, chart: Chart) -> str:
    return f"report-{section.key}-{chart.key}".replace("_", "-")


# ---- files -------------------------------------------------------------------------------------------------


def widths(header: list[str], rows: list[list[str]]) -> list[float]:
    """Relative column widths from the texts: a column of short numbers stays narrow, a column of titles
    gets room (its longest word always fits; long texts wrap, never cut)."""
    weights = []
    for index, heading in enumerate(header):
        texts = [row[index] for row in rows if index < len(row)]
        # Short texts (a date, "81,8") keep to one line; longer ones may wrap between words.
        longest_word = max((len(text) if len(text) <= 14 else max(map(len, text.split()), default=0)
                            for text in [*heading.split(), *texts]), default=1)
        mean = sum(len(text) for text in texts) / len(texts) if texts else len(heading)
        weights.append(max(longest_word, min(mean, 40.0)) + 2)
    return weights


def _table(table: Table) -> exports.Table:
    header = [str(h) for h in table.header]
    rows = [[cell(value) for value in row] for row in table.rows]
    return exports.Table(header=header, rows=rows, widths=widths(header, rows), caption=table.caption or None)


def document(report: Report) -> exports.Document:
    """The report as an exports `Document` (call inside force_locale(report.language))."""
    blocks: list[exports.documents.Block] = []
    if report.foreword:
        blocks += [exports.Heading(_("Foreword"), 2), exports.Markdown(report.foreword)]
    for section in report.sections:
        blocks.append(exports.Heading(section.title, 2))
        if section.note:
            blocks.append(exports.Paragraph(section.note))
        if not section.available:
            continue
        for kind, block in runs(section.blocks):
            if kind == "figures":
                blocks.append(exports.Table(header=[_("Figure"), _("Value")],
                                            rows=[[f.label, figure_value(f)] for f in block],
                                            widths=[3, 1]))
            elif isinstance(block, Table):
                blocks.append(_table(block))
            elif isinstance(block, Chart):
                blocks.append(exports.Heading(block.title, 3))
                blocks.append(exports.Image(charts.to_svg(block, chart_id(section, block)), alt=block.title))
                blocks.append(_table(block.table))
            elif isinstance(block, Text):
                blocks.append(exports.Paragraph(block.text))
            elif isinstance(block, Items):
                blocks.append(exports.BulletList(list(block.items)))
    if report.notes:
        blocks += [exports.Heading(_("Notes"), 2), exports.Markdown(report.notes)]
    return exports.Document(title=report.title, details=details(report), blocks=blocks,
                            language=report.language)


def render(report: Report, fmt: str) -> bytes:
    """The report as a file: "html" (a standalone page, the PDF's source), "pdf" or "docx"."""
    if fmt not in FORMATS:
        raise ValueError(f"a report renders to {', '.join(FORMATS)}, not {fmt!r}")
    with force_locale(report.language):
        doc = document(report)
        if fmt == "html":
            return exports.to_html(doc).encode("utf-8")
        if fmt == "pdf":
            return exports.to_pdf(doc)
        return exports.to_docx(doc)


# ---- the portal page -------------------------------------------------------------------------------------


def _inline_svg(section: Section, chart: Chart) -> Markup:
    # Built by portal.reports.charts, which escapes every text it draws.
    return Markup(charts.to_svg(chart, chart_id(section, chart)))


def html_fragment(report: Report, *, heading_level: int = 2) -> Markup:
    """The report's body for a portal page (which gives the report's title as its h1): details, foreword,
    sections as `heading_level` headings, charts as inline SVG with their tables. No inline style or
    script (the CSP)."""
    with force_locale(report.language):
        return Markup(render_template(
            "reports/_rendered.html", report=report, details=details(report), runs=runs, cell=cell,
            figure_value=figure_value, svg=_inline_svg, render_markdown=render_markdown,
            h=max(2, min(heading_level, 5)),
        ))
