"""The settlement table re-read: DOCX with python-docx (landscape, repeating header row), CSV and XLSX rows,
the PDF's text with pypdf; Czech file names (RFC 5987); a large table rendered as a background job."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote, unquote

import pytest
from docx import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from portal.extensions import db
from portal.models import ExportFile, Job
from portal.rounds import services
from tests.rounds_factories import (
    add_member,
    close,
    comment,
    make_group,
    make_round,
    make_version,
    paragraphs_of,
)

# WeasyPrint and its font stack may warn about things that do not matter for a printed document.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:weasyprint.*")

HEADER = [
    "Č.",
    "Autor / organizace",
    "Kapitola / odstavec",
    "Připomínka",
    "Návrh znění",
    "Typ",
    "Vypořádání",
    "Odůvodnění",
]


@pytest.fixture
def settled(factories):
    territory = factories.territory()
    group = make_group(territory)
    chair = factories.user("member", territory=territory)
    add_member(group, chair, role="chair")
    member = factories.user("member", territory=territory, name="Petr Člen")
    add_member(group, member)
    version = make_version(group)
    round_ = make_round(version, [group], title="Připomínky k v1")
    paragraphs = paragraphs_of(version)
    first = comment(
        round_,
        paragraphs[4],
        member,
        organisation="ZŠ Vzorov",
        text='=HYPERLINK("x")',
        proposed_wording="Nové znění odstavce.",
    )
    second = comment(
        round_, paragraphs[0], member, kind="recommendation", quote="rovném přístupu", text="Upřesnit."
    )
    close(round_)
    services.settle(first, "not_accepted", "Mimo rozsah MAP.", actor=chair, seen_version=0)
    services.settle(second, "accepted", None, actor=chair, seen_version=0)
    db.session.commit()
    return round_, chair, member


def test_csv_and_xlsx_rows(client, login_as, settled):
    round_, chair, member = settled
    login_as(member)  # a participant downloads the table after the close
    response = client.get(f"/rounds/{round_.id}/settlement.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == HEADER
    assert rows[1][:3] == ["1", "Petr Člen", "kap. 1, odst. 1"]  # document order, not the order of writing
    assert rows[1][3] == "„rovném přístupu“\nUpřesnit." and rows[1][5:7] == ["doporučující", "akceptováno"]
    assert rows[2][1] == "Petr Člen / ZŠ Vzorov" and rows[2][2] == "kap. 2, odst. 2"
    assert rows[2][3].startswith("'=")  # a formula is neutralised
    assert rows[2][4:] == ["Nové znění odstavce.", "zásadní", "neakceptováno – rozpor", "Mimo rozsah MAP."]
    workbook = load_workbook(io.BytesIO(client.get(f"/rounds/{round_.id}/settlement.xlsx").data))
    sheet = workbook.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER
    assert values[1][0] == 1 and values[2][7] == "Mimo rozsah MAP."


def test_docx_is_landscape_with_a_repeating_header(client, login_as, settled):
    round_, chair, member = settled
    login_as(chair)
    response = client.get(f"/rounds/{round_.id}/settlement.docx")
    assert response.status_code == 200
    document = DocxDocument(io.BytesIO(response.data))
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Vypořádání připomínek" in text and "Strategický rámec MAP" in text and "v1" in text
    assert "Připomínky k v1" in text
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == HEADER
    header = table.rows[0]._tr.trPr.find(qn("w:tblHeader"))
    assert header is not None and header.get(qn("w:val")) == "true"
    assert [c.text for c in table.rows[2].cells][5:8] == [
        "zásadní",
        "neakceptováno – rozpor",
        "Mimo rozsah MAP.",
    ]


def pdf_text(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def test_pdf_and_czech_file_name(client, login_as, settled):
    round_, chair, member = settled
    login_as(chair)
    response = client.get(f"/rounds/{round_.id}/settlement.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    page = PdfReader(io.BytesIO(response.data)).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # A4 landscape
    text = pdf_text(response.data)[0]
    for expected in ("Vypořádání připomínek", "Strategický rámec MAP, verze v1", "Připomínky k v1",
                     "Autor / organizace", "Kapitola / odstavec", "Návrh znění", "Odůvodnění",
                     "Petr Člen / ZŠ Vzorov", "Nové znění odstavce.", "neakceptováno – rozpor",
                     "Mimo rozsah MAP."):
        assert expected in text, expected
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name == "Vypořádání-připomínek-Strategický-rámec-MAP-v1.pdf"
    assert "filename=Vyporadani-pripominek-Strategicky-ramec-MAP-v1.pdf" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/rounds/{round_.id}/settlement.odt").status_code == 404


def test_a_large_table_renders_in_the_background_with_progress_then_the_file(
    client, login_as, settled, app, monkeypatch, factories
):
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "local")  # no worker thread in tests: the job waits
    monkeypatch.setitem(app.config, "JOBS_MEMORY_MB", 0)  # the CLI worker runs inside the test process
    # The two-comment table counts as large: heading lines and rows are over every limit.
    for key in ("EXPORTS_INLINE_LIMIT", "EXPORTS_INLINE_LIMIT_DOCX", "EXPORTS_INLINE_LIMIT_XLSX"):
        monkeypatch.setitem(app.config, key, 2)
    round_, chair, member = settled
    login_as(member)
    # CSV is always quick: answered at once.
    assert client.get(f"/rounds/{round_.id}/settlement.csv").data.decode("utf-8-sig").startswith("Č.;")
    response = client.get(f"/rounds/{round_.id}/settlement.xlsx")
    job = db.session.scalar(select(Job))
    assert response.status_code == 302 and response.headers["Location"] == f"/exports/{job.id}"
    html = client.get(f"/exports/{job.id}").get_data(as_text=True)
    assert "Čeká se na volný proces" in html and '<meta http-equiv="refresh" content="2">' in html
    assert "Vypořádání-připomínek-Strategický-rámec-MAP-v1.xlsx" in html
    assert client.get(f"/rounds/{round_.id}/settlement.pdf").status_code == 302

    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--local", "--burst"])
    assert result.exit_code == 0 and "jobs run: 2" in result.output, result.output
    html = client.get(f"/exports/{job.id}").get_data(as_text=True)
    assert "Dokument je připraven." in html and f'href="/exports/{job.id}/file"' in html
    download = client.get(f"/exports/{job.id}/file")
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    name = quote("Vypořádání-připomínek-Strategický-rámec-MAP-v1.xlsx")
    assert f"filename*=UTF-8''{name}" in download.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(download.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER and values[2][7] == "Mimo rozsah MAP." and len(values) == 3
    pdf_job = db.session.scalars(select(Job).order_by(Job.id)).all()[1]
    pdf = client.get(f"/exports/{pdf_job.id}/file")
    assert pdf.mimetype == "application/pdf" and "Petr Člen / ZŠ Vzorov" in pdf_text(pdf.data)[0]
    assert sorted(db.session.scalars(select(ExportFile.filename))) == [
        "Vypořádání-připomínek-Strategický-rámec-MAP-v1.pdf",
        "Vypořádání-připomínek-Strategický-rámec-MAP-v1.xlsx",
    ]
    login_as(chair)  # somebody else's job does not exist for them
    assert client.get(f"/exports/{job.id}/file").status_code == 404
