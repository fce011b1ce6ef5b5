"""Replies (one-click signed links and the signed-in form), the coordinator's invitation page, reminders."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.mailer import deliver_due
from portal.meetings import invitations
from portal.models import OutboxMessage
from portal.models.base import utcnow
from portal.models.meetings import MeetingInvitation
from tests.conftest import FULL_ADDRESS, add_member, csrf_token, make_group, make_meeting, make_user


@pytest.fixture
def invited(db, factories):
    territory = factories.territory()
    group = make_group(territory)
    member = make_user("member", territory=territory)
    add_member(group, member)
    meeting = make_meeting(group, starts_at=utcnow().replace(microsecond=0) + timedelta(days=7), agenda=3,
                           place=FULL_ADDRESS)
    invitations.send_invitations(meeting, actor=None)
    _db.session.commit()
    [invitation] = meeting.invitations
    return meeting, invitation, member


def _link(invitation, answer: str) -> str:
    return "/rsvp/" + invitations.reply_token(invitation, answer)


def test_the_link_asks_first_and_records_on_post(client, invited):
    meeting, invitation, _member = invited
    url = _link(invitation, "attending")
    page = client.get(url)
    assert page.status_code == 200 and meeting.title in page.get_data(as_text=True)
    _db.session.refresh(invitation)
    assert invitation.response is None  # a mail scanner following the link answers nothing

    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 200
    _db.session.refresh(invitation)
    assert invitation.response == "attending" and invitation.responded_at is not None


def test_the_reply_can_be_changed_with_another_link(client, invited):
    _meeting, invitation, _member = invited
    for answer in ("maybe", "not_attending"):
        url = _link(invitation, answer)
        client.post(url, data={"csrf_token": csrf_token(client, url)})
        _db.session.refresh(invitation)
        assert invitation.response == answer


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # altered signature
    lambda t: "x" + t,  # altered payload
    lambda t: "nonsense",
])
def test_a_tampered_link_is_refused_and_saves_nothing(client, invited, mangle):
    _meeting, invitation, _member = invited
    url = "/rsvp/" + mangle(invitations.reply_token(invitation, "attending"))
    page = client.get(url)
    assert page.status_code == 400
    assert "not valid" in page.get_data(as_text=True) or "neplatný" in page.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(client, "/sign-in")})
    assert response.status_code == 400
    _db.session.refresh(invitation)
    assert invitation.response is None


def test_a_token_with_a_foreign_answer_or_for_another_address_is_refused(app, client, invited):
    from itsdangerous import URLSafeSerializer

    _meeting, invitation, _member = invited
    signer = URLSafeSerializer(app.config["SECRET_KEY"], salt=invitations.REPLY_SALT)
    good = signer.loads(invitations.reply_token(invitation, "attending"))
    assert client.get("/rsvp/" + signer.dumps({**good, "a": "delete-everything"})).status_code == 400
    assert client.get("/rsvp/" + signer.dumps({**good, "b": "0" * 16})).status_code == 400
    assert client.get("/rsvp/" + signer.dumps({**good, "i": 999999})).status_code == 400
    other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="password-reset")
    assert client.get("/rsvp/" + other_salt.dumps(good)).status_code == 400


def test_replies_to_a_cancelled_meeting_are_closed(client, invited):
    meeting, invitation, _member = invited
    url = _link(invitation, "attending")
    token = csrf_token(client, url)
    meeting.status = "cancelled"
    _db.session.commit()
    assert client.get(url).status_code == 410
    assert client.post(url, data={"csrf_token": token}).status_code == 410
    _db.session.refresh(invitation)
    assert invitation.response is None


def test_a_signed_in_member_replies_on_the_meeting_page(client, login_as, invited):
    meeting, invitation, member = invited
    login_as(member)
    token = csrf_token(client, "/account/")
    response = client.post(f"/meetings/{meeting.id}/reply",
                           data={"csrf_token": token, "answer": "maybe", "next": "/account/"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    _db.session.refresh(invitation)
    assert invitation.response == "maybe"


def test_an_uninvited_member_of_the_group_can_reply_too(client, login_as, invited):
    meeting, _invitation, _member = invited
    newcomer = login_as("member")
    add_member(meeting.group, newcomer)
    token = csrf_token(client, "/account/")
    client.post(f"/meetings/{meeting.id}/reply", data={"csrf_token": token, "answer": "attending"})
    row = _db.session.scalar(select(MeetingInvitation).where(MeetingInvitation.user_id == newcomer.id))
    assert row is not None and row.response == "attending" and row.sent_at is None


def test_an_outsider_cannot_reply(client, login_as, invited):
    meeting, *_ = invited
    login_as("member")
    token = csrf_token(client, "/account/")
    response = client.post(f"/meetings/{meeting.id}/reply", data={"csrf_token": token, "answer": "attending"})
    assert response.status_code == 403
    assert client.post("/meetings/999999/reply", data={"csrf_token": token, "answer": "x"}).status_code == 404


# ---- the coordinator's page --------------------------------------------------------------------------


def test_the_invitation_page_is_for_the_groups_managers(client, login_as, invited, factories):
    meeting, _invitation, member = invited
    url = f"/meetings/{meeting.id}/invitations"
    login_as(member)
    assert client.get(url).status_code == 403  # an ordinary member of the group
    chair = login_as("member")
    add_member(meeting.group, chair, role="chair")
    page = client.get(url)
    assert page.status_code == 200 and member.name in page.get_data(as_text=True)
    login_as("coordinator", territory=meeting.group.territory)
    assert client.get(url).status_code == 200
    login_as("coordinator", territory=factories.territory("MAP ORP Jinde"))
    assert client.get(url).status_code == 403


def test_a_coordinator_adds_a_guest_and_sends_after_confirming(client, login_as, invited, smtp):
    meeting, _invitation, _member = invited
    deliver_due()  # the member's invitation
    smtp.messages.clear()
    login_as("coordinator", territory=meeting.group.territory)
    manage = f"/meetings/{meeting.id}/invitations"
    token = csrf_token(client, manage)
    response = client.post(f"{manage}/guests", data={
        "csrf_token": token, "name": "Paní Hostová", "email": "hostova@example.org",
        "organisation": "NNO Vzorov", "category": "youth_worker"})
    assert response.status_code == 302
    guest = _db.session.scalar(
        select(MeetingInvitation).where(MeetingInvitation.email == "hostova@example.org"))
    assert guest.is_guest and guest.sent_at is None and guest.category == "youth_worker"

    confirm = client.get(f"{manage}/send")
    assert confirm.status_code == 200 and "1" in confirm.get_data(as_text=True)
    assert smtp.messages == []
    response = client.post(f"{manage}/send", data={"csrf_token": token})
    assert response.status_code == 302
    assert [m["To"] for m in smtp.messages] == ["hostova@example.org"]  # the member had theirs already


# ---- reminders ---------------------------------------------------------------------------------------


def test_reminders_go_once_to_those_who_did_not_decline(app, db, smtp, factories):
    territory = factories.territory()
    group = make_group(territory)
    yes, no = make_user("member", territory=territory), make_user("member", territory=territory)
    add_member(group, yes)
    add_member(group, no)
    now = datetime(2031, 5, 1, 8, 0, tzinfo=UTC)
    soon = make_meeting(group, starts_at=now + timedelta(days=1, hours=2), title="Brzy", agenda=3,
                        place=FULL_ADDRESS)
    later = make_meeting(group, starts_at=now + timedelta(days=5), title="Později", agenda=3,
                         place=FULL_ADDRESS)
    silent = make_meeting(group, starts_at=now + timedelta(hours=5), title="Bez připomínky",
                          reminder_days=0, agenda=3, place=FULL_ADDRESS)
    for meeting in (soon, later, silent):
        invitations.send_invitations(meeting, actor=None)
    _db.session.commit()
    deliver_due()
    smtp.messages.clear()
    declined = next(i for i in soon.invitations if i.user_id == no.id)
    declined.response = "not_attending"
    _db.session.commit()

    assert invitations.send_due_reminders(now) == 1
    _db.session.commit()
    assert invitations.send_due_reminders(now + timedelta(minutes=5)) == 0  # idempotent
    _db.session.commit()
    deliver_due()
    assert [m["To"] for m in smtp.messages] == [yes.email]
    assert smtp.messages[0]["Subject"].startswith(("Připomínka", "Reminder"))
    _db.session.refresh(soon)
    assert soon.reminder_sent_at == now and later.reminder_sent_at is None and silent.reminder_sent_at is None

    # Three days later the second meeting is within its two days.
    assert invitations.send_due_reminders(now + timedelta(days=3, hours=1)) == 2


def test_the_remind_command_is_idempotent(app, db, smtp, factories):
    group = make_group(factories.territory())
    add_member(group, make_user("member"))
    make_meeting(group, starts_at=utcnow() + timedelta(days=1), agenda=3, place=FULL_ADDRESS)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["meetings", "remind"])
    assert first.exit_code == 0, first.output
    assert "reminders queued: 1" in first.output and "sent: 1" in first.output
    second = runner.invoke(args=["meetings", "remind"])
    assert "reminders queued: 0" in second.output
    assert len(smtp.messages) == 1
    assert _db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
