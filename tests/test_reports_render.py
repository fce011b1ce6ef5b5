"""The annual report's renderers (HTML file, HTML fragment, PDF, DOCX) and charts (SVG, PNG).

The PDF is re-read with pypdf and the DOCX with python-docx: headings, figures, each chart's table, Czech
diacritics intact; the PDF has bookmarks and the DOCX real heading styles."""

from __future__ import annotations

import io
import re
import struct
from datetime import date
from xml.etree import ElementTree

import pytest
from docx import Document as WordDocument
from flask_babel import force_locale
from pypdf import PdfReader

from portal.reports import charts, render
from portal.reports.model import Chart, Figure, Items, Report, Section, Table, Text

CATEGORIES_CS = ["zástupce zřizovatele", "ředitel/ka školy", "pedagogický pracovník",
                 "pracovník s dětmi a mládeží", "pracovník poradenského zařízení", "další odborník", "rodič"]


def _report(language: str = "cs") -> Report:
    composition = Table("Aktivní členové podle kategorie", ["Kategorie", "1. 1. 2025", "31. 12. 2025"],
                        [[c, i, i + 1] for i, c in enumerate(CATEGORIES_CS)])
    attendance = Table("Účast na jednáních", ["Jednání", "Účast"],
                       [["18. 2. 2025", 75.0], ["20. 5. 2025", 81.8], ["16. 9. 2025", 66.7]])
    per_year = Table("Jednání podle let", ["Rok", "Konaná", "Cíl"], [["2024", 3, 4], ["2025", 5, 4]])
    trend = Table("Index podle let", ["Školní rok", "A", "B"],
                  [["2022/23", 0.2, 0.1], ["2023/24", 0.3, None]])
    return Report(
        group_id=1, group_name="PS pro rovné příležitosti", territory_name="MAP ORP Vzorov",
        start=date(2025, 1, 1), end=date(2025, 12, 31), language=language,
        title="Výroční zpráva o činnosti 2025: PS pro rovné příležitosti",
        foreword="Úvodní slovo **koordinátora**: děkujeme všem členům.", notes="Poznámka: žluťoučký kůň.",
        sections=[
            Section("composition", "Složení a vyváženost skupiny", [
                Figure("members_end", "Členové k 31. 12. 2025", 28),
                Figure("evenness_end", "Vyrovnanost (Pielouovo J)", 0.87),
                Chart("composition", "Složení skupiny k 1. 1. 2025 a k 31. 12. 2025", "stacked",
                      ["1. 1. 2025", "31. 12. 2025"],
                      [(c, [float(i), float(i + 1)]) for i, c in enumerate(CATEGORIES_CS)], composition),
                Text("Změna kategorie se počítá jako odchod a příchod."),
            ]),
            Section("meetings", "Jednání", [
                Figure("attendance_rate", "Účast na konaných jednáních", 74.5, "%"),
                Chart("attendance", "Účast podle jednání", "column", [r[0] for r in attendance.rows],
                      [("Účast", [r[1] for r in attendance.rows])], attendance, unit="%"),
                Chart("per_year", "Jednání podle let", "column", ["2024", "2025"],
                      [("Konaná", [3.0, 5.0]), ("Cíl", [4.0, 4.0])], per_year),
                Items(["18. 2. 2025 – 1. řádné jednání", "20. 5. 2025 – zrušeno"]),
            ]),
            Section("signals", "Signály z analýzy území", [
                Chart("trend", "Index podle let", "line", ["2022/23", "2023/24"],
                      [("A", [0.2, 0.3]), ("B", [0.1, None])], trend),
                Chart("bars", "Signály podle stavu", "bar", ["nový", "projednaný"], [("Počet", [2.0, 1.0])],
                      Table("Signály podle stavu", ["Stav", "Počet"], [["nový", 2], ["projednaný", 1]])),
            ]),
            Section("minutes", "Témata, usnesení a úkoly", available=False,
                    note="Tato část zprávy není v této instalaci portálu k dispozici."),
        ],
    )


