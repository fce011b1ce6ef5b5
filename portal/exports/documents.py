"""Printable documents (DOCX and PDF) from one description: a title, labelled details, and blocks.

A `Document` is plain data; `to_docx` builds it with python-docx and `to_pdf` renders the HTML of
`to_html` with WeasyPrint (fonts: DejaVu Sans first, for Czech diacritics; `scripts/ensure-fonts.sh`
installs it). Both keep the same rules:

- ``landscape=True`` turns the pages: DOCX section orientation LANDSCAPE with the page sizes swapped, PDF
  ``@page { size: A4 landscape }`` — for wide tables (attendance sheet, settlement table).
- A `Table`'s header row repeats on every page (DOCX ``w:tblHeader``, PDF ``thead`` as a header group).
- ``mark`` (e.g. "NÁVRH" on a draft) stands under the title and in the header of every page.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask import current_app, render_template

from portal.text import render_markdown


@dataclass
class Heading:
    text: str
    level: int = 2  # 1 is the document's title


@dataclass
class Paragraph:
    text: str
    bold: bool = False


@dataclass
class Markdown:
    """User-written Markdown (e.g. minutes): sanitised like on the page; headings start at level 3."""

    text: str


@dataclass
class BulletList:
    items: Sequence[str]
    numbered: bool = False


@dataclass
class Table:
    """A table with a header row repeated on every page.

    ``widths`` are relative (they are scaled to the page's width); ``row_height`` (cm) makes every row at
    least that tall (room for a signature); ``blank_rows`` adds empty rows (people who come unannounced)."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float] | None = None
    blank_rows: int = 0
    row_height: float | None = None
    caption: str | None = None  # HTML <caption>; in DOCX a "Caption" paragraph above the table


@dataclass
class Image:
    """A picture drawn from an SVG string (e.g. a chart of `portal.reports.charts`): inline SVG in the HTML
    and the PDF, a PNG (cairosvg) in the DOCX, with `alt` as the picture's text alternative there.

    ``width`` is in cm on the page (the picture keeps its proportions). The SVG goes into the HTML as it
    is, so it must come from code that escapes its texts (as `portal.reports.charts` does), never from
    a user."""

    svg: str
    alt: str
    width: float = 16.0

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")

    @property
    def pixel_width(self) -> int:
        """The SVG's own width in CSS pixels (its `width` attribute), at most `width` cm."""
        match = re.search(r'<svg[^>]*\swidth="([0-9.]+)', self.svg)
        natural = float(match.group(1)) if match else self.width * 96 / 2.54
        return round(min(natural, self.width * 96 / 2.54))


Block = Heading | Paragraph | Markdown | BulletList | Table | Image


@dataclass
class Document:
    title: str
    details: Sequence[tuple[str, str]] = ()
    blocks: list[Block] = field(default_factory=list)
    landscape: bool = False
    mark: str | None = None
    language: str = "cs"

    @property
    def size(self) -> int:
        """The work a PDF render takes, in table rows: a row costs ~4 ms, a Markdown paragraph a fifth
        of that (measurements in `portal.exports.background`)."""
        size = len(self.details)
        for block in self.blocks:
            if isinstance(block, Table):
                size += len(block.rows) + block.blank_rows
            elif isinstance(block, BulletList):
                size += len(block.items)
            elif isinstance(block, Markdown):
                size += (block.text.count("\n\n") + 1) // 5
            elif isinstance(block, Image):
                size += 5  # an SVG chart costs about as much as a few table rows
            else:
                size += 1
        return size


# ---- PDF ------------------------------------------------------------------------------------------------


def to_html(document: Document) -> str:
    """The document as a standalone HTML page (the source of the PDF)."""
    return render_template("exports/document.html", document=document, render_markdown=render_markdown,
                           blocks=[(type(block).__name__, block) for block in document.blocks])


def to_pdf(document: Document) -> bytes:
    from weasyprint import HTML

    return HTML(string=to_html(document), base_url=current_app.root_path).write_pdf()


def render(document: Document, extension: str) -> bytes:
    """The document as a "pdf" or a "docx" file, or its (first) table as a "csv" or an "xlsx" sheet."""
    if extension == "pdf":
        return to_pdf(document)
    if extension == "docx":
        return to_docx(document)
    if extension in ("csv", "xlsx"):
        from portal.exports.tabular import to_csv, to_xlsx

        table = next((block for block in document.blocks if isinstance(block, Table)), None)
        if table is None:
            raise ValueError("only a document with a table renders to a spreadsheet")
        if extension == "csv":
            return to_csv(table.header, table.rows)
        return to_xlsx(table.header, table.rows, title=document.title)
    raise ValueError(f"documents render to pdf, docx, csv or xlsx, not {extension!r}")


# ---- DOCX -----------------------------------------------------------------------------------------------

#: A table of this many columns or more is set in smaller type (PDF: the "wide" class; DOCX: 8 pt).
WIDE_COLUMNS = 8

# Usable width of an A4 page with 1.8 cm margins, in cm.
_A4_WIDTH, _A4_HEIGHT, _MARGIN = 21.0, 29.7, 1.8


def to_docx(document: Document) -> bytes:
    from docx import Document as WordDocument
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    word = WordDocument()
    word.core_properties.title = document.title
    word.core_properties.language = document.language
    section = word.sections[0]
    if document.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(_A4_HEIGHT), Cm(_A4_WIDTH)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(_A4_WIDTH), Cm(_A4_HEIGHT)
    section.left_margin = section.right_margin = Cm(_MARGIN)
    usable = (_A4_HEIGHT if document.landscape else _A4_WIDTH) - 2 * _MARGIN
    style = word.styles["Normal"]
    style.font.name = "DejaVu Sans"
    style.font.size = Pt(10)
    if document.mark:
        header = section.header.paragraphs[0]
        header.add_run(document.mark).bold = True
    word.add_heading(document.title, level=1)
    if document.mark:
        word.add_paragraph().add_run(document.mark).bold = True
    for label, value in document.details:
        paragraph = word.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)
    for block in document.blocks:
        if isinstance(block, Heading):
            word.add_heading(block.text, level=max(1, min(block.level, 9)))
        elif isinstance(block, Paragraph):
            word.add_paragraph().add_run(block.text).bold = block.bold
        elif isinstance(block, BulletList):
            for item in block.items:
                word.add_paragraph(item, style="List Number" if block.numbered else "List Bullet")
        elif isinstance(block, Markdown):
            _MarkdownToWord(word).feed(str(render_markdown(block.text, top_heading=3)))
        elif isinstance(block, Table):
            if block.caption:
                # The caption stays on the page of its table (no caption alone at the foot of a page).
                word.add_paragraph(block.caption, style="Caption").paragraph_format.keep_with_next = True
            _table(word, block, usable)
        elif isinstance(block, Image):
            _image(word, block, usable)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def svg_to_png(svg: str, *, scale: float = 2.0) -> bytes:
    """An SVG as PNG bytes, drawn by cairosvg at `scale` times its size (sharp in print)."""
    import cairosvg

    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)


