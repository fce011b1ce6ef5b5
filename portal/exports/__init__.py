"""One exports package for the whole portal: CSV, XLSX, DOCX and PDF.

What every area uses (attendance sheet, minutes, member lists, analysis tables, the settlement table…):

Tables for spreadsheets (`portal.exports.tabular`)::

    body = to_csv(header, rows)                  # UTF-8 with BOM, ";"-separated (Czech Excel)
    body = to_xlsx(header, rows, title="Členové")

Text that a spreadsheet would run as a formula (= + - @, tab, CR) gets a leading apostrophe in both
(`neutralise_cell`, the rule of SPEC section 1); XLSX cells are always values, never formulas.

Printable documents (`portal.exports.documents`)::

    doc = Document(title="Vyúčtování", details=[("Skupina", "…")], landscape=True, mark=None,
                   blocks=[Heading("Položky"), Table(header=[…], rows=[[…], …], widths=[1, 4, 2]),
                           Paragraph("…"), Markdown(user_text), BulletList([…]),
                           Image(svg_string, alt="…")])
    to_docx(doc) / to_pdf(doc) / to_html(doc)

``landscape=True`` is the landscape table layout (DOCX section orientation, PDF page size); a `Table`
repeats its header row on every page; ``mark="NÁVRH"`` labels a draft on every page. Build the
document inside ``flask_babel.force_locale("cs")`` when it is an official Czech document.

Downloads (`portal.exports.files`)::

    return send(body, file_name("prezenční listina", day, extension="pdf"))

`send` goes through ``flask.send_file(download_name=...)``: Content-Disposition carries the Czech name
(``filename*=UTF-8''…``, RFC 5987) and an ASCII fallback; the response is private and not cached.

Slow renders (`portal.exports.background`): list a builder ``(**args) -> Document`` in ``BUILDERS``
(e.g. ``"documents.settlement": "portal.documents.settlement:table_of"`` taking ``settlement_id=``), then
answer the export route with ``return deliver("documents.settlement", {"settlement_id": s.id},
filename=file_name("vyúčtování", day, extension="pdf"))`` after the access checks: small files are sent
at once, a large PDF (``Document.size`` over ``EXPORTS_INLINE_LIMIT``), or a DOCX/XLSX over its own
limit (``EXPORTS_INLINE_LIMIT_DOCX``, ``_XLSX``), becomes a background job with a progress page
(``exports.job``) and then the file (``exports.download``). `render` also gives a document's table as
"csv" or "xlsx".
"""

from portal.exports.background import deliver, register_builder, render_later, runs_in_background
from portal.exports.documents import (
    BulletList,
    Document,
    Heading,
    Image,
    Markdown,
    Paragraph,
    Table,
    render,
    to_docx,
    to_html,
    to_pdf,
)
from portal.exports.files import MIMETYPES, file_name, send
from portal.exports.tabular import CSV, XLSX, neutralise_cell, to_csv, to_xlsx

__all__ = [
    "CSV",
    "MIMETYPES",
    "XLSX",
    "BulletList",
    "Document",
    "Heading",
    "Image",
    "Markdown",
    "Paragraph",
    "Table",
    "deliver",
    "file_name",
    "neutralise_cell",
    "register_builder",
    "render",
    "render_later",
    "runs_in_background",
    "send",
    "to_csv",
    "to_docx",
    "to_html",
    "to_pdf",
    "to_xlsx",
]
