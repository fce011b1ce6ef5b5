"""A meeting's .ics download (respecting visibility) and the "add to calendar" links."""

from urllib.parse import parse_qs, urlsplit

from flask import render_template_string
from icalendar import Calendar
from werkzeug.http import parse_options_header

from portal.calendar.links import add_to_calendar_links, google_url, outlook_url, webcal_url
from tests.conftest import FULL_ADDRESS, add_member, make_group, make_meeting, make_user


def test_a_public_meeting_downloads_for_anyone(client, factories):
    meeting = make_meeting(make_group(factories.territory()), sequence=4, agenda=3, place=FULL_ADDRESS)
    response = client.get(f"/meetings/{meeting.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert (disposition, options["filename"]) == ("attachment", f"meeting-{meeting.id}.ics")
    calendar = Calendar.from_ical(response.data)
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == meeting.uid and int(vevent["SEQUENCE"]) == 4
    assert vevent.decoded("DTSTART") == meeting.starts_at
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Prague"


def test_a_members_only_meeting_is_404_for_outsiders(client, login_as, factories):
    group = make_group(factories.territory())
    meeting = make_meeting(group, public=False, agenda=3, place=FULL_ADDRESS)
    url = f"/meetings/{meeting.id}.ics"
    assert client.get(url).status_code == 404
    login_as("member")
    assert client.get(url).status_code == 404
    assert client.get("/meetings/999999.ics").status_code == 404


def test_a_members_only_meeting_downloads_for_members_and_managers(app, login_as, factories):
    group = make_group(factories.territory())
    meeting = make_meeting(group, public=False, agenda=3, place=FULL_ADDRESS)
    url = f"/meetings/{meeting.id}.ics"
    member_client = app.test_client()
    person = make_user("member")
    add_member(group, person)
    with member_client.session_transaction() as session:
        session["_user_id"] = person.get_id()
    assert member_client.get(url).status_code == 200

    admin_client = app.test_client()
    admin = make_user("admin")
    with admin_client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
    assert admin_client.get(url).status_code == 200


def test_a_public_meeting_of_a_hidden_group_is_404_for_outsiders(client, factories):
    meeting = make_meeting(make_group(factories.territory(), public=False), agenda=3, place=FULL_ADDRESS)
    assert client.get(f"/meetings/{meeting.id}.ics").status_code == 404


def test_google_and_outlook_links_carry_title_times_and_place(app, factories):
    meeting = make_meeting(make_group(factories.territory()), title="Jednání PS", agenda=3,
                           place=FULL_ADDRESS)
    with app.test_request_context():
        google = parse_qs(urlsplit(google_url(meeting)).query)
        outlook = parse_qs(urlsplit(outlook_url(meeting)).query)
    assert google["action"] == ["TEMPLATE"] and google["text"] == ["Jednání PS"]
    start = meeting.starts_at.strftime("%Y%m%dT%H%M%SZ")
    assert google["dates"][0].startswith(start + "/")
    assert google["location"] == ["ZŠ Vzorov, Školní 1"]
    assert "1. Bod programu 1" in google["details"][0]
    assert outlook["subject"] == ["Jednání PS"] and outlook["rru"] == ["addevent"]
    assert outlook["startdt"] == [meeting.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert webcal_url("https://ps.example.cz/calendar/groups/1.ics") == "webcal://ps.example.cz/calendar/groups/1.ics"


def test_the_link_macros_render(app, factories):
    meeting = make_meeting(make_group(factories.territory()), agenda=3, place=FULL_ADDRESS)
    with app.test_request_context():
        html = render_template_string(
            '{% from "calendar/_links.html" import add_to_calendar, feed_link %}'
            "{{ add_to_calendar(meeting, links) }}{{ feed_link('http://x/feed.ics', 'PS') }}",
            meeting=meeting,
            links=add_to_calendar_links(meeting))
    assert f"/meetings/{meeting.id}.ics" in html
    assert "calendar.google.com" in html and "outlook.live.com" in html
    assert 'rel="alternate" type="text/calendar"' in html
