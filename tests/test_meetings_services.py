"""Meeting services: scheduling, editing and moving (sequence and uid), cancelling, marking held, series,
agenda, and refusals that save nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.meetings import services
from portal.meetings.services import MeetingError, SeriesSpec
from portal.models import AuditEvent
from portal.models.meetings import Meeting, MeetingGroup
from tests.conftest import add_member, future, make_group, meeting_data


@pytest.fixture(autouse=True)
def english(app):
    """Messages are checked in English here (the Czech catalogue has its own test)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


@pytest.fixture
def setup(factories, db):
    territory = factories.territory()
    group = make_group(territory, name="PS pro rovné příležitosti")
    coordinator = factories.user("member", territory=territory)
    add_member(group, coordinator, role="coordinator", category="expert")
    return territory, group, coordinator


def meeting_count(db) -> int:
    return db.session.scalar(select(func.count(Meeting.id)))


@pytest.fixture
def notified(monkeypatch):
    """Record the calls of the calendar side's notifications, with the sequence seen at call time."""
    calls = []
    import portal.meetings.invitations as invitations

    monkeypatch.setattr(invitations, "notify_update",
                        lambda meeting, *, actor: calls.append(("update", meeting.sequence, meeting.status)))
    monkeypatch.setattr(invitations, "notify_cancellation",
                        lambda meeting, *, actor: calls.append(("cancel", meeting.sequence, meeting.status)))
    return calls


def test_schedule_stores_utc_and_lists_the_organiser_as_participant(setup, db):
    _, group, coordinator = setup
    starts = datetime(2027, 2, 16, 14, 0)
    meeting = services.schedule_meeting(group, meeting_data(starts_local=starts,
                                                    ends_local=starts + timedelta(hours=2)),
                                        actor=coordinator)
    db.session.commit()
    assert meeting.starts_at == datetime(2027, 2, 16, 13, 0, tzinfo=UTC)  # CET is UTC+1 in February
    assert meeting.sequence == 0 and meeting.status == "planned" and meeting.uid
    assert [p.group_id for p in meeting.participants] == [group.id]
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == meeting.id)) == \
        "meeting.created"


def test_a_joint_meeting_appears_in_every_participating_group(setup, db, factories):
    territory, group, coordinator = setup
    financing = make_group(territory, name="PS pro financování", kind="financing")
    meeting = services.schedule_meeting(group, meeting_data(kind="joint", joint_group_ids=(financing.id,)),
                                        actor=coordinator)
    db.session.commit()
    assert {p.group_id for p in meeting.participants} == {group.id, financing.id}
    assert db.session.scalars(services.meetings_of(financing)).all() == [meeting]


def test_a_joint_meeting_needs_another_group_of_the_same_territory(setup, db, factories):
    _, group, coordinator = setup
    elsewhere = make_group(factories.territory("MAP ORP Jinde"))
    with pytest.raises(MeetingError) as error:
        services.schedule_meeting(group, meeting_data(kind="joint"), actor=coordinator)
    assert error.value.field == "joint_group_ids"
    with pytest.raises(MeetingError):
        services.schedule_meeting(group, meeting_data(kind="joint", joint_group_ids=(elsewhere.id,)),
                                  actor=coordinator)
    db.session.rollback()
    assert meeting_count(db) == 0


def test_sequence_rises_on_time_and_place_changes_but_not_on_a_title_change(setup, db, notified):
    _, group, coordinator = setup
    meeting = services.schedule_meeting(group, meeting_data(), actor=coordinator)
    db.session.commit()
    uid, stamp = meeting.uid, meeting.updated_at

    services.update_meeting(meeting, meeting_data(title="Nový název", starts_local=meeting_local(meeting)),
                            actor=coordinator)
    assert meeting.sequence == 0 and meeting.title == "Nový název" and meeting.updated_at >= stamp
    assert notified == []

    later = meeting_local(meeting) + timedelta(days=7)
    services.update_meeting(meeting, meeting_data(title="Nový název", starts_local=later), actor=coordinator)
    assert meeting.sequence == 1
    assert notified == [("update", 1, "planned")]  # called after the change

    services.update_meeting(meeting, meeting_data(title="Nový název", starts_local=later,
                                                  place="MAS Vzorovsko"),
                            actor=coordinator)
    assert meeting.sequence == 2
    services.update_meeting(meeting, meeting_data(title="Nový název", starts_local=later,
                                                  place="MAS Vzorovsko",
                                          online_url="https://meet.example/ps"), actor=coordinator)
    assert meeting.sequence == 3
    db.session.commit()
    assert meeting.uid == uid


def meeting_local(meeting):
    return services.local_time(meeting.starts_at, meeting.timezone).replace(tzinfo=None)


def test_an_unchanged_save_changes_nothing(setup, db, notified):
    _, group, coordinator = setup
    meeting = services.schedule_meeting(group, meeting_data(), actor=coordinator)
    assert services.update_meeting(meeting, meeting_data(starts_local=meeting_local(meeting)),
                                   actor=coordinator) == []
    assert meeting.sequence == 0


