"""The exports package: Czech file names (RFC 5987), the minutes and the attendance sheet as PDF and DOCX
(re-read with pypdf and python-docx), the landscape table layout, the CSV-injection guard, and a large PDF
rendered as a background job (progress page, then the file)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from urllib.parse import quote

import pytest
from docx import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from portal import exports
from portal.extensions import db
from portal.meetings import minutes
from portal.meetings.services import local_time
from portal.models import ExportFile, Job
from tests.conftest import add_member, make_group, make_meeting

# WeasyPrint and its font stack may warn about things that do not matter for a printed document.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:weasyprint.*")

CZECH = "Příliš žluťoučký kůň úpěl ďábelské ódy"


@pytest.fixture
def scene(factories):
    territory = factories.territory()
    group = make_group(territory, name="PS pro rovné příležitosti")
    coordinator = factories.user("member", territory=territory, name="Karel Koordinátor")
    add_member(group, coordinator, role="coordinator", category="expert", organisation="MAS Vzorovsko")
    member = factories.user("member", territory=territory, name="Řehoř Účastník")
    add_member(group, member, category="teacher", organisation="=HYPERLINK(\"http://zle.example\")")
    meeting = make_meeting(group, starts_at=datetime(2026, 5, 19, 12, tzinfo=UTC), status="held",
                           title="Jednání o inkluzi", public=True)
    return {"group": group, "coordinator": coordinator, "member": member, "meeting": meeting}


def write_minutes(scene, *, approve: bool):
    meeting, coordinator = scene["meeting"], scene["coordinator"]
    body = (f"# Projednané body\n\nSkupina projednala přípravu akčního plánu. {CZECH}.\n\n"
            "- první bod\n- druhý bod")
    minutes.save_minutes(meeting, body, actor=coordinator)
    minutes.add_resolution(meeting, "PS schvaluje harmonogram činností na rok 2027.", actor=coordinator)
    minutes.add_task(meeting, minutes.TaskData(title="Rozeslat dotazník školám", owner_name="Jana Nováková",
                                               due_on=date(2026, 6, 30)), actor=coordinator)
    if approve:
        minutes.approve_minutes(meeting, actor=coordinator)
    db.session.commit()
    return meeting


def pdf_text(data: bytes) -> list[str]:
    """The text of each page, whitespace folded (pypdf breaks lines where the layout does)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def czech_day(moment: datetime, zone: str) -> str:
    day = local_time(moment, zone).date()
    return f"{day.day}. {day.month}. {day.year}"


# ---- file names -------------------------------------------------------------------------------------


def test_downloads_carry_czech_file_names_with_an_ascii_fallback(client, login_as, scene):
    login_as(scene["coordinator"])
    meeting = scene["meeting"]
    response = client.get(f"/meetings/{meeting.id}/attendance.pdf")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename=prezencni-listina-2026-05-19.pdf" in disposition
    assert f"filename*=UTF-8''{quote('prezenční-listina-2026-05-19.pdf')}" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"

    group = scene["group"]
    members = client.get(f"/groups/{group.id}/members.xlsx").headers["Content-Disposition"]
    today = local_time(datetime.now(UTC), "Europe/Prague").date().isoformat()
    assert f"filename*=UTF-8''{quote(f'{group.slug}-členové-{today}.xlsx')}" in members
    assert f"filename={group.slug}-clenove-{today}.xlsx" in members


def test_file_names_keep_diacritics_and_drop_what_would_break_a_header():
    assert exports.file_name("zápis", "návrh", "2026-05-19", extension="pdf") == "zápis-návrh-2026-05-19.pdf"
    assert exports.file_name('PS "A/B"\r\n', "členové", extension="csv") == "PS-AB-členové.csv"
    assert exports.file_name("", extension="docx") == "export.docx"


# ---- minutes ----------------------------------------------------------------------------------------


def test_approved_minutes_as_pdf_for_everyone_who_sees_the_meeting(client, scene):
    meeting = write_minutes(scene, approve=True)
    response = client.get(f"/meetings/{meeting.id}/minutes.pdf")  # anonymous: the meeting is public
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"filename*=UTF-8''{quote('zápis-2026-05-19.pdf')}" in response.headers["Content-Disposition"]
    text = " ".join(pdf_text(response.data))
    for expected in ("Zápis z jednání", "Jednání o inkluzi", "PS pro rovné příležitosti",
                     "19. 5. 2026, 14:00",
                     "Projednané body", CZECH, "první bod", "Usnesení", "Usnesení č. 1",
                     "PS schvaluje harmonogram činností na rok 2027.", "Úkoly", "Rozeslat dotazník školám",
                     "Jana Nováková", "30. 6. 2026", "Schválení"):
        assert expected in text, expected
    approved_on = czech_day(meeting.minutes.approved_at, meeting.timezone)
    assert f"Zápis schválil(a) dne {approved_on} Karel Koordinátor." in text
    assert "NÁVRH" not in text


