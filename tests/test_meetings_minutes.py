"""Minutes: Markdown sanitised, a version per save, approval makes them read-only; resolutions and tasks."""

from __future__ import annotations

from datetime import date

import pytest

from portal.meetings import minutes, services
from portal.meetings.minutes import TaskData
from portal.meetings.services import MeetingError
from portal.text import render_markdown
from tests.conftest import add_member, make_group, make_meeting


@pytest.fixture(autouse=True)
def english(app):
    """Messages are checked in English here (the Czech catalogue has its own test)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


@pytest.fixture
def held(factories, db):
    territory = factories.territory()
    group = make_group(territory)
    coordinator = factories.user("member", territory=territory)
    add_member(group, coordinator, role="coordinator", category="expert")
    from datetime import UTC, datetime

    meeting = make_meeting(group, starts_at=datetime(2026, 5, 19, 12, tzinfo=UTC), status="held")
    return meeting, coordinator


def test_render_markdown_keeps_formatting_and_drops_scripts():
    html = str(render_markdown(
        "# Zápis\n\n**Přítomni:** 8\n\n<script>alert('x')</script>\n\n"
        "[odkaz](javascript:alert(1)) <img src=x onerror=alert(1)> <a href=\"https://map.example\" "
        "onclick=\"steal()\">MAP</a>"))
    # A user's top heading sits below the page's own headings.
    assert "<h3>Zápis</h3>" in html and "<strong>Přítomni:</strong>" in html
    for bad in ("<script", "alert('x')", "javascript:", "onerror", "onclick", "<img"):
        assert bad not in html
    assert 'href="https://map.example"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert str(render_markdown(None)) == ""


def test_each_save_is_a_version_and_the_same_text_adds_none(held, db):
    meeting, coordinator = held
    first = minutes.save_minutes(meeting, "Návrh zápisu", actor=coordinator)
    second = minutes.save_minutes(meeting, "Návrh zápisu, doplněný", actor=coordinator)
    assert minutes.save_minutes(meeting, "Návrh zápisu, doplněný\r\n", actor=coordinator) is None
    db.session.commit()
    assert (first.version, second.version) == (1, 2)
    assert [v.body for v in meeting.minutes.versions] == ["Návrh zápisu", "Návrh zápisu, doplněný"]
    assert minutes.current_text(meeting) == "Návrh zápisu, doplněný"


def test_approved_minutes_are_read_only(held, db):
    meeting, coordinator = held
    minutes.save_minutes(meeting, "Zápis", actor=coordinator)
    minutes.add_resolution(meeting, "PS schvaluje plán jednání na rok 2027.", actor=coordinator)
    task = minutes.add_task(meeting, TaskData("Rozeslat zápis", owner_name="Karel", due_on=date(2026, 6, 1)),
                            actor=coordinator)
    minutes.approve_minutes(meeting, actor=coordinator)
    db.session.commit()
    assert meeting.minutes.status == "approved" and meeting.minutes.approved_by_id == coordinator.id
    refusals = [
        lambda: minutes.save_minutes(meeting, "Přepsáno", actor=coordinator),
        lambda: minutes.add_resolution(meeting, "Další", actor=coordinator),
        lambda: minutes.delete_resolution(meeting.resolutions[0], actor=coordinator),
        lambda: minutes.add_task(meeting, TaskData("Další"), actor=coordinator),
        lambda: minutes.delete_task(task, actor=coordinator),
        lambda: minutes.approve_minutes(meeting, actor=coordinator),
    ]
    for refused in refusals:
        with pytest.raises(MeetingError, match="approved"):
            refused()
    db.session.rollback()
    assert [v.body for v in meeting.minutes.versions] == ["Zápis"]
    # Tasks are done after the meeting: that still moves.
    minutes.set_task_done(task, True, actor=coordinator)
    assert task.done_at is not None


def test_approval_needs_a_held_meeting_and_a_text(held, db, factories):
    meeting, coordinator = held
    with pytest.raises(MeetingError):
        minutes.approve_minutes(meeting, actor=coordinator)
    planned = make_meeting(meeting.group)
    minutes.save_minutes(planned, "Příprava zápisu", actor=coordinator)
    with pytest.raises(MeetingError, match="held"):
        minutes.approve_minutes(planned, actor=coordinator)


def test_resolutions_are_numbered_and_renumbered_while_a_draft(held, db):
    meeting, coordinator = held
    first = minutes.add_resolution(meeting, "První", actor=coordinator)
    minutes.add_resolution(meeting, "Druhé", actor=coordinator)
    minutes.add_resolution(meeting, "Třetí", actor=coordinator)
    minutes.delete_resolution(first, actor=coordinator)
    db.session.commit()
    assert [(r.number, r.text) for r in meeting.resolutions] == [(1, "Druhé"), (2, "Třetí")]
    with pytest.raises(MeetingError):
        minutes.add_resolution(meeting, "   ", actor=coordinator)


def test_a_task_owner_from_the_members_takes_their_name(held, db):
    meeting, coordinator = held
    task = minutes.add_task(meeting, TaskData("Připravit analýzu", owner_id=coordinator.id),
                            actor=coordinator)
    assert task.owner_name == coordinator.name
    with pytest.raises(MeetingError):
        minutes.add_task(meeting, TaskData("X", owner_id=999999), actor=coordinator)


def test_minutes_of_a_cancelled_meeting_cannot_be_written(held, db, monkeypatch):
    meeting, coordinator = held
    planned = make_meeting(meeting.group)
    import portal.meetings.invitations as invitations

    monkeypatch.setattr(invitations, "notify_cancellation", lambda meeting, *, actor: None)
    services.cancel_meeting(planned, "Nemoc", actor=coordinator)
    with pytest.raises(MeetingError, match="cancelled"):
        minutes.save_minutes(planned, "Zápis", actor=coordinator)