def _image(word, block: Image, usable: float) -> None:
    """The SVG as a PNG picture in its own paragraph, with `alt` as its description (Word's alt text), at its
    own size as in the PDF (a small chart is not blown up to the page's width), kept with what follows it
    (the table of its numbers)."""
    from docx.shared import Cm

    natural = block.pixel_width * 2.54 / 96
    word.add_picture(io.BytesIO(svg_to_png(block.svg)), width=Cm(min(block.width, usable, natural)))
    word.paragraphs[-1].paragraph_format.keep_with_next = True
    properties = word.inline_shapes[-1]._inline.docPr
    properties.set("descr", block.alt)
    properties.set("title", block.alt)


def _repeat_as_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _table(word, block: Table, usable: float) -> None:
    from docx.shared import Cm

    columns = len(block.header)
    table = word.add_table(rows=1, cols=columns)
    table.style = "Table Grid"
    header = table.rows[0]
    _repeat_as_header(header)
    for cell, text in zip(header.cells, block.header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
    for values in [*block.rows, *([("",) * columns] * block.blank_rows)]:
        row = table.add_row()
        if block.row_height:
            row.height = Cm(block.row_height)
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = "" if text is None else str(text)
    weights = list(block.widths or [1.0] * columns)
    total = sum(weights)
    for row in table.rows:
        for cell, weight in zip(row.cells, weights, strict=True):
            cell.width = Cm(usable * weight / total)
    if columns >= WIDE_COLUMNS:
        # As in the PDF: smaller type, so that words fit their columns instead of breaking mid-word.
        from docx.shared import Pt

        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(8)


class _MarkdownToWord(HTMLParser):
    """Sanitised Markdown HTML → Word paragraphs: headings, paragraphs, lists, quotes, code and tables;
    bold and italic runs. Anything else keeps its text."""

    _HEADINGS = {"h1": 2, "h2": 2, "h3": 2, "h4": 3, "h5": 4, "h6": 5}

    def __init__(self, word):
        super().__init__(convert_charrefs=True)
        self.word = word
        self.paragraph = None
        self.lists: list[str] = []
        self.bold = self.italic = 0
        self.table_rows: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.header_cells = 0

    def _open(self, style: str | None = None, heading: int | None = None):
        if heading is not None:
            self.paragraph = self.word.add_heading("", level=heading)
        else:
            self.paragraph = self.word.add_paragraph(style=style)

    def handle_starttag(self, tag, attrs):
        if tag in self._HEADINGS:
            self._open(heading=self._HEADINGS[tag])
        elif tag == "p" and self.cell is None:
            if self.paragraph is None or not self.lists:
                self._open()
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
        elif tag == "li":
            self._open("List Number" if self.lists and self.lists[-1] == "ol" else "List Bullet")
        elif tag == "pre":
            self._open("No Spacing")
        elif tag == "blockquote":
            self._open("Quote")
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "br" and self.paragraph is not None:
            self.paragraph.add_run().add_break()
        elif tag == "table":
            self.table_rows = []
        elif tag == "tr" and self.table_rows is not None:
            self.table_rows.append([])
        elif tag in ("td", "th") and self.table_rows is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in self._HEADINGS or tag in ("p", "li", "pre", "blockquote"):
            if self.cell is None:
                self.paragraph = None
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag in ("td", "th") and self.cell is not None and self.table_rows:
            self.table_rows[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table" and self.table_rows is not None:
            rows = [row for row in self.table_rows if row]
            self.table_rows = None
            if rows:
                width = max(len(row) for row in rows)
                rows = [row + [""] * (width - len(row)) for row in rows]
                table = self.word.add_table(rows=0, cols=width)
                table.style = "Table Grid"
                for index, values in enumerate(rows):
                    row = table.add_row()
                    if index == 0:
                        _repeat_as_header(row)
                    for cell, text in zip(row.cells, values, strict=True):
                        cell.text = text

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
            return
        if not data.strip() and self.paragraph is None:
            return
        if self.paragraph is None:
            self._open()
        run = self.paragraph.add_run(data)
        run.bold = bool(self.bold) or None
        run.italic = bool(self.italic) or None
