"""Real small files for the documents tests, made by the tests: DOCX (python-docx), PDF (WeasyPrint),
Markdown; and a document with a coordinator, through the services."""

from __future__ import annotations

import io

from portal.documents import services
from portal.extensions import db
from tests.meetings_factories import add_member, make_group

INTRO = ("Cílem strategického rámce je rovný přístup ke vzdělávání pro všechny děti v území, "
         "bez ohledu na jejich sociální zázemí.")


def make_docx(paragraph: str = INTRO, *, extra_paragraphs: int = 0) -> bytes:
    """A DOCX with headings, a numbered list and a table."""
    from docx import Document

    doc = Document()
    doc.add_heading("Strategický rámec MAP", level=1)
    doc.add_paragraph(paragraph)
    doc.add_heading("Priority a cíle", level=2)
    doc.add_paragraph("Podpora inkluze ve školách", style="List Number")
    doc.add_paragraph("Spolupráce škol a rodičů", style="List Number")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Cíl"
    table.cell(0, 1).text = "Indikátor"
    table.cell(1, 0).text = "Snížit podíl předčasných odchodů"
    table.cell(1, 1).text = "Počet žáků"
    for i in range(extra_paragraphs):
        if i % 20 == 0:
            doc.add_heading(f"Kapitola {i // 20 + 1}", level=2)
        doc.add_paragraph(f"Odstavec {i}: Školy v území spolupracují na podpoře žáků se speciálními "
                          f"vzdělávacími potřebami a sdílejí zkušenosti z praxe číslo {i}.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def make_pdf(pages: int = 2) -> bytes:
    """A PDF of `pages` pages, each with a heading and two paragraphs."""
    from weasyprint import HTML

    body = "".join(
        f"<h1 style='font-size:24pt'>Kapitola {n}</h1>"
        f"<p>Odstavec první kapitoly {n} o spolupráci škol v území.</p>"
        f"<p>Odstavec druhý kapitoly {n} o podpoře rodičů a dětí.</p>"
        + ("<p style='page-break-after:always'></p>" if n < pages else "")
        for n in range(1, pages + 1)
    )
    return HTML(string=f"<html lang='cs'><body style='font-size:11pt'>{body}</body></html>").write_pdf()


def encrypt_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt("tajne-heslo")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


MARKDOWN = """# Strategický rámec MAP

Úvodní odstavec o rovných příležitostech.

## 1.1 Vize

Vize území: každé dítě dostane podporu, kterou potřebuje.

1. První priorita
2. Druhá priorita

| Cíl | Indikátor |
| --- | --- |
| Inkluze | Počet škol |
"""


def make_document(territory, *, title: str = "Strategický rámec MAP"):
    """A group with a coordinator (a member account with the group's coordinator role) and a document."""
    from tests.conftest import make_user

    group = make_group(territory)
    coordinator = make_user("member", territory=territory)
    add_member(group, coordinator, role="coordinator")
    document = services.create_document(group, {"title": title, "kind": "strategic_framework"},
                                        actor=coordinator)
    db.session.commit()
    return document, coordinator