def test_cancel_keeps_the_meeting_with_its_reason_and_raises_the_sequence(setup, db, notified):
    _, group, coordinator = setup
    meeting = services.schedule_meeting(group, meeting_data(), actor=coordinator)
    db.session.commit()
    services.cancel_meeting(meeting, "Nemoc koordinátora", actor=coordinator)
    db.session.commit()
    meeting = db.session.get(Meeting, meeting.id)
    assert (meeting.status, meeting.cancel_reason, meeting.sequence) == ("cancelled", "Nemoc koordinátora", 1)
    assert notified == [("cancel", 1, "cancelled")]
    with pytest.raises(MeetingError):
        services.update_meeting(meeting, meeting_data(), actor=coordinator)
    with pytest.raises(MeetingError):
        services.cancel_meeting(meeting, "znovu", actor=coordinator)


def test_cancel_needs_a_reason(setup, db, notified):
    _, group, coordinator = setup
    meeting = services.schedule_meeting(group, meeting_data(), actor=coordinator)
    db.session.commit()
    with pytest.raises(MeetingError) as error:
        services.cancel_meeting(meeting, "  ", actor=coordinator)
    assert error.value.field == "reason"
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).status == "planned"


def test_mark_held_only_once_the_meeting_has_started(setup, db):
    _, group, coordinator = setup
    meeting = services.schedule_meeting(group, meeting_data(), actor=coordinator)
    with pytest.raises(MeetingError):
        services.mark_held(meeting, actor=coordinator)
    services.mark_held(meeting, actor=coordinator, now=meeting.starts_at + timedelta(minutes=5))
    assert meeting.status == "held" and meeting.sequence == 1


def test_recording_a_past_meeting_as_held(setup, db):
    _, group, coordinator = setup
    past = datetime(2025, 5, 20, 14, 0)
    meeting = services.schedule_meeting(group, meeting_data(starts_local=past,
                                                            ends_local=past + timedelta(hours=2),
                                                    status="held"), actor=coordinator)
    assert meeting.status == "held"
    with pytest.raises(MeetingError):
        services.schedule_meeting(group, meeting_data(status="held"), actor=coordinator)  # held in the future


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"title": "  "}, "title", "title"),
    ({"ends_local": future() - timedelta(hours=1)}, "ends_local", "end after"),
    ({"ends_local": future()}, "ends_local", "end after"),
    ({"starts_local": datetime(2024, 3, 5, 14), "ends_local": datetime(2024, 3, 5, 16)}, "starts_local",
     "past"),
    ({"timezone": "Europe/Vzorov"}, "timezone", "time zone"),
    ({"timezone": "../../etc/passwd"}, "timezone", "time zone"),
    ({"place": "", "online_url": ""}, "place", "online link"),
    ({"place": "", "online_url": "javascript:alert(1)"}, "online_url", "https://"),
    ({"kind": "party"}, "kind", "kind"),
])
def test_bad_input_gets_a_clear_message_and_saves_nothing(setup, db, fields, field, words):
    _, group, coordinator = setup
    with pytest.raises(MeetingError) as error:
        services.schedule_meeting(group, meeting_data(**fields), actor=coordinator)
    assert error.value.field == field
    assert words in str(error.value)
    db.session.rollback()
    assert meeting_count(db) == 0


def test_only_an_online_link_is_enough_and_another_time_zone_is_kept(setup, db):
    _, group, coordinator = setup
    starts = datetime(2027, 7, 1, 10, 0)
    meeting = services.schedule_meeting(group, meeting_data(place="", online_url="https://meet.example/x",
                                                    timezone="Europe/London", starts_local=starts,
                                                    ends_local=starts + timedelta(hours=1)),
                                    actor=coordinator)
    assert meeting.timezone == "Europe/London"
    assert meeting.starts_at == datetime(2027, 7, 1, 9, 0, tzinfo=UTC)


def test_a_past_planned_meeting_must_be_marked_held_before_it_is_edited(setup, db):
    _, group, coordinator = setup
    meeting = services.schedule_meeting(group, meeting_data(), actor=coordinator)
    later = meeting.starts_at + timedelta(days=1)
    with pytest.raises(MeetingError) as error:
        services.update_meeting(meeting, meeting_data(title="Jiný", starts_local=meeting_local(meeting)),
                                actor=coordinator, now=later)
    assert "mark it as held" in str(error.value)


def test_only_the_groups_coordinators_manage_meetings(setup, db, factories):
    territory, group, _ = setup
    member = factories.user("member", territory=territory)
    add_member(group, member)
    other_group = make_group(territory)
    other_coordinator = factories.user("member", territory=territory)
    add_member(other_group, other_coordinator, role="coordinator")
    for actor in (member, other_coordinator):
        with pytest.raises(MeetingError):
            services.schedule_meeting(group, meeting_data(), actor=actor)
    portal_coordinator = factories.user("coordinator", territory=territory)
    assert services.schedule_meeting(group, meeting_data(), actor=portal_coordinator).id


