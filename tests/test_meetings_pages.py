"""Meeting pages: who may see and manage what (every role), forms that refuse bad input and save nothing,
minutes never carrying a script to the page, the series helper, downloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.models.meetings import AgendaItem, Meeting
from tests.conftest import add_member, csrf_token, future, make_group, make_meeting
from tests.forms_helper import hidden_fields

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:weasyprint.*")


@pytest.fixture
def world(factories, db):
    territory = factories.territory()
    group = make_group(territory, name="PS pro rovné příležitosti")
    other = make_group(territory, name="PS pro financování", kind="financing")
    people = {
        "coordinator": factories.user("member", territory=territory, name="Karel Koordinátor"),
        "member": factories.user("member", territory=territory, name="Marie Členová"),
        "other_member": factories.user("member", territory=territory),
        "other_coordinator": factories.user("member", territory=territory),
        "parent": factories.user("parent", territory=territory),
        "admin": factories.user("admin", territory=territory),
    }
    add_member(group, people["coordinator"], role="coordinator", category="expert")
    add_member(group, people["member"], category="teacher")
    add_member(group, people["parent"], category="parent")
    add_member(other, people["other_member"])
    add_member(other, people["other_coordinator"], role="coordinator")
    public = make_meeting(group, title="Veřejné jednání")
    closed = make_meeting(group, title="Neveřejné jednání", public=False)
    return group, other, people, public, closed


def open_as(client, login_as, people, who):
    if who != "anonymous":
        login_as(people[who])
    return client


@pytest.mark.parametrize(("who", "closed_status"), [
    ("anonymous", 404), ("parent", 200), ("member", 200), ("other_member", 404), ("coordinator", 200),
    ("admin", 200),
])
def test_detail_pages_public_for_anyone_members_only_for_members(world, client, login_as, who, closed_status):
    group, _, people, public, closed = world
    open_as(client, login_as, people, who)
    assert client.get(f"/meetings/{public.id}").status_code == 200
    assert client.get(f"/meetings/{closed.id}").status_code == closed_status
    listing = client.get(f"/groups/{group.id}/meetings").get_data(as_text=True)
    assert "Veřejné jednání" in listing
    assert ("Neveřejné jednání" in listing) == (closed_status == 200)


MANAGE_GET = ["/meetings/{id}/edit", "/meetings/{id}/cancel", "/meetings/{id}/agenda",
              "/meetings/{id}/attendance", "/meetings/{id}/attendance.pdf", "/meetings/{id}/attendance.docx",
              "/meetings/{id}/minutes", "/meetings/{id}/minutes/approve"]


@pytest.mark.parametrize(("who", "expected"), [
    ("anonymous", 302), ("parent", 403), ("member", 403), ("other_coordinator", 403), ("coordinator", 200),
    ("admin", 200),
])
def test_managing_is_for_the_groups_coordinators(world, client, login_as, who, expected):
    group, _, people, public, _ = world
    open_as(client, login_as, people, who)
    for url in [u.format(id=public.id) for u in MANAGE_GET] + [f"/groups/{group.id}/meetings/new",
                                                               f"/groups/{group.id}/meetings/series"]:
        response = client.get(url)
        assert response.status_code == expected, url


def test_a_members_only_meeting_is_not_revealed_to_a_stranger_who_tries_to_manage_it(world, client, login_as):
    _, _, people, _, closed = world
    login_as(people["other_coordinator"])
    assert client.get(f"/meetings/{closed.id}/edit").status_code == 404


def test_management_links_only_for_coordinators(world, client, login_as):
    _, _, people, public, _ = world
    login_as(people["member"])
    assert "/edit" not in client.get(f"/meetings/{public.id}").get_data(as_text=True)
    login_as(people["coordinator"])
    html = client.get(f"/meetings/{public.id}").get_data(as_text=True)
    assert f"/meetings/{public.id}/edit" in html and f"/meetings/{public.id}/cancel" in html


def form_data(hidden: dict, **fields):
    """The meeting form as sent: the page's hidden fields (CSRF, one-time token or version) and values."""
    starts = future(20)
    values = {**hidden, "title": "Jednání PS", "status": "planned",
              "starts_local": starts.strftime("%Y-%m-%dT%H:%M"),
              "ends_local": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
              "timezone": "Europe/Prague", "place": "ZŠ Vzorov", "online_url": "", "kind": "regular",
              "public": "y", "description": ""}
    values.update(fields)
    return values