def test_approved_minutes_as_docx_keep_headings_resolutions_tasks_and_the_approval(client, scene):
    meeting = write_minutes(scene, approve=True)
    response = client.get(f"/meetings/{meeting.id}/minutes.docx")
    assert response.status_code == 200
    assert f"filename*=UTF-8''{quote('zápis-2026-05-19.docx')}" in response.headers["Content-Disposition"]
    document = WordDocument(io.BytesIO(response.data))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert paragraphs[0] == ("Heading 1", "Zápis z jednání")
    assert ("Heading 2", "Projednané body") in paragraphs
    assert ("Heading 2", "Usnesení") in paragraphs and ("Heading 2", "Schválení") in paragraphs
    assert ("List Bullet", "druhý bod") in paragraphs
    texts = [text for _, text in paragraphs]
    assert any(CZECH in text for text in texts)
    assert "Usnesení č. 1" in texts and "PS schvaluje harmonogram činností na rok 2027." in texts
    approved_on = czech_day(meeting.minutes.approved_at, meeting.timezone)
    assert f"Zápis schválil(a) dne {approved_on} Karel Koordinátor." in texts
    tasks = document.tables[0]
    assert [c.text for c in tasks.rows[0].cells] == ["Úkol", "Odpovídá", "Termín"]
    assert [c.text for c in tasks.rows[1].cells] == ["Rozeslat dotazník školám", "Jana Nováková",
                                                     "30. 6. 2026"]
    assert "NÁVRH" not in "\n".join(texts + [p.text for p in document.sections[0].header.paragraphs])


def test_a_draft_is_marked_and_only_for_the_coordinators(client, login_as, scene):
    meeting = write_minutes(scene, approve=False)
    assert client.get(f"/meetings/{meeting.id}/minutes.pdf").status_code == 404  # anonymous
    login_as(scene["member"])  # a member of the group, not its coordinator
    assert client.get(f"/meetings/{meeting.id}/minutes.docx").status_code == 404
    login_as(scene["coordinator"])
    response = client.get(f"/meetings/{meeting.id}/minutes.pdf")
    disposition = response.headers["Content-Disposition"]
    assert f"filename*=UTF-8''{quote('zápis-návrh-2026-05-19.pdf')}" in disposition
    pages = pdf_text(response.data)
    assert all("NÁVRH" in page for page in pages)
    assert "Toto je návrh: zápis zatím nebyl schválen." in " ".join(pages)
    document = WordDocument(io.BytesIO(client.get(f"/meetings/{meeting.id}/minutes.docx").data))
    assert document.sections[0].header.paragraphs[0].text == "NÁVRH"
    assert "NÁVRH" in [p.text for p in document.paragraphs]
    # The pages link the exports.
    html = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/minutes.pdf"' in html and "Návrh zápisu (PDF)" in html


def test_minutes_of_another_format_or_without_text_are_not_found(client, login_as, scene):
    login_as(scene["coordinator"])
    meeting = scene["meeting"]
    assert client.get(f"/meetings/{meeting.id}/minutes.pdf").status_code == 404  # nothing written yet
    write_minutes(scene, approve=True)
    assert client.get(f"/meetings/{meeting.id}/minutes.odt").status_code == 404
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/minutes.docx"' in html and "Zápis (Word, DOCX)" in html


# ---- attendance sheet and the landscape table layout -------------------------------------------------


def test_attendance_sheet_pdf_is_landscape_with_czech_names(client, login_as, scene):
    login_as(scene["coordinator"])
    data = client.get(f"/meetings/{scene['meeting'].id}/attendance.pdf").data
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # A4 landscape
    text = pdf_text(data)[0]
    for expected in ("Prezenční listina", "Jméno a příjmení", "Podpis", "Karel Koordinátor", "Řehoř Účastník",
                     "MAS Vzorovsko", "pedagogický pracovník", "19. 5. 2026, 14:00–16:00"):
        assert expected in text, expected


def test_attendance_sheet_docx_is_landscape_with_a_repeated_header_row(client, login_as, scene):
    login_as(scene["coordinator"])
    data = client.get(f"/meetings/{scene['meeting'].id}/attendance.docx").data
    document = WordDocument(io.BytesIO(data))
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE and section.page_width > section.page_height
    table = document.tables[0]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    rows = [[c.text for c in row.cells] for row in table.rows[:2]]
    assert rows == [["Č.", "Jméno a příjmení", "Organizace", "Kategorie", "Podpis"],
                    ["1.", "Karel Koordinátor", "MAS Vzorovsko", "další odborník", ""]]


