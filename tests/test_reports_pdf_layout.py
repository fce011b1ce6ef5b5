"""The PDF of a report as a reader sees it (WeasyPrint's own layout, looked at box by box): nothing runs off
the page, the details on the title page stay beside their labels, and a table's caption is on the same page
as the table. Found by looking at the demo group's annual report: a nine-column table of comment rounds ran
past the right edge ("z toho nevyřešené" cut off), "Území:" stood beside the second line of the group's
name, and captions were left alone at the foot of a page with their table on the next one."""

from __future__ import annotations

from weasyprint import HTML

from portal import exports
from portal.reports import render

# The comment rounds' table of the annual report (portal/reports/sections), as it reads in Czech.
ROUNDS_HEADER = ["Kolo připomínek", "Dokument", "Otevřeno", "Připomínky", "zásadní", "doporučující",
                 "Rozpory", "z toho nevyřešené", "Stav"]
ROUNDS_ROW = ["Připomínky k ročnímu akčnímu plánu", "Roční akční plán MAP ORP Vzorov 2025, v1",
              "3. 3. 2025 – 24. 3. 2025", "7", "4", "3", "3", "1", "uzavřeno"]


def _layout(document: exports.Document):
    return HTML(string=exports.documents.to_html(document)).render()


def _boxes(page):
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        yield box
        stack.extend(getattr(box, "children", []) or [])


def _texts(rendered) -> list[tuple[int, object]]:
    return [(number, box) for number, page in enumerate(rendered.pages) for box in _boxes(page)
            if type(box).__name__ == "TextBox"]


def test_a_wide_table_keeps_within_the_page(app):
    header, rows = ROUNDS_HEADER, [ROUNDS_ROW] * 3
    table = exports.Table(header=header, rows=rows, widths=render.widths(header, rows), caption="Kola")
    with app.test_request_context():
        rendered = _layout(exports.Document(title="Zpráva", blocks=[table]))
    page = rendered.pages[0]._page_box
    right = page.margin_width() - page.margin_right - page.padding_right
    overflowing = [box.text for _n, box in _texts(rendered) if box.position_x + box.width > right + 0.5]
    assert overflowing == []
    cells = [box for box in _boxes(rendered.pages[0]) if type(box).__name__ == "TableCellBox"]
    assert cells and max(cell.position_x + cell.margin_width() for cell in cells) <= right + 0.5


def test_the_details_stay_beside_their_labels(app):
    details = [("Pracovní skupina", "PS pro rovné příležitosti"), ("Území", "MAP ORP Vzorov"),
               ("Období", "1. 1. 2025 – 31. 12. 2025"), ("Jazyk zprávy", "čeština")]
    with app.test_request_context():
        rendered = _layout(exports.Document(title="Zpráva", details=details))
    top = {}
    for _n, box in _texts(rendered):
        top.setdefault(box.text, box.position_y)
    for label, value in details[1:]:
        assert abs(top[f"{label}:"] - top[value]) < 1, (label, value)
    assert top["Území:"] > top["Pracovní"]


def test_a_caption_is_on_the_page_of_its_table(app):
    """Whatever comes before it, a table's caption never ends a page with the table on the next one."""
    table = exports.Table(header=["Stav", "Milníky"], rows=[["splněno", "1"], ["nesplněno", "1"]],
                          caption="Přehled")
    alone = []
    with app.test_request_context():
        for lines in range(24, 44):
            blocks = [exports.Paragraph(f"Odstavec {i}") for i in range(lines)] + [table]
            rendered = _layout(exports.Document(title="Zpráva", blocks=blocks))
            pages = {box.text: number for number, box in _texts(rendered)}
            if pages["Přehled"] != pages["splněno"]:
                alone.append(lines)
    assert alone == []


def test_the_docx_keeps_a_small_chart_at_its_size_and_captions_with_their_tables(app):
    """In the DOCX, the meetings-per-year chart (one year: a small picture) was blown up to the page's width
    with huge type, and a table's caption could end a page with its table on the next one."""
    import io

    import docx
    from docx.shared import Cm

    from portal.reports import charts
    from portal.reports.model import Chart, Table

    chart = Chart(key="per_year", title="Jednání podle let", kind="column", labels=["2025"],
                  series=[("Konaná", [5]), ("Cíl", [4])],
                  table=Table(caption="Jednání podle let", header=["Rok", "Konaná", "Cíl"],
                              rows=[["2025", 5, 4]]))
    picture = exports.Image(charts.to_svg(chart, "per-year"), alt=chart.title)
    table = exports.Table(header=["Rok", "Konaná", "Cíl"], rows=[["2025", "5", "4"]],
                          caption="Jednání podle let")
    with app.test_request_context():
        data = exports.to_docx(exports.Document(title="Zpráva", blocks=[picture, table]))
    word = docx.Document(io.BytesIO(data))
    shape = word.inline_shapes[0]
    assert abs(shape.width - Cm(picture.pixel_width * 2.54 / 96)) < Cm(0.05)
    assert shape.width < Cm(16)
    kept = {p.text or "(picture)": p.paragraph_format.keep_with_next for p in word.paragraphs[1:]}
    assert kept == {"(picture)": True, "Jednání podle let": True}


def test_the_docx_sets_a_wide_table_in_smaller_type(app):
    """In the DOCX (LibreOffice, Word) the eight-column table of meetings broke the place mid-word
    ("Komensk|ého") at 10 pt; like the PDF, a wide table is set in 8 pt, a narrow one stays as it was."""
    import io

    import docx
    from docx.shared import Pt

    wide = exports.Table(header=ROUNDS_HEADER, rows=[ROUNDS_ROW], caption="Kola")
    narrow = exports.Table(header=["Stav", "Milníky"], rows=[["splněno", "1"]])
    with app.test_request_context():
        data = exports.to_docx(exports.Document(title="Zpráva", blocks=[wide, narrow]))
    first, second = docx.Document(io.BytesIO(data)).tables
    def sizes(table):
        return {run.font.size for row in table.rows for cell in row.cells for p in cell.paragraphs
                for run in p.runs}

    assert sizes(first) == {Pt(8)}
    assert sizes(second) == {None}