def meetings_count(db):
    return db.session.scalar(select(func.count(Meeting.id)))


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": ""}, "Enter the meeting"),
    ({"ends_local": future(20).strftime("%Y-%m-%dT%H:%M")}, "must end after it starts"),
    ({"starts_local": "2024-01-09T14:00", "ends_local": "2024-01-09T16:00"}, "cannot start in the past"),
    ({"timezone": "Mars/Olympus"}, "Not a valid choice"),
    ({"place": "", "online_url": ""}, "an online link, or both"),
])
def test_create_refuses_bad_input_with_a_message_and_saves_nothing(world, client, login_as, db, fields,
                                                                   message):
    group, _, people, _, _ = world
    login_as(people["coordinator"])
    before = meetings_count(db)
    url = f"/groups/{group.id}/meetings/new?lang=en"
    client.post("/language", data={"csrf_token": csrf_token(client, url), "locale": "en"})
    response = client.post(url, data=form_data(hidden_fields(client, url, "once"), **fields))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert meetings_count(db) == before


def test_create_a_joint_meeting_then_edit_move_and_cancel_it(world, client, login_as, db, monkeypatch):
    group, other, people, _, _ = world
    calls = []
    import portal.meetings.invitations as invitations

    monkeypatch.setattr(invitations, "notify_update", lambda m, *, actor: calls.append("update"))
    monkeypatch.setattr(invitations, "notify_cancellation", lambda m, *, actor: calls.append("cancel"))
    login_as(people["coordinator"])
    url = f"/groups/{group.id}/meetings/new"
    response = client.post(url, data=form_data(hidden_fields(client, url, "once"), kind="joint",
                                               joint_group_ids=[str(other.id)], title="Společné jednání"))
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == "Společné jednání"))
    assert {p.group_id for p in meeting.participants} == {group.id, other.id}
    assert "Společné jednání" in client.get(f"/groups/{other.id}/meetings").get_data(as_text=True)

    edit = f"/meetings/{meeting.id}/edit"
    html = client.get(edit).get_data(as_text=True)
    assert 'value="Společné jednání"' in html
    moved = future(27)
    response = client.post(edit, data=form_data(
        hidden_fields(client, edit, "version"), kind="joint", joint_group_ids=[str(other.id)],
        title="Společné jednání",
        starts_local=moved.strftime("%Y-%m-%dT%H:%M"),
        ends_local=(moved + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert meeting.sequence == 1 and calls == ["update"]

    cancel = f"/meetings/{meeting.id}/cancel"
    assert client.get(cancel).status_code == 200  # the confirmation page changes nothing
    db.session.refresh(meeting)
    assert meeting.status == "planned"
    response = client.post(cancel, data={"csrf_token": csrf_token(client, cancel), "reason": ""})
    assert response.status_code == 200
    db.session.refresh(meeting)
    assert meeting.status == "planned"
    client.post(cancel, data={"csrf_token": csrf_token(client, cancel), "reason": "Nemoc"})
    db.session.refresh(meeting)
    assert (meeting.status, meeting.cancel_reason, calls) == ("cancelled", "Nemoc", ["update", "cancel"])
    assert "Nemoc" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)


def test_record_a_past_meeting_and_mark_another_held(world, client, login_as, db):
    group, _, people, _, _ = world
    login_as(people["coordinator"])
    url = f"/groups/{group.id}/meetings/new"
    response = client.post(url, data=form_data(hidden_fields(client, url, "once"), status="held",
                                               title="Loňské", starts_local="2025-05-20T14:00",
                                               ends_local="2025-05-20T16:00"))
    assert response.status_code == 302
    past = make_meeting(group, starts_at=datetime.now(UTC) - timedelta(days=2), title="Nepotvrzené")
    show = f"/meetings/{past.id}"
    assert "/held" in client.get(show).get_data(as_text=True)
    client.post(f"/meetings/{past.id}/held", data={"csrf_token": csrf_token(client, show)})
    db.session.refresh(past)
    assert past.status == "held"


def test_agenda_add_and_move_without_javascript(world, client, login_as, db):
    _, _, people, public, _ = world
    login_as(people["coordinator"])
    url = f"/meetings/{public.id}/agenda"
    for title in ("Zahájení", "Analýza", "Různé"):
        client.post(url, data={**hidden_fields(client, url, "once"), "title": title, "presenter": "",
                               "duration_minutes": "10", "notes": ""})
    last = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Různé"))
    client.post(f"/meetings/agenda/{last.id}/move", data={"csrf_token": csrf_token(client, url),
                                                          "direction": "up"})
    db.session.expire_all()
    assert [i.title for i in db.session.get(Meeting, public.id).agenda] == ["Zahájení", "Různé", "Analýza"]
    html = client.get(f"/meetings/{public.id}").get_data(as_text=True)
    agenda = html.split('id="agenda-heading"')[1]
    assert agenda.index("Různé") < agenda.index("Analýza")


def test_a_script_in_the_minutes_never_reaches_the_page(world, client, login_as, db):
    group, _, people, _, _ = world
    held = make_meeting(group, starts_at=datetime(2026, 5, 19, 12, tzinfo=UTC), status="held")
    login_as(people["coordinator"])
    url = f"/meetings/{held.id}/minutes"
    body = "## Zápis\n\n<script>alert('xss')</script>\n\n<img src=x onerror=alert(1)>\n\n**Usneseno.**"
    client.post(url, data={**hidden_fields(client, url, "version"), "body": body})
    for page in (url, f"/meetings/{held.id}", f"/meetings/{held.id}/minutes/history"):
        html = client.get(page).get_data(as_text=True)
        assert "<strong>Usneseno.</strong>" in html, page
        rendered = html.split("</textarea>")[-1]  # the editor's textarea shows the source, escaped
        assert "alert(" not in rendered and "onerror" not in rendered
    # Drafts are for the coordinators only.
    login_as(people["member"])
    assert "Usneseno" not in client.get(f"/meetings/{held.id}").get_data(as_text=True)
    assert client.get(f"/meetings/{held.id}/minutes/history").status_code == 404


def test_approved_minutes_cannot_be_changed_through_the_page(world, client, login_as, db):
    group, _, people, _, _ = world
    held = make_meeting(group, starts_at=datetime(2026, 5, 19, 12, tzinfo=UTC), status="held")
    login_as(people["coordinator"])
    url = f"/meetings/{held.id}/minutes"
    client.post(url, data={**hidden_fields(client, url, "version"), "body": "Schválený text"})
    approve = f"/meetings/{held.id}/minutes/approve"
    client.post(approve, data=hidden_fields(client, approve, "version"))
    client.post(url, data={**hidden_fields(client, approve, "version"), "body": "Přepsaný text"})
    db.session.refresh(held)
    assert held.minutes.status == "approved"
    assert [v.body for v in held.minutes.versions] == ["Schválený text"]
    login_as(people["member"])
    assert "Schválený text" in client.get(f"/meetings/{held.id}").get_data(as_text=True)


def test_series_preview_then_create(world, client, login_as, db):
    group, _, people, _, _ = world
    login_as(people["coordinator"])
    url = f"/groups/{group.id}/meetings/series"
    year = datetime.now(UTC).year + 1
    fields = {**hidden_fields(client, url, "once"), "title": "Řádné jednání", "nth": "3", "weekday": "1",
              "months": ["2", "5", "9", "11"], "year": str(year), "start": "14:00", "duration_minutes": "120",
              "timezone": "Europe/Prague", "place": "ZŠ Vzorov", "online_url": "", "kind": "regular",
              "public": "y", "description": ""}
    before = meetings_count(db)
    response = client.post(url, data={**fields, "action": "preview"})
    assert response.status_code == 200 and meetings_count(db) == before
    assert 'value="create"' in response.get_data(as_text=True)
    response = client.post(url, data={**fields, "action": "create"})
    assert response.status_code == 302 and meetings_count(db) == before + 4
    response = client.post(url, data={**fields, "action": "preview", "months": [], "year": str(year)})
    assert response.status_code == 200 and meetings_count(db) == before + 4


def test_attendance_downloads(world, client, login_as):
    _, _, people, public, _ = world
    login_as(people["coordinator"])
    pdf = client.get(f"/meetings/{public.id}/attendance.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]
    docx = client.get(f"/meetings/{public.id}/attendance.docx")
    assert docx.data.startswith(b"PK")


def test_attendance_page_records_who_came(world, client, login_as, db):
    _, _, people, public, _ = world
    login_as(people["coordinator"])
    url = f"/meetings/{public.id}/attendance"
    html = client.get(url).get_data(as_text=True)
    assert "Marie Členová" in html
    client.post(url, data={"csrf_token": csrf_token(client, url), "present": [str(people["member"].id)]})
    client.post(f"/meetings/{public.id}/guests", data={**hidden_fields(client, url, "once"),
                                                       "name": "Hana Hostová", "organisation": "OSPOD",
                                                       "category": "expert"})
    db.session.refresh(public)
    assert sorted((a.name, a.present) for a in public.attendance if a.present) == [
        ("Hana Hostová", True), ("Marie Členová", True)]


def test_the_list_links_the_groups_calendar_feed(world, client):
    group, *_ = world
    html = client.get(f"/groups/{group.id}/meetings").get_data(as_text=True)
    assert f'href="/calendar/groups/{group.id}.ics"' in html and 'type="text/calendar"' in html


def test_the_meeting_page_links_its_groups_calendar_feed(world, client):
    group, _, _, public, _ = world
    head = client.get(f"/meetings/{public.id}").get_data(as_text=True).split("</head>", 1)[0]
    assert f'href="/calendar/groups/{group.id}.ics"' in head and 'type="text/calendar"' in head


def test_the_group_page_shows_the_cadence_and_next_meetings(world, client, login_as):
    group, _, people, public, closed = world
    html = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert public.title in html and closed.title not in html
    assert f"/groups/{group.id}/meetings" in html
    login_as(people["coordinator"])
    html = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert closed.title in html and f"/groups/{group.id}/meetings/new" in html