def test_a_long_table_repeats_its_header_on_every_pdf_page(app):
    document = exports.Document(
        title="Vyúčtování", landscape=True,
        blocks=[exports.Table(header=["Položka", "Částka"],
                              rows=[(f"Řádek {n}", f"{n} Kč") for n in range(90)])])
    with app.test_request_context():
        pages = pdf_text(exports.to_pdf(document))
    assert len(pages) > 1
    assert all("Položka Částka" in page for page in pages)
    assert "Řádek 89 89 Kč" in pages[-1]
    portrait = exports.Document(title="Na výšku", blocks=[exports.Paragraph("text")])
    with app.test_request_context():
        page = PdfReader(io.BytesIO(exports.to_pdf(portrait))).pages[0]
        word = WordDocument(io.BytesIO(exports.to_docx(portrait)))
    assert float(page.mediabox.width) < float(page.mediabox.height)
    assert word.sections[0].orientation == WD_ORIENT.PORTRAIT


# ---- CSV injection ----------------------------------------------------------------------------------


def test_csv_and_xlsx_neutralise_formulas(client, login_as, scene):
    login_as(scene["coordinator"])
    group = scene["group"]
    body = client.get(f"/groups/{group.id}/members.csv").get_data().decode("utf-8-sig")
    organisations = [row[2] for row in csv.reader(io.StringIO(body), delimiter=";")][1:]
    assert "'=HYPERLINK(\"http://zle.example\")" in organisations
    sheet = load_workbook(io.BytesIO(client.get(f"/groups/{group.id}/members.xlsx").data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert "'=HYPERLINK(\"http://zle.example\")" in [cell.value for cell in cells]
    assert all(cell.data_type != "f" for cell in cells)
    # The package itself, for every prefix a spreadsheet runs.
    rows = [["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", -3, None, "ok"]]
    text = exports.to_csv(["a"] * 9, rows).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1] == \
        ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "-3", "", "ok"]
    values = [c.value for c in next(load_workbook(io.BytesIO(exports.to_xlsx(["a"] * 9, rows))).active
                                    .iter_rows(min_row=2))]
    assert values == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", -3, None, "ok"]


# ---- a large render in the background ---------------------------------------------------------------


def test_a_large_pdf_is_rendered_as_a_job_with_progress_then_the_file(client, login_as, scene, app,
                                                                      monkeypatch, factories):
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "local")  # no worker thread in tests: the job waits
    monkeypatch.setitem(app.config, "JOBS_MEMORY_MB", 0)  # the CLI worker runs inside the test process
    monkeypatch.setitem(app.config, "EXPORTS_INLINE_LIMIT", 5)  # the two-person sheet counts as large
    login_as(scene["coordinator"])
    meeting = scene["meeting"]
    # DOCX renders are always quick: answered at once.
    assert client.get(f"/meetings/{meeting.id}/attendance.docx").data.startswith(b"PK")
    response = client.get(f"/meetings/{meeting.id}/attendance.pdf")
    job = db.session.scalar(select(Job))
    assert response.status_code == 302 and response.headers["Location"] == f"/exports/{job.id}"
    html = client.get(f"/exports/{job.id}").get_data(as_text=True)
    assert "Čeká se na volný proces" in html and '<meta http-equiv="refresh" content="2">' in html
    assert 'role="status"' in html and "prezenční-listina-2026-05-19.pdf" in html
    early = client.get(f"/exports/{job.id}/file")
    assert early.status_code == 302 and early.headers["Location"] == f"/exports/{job.id}"

    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--local", "--burst"])
    assert result.exit_code == 0 and "jobs run: 1" in result.output, result.output
    html = client.get(f"/exports/{job.id}").get_data(as_text=True)
    assert "Dokument je připraven." in html and 'http-equiv="refresh"' not in html
    assert f'href="/exports/{job.id}/file"' in html
    download = client.get(f"/exports/{job.id}/file")
    assert download.mimetype == "application/pdf"
    name = quote("prezenční-listina-2026-05-19.pdf")
    assert f"filename*=UTF-8''{name}" in download.headers["Content-Disposition"]
    assert "Řehoř Účastník" in pdf_text(download.data)[0]
    assert db.session.scalar(select(ExportFile.filename)) == "prezenční-listina-2026-05-19.pdf"

    login_as(factories.user("member"))  # somebody else's job does not exist for them
    assert client.get(f"/exports/{job.id}").status_code == 404
    assert client.get(f"/exports/{job.id}/file").status_code == 404


def test_a_render_that_fails_says_so_on_its_page(client, login_as, scene, app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "local")
    monkeypatch.setitem(app.config, "JOBS_MEMORY_MB", 0)
    monkeypatch.setitem(app.config, "EXPORTS_INLINE_LIMIT", 5)
    login_as(scene["coordinator"])
    meeting = scene["meeting"]
    client.get(f"/meetings/{meeting.id}/attendance.pdf")
    job = db.session.scalar(select(Job))
    db.session.delete(meeting)  # gone before a worker took the job
    db.session.commit()
    app.test_cli_runner().invoke(args=["jobs", "worker", "--local", "--burst"])
    html = client.get(f"/exports/{job.id}").get_data(as_text=True)
    assert "Dokument se kvůli chybě portálu nepodařilo připravit." in html
    assert 'http-equiv="refresh"' not in html and 'role="alert"' in html
    assert client.get(f"/exports/{job.id}/file").status_code == 302  # no file: back to the page
