"""The settlement table (*tabulka vypořádání připomínek*) as DOCX, PDF, CSV and XLSX, always in Czech,
with the document, version and round in the heading, ready to attach for the Řídicí výbor.

One module on purpose: when the shared exports package lands, its writers replace the bodies of `_docx`,
`_pdf`, `_csv` and `_xlsx`; the rows come from `portal.rounds.reads.settlement_rows` either way.
"""

from __future__ import annotations

import io

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.exports import to_csv, to_xlsx
from portal.models.rounds import CommentRound
from portal.rounds import local_label, reads

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LOCALE = "cs"


def header() -> list[str]:
    return [
        _("No."),
        _("Author / organisation"),
        _("Chapter / paragraph"),
        _("Comment"),
        _("Proposed wording"),
        _("Type"),
        _("Settlement"),
        _("Reason"),
    ]


def heading(round_: CommentRound) -> tuple[str, list[str]]:
    version = round_.document_version
    title = _("Settlement of comments")
    lines = [
        _("Document: %(title)s, version %(version)s", title=version.document.title, version=version.label),
        _(
            "Comment round: %(title)s (%(opens)s – %(closes)s)",
            title=round_.title,
            opens=local_label(round_.opens_at),
            closes=local_label(round_.closes_at),
        ),
    ]
    figures = reads.progress(round_)
    lines.append(
        _(
            "%(settled)s of %(total)s settled, %(disputes)s disputes",
            settled=figures.settled,
            total=figures.total,
            disputes=figures.disputes,
        )
    )
    return title, lines


def _cells(row: reads.SettlementRow) -> list:
    return [
        row.number,
        row.author,
        row.place,
        row.text,
        row.proposed_wording,
        row.kind,
        row.outcome,
        row.reason,
    ]


def filename(round_: CommentRound, fmt: str) -> str:
    """ "Vypořádání připomínek – Strategický rámec MAP v2.docx" (send_file encodes it by RFC 5987)."""
    with force_locale(LOCALE):
        name = _(
            "Settlement of comments – %(title)s %(version)s",
            title=round_.document_version.document.title,
            version=round_.document_version.label,
        )
    name = "".join(" " if ch in '\\/:*?"<>|\r\n\t' else ch for ch in name).strip()
    return f"{name}.{fmt}"


def render(round_: CommentRound, fmt: str) -> tuple[bytes, str]:
    with force_locale(LOCALE):
        rows = reads.settlement_rows(round_)
        data = {"docx": _docx, "pdf": _pdf, "csv": _csv, "xlsx": _xlsx}[fmt](round_, rows)
    return data, FORMATS[fmt]


def _csv(round_: CommentRound, rows: list[reads.SettlementRow]) -> bytes:
    return to_csv(header(), (_cells(r) for r in rows))


def _xlsx(round_: CommentRound, rows: list[reads.SettlementRow]) -> bytes:
    return to_xlsx(header(), (_cells(r) for r in rows), title=_("Settlement of comments"))


def _docx(round_: CommentRound, rows: list[reads.SettlementRow]) -> bytes:
    """A landscape A4 Word document; the table's header row repeats on every page."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    document.styles["Normal"].font.size = Pt(9)
    title, lines = heading(round_)
    document.add_heading(title, level=1)
    for line in lines:
        document.add_paragraph(line)
    names = header()
    table = document.add_table(rows=1, cols=len(names))
    table.style = "Table Grid"
    head = table.rows[0]
    properties = head._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)
    for cell, name in zip(head.cells, names, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(name).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, _cells(row), strict=True):
            cell.text = str(value)
    widths = [Cm(1), Cm(3.5), Cm(2.5), Cm(6), Cm(4.5), Cm(2.2), Cm(2.8), Cm(4.2)]
    for table_row in table.rows:
        for cell, width in zip(table_row.cells, widths, strict=True):
            cell.width = width
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pdf(round_: CommentRound, rows: list[reads.SettlementRow]) -> bytes:
    """WeasyPrint from an HTML page of its own (landscape A4; the table head repeats on every page)."""
    from weasyprint import HTML

    title, lines = heading(round_)
    html = render_template(
        "rounds/settlement_table.html", title=title, lines=lines, header=header(), rows=rows
    )
    return HTML(string=html, base_url=current_app.root_path).write_pdf()
