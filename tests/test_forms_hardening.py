"""Hardening of the editing forms: lost updates (optimistic locking, HTTP 409 with the stored values shown),
double submits of creation forms (one-time tokens), stated length limits, whitespace-only required text,
and implausible dates. Each test sends the forms as two browser tabs (or one impatient user) would."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm.exc import StaleDataError

from portal import clock
from portal.analysis_portal import services as analysis
from portal.mailer import deliver_due
from portal.meetings import invitations, minutes, services
from portal.models import AnalysisFlag, Membership, WorkingGroup
from portal.models.meetings import AgendaItem, Attendance, Meeting, Resolution, Task
from tests.conftest import add_member, future, make_group, make_meeting
from tests.forms_helper import hidden_fields
from tests.test_analysis_portal_fixtures import import_sample

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:weasyprint.*")


def plain(html: str) -> str:
    """The page text with non-breaking spaces as spaces (Czech numbers: 5 000)."""
    return html.replace("\xa0", " ").replace("&nbsp;", " ")


@pytest.fixture
def world(factories, db):
    territory = factories.territory()
    group = make_group(territory, name="PS pro rovné příležitosti")
    coordinator = factories.user("member", territory=territory, name="Karel Koordinátor")
    anna = factories.user("member", territory=territory, name="Anna Členová")
    bob = factories.user("member", territory=territory, name="Bob Člen")
    add_member(group, coordinator, role="coordinator", category="expert")
    add_member(group, anna, category="teacher")
    add_member(group, bob, category="director")
    return group, coordinator, anna, bob


def meeting_fields(meeting: Meeting, **changes) -> dict:
    starts = services.local_time(meeting.starts_at, meeting.timezone)
    ends = services.local_time(meeting.ends_at, meeting.timezone)
    values = {"title": meeting.title, "starts_local": starts.strftime("%Y-%m-%dT%H:%M"),
              "ends_local": ends.strftime("%Y-%m-%dT%H:%M"), "timezone": meeting.timezone,
              "place": meeting.place or "", "online_url": meeting.online_url or "", "kind": meeting.kind,
              "public": "y", "description": meeting.description or ""}
    values.update(changes)
    return values


def new_meeting_fields(**changes) -> dict:
    starts = future(20)
    values = {"title": "Jednání PS", "status": "planned", "starts_local": starts.strftime("%Y-%m-%dT%H:%M"),
              "ends_local": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
              "timezone": "Europe/Prague", "place": "ZŠ Vzorov", "online_url": "", "kind": "regular",
              "public": "y", "description": ""}
    values.update(changes)
    return values


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---- lost updates --------------------------------------------------------------------------------------


def test_two_tabs_edit_a_meeting_the_second_save_is_refused_and_one_change_email_goes_out(
        world, client, login_as, db, smtp):
    group, coordinator, anna, bob = world
    meeting = make_meeting(group, title="Jednání PS", place="ZŠ Vzorov")
    invitations.send_invitations(meeting, actor=coordinator)
    db.session.commit()
    deliver_due()
    smtp.messages.clear()
    login_as(coordinator)
    edit = f"/meetings/{meeting.id}/edit"
    tab1, tab2 = hidden_fields(client, edit, "version"), hidden_fields(client, edit, "version")

    first = client.post(edit, data={**tab1, **meeting_fields(meeting, place="Radnice, zasedací místnost")})
    assert first.status_code == 302
    second = client.post(edit, data={**tab2, **meeting_fields(meeting, title="Jednání PS – nový název")})

    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Radnice, zasedací místnost" in page  # the stored value, shown beside the form
    assert 'value="Jednání PS – nový název"' in page  # what the user typed is kept
    assert "někdo jiný" in page.lower() and "liší se od vaší verze" in page
    db.session.expire_all()
    stored = db.session.get(Meeting, meeting.id)
    assert (stored.place, stored.title, stored.sequence) == ("Radnice, zasedací místnost", "Jednání PS", 1)
    changes = [m for m in smtp.messages if m["Subject"].startswith("Změna: ")]
    # Everyone invited (the coordinator is a member too) got one "Změna" e-mail, not two.
    assert sorted(m["To"] for m in changes) == sorted([coordinator.email, anna.email, bob.email])

    # Saving again from the refused page (it now carries the current version) is a deliberate overwrite.
    again = hidden_fields(client, edit, "version") | {"version": str(stored.version)}
    response = client.post(edit, data={**again, **meeting_fields(stored, title="Jednání PS – nový název")})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).title == "Jednání PS – nový název"


def test_an_edit_form_without_its_version_changes_nothing(world, client, login_as, db):
    group, coordinator, _, _ = world
    meeting = make_meeting(group, title="Jednání PS", place="ZŠ Vzorov")
    login_as(coordinator)
    edit = f"/meetings/{meeting.id}/edit"
    fields = hidden_fields(client, edit, "version")
    del fields["version"]
    response = client.post(edit, data={**fields, **meeting_fields(meeting, place="Jinde")})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).place == "ZŠ Vzorov"


def test_a_concurrent_update_of_the_row_fails_instead_of_overwriting(world, db):
    group, coordinator, _, _ = world
    meeting = make_meeting(group, title="Jednání PS", place="ZŠ Vzorov")
    seen = meeting.version
    # Another request commits a change between our read and our write.
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE meeting SET place = 'Radnice', version = version + 1 WHERE id = :id"),
                     {"id": meeting.id})
    data = services.MeetingData(title="Jednání PS", starts_local=services.local_time(
        meeting.starts_at, meeting.timezone).replace(tzinfo=None), ends_local=services.local_time(
        meeting.ends_at, meeting.timezone).replace(tzinfo=None), place="Knihovna")
    with pytest.raises(StaleDataError):
        services.update_meeting(meeting, data, actor=coordinator, seen_version=seen)
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).place == "Radnice"


def test_two_tabs_edit_an_agenda_item(world, client, login_as, db):
    group, coordinator, _, _ = world
    meeting = make_meeting(group, agenda=1)
    item = meeting.agenda[0]
    login_as(coordinator)
    url = f"/meetings/agenda/{item.id}/edit"
    tab1, tab2 = hidden_fields(client, url, "version"), hidden_fields(client, url, "version")
    fields = {"presenter": "", "duration_minutes": "20", "notes": ""}
    assert client.post(url, data={**tab1, **fields, "title": "Analýza dat"}).status_code == 302
    response = client.post(url, data={**tab2, **fields, "title": "Různé"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Analýza dat" in page and 'value="Různé"' in page
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).title == "Analýza dat"


@pytest.fixture
def held(world, db):
    group = world[0]
    return make_meeting(group, starts_at=datetime(2026, 5, 19, 12, tzinfo=UTC), status="held")


def test_two_tabs_edit_the_minutes_the_older_one_does_not_overwrite(world, held, client, login_as, db):
    _, coordinator, _, _ = world
    login_as(coordinator)
    url = f"/meetings/{held.id}/minutes"
    first = hidden_fields(client, url, "version", action=None)
    assert client.post(url, data={**first, "body": "První znění"}).status_code == 302
    tab1, tab2 = hidden_fields(client, url, "version"), hidden_fields(client, url, "version")
    assert client.post(url, data={**tab1, "body": "Novější znění"}).status_code == 302
    response = client.post(url, data={**tab2, "body": "Starší rozepsané znění"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Novější znění" in page and "Starší rozepsané znění" in page
    db.session.expire_all()
    assert minutes.current_text(db.session.get(Meeting, held.id)) == "Novější znění"


def test_approving_minutes_approves_the_version_the_approver_saw(world, held, client, login_as, db):
    _, coordinator, _, _ = world
    login_as(coordinator)
    url = f"/meetings/{held.id}/minutes"
    approve = f"/meetings/{held.id}/minutes/approve"
    client.post(url, data={**hidden_fields(client, url, "version"), "body": "Text, který schvalovatel četl"})
    seen = hidden_fields(client, approve, "version")
    client.post(url, data={**hidden_fields(client, url, "version"), "body": "Text změněný mezitím"})

    response = client.post(approve, data=seen)
    assert response.status_code == 409
    assert "Text změněný mezitím" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, held.id).minutes.status == "draft"

    response = client.post(approve, data=hidden_fields(client, approve, "version"))
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Meeting, held.id).minutes
    assert (stored.status, stored.approved_version) == ("approved", 2)
    history = client.get(f"/meetings/{held.id}/minutes/history").get_data(as_text=True)
    assert "Verze 2 byla schválena" in history


def test_two_tabs_change_a_membership(world, client, login_as, db):
    group, coordinator, anna, _ = world
    membership = db.session.scalar(select(Membership).where(Membership.user_id == anna.id))
    login_as(coordinator)
    url = f"/groups/{group.id}/members/{membership.id}/edit"
    tab1, tab2 = hidden_fields(client, url, "version"), hidden_fields(client, url, "version")
    fields = {"category": "teacher", "role": "member", "effective_on": clock.today().isoformat()}
    assert client.post(url, data={**tab1, **fields, "organisation": "ZŠ Nová"}).status_code == 302
    response = client.post(url, data={**tab2, **fields, "organisation": "Gymnázium Staré"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "ZŠ Nová" in page and 'value="Gymnázium Staré"' in page
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).organisation == "ZŠ Nová"


def group_fields(group: WorkingGroup, **changes) -> dict:
    values = {"name": group.name, "slug": group.slug, "kind": group.kind, "parent_id": "0", "purpose": "",
              "description": "", "public": "y", "meeting_target": "4", "min_per_category": "1",
              "max_share_multiple": "2", "required_support_parents": "1"}
    values.update(changes)
    return values


def test_two_tabs_change_the_group_settings(world, client, login_as, db):
    group, coordinator, _, _ = world
    login_as(coordinator)
    url = f"/groups/{group.id}/edit"
    tab1, tab2 = hidden_fields(client, url, "version"), hidden_fields(client, url, "version")
    assert client.post(url, data={**tab1, **group_fields(group, meeting_target="6")}).status_code == 302
    response = client.post(url, data={**tab2, **group_fields(group, purpose="Nový účel skupiny")})
    assert response.status_code == 409
    assert "Nový účel skupiny" in response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(WorkingGroup, group.id)
    assert (stored.meeting_target, stored.purpose) == (6, None)


def test_two_tabs_change_the_state_of_a_flag(client, login_as, factories, db):
    territory = factories.territory("MAP ORP Vzorov", "vzorov")
    coordinator = factories.user("coordinator", territory=territory)
    import_sample(territory, years=("2025/26",))
    flag = db.session.scalars(select(AnalysisFlag).order_by(AnalysisFlag.id)).first()
    login_as(coordinator)
    url = f"/analysis/flags/{flag.id}/state"
    tab1, tab2 = hidden_fields(client, url, "version"), hidden_fields(client, url, "version")
    response = client.post(url, data={**tab1, "state": "closed", "link_id": "0", "note": "Třídy sloučeny."})
    assert response.status_code == 302
    response = client.post(url, data={**tab2, "state": "discussed", "link_id": "0", "note": "Probrat."})
    assert response.status_code == 409
    assert "Probrat." in response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(AnalysisFlag, flag.id)
    assert stored.state == "closed" and [e.to_state for e in stored.events if e.kind == "state"] == ["closed"]
    assert analysis.STATE_LABELS  # the labels the page showed exist


# ---- double submits ------------------------------------------------------------------------------------


def test_the_new_meeting_form_sent_twice_creates_one_meeting(world, client, login_as, db):
    group, coordinator, _, _ = world
    login_as(coordinator)
    url = f"/groups/{group.id}/meetings/new"
    form = hidden_fields(client, url, "once")
    before = count(db, Meeting)
    first = client.post(url, data={**form, **new_meeting_fields()})
    assert first.status_code == 302
    replay = client.post(url, data={**form, **new_meeting_fields()})
    assert replay.status_code == 302 and replay.headers["Location"] == first.headers["Location"]
    assert count(db, Meeting) == before + 1
    assert "již bylo odesláno" in client.get(replay.headers["Location"]).get_data(as_text=True)
    # A new form (a new token) creates another one.
    client.post(url, data={**hidden_fields(client, url, "once"), **new_meeting_fields(title="Další")})
    assert count(db, Meeting) == before + 2


def test_a_refused_creation_does_not_use_up_its_token(world, client, login_as, db):
    group, coordinator, _, _ = world
    login_as(coordinator)
    url = f"/groups/{group.id}/meetings/new"
    form = hidden_fields(client, url, "once")
    refused = client.post(url, data={**form, **new_meeting_fields(starts_local="2024-01-09T14:00",
                                                                  ends_local="2024-01-09T16:00")})
    assert refused.status_code == 200  # a planned meeting in the past: the service refuses it
    corrected = client.post(url, data={**form, **new_meeting_fields()})
    assert corrected.status_code == 302 and "/meetings/" in corrected.headers["Location"]
    assert count(db, Meeting) == 1


def test_creation_forms_on_the_meeting_pages_create_once(world, held, client, login_as, db):
    group, coordinator, _, _ = world
    login_as(coordinator)
    agenda = f"/meetings/{held.id}/agenda"
    form = hidden_fields(client, agenda, "once")
    for _ in range(2):
        client.post(agenda, data={**form, "title": "Zahájení", "presenter": "", "duration_minutes": "",
                                  "notes": ""})
    minutes_url = f"/meetings/{held.id}/minutes"
    resolution = hidden_fields(client, minutes_url, "once", action=f"/meetings/{held.id}/resolutions")
    task = hidden_fields(client, minutes_url, "once", action=f"/meetings/{held.id}/tasks")
    attendance = f"/meetings/{held.id}/attendance"
    guest = hidden_fields(client, attendance, "once", action=f"/meetings/{held.id}/guests")
    for _ in range(2):
        client.post(f"/meetings/{held.id}/resolutions", data={**resolution, "text": "Schvaluje program."})
        client.post(f"/meetings/{held.id}/tasks", data={**task, "title": "Rozeslat zápis", "owner_id": "0",
                                                         "owner_name": "", "due_on": ""})
        client.post(f"/meetings/{held.id}/guests", data={**guest, "name": "Hana Hostová",
                                                          "organisation": "", "category": ""})
    assert count(db, AgendaItem) == 1 and count(db, Resolution) == 1 and count(db, Task) == 1
    assert count(db, Attendance) == 1


def test_the_add_member_form_sent_twice_adds_once(world, client, login_as, db, factories):
    group, coordinator, _, _ = world
    newcomer = factories.user("member", territory=group.territory, name="Nová Členka")
    login_as(coordinator)
    url = f"/groups/{group.id}/members/add"
    form = hidden_fields(client, url, "once")
    fields = {"email": newcomer.email, "name": "", "category": "parent", "organisation": "", "role": "member",
              "joined_on": clock.today().isoformat(), "locale": "cs"}
    assert client.post(url, data={**form, **fields}).status_code == 302
    replay = client.post(url, data={**form, **fields})
    assert replay.status_code == 302
    page = client.get(replay.headers["Location"]).get_data(as_text=True)
    assert "již bylo odesláno" in page and "už je členem" not in page
    assert db.session.scalar(select(func.count()).where(Membership.user_id == newcomer.id)) == 1


# ---- length limits -------------------------------------------------------------------------------------


def test_a_too_long_description_is_refused_with_the_limit_not_cut(world, client, login_as, db):
    group, coordinator, _, _ = world
    login_as(coordinator)
    url = f"/groups/{group.id}/meetings/new"
    raw_form = client.get(url).get_data(as_text=True)
    form_page = plain(raw_form)
    assert "Nejvýše 5 000 znaků." in form_page  # stated beside the field
    # No maxlength attribute: a browser would cut a pasted text silently instead of letting the form say so.
    assert "maxlength" not in raw_form
    before = count(db, Meeting)
    response = client.post(url, data={**hidden_fields(client, url, "once"),
                                      **new_meeting_fields(description="x" * 280_000)})
    assert response.status_code == 200
    page = plain(response.get_data(as_text=True))
    assert "Nejvýše 5 000 znaků" in page and "280 000" in page
    assert count(db, Meeting) == before


@pytest.mark.parametrize(("call", "limit"), [
    (lambda m, a: services.add_agenda_item(m, services.AgendaData(title="x" * 301), actor=a), 300),
    (lambda m, a: minutes.add_task(m, minutes.TaskData(title="x" * 301), actor=a), 300),
])
def test_services_refuse_overlong_titles_instead_of_cutting_them(world, held, db, call, limit):
    _, coordinator, _, _ = world
    with pytest.raises(services.MeetingError):
        call(held, coordinator)
    db.session.rollback()
    assert count(db, AgendaItem) == 0 and count(db, Task) == 0


def test_services_refuse_an_overlong_guest_name(world, held, db):
    from portal.meetings import attendance

    _, coordinator, _, _ = world
    with pytest.raises(services.MeetingError):
        attendance.add_guest(held, name="x" * 201, organisation=None, category=None, actor=coordinator)
    db.session.rollback()
    assert count(db, Attendance) == 0


# ---- whitespace-only required text ---------------------------------------------------------------------


@pytest.mark.parametrize(("path", "page", "fields", "message"), [
    ("resolutions", "minutes", {"text": "   "}, "Zadejte text usnesení"),
    ("tasks", "minutes", {"title": "  \t ", "owner_id": "0", "owner_name": "", "due_on": ""}, "co je třeba"),
    ("guests", "attendance", {"name": "   ", "organisation": "", "category": ""}, "jméno hosta"),
])
def test_whitespace_only_text_is_a_message_not_a_server_error(world, held, client, login_as, db, path, page,
                                                              fields, message):
    _, coordinator, _, _ = world
    login_as(coordinator)
    action = f"/meetings/{held.id}/{path}"
    form = hidden_fields(client, f"/meetings/{held.id}/{page}", "csrf_token", action=action)
    response = client.post(action, data={**form, **fields}, follow_redirects=True)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(db, Resolution) == 0 and count(db, Task) == 0 and count(db, Attendance) == 0


# ---- implausible dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("joined_on", "why"), [
    (date(1900, 1, 1), "2015"),
    (date(2035, 1, 1), "nejvýše rok dopředu"),
])
def test_a_membership_dated_1900_or_2035_is_refused_with_the_reason(world, client, login_as, db, factories,
                                                                     joined_on, why):
    group, coordinator, _, _ = world
    newcomer = factories.user("member", territory=group.territory)
    login_as(coordinator)
    url = f"/groups/{group.id}/members/add"
    response = client.post(url, data={**hidden_fields(client, url, "once"), "email": newcomer.email,
                                      "name": "", "category": "teacher", "organisation": "",
                                      "role": "member", "joined_on": joined_on.isoformat(), "locale": "cs"})
    assert response.status_code == 200
    assert why in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(Membership.user_id == newcomer.id)) == 0


@pytest.mark.parametrize(("starts", "status", "why"), [
    ("1999-05-20T14:00", "held", "2015"),
    ("2099-05-20T14:00", "planned", "nejpozději do konce roku"),
])
def test_implausible_meeting_dates_are_refused_with_the_reason(world, client, login_as, db, starts, status,
                                                               why):
    group, coordinator, _, _ = world
    login_as(coordinator)
    url = f"/groups/{group.id}/meetings/new"
    before = count(db, Meeting)
    ends = starts.replace("T14", "T16")
    fields = new_meeting_fields(starts_local=starts, ends_local=ends, status=status)
    response = client.post(url, data={**hidden_fields(client, url, "once"), **fields})
    assert response.status_code == 200
    assert why in response.get_data(as_text=True)
    assert count(db, Meeting) == before


# ---- the time zone is chosen from a list ---------------------------------------------------------------


def test_the_time_zone_is_a_list_with_prague_chosen(world, client, login_as):
    group, coordinator, _, _ = world
    login_as(coordinator)
    page = client.get(f"/groups/{group.id}/meetings/new").get_data(as_text=True)
    select_ = re.search(r'<select[^>]*name="timezone"[^>]*>(.*?)</select>', page, re.S)
    assert select_ is not None
    options = select_.group(1)
    assert '<option selected value="Europe/Prague">' in options and 'value="America/New_York"' in options


def test_a_save_losing_a_race_answers_409_not_500(app, world, db):
    """Two saves at the very same moment: the loser's UPDATE finds another version (StaleDataError)."""
    from config import TestingConfig
    from portal import create_app

    group, _, _, _ = world
    # Plain values only: touching the test's objects inside the other app would borrow its connections.
    meeting_id = make_meeting(group, title="Jednání PS", place="ZŠ Vzorov").id
    other_connection = db.engine  # the winner's save, on a connection of its own
    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    application.config["PROPAGATE_EXCEPTIONS"] = False

    @application.get("/race")
    def race():
        from portal.extensions import db as database

        loaded = database.session.get(Meeting, meeting_id)
        with other_connection.begin() as conn:  # the winner commits between our read and our write
            conn.execute(text("UPDATE meeting SET place = 'Radnice', version = version + 1 WHERE id = :id"),
                         {"id": meeting_id})
        loaded.place = "Knihovna"
        database.session.flush()
        return "saved"

    race.access_rule = "public"
    response = application.test_client().get("/race")
    with application.app_context():
        from portal.extensions import db as database

        database.engine.dispose()
    assert response.status_code == 409
    assert "ve stejné chvíli" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting_id).place == "Radnice"