def _pdf_text(body: bytes) -> str:
    """The PDF's text with every run of white space as one space (lines wrap where the page is full)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


def _outline_titles(outline) -> list[str]:
    titles = []
    for item in outline:
        if isinstance(item, list):
            titles += _outline_titles(item)
        else:
            titles.append(item["/Title"])
    return titles


def test_pdf_has_the_headings_figures_and_chart_tables_with_czech_diacritics(app):
    body = render.render(_report(), "pdf")
    assert body.startswith(b"%PDF")
    text = _pdf_text(body)
    for expected in ("Výroční zpráva o činnosti 2025: PS pro rovné příležitosti", "MAP ORP Vzorov",
                     "1. 1. 2025 – 31. 12. 2025", "Úvodní slovo", "Složení a vyváženost skupiny",
                     "Členové k 31. 12. 2025", "Vyrovnanost (Pielouovo J) 0,87", "74,5 %",
                     "pracovník poradenského zařízení 4 5", "18. 2. 2025 75", "20. 5. 2025 81,8",
                     "2024 3 4", "Tato část zprávy není v této instalaci portálu k dispozici.",
                     "Poznámka: žluťoučký kůň.", "Účast podle jednání"):
        assert expected in text, expected
    # Headings are bookmarks: the sections under the title, the charts under their sections.
    reader = PdfReader(io.BytesIO(body))
    titles = _outline_titles(reader.outline)
    assert titles[:3] == ["Výroční zpráva o činnosti 2025: PS pro rovné příležitosti", "Úvodní slovo",
                          "Složení a vyváženost skupiny"]
    assert "Účast podle jednání" in titles and "Témata, usnesení a úkoly" in titles
    assert text.index("Složení a vyváženost") < text.index("Jednání podle let") < text.index("Poznámky")


def test_pdf_draws_the_charts_as_vectors_with_their_text(app):
    text = _pdf_text(render.render(_report(), "pdf"))
    # Labels drawn in the SVG charts are text in the PDF (not a picture of text).
    assert "31. 12. 2025" in text and "75 %" in text and "81,8 %" in text


def test_docx_has_heading_styles_figures_chart_pictures_and_tables(app):
    body = render.render(_report(), "docx")
    word = WordDocument(io.BytesIO(body))
    headings = [(p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "Výroční zpráva o činnosti 2025: PS pro rovné příležitosti") in headings
    assert ("Heading 2", "Složení a vyváženost skupiny") in headings
    assert ("Heading 3", "Účast podle jednání") in headings
    assert ("Heading 2", "Poznámky") in headings
    cells = [[cell.text for cell in row.cells] for table in word.tables for row in table.rows]
    assert ["Vyrovnanost (Pielouovo J)", "0,87"] in cells
    assert ["Účast na konaných jednáních", "74,5 %"] in cells
    assert ["pracovník poradenského zařízení", "4", "5"] in cells
    assert ["20. 5. 2025", "81,8"] in cells and ["18. 2. 2025", "75,0"] in cells
    assert ["2023/24", "0,3", "—"] in cells
    captions = [p.text for p in word.paragraphs if p.style.name == "Caption"]
    assert "Účast na jednáních" in captions
    # One PNG picture per chart, each with the chart's title as its alternative text.
    assert len(word.inline_shapes) == 5
    descriptions = [shape._inline.docPr.get("descr") for shape in word.inline_shapes]
    assert "Složení skupiny k 1. 1. 2025 a k 31. 12. 2025" in descriptions
    pictures = [part for part in word.part.package.parts if part.content_type == "image/png"]
    assert len(pictures) == 5 and all(p.blob.startswith(b"\x89PNG") for p in pictures)
    texts = "\n".join(p.text for p in word.paragraphs)
    assert "Tato část zprávy není v této instalaci portálu k dispozici." in texts
    assert "žluťoučký kůň" in texts


def test_html_file_is_a_standalone_page_with_inline_svg_and_tables(app):
    html = render.render(_report(), "html").decode("utf-8")
    assert html.startswith("<!doctype html>") and '<html lang="cs">' in html
    # Charts as SVG pictures with their titles as alternative text (the same HTML makes the PDF).
    assert html.count('<img src="data:image/svg+xml;base64,') == 5
    assert 'alt="Účast podle jednání"' in html
    assert "<h2>Složení a vyváženost skupiny</h2>" in html and "<h3>Účast podle jednání</h3>" in html
    assert "<caption>Účast na jednáních</caption>" in html


def test_html_fragment_has_headings_charts_with_titles_and_no_inline_style(app):
    with app.test_request_context():
        fragment = str(render.html_fragment(_report()))
    assert 'style="' not in fragment and "<script" not in fragment
    assert '<h2 id="report-composition">Složení a vyváženost skupiny</h2>' in fragment
    assert "<h3>Účast podle jednání</h3>" in fragment
    assert '<dt>Vyrovnanost (Pielouovo J)</dt><dd>0,87</dd>' in fragment
    assert fragment.count('role="img"') == 5
    assert 'aria-labelledby="report-meetings-attendance-title report-meetings-attendance-desc"' in fragment
    assert '<title id="report-meetings-attendance-title">Účast podle jednání</title>' in fragment
    # Every id is unique in the page.
    ids = re.findall(r'\sid="([^"]+)"', fragment)
    assert len(ids) == len(set(ids))
    assert "Tato část zprávy není v této instalaci portálu k dispozici." in fragment


def test_english_rendering_uses_english_labels_and_number_format(app):
    report = _report("en")
    report.sections[1].blocks[0] = Figure("attendance_rate", "Attendance at held meetings", 1234.5, "%")
    text = _pdf_text(render.render(report, "pdf"))
    assert "Foreword" in text and "Notes" in text and "Language of the report" in text
    assert "1,234.5 %" in text and "English" in text
    with app.test_request_context():
        assert "<dt>Period</dt><dd>Jan 1, 2025 – Dec 31, 2025</dd>" in str(render.html_fragment(report))


def test_an_unknown_format_is_refused(app):
    with pytest.raises(ValueError):
        render.render(_report(), "odt")


# ---- charts ------------------------------------------------------------------------------------------------


def _png_size(body: bytes) -> tuple[int, int]:
    assert body.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", body[16:24])


@pytest.mark.parametrize("index", range(5))
def test_every_chart_kind_is_valid_svg_with_title_desc_and_no_style(app, index):
    report = _report()
    chart = [b for s in report.sections for b in s.blocks if isinstance(b, Chart)][index]
    with force_locale("cs"):
        svg = charts.to_svg(chart, "x")
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("role") == "img"
    assert root.find(f"{ns}title").text == chart.title
    assert root.find(f"{ns}desc").text == "Stejná čísla jsou v tabulce u grafu."
    assert "style=" not in svg and "<script" not in svg
    assert "DejaVu Sans" in root.get("font-family")
    texts = [" ".join("".join(t.itertext()).split()) for t in root.iter(f"{ns}text")]
    for label in chart.labels:
        assert label in texts  # never cut
    assert chart.kind in ("bar", "stacked", "column", "line")


def test_chart_text_is_escaped(app):
    chart = Chart("x", "A < B & \"C\"", "bar", ["<script>alert(1)</script>"], [("n", [1.0])],
                  Table("t", ["a", "b"], [["<script>", 1]]))
    with force_locale("cs"):
        svg = charts.to_svg(chart)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    ElementTree.fromstring(svg)


def test_png_of_a_chart_is_drawn_at_twice_its_size(app):
    chart = _report().sections[0].blocks[2]
    with force_locale("cs"):
        svg = charts.to_svg(chart)
        body = charts.to_png(chart)
    root = ElementTree.fromstring(svg)
    assert _png_size(body) == (2 * int(root.get("width")), 2 * int(root.get("height")))


def test_column_chart_of_counts_has_whole_number_ticks(app):
    chart = Chart("y", "Jednání podle let", "column", ["2024", "2025"], [("Konaná", [3.0, 6.0])],
                  Table("t", ["Rok", "Počet"], [["2024", 3], ["2025", 6]]))
    with force_locale("cs"):
        svg = charts.to_svg(chart)
    ticks = re.findall(r'font-size="11"[^>]*>([^<]+)</text>', svg)
    assert ticks[:5] == ["0", "2", "4", "6", "8"]


# ---- the demo group's report for last year, re-read from the files ---------------------------------------


def test_demo_report_pdf_reads_back_with_the_figures(app):
    from tests.test_reports_sections_r1 import demo_report

    report = demo_report()
    text = _pdf_text(render.render(report, "pdf"))
    for expected in ("Výroční zpráva o činnosti 2025: PS pro rovné příležitosti", "MAP ORP Vzorov",
                     "Složení a vyváženost skupiny", "Členové k 31. 12. 2025 12", "Členové k 1. 1. 2025 6",
                     "Vyrovnanost (Pielouovo J) k 31. 12. 2025 0,96", "Vyvážené složení k 31. 12. 2025 ne",
                     "další odborník 1 3", "Jednání", "Konaná jednání 5", "Zrušená jednání 1",
                     "Účast členů na konaných jednáních 77,4 %", "16. 9. 2025 9 11 81,8",
                     "Účast členů podle jednání", "Jednání podle let ve srovnání s cílem", "2025 5 4 1 0 ano",
                     "Spolupráce s dalšími skupinami", "Obdržená stanoviska k financování 2",
                     "Doučování žáků ohrožených neúspěchem"):
        assert expected in text, expected


def test_demo_report_docx_reads_back_with_the_figures(app):
    from tests.test_reports_sections_r1 import demo_report

    report = demo_report()
    word = WordDocument(io.BytesIO(render.render(report, "docx")))
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    assert headings[:2] == ["Složení a vyváženost skupiny", "Jednání"]
    assert headings[-1] == "Spolupráce s dalšími skupinami"
    cells = [[cell.text for cell in row.cells] for table in word.tables for row in table.rows]
    assert ["Účast členů na konaných jednáních", "77,4 %"] in cells
    assert ["Konaná jednání", "5"] in cells
    assert ["Vyrovnanost (Pielouovo J) k 1. 1. 2025", "0,8"] in cells
    assert ["Účast členů na konaných jednáních", "77,4 %"] in cells
    assert ["21. 10. 2025", "9", "12", "75,0"] in cells  # the attendance chart's table
    # One picture per chart: composition, attendance, by category, meetings per year, and the charts of the
    # sections minutes…signals (milestones, comments by outcome, signals by state, indices' trend).
    charts_in_report = sum(isinstance(b, Chart) for s in report.sections for b in s.blocks)
    assert len(word.inline_shapes) == charts_in_report == 8


def test_demo_report_in_english(app):
    from tests.test_reports_sections_r1 import demo_report

    text = _pdf_text(render.render(demo_report("en"), "pdf"))
    assert "Annual activity report 2025: PS pro rovné příležitosti" in text
    assert "Meetings held 5" in text and "Attendance rate of members at held meetings 77.4 %" in text
    assert "Composition and balance of the group" in text and "other expert 1 3" in text


def test_column_widths_follow_the_texts():
    header = ["Datum", "Jednání", "Účast (%)"]
    rows = [["18. 2. 2025", "Společné jednání s PS pro financování o rozpočtu akčního plánu", "75,0"]]
    date_width, title_width, rate_width = render.widths(header, rows)
    assert date_width == len("18. 2. 2025") + 2  # a date stays on one line
    assert title_width > date_width > rate_width


def test_a_long_bar_label_wraps_onto_lines_and_is_never_cut(app):
    title = "Školní asistenti a mentoring ve třídách s vyšším podílem znevýhodněných žáků"
    chart = Chart("p", "Návrhy", "bar", [title, "Krátký"], [("n", [3.0, 1.0])],
                  Table("t", ["Návrh", "Počet"], [[title, 3], ["Krátký", 1]]))
    with force_locale("cs"):
        svg = charts.to_svg(chart)
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    label = next(t for t in root.iter(f"{ns}text") if t.find(f"{ns}tspan") is not None and
                 "Školní" in "".join(t.itertext()))
    spans = [span.text for span in label.iter(f"{ns}tspan")]
    assert len(spans) == 2 and " ".join(spans) == title
    assert int(root.get("width")) < 800  # the chart did not widen to the whole title
