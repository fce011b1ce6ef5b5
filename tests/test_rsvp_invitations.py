"""Invitations, updates and cancellations by e-mail, delivered to a real SMTP server, .ics attached."""

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from portal.extensions import db as _db
from portal.mailer import deliver_due
from portal.meetings import invitations
from portal.meetings.invitations import InvitationError
from portal.models import AuditEvent
from portal.models.base import utcnow
from tests.conftest import FULL_ADDRESS, add_member, make_group, make_meeting, make_user


def ics_of(message) -> tuple[Calendar, str]:
    """The text/calendar attachment of a received e-mail, parsed, and its METHOD content-type parameter."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_payload(decode=True)), part.get_param("method")
    raise AssertionError("no text/calendar part")


@pytest.fixture
def meeting_setup(db, factories):
    territory = factories.territory()
    group = make_group(territory, name="PS pro rovné příležitosti")
    financing = make_group(territory, name="PS pro financování")
    coordinator = make_user("coordinator", territory=territory)
    anna = make_user("member", name="Anna Členová", territory=territory)
    bob = make_user("member", name="Bob Member", locale="en", territory=territory)
    gone = make_user("member", name="Dřívější Člen", territory=territory)
    later = make_user("member", name="Pozdější Člen", territory=territory)
    add_member(group, anna)
    add_member(financing, bob)
    add_member(group, bob, category="expert")  # in both groups: invited once
    add_member(group, gone, joined_on=date(2020, 1, 1), left_on=date(2021, 1, 1))
    starts = datetime(2031, 3, 5, 15, 0, tzinfo=UTC)
    add_member(group, later, joined_on=starts.date() + timedelta(days=1))
    meeting = make_meeting(group, starts_at=starts, joint_with=(financing,), title="Společné jednání",
                           agenda=3, place=FULL_ADDRESS)
    return meeting, coordinator, anna, bob


def test_invitations_go_to_active_members_and_guests_with_a_request(smtp, meeting_setup):
    meeting, coordinator, anna, bob = meeting_setup
    guest = {"name": "Host Hostová", "email": "Host@Example.org", "organisation": "OSPOD",
             "category": "expert"}
    count = invitations.send_invitations(meeting, actor=coordinator, guests=[guest])
    _db.session.commit()
    assert count == 3
    assert deliver_due() == (3, 0)

    assert sorted(m["To"] for m in smtp.messages) == sorted([anna.email, bob.email, "host@example.org"])
    for message in smtp.messages:
        calendar, method = ics_of(message)
        assert method == "REQUEST" and calendar["METHOD"] == "REQUEST"
        [vevent] = calendar.walk("VEVENT")
        assert str(vevent["UID"]) == meeting.uid
        assert int(vevent["SEQUENCE"]) == 0
        assert vevent["DTSTART"].params["TZID"] == "Europe/Prague"
        assert vevent.decoded("DTSTART") == meeting.starts_at
        attendee = vevent["ATTENDEE"]
        assert str(attendee).lower() == f"mailto:{message['To'].lower()}"  # only the recipient is listed
        assert attendee.params["RSVP"] == "TRUE" and attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert str(vevent["ORGANIZER"]).startswith("mailto:")

    rows = {i.email: i for i in meeting.invitations}
    assert rows["host@example.org"].is_guest and rows["host@example.org"].organisation == "OSPOD"
    assert rows[anna.email].category == "teacher" and not rows[anna.email].is_guest
    assert all(i.sent_sequence == 0 and i.sent_at is not None for i in rows.values())
    assert _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "meeting.invitations_sent"))


def test_each_recipient_reads_the_invitation_in_their_language(smtp, meeting_setup):
    meeting, coordinator, anna, bob = meeting_setup
    guests = [{"name": "Host", "email": "h@example.org"}]
    invitations.send_invitations(meeting, actor=coordinator, guests=guests)
    _db.session.commit()
    deliver_due()
    czech, english = smtp.box.to(anna.email)[0], smtp.box.to(bob.email)[0]
    guest = smtp.box.to("h@example.org")[0]
    assert czech["Subject"].startswith("Pozvánka: Společné jednání")
    assert guest["Subject"].startswith("Pozvánka: ")
    assert english["Subject"].startswith("Invitation: Společné jednání")
    text = english.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Bob Member" in text and "I will attend" in text and "/rsvp/" in text
    assert "Dobrý den" in czech.get_body(preferencelist=("plain",)).get_content()
    assert "<a href=" in czech.get_body(preferencelist=("html",)).get_content()


def test_sending_again_reaches_only_people_who_lack_the_current_version(smtp, meeting_setup):
    meeting, coordinator, anna, bob = meeting_setup
    assert invitations.send_invitations(meeting, actor=coordinator) == 2
    assert invitations.send_invitations(meeting, actor=coordinator) == 0
    assert invitations.send_invitations(meeting, actor=coordinator,
                                        guests=[{"name": "Nový host", "email": "new@example.org"}]) == 1
    _db.session.commit()
    assert deliver_due() == (3, 0)


def test_an_update_goes_out_with_the_higher_sequence_to_everyone_invited(smtp, meeting_setup):
    meeting, coordinator, anna, bob = meeting_setup
    invitations.send_invitations(meeting, actor=coordinator)
    _db.session.commit()
    deliver_due()
    smtp.messages.clear()

    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    meeting.place = "Radnice, zasedací místnost"
    meeting.sequence += 1
    assert invitations.notify_update(meeting, actor=coordinator) == 2
    _db.session.commit()
    assert deliver_due() == (2, 0)
    for message in smtp.messages:
        calendar, method = ics_of(message)
        [vevent] = calendar.walk("VEVENT")
        assert method == "REQUEST" and int(vevent["SEQUENCE"]) == 1
        assert str(vevent["UID"]) == meeting.uid
        assert vevent.decoded("DTSTART") == meeting.starts_at
        assert "Radnice" in str(vevent["LOCATION"])
    assert smtp.box.to(anna.email)[0]["Subject"].startswith("Změna: ")
    assert {i.sent_sequence for i in meeting.invitations} == {1}


def test_a_cancellation_goes_out_as_cancel(smtp, meeting_setup):
    meeting, coordinator, anna, bob = meeting_setup
    invitations.send_invitations(meeting, actor=coordinator)
    _db.session.commit()
    deliver_due()
    smtp.messages.clear()

    meeting.status = "cancelled"
    meeting.cancel_reason = "Nemoc předsedkyně"
    meeting.sequence += 1
    assert invitations.notify_cancellation(meeting, actor=coordinator) == 2
    _db.session.commit()
    assert deliver_due() == (2, 0)
    for message in smtp.messages:
        calendar, method = ics_of(message)
        [vevent] = calendar.walk("VEVENT")
        assert method == "CANCEL" and calendar["METHOD"] == "CANCEL"
        assert str(vevent["STATUS"]) == "CANCELLED" and int(vevent["SEQUENCE"]) == 1
        assert str(vevent["UID"]) == meeting.uid
    assert "Nemoc předsedkyně" in smtp.box.to(anna.email)[0].get_body(("plain",)).get_content()
    # notify_update on a cancelled meeting sends the cancellation, never a REQUEST.
    smtp.messages.clear()
    invitations.notify_update(meeting, actor=coordinator)
    _db.session.commit()
    deliver_due()
    assert {ics_of(m)[1] for m in smtp.messages} == {"CANCEL"}


def test_a_cancelled_meeting_sends_no_invitations(app, meeting_setup):
    meeting, coordinator, *_ = meeting_setup
    meeting.status = "cancelled"
    with app.test_request_context(), pytest.raises(InvitationError):
        invitations.send_invitations(meeting, actor=coordinator)


def test_nothing_is_sent_when_the_transaction_rolls_back(smtp, meeting_setup):
    meeting, coordinator, *_ = meeting_setup
    invitations.send_invitations(meeting, actor=coordinator)
    _db.session.rollback()
    assert deliver_due() == (0, 0)
    assert smtp.messages == []


def test_invitations_survive_a_dead_smtp_server_and_arrive_once(app, meeting_setup):
    from tests.conftest import SMTPServer

    meeting, coordinator, anna, bob = meeting_setup
    invitations.send_invitations(meeting, actor=coordinator)
    _db.session.commit()
    assert deliver_due() == (0, 2)  # nothing listens: both wait

    server = SMTPServer(app.config["MAIL_PORT"])
    server.start()
    try:
        later = utcnow() + timedelta(minutes=5)
        assert deliver_due(now=later) == (2, 0)
        assert deliver_due(now=later + timedelta(hours=2)) == (0, 0)
        assert sorted(m["To"] for m in server.messages) == sorted([anna.email, bob.email])
        assert {ics_of(m)[1] for m in server.messages} == {"REQUEST"}
    finally:
        server.stop()


def test_guests_need_a_name_and_an_address(app, meeting_setup):
    meeting, coordinator, anna, _bob = meeting_setup
    with app.test_request_context():
        _check_guests(meeting, coordinator)


def _check_guests(meeting, coordinator):
    with pytest.raises(InvitationError):
        invitations.add_guest(meeting, name="", email="x@example.org", actor=coordinator)
    with pytest.raises(InvitationError):
        invitations.add_guest(meeting, name="X", email="not-an-address", actor=coordinator)
    invitations.add_guest(meeting, name="X", email="x@example.org", actor=coordinator)
    with pytest.raises(InvitationError):
        invitations.add_guest(meeting, name="X again", email="X@example.org", actor=coordinator)
