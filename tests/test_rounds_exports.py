"""The settlement table re-read: DOCX with python-docx (landscape, repeating header row), CSV and XLSX rows,
a PDF; Czech file names (RFC 5987)."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import pytest
from docx import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from openpyxl import load_workbook

from portal.extensions import db
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


def test_pdf_and_czech_file_name(client, login_as, settled):
    round_, chair, member = settled
    login_as(chair)
    response = client.get(f"/rounds/{round_.id}/settlement.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name == "Vypořádání připomínek – Strategický rámec MAP v1.pdf"
    assert client.get(f"/rounds/{round_.id}/settlement.odt").status_code == 404
