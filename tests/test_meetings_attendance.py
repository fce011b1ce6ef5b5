"""Attendance: who is expected (members on the meeting's day, guests), recording, the summary by category,
and the printable sheet as PDF (WeasyPrint) and DOCX (python-docx)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest

from portal.meetings import attendance
from portal.meetings.services import MeetingError
from portal.models.meetings import MeetingInvitation
from tests.conftest import add_member, make_group, make_meeting

# WeasyPrint and its font stack may warn about things that do not matter for a printed table.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:weasyprint.*")


@pytest.fixture
def joint(factories, db):
    territory = factories.territory()
    group = make_group(territory, name="PS pro rovné příležitosti")
    financing = make_group(territory, name="PS pro financování", kind="financing")
    coordinator = factories.user("member", territory=territory, name="Karel Koordinátor")
    add_member(group, coordinator, role="coordinator", category="expert", organisation="MAS Vzorovsko")
    teacher = factories.user("member", territory=territory, name="Marie Členová")
    add_member(group, teacher, category="teacher")
    add_member(financing, teacher, category="teacher")  # in both groups: listed once
    treasurer = factories.user("member", territory=territory, name="Věra Rozpočtová")
    add_member(financing, treasurer, category="founder", organisation="Město Vzorov")
    former = factories.user("member", territory=territory, name="Ondřej Odešlý")
    add_member(group, former, joined_on=date(2020, 1, 1), left_on=date(2026, 3, 1))
    newcomer = factories.user("member", territory=territory, name="Zdeněk Nový")
    add_member(group, newcomer, joined_on=date(2026, 9, 1))
    meeting = make_meeting(group, starts_at=datetime(2026, 5, 19, 12, tzinfo=UTC), status="held",
                           joint_with=(financing,), kind="joint", title="Společné jednání")
    return meeting, coordinator, {"teacher": teacher, "treasurer": treasurer, "former": former}


def test_expected_are_the_members_of_all_participating_groups_on_the_day(joint):
    meeting, _, _ = joint
    names = [line.name for line in attendance.expected_people(meeting)]
    assert names == ["Karel Koordinátor", "Marie Členová", "Věra Rozpočtová"]


def test_recording_attendance_and_guests_with_a_summary_by_category(joint, db):
    meeting, coordinator, people = joint
    assert attendance.record_attendance(meeting, {people["teacher"].id, coordinator.id},
                                        actor=coordinator) == 2
    attendance.add_guest(meeting, name="Hana Hostová", organisation="OSPOD Vzorov", category="expert",
                         actor=coordinator)
    db.session.commit()
    present = {line.name: line.present for line in attendance.expected_people(meeting)}
    assert present == {"Karel Koordinátor": True, "Marie Členová": True, "Věra Rozpočtová": False,
                       "Hana Hostová": True}
    summary = {row.category: (row.members, row.guests) for row in attendance.summary_by_category(meeting)}
    assert summary == {"teacher": (1, 0), "expert": (1, 1)}
    # Saving again updates the rows instead of adding new ones.
    attendance.record_attendance(meeting, {people["treasurer"].id}, actor=coordinator)
    db.session.commit()
    assert len([a for a in meeting.attendance if not a.is_guest]) == 3


def test_guests_need_a_name_and_a_known_category(joint, db):
    meeting, coordinator, _ = joint
    with pytest.raises(MeetingError):
        attendance.add_guest(meeting, name=" ", organisation=None, category=None, actor=coordinator)
    with pytest.raises(MeetingError):
        attendance.add_guest(meeting, name="Host", organisation=None, category="alien", actor=coordinator)
    db.session.rollback()
    assert meeting.attendance == []


def test_the_sheet_lists_invited_guests_too(joint, db):
    meeting, _, _ = joint
    db.session.add(MeetingInvitation(meeting_id=meeting.id, email="host@example.org", name="Petra Pozvaná",
                                     organisation="NNO Vzorek", category="youth_worker", is_guest=True))
    db.session.commit()
    db.session.refresh(meeting)
    lines = attendance.expected_people(meeting)
    assert lines[-1].name == "Petra Pozvaná" and lines[-1].is_guest


def test_sheet_html_has_czech_headings_and_the_names(joint, app):
    meeting, _, _ = joint
    with app.test_request_context():
        html = attendance.sheet_html(meeting)
    for text in ("Prezenční listina", "Jméno a příjmení", "Organizace", "Kategorie", "Podpis",
                 "Karel Koordinátor", "Věra Rozpočtová", "Společné jednání", "19. 5. 2026, 14:00–16:00",
                 "pedagogický pracovník", "zástupce zřizovatele", "PS pro financování"):
        assert text in html, text


def test_sheet_pdf_is_a_pdf(joint, app):
    meeting, _, _ = joint
    with app.test_request_context():
        pdf = attendance.sheet_pdf(meeting)
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")


def test_sheet_docx_has_a_table_with_an_empty_signature_column(joint, app):
    from docx import Document

    meeting, _, _ = joint
    with app.test_request_context():
        data = attendance.sheet_docx(meeting)
    document = Document(io.BytesIO(data))
    assert document.paragraphs[0].text == "Prezenční listina"
    table = document.tables[0]
    header = [cell.text for cell in table.rows[0].cells]
    assert header == ["Č.", "Jméno a příjmení", "Organizace", "Kategorie", "Podpis"]
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:4]]
    assert rows[0] == ["1.", "Karel Koordinátor", "MAS Vzorovsko", "další odborník", ""]
    assert rows[2][1:] == ["Věra Rozpočtová", "Město Vzorov", "zástupce zřizovatele", ""]
    assert all(row.cells[4].text == "" for row in table.rows[1:])