def test_series_third_tuesday_of_february_may_september_november_2027(setup, db):
    _, group, coordinator = setup
    spec = SeriesSpec(year=2027, months=(11, 2, 9, 5), weekday=1, nth=3, start=time(14, 0),
                      duration_minutes=120,
                      meeting=meeting_data(title="Řádné jednání PS"))
    created = services.create_series(group, spec, actor=coordinator, now=datetime(2026, 11, 25, tzinfo=UTC))
    db.session.commit()
    local = [services.local_time(m.starts_at, m.timezone) for m in created]
    assert [d.date().isoformat() for d in local] == ["2027-02-16", "2027-05-18", "2027-09-21", "2027-11-16"]
    assert all((d.hour, d.minute) == (14, 0) for d in local)
    assert all(m.ends_at - m.starts_at == timedelta(hours=2) for m in created)
    assert len({m.series_key for m in created}) == 1 and created[0].series_key
    assert len({m.uid for m in created}) == 4


def test_series_skips_past_dates_and_refuses_a_series_with_none_ahead(setup, db):
    _, group, coordinator = setup
    now = datetime(2026, 11, 25, tzinfo=UTC)
    spec = SeriesSpec(year=2026, months=(2, 5, 9, 12), weekday=1, nth=-1, start=time(14, 0),
                      duration_minutes=90,
                      meeting=meeting_data())
    preview = services.preview_series(spec, now=now)
    assert [(d.starts_local.date().isoformat(), d.past) for d in preview] == [
        ("2026-02-24", True), ("2026-05-26", True), ("2026-09-29", True), ("2026-12-29", False)]
    assert len(services.create_series(group, spec, actor=coordinator, now=now)) == 1
    spec.months = (2, 5)
    with pytest.raises(MeetingError) as error:
        services.create_series(group, spec, actor=coordinator, now=now)
    assert error.value.field == "months"
    spec.months = ()
    with pytest.raises(MeetingError):
        services.preview_series(spec, now=now)


def test_a_series_with_bad_meeting_data_saves_nothing(setup, db):
    _, group, coordinator = setup
    spec = SeriesSpec(year=2027, months=(2, 5), weekday=1, nth=3, start=time(14, 0), duration_minutes=120,
                      meeting=meeting_data(place="", online_url=""))
    with pytest.raises(MeetingError):
        services.create_series(group, spec, actor=coordinator)
    db.session.rollback()
    assert meeting_count(db) == 0


def test_agenda_items_are_ordered_moved_and_touch_the_meeting(setup, db):
    _, group, coordinator = setup
    meeting = services.schedule_meeting(group, meeting_data(), actor=coordinator)
    db.session.commit()
    a = services.add_agenda_item(meeting, services.AgendaData("Zahájení", "Jana", 5), actor=coordinator)
    b = services.add_agenda_item(meeting, services.AgendaData("Analýza"), actor=coordinator)
    c = services.add_agenda_item(meeting, services.AgendaData("Různé"), actor=coordinator)
    db.session.commit()
    stamp = meeting.updated_at
    services.move_agenda_item(c, "up", actor=coordinator)
    db.session.commit()
    assert [i.title for i in db.session.get(Meeting, meeting.id).agenda] == ["Zahájení", "Různé", "Analýza"]
    assert meeting.updated_at > stamp and meeting.sequence == 0
    services.move_agenda_item(a, "up", actor=coordinator)  # already first: nothing moves
    services.delete_agenda_item(b, actor=coordinator)
    db.session.commit()
    agenda = db.session.get(Meeting, meeting.id).agenda
    assert [(i.position, i.title) for i in agenda] == [(1, "Zahájení"), (2, "Různé")]
    with pytest.raises(MeetingError):
        services.add_agenda_item(meeting, services.AgendaData(" "), actor=coordinator)


def test_meeting_visibility(setup, db, factories):
    territory, group, coordinator = setup
    financing = make_group(territory, kind="financing")
    member, outsider, fin_member = (factories.user("member", territory=territory) for _ in range(3))
    add_member(group, member)
    add_member(financing, fin_member)
    parent = factories.user("parent", territory=territory)
    closed = services.schedule_meeting(group, meeting_data(public=False), actor=coordinator)
    joint = services.schedule_meeting(group, meeting_data(public=False, kind="joint",
                                                  joint_group_ids=(financing.id,)),
                                      actor=coordinator)
    today = datetime.now(UTC).date()
    assert services.can_see(member, closed, today) and services.can_see(coordinator, closed, today)
    assert not services.can_see(outsider, closed, today) and not services.can_see(parent, closed, today)
    assert not services.can_see(fin_member, closed, today) and services.can_see(fin_member, joint, today)
    assert db.session.scalar(select(func.count(MeetingGroup.id))) == 3
