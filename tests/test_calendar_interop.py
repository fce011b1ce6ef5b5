"""Feeds and invitations read by another parser than the one that wrote them.

vobject (on dateutil's VTIMEZONE support, used by CalDAV servers and tools) must see the same instants as
zoneinfo: a May meeting at 14:00 in Prague is 12:00 UTC, a January one 13:00 UTC.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject

from portal.calendar.timezones import vtimezone_for
from tests.conftest import FULL_ADDRESS, make_group, make_meeting

PRAGUE = ZoneInfo("Europe/Prague")


def _prague(year, month, day, hour=14):
    return datetime(year, month, day, hour, tzinfo=PRAGUE).astimezone(UTC)


@pytest.fixture
def feed(client, factories):
    group = make_group(factories.territory())
    meetings = {
        "winter": make_meeting(group, starts_at=_prague(2027, 1, 19), agenda=3, place=FULL_ADDRESS),
        "summer": make_meeting(group, starts_at=_prague(2027, 5, 18), agenda=3, place=FULL_ADDRESS),
        "after_change": make_meeting(group, starts_at=_prague(2027, 10, 31, 10), agenda=3,
                                     place=FULL_ADDRESS),
        "cancelled": make_meeting(group, starts_at=_prague(2027, 9, 21), status="cancelled", agenda=3,
                                  place=FULL_ADDRESS),
    }
    body = client.get(f"/calendar/groups/{group.id}.ics").get_data(as_text=True)
    return meetings, vobject.readOne(body)


def test_vobject_reads_the_same_instants_in_summer_and_winter(feed):
    meetings, calendar = feed
    events = {event.uid.value: event for event in calendar.vevent_list}
    for meeting in meetings.values():
        event = events[meeting.uid]
        assert event.dtstart.value.astimezone(UTC) == meeting.starts_at
        assert event.dtend.value.astimezone(UTC) == meeting.ends_at
    assert events[meetings["summer"].uid].dtstart.value.utcoffset() == timedelta(hours=2)
    assert events[meetings["winter"].uid].dtstart.value.utcoffset() == timedelta(hours=1)
    assert events[meetings["cancelled"].uid].status.value == "CANCELLED"


def test_the_prague_vtimezone_states_the_yearly_rule():
    text = vtimezone_for("Europe/Prague").to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in text
    # RFC 5545: an observance starts at the local time before the change (02:00 CET -> 03:00 CEST).
    assert "DTSTART:20000326T020000" in text and "DTSTART:20001029T030000" in text


@pytest.mark.parametrize("tzid", ["Europe/Prague", "Europe/London", "America/New_York", "Asia/Tokyo",
                                  "Australia/Sydney"])
def test_every_zone_gives_the_offsets_zoneinfo_gives(tzid):
    component = vobject.readOne(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + vtimezone_for(tzid).to_ical().decode()
        + "END:VCALENDAR\r\n"
    )
    tz = component.vtimezone.gettzinfo()
    zone = ZoneInfo(tzid)
    moment = datetime(2024, 1, 3, 12, tzinfo=UTC)
    while moment.year < 2031:
        local = moment.astimezone(zone).replace(tzinfo=None)
        assert local.replace(tzinfo=tz).utcoffset() == moment.astimezone(zone).utcoffset(), (tzid, local)
        moment += timedelta(days=17, hours=5)


def test_vobject_reads_an_e_mailed_invitation_and_its_cancellation(smtp, db, factories):
    from portal.mailer import deliver_due
    from portal.meetings import invitations
    from tests.conftest import add_member, make_user

    territory = factories.territory()
    group = make_group(territory)
    coordinator = make_user("coordinator", territory=territory)
    member = make_user("member", territory=territory)
    add_member(group, member)
    meeting = make_meeting(group, starts_at=_prague(2031, 6, 10), agenda=3, place=FULL_ADDRESS)
    invitations.send_invitations(meeting, actor=coordinator)
    db.session.commit()
    meeting.status = "cancelled"
    meeting.sequence += 1
    invitations.notify_cancellation(meeting, actor=coordinator)
    db.session.commit()
    deliver_due()

    parsed = []
    for message in smtp.messages:
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                parsed.append(vobject.readOne(part.get_payload(decode=True).decode("utf-8")))
    [request, cancel] = parsed
    assert request.method.value == "REQUEST" and cancel.method.value == "CANCEL"
    for calendar in parsed:
        event = calendar.vevent
        assert event.uid.value == meeting.uid
        assert event.dtstart.value.astimezone(UTC) == meeting.starts_at
        assert event.dtstart.value.utcoffset() == timedelta(hours=2)
        assert event.attendee.value.lower() == f"mailto:{member.email}"
    assert int(cancel.vevent.sequence.value) > int(request.vevent.sequence.value)
    assert cancel.vevent.status.value == "CANCELLED"
