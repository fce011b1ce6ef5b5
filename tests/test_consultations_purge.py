"""`flask consultations purge`: hashes of closed consultations cleared, inactive parent accounts deleted
with their answers kept anonymously; idempotent, a dry run, the retention boundary, never other roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from portal.consultations import reads
from portal.consultations.retention import months_before, owner_hash
from portal.extensions import db
from portal.models import AuditEvent, Invitation, LoginSession, User
from portal.models.consultations import ConsultationInvitee, ConsultationResponse
from portal.models.mail import OutboxMessage
from tests.conftest import add_member, make_group, make_territory, make_user
from tests.consultations_factories import add_response, invite, make_consultation

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def run(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["consultations", "purge", *args])
    assert result.exit_code == 0, result.output
    return result.output


def parent(created: datetime, *, last_login: datetime | None = None, **fields) -> User:
    user = make_user("parent", **fields)
    user.created_at = created
    user.last_login_at = last_login
    db.session.commit()
    return user


def with_hashes(response: ConsultationResponse, n: int) -> ConsultationResponse:
    response.browser_hash = f"{n:064x}"
    response.ip_hash = f"{n + 1000:064x}"
    db.session.commit()
    return response


# ---- closed consultations ------------------------------------------------------------------------------


def test_closed_consultations_lose_browser_and_address_hashes_once(app, at_now):
    closed = make_consultation(anonymous=True, allow_without_account=True,
                               opens_at=NOW - timedelta(days=10), closes_at=NOW - timedelta(hours=1))
    still_open = make_consultation(anonymous=True, allow_without_account=True)
    old = [with_hashes(add_response(closed), n) for n in range(3)]
    running = with_hashes(add_response(still_open), 7)

    output = run(app)
    assert "closed consultations purged: 1" in output and "cleared on 3 responses" in output
    for response in old:
        db.session.refresh(response)
        assert response.browser_hash is None and response.ip_hash is None
    db.session.refresh(running)
    assert running.browser_hash is not None and running.ip_hash is not None  # still needed while open
    db.session.refresh(closed)
    assert closed.purged_at == NOW
    assert reads.respondent_counts([closed.id]) == {closed.id: 3}  # the answers themselves stay

    again = run(app)
    assert "closed consultations purged: 0" in again and "cleared on 0 responses" in again


def test_dry_run_reports_and_changes_nothing(app, at_now):
    closed = make_consultation(anonymous=True, opens_at=NOW - timedelta(days=10),
                               closes_at=NOW - timedelta(days=1))
    response = with_hashes(add_response(closed), 1)
    old = parent(NOW - timedelta(days=900)).id
    output = run(app, "--dry-run")
    assert "dry run" in output
    assert "closed consultations purged: 1" in output and "inactive parent accounts deleted: 1" in output
    db.session.expire_all()
    assert db.session.get(ConsultationResponse, response.id).browser_hash is not None
    assert db.session.get(User, old) is not None
    assert db.session.get(type(closed), closed.id).purged_at is None


# ---- inactive parent accounts --------------------------------------------------------------------------


def test_retention_boundary_and_what_counts_as_activity(app, at_now):
    cutoff = months_before(NOW, 24)
    assert cutoff == datetime(2024, 12, 3, 8, 0, tzinfo=UTC)
    just_over = parent(cutoff - timedelta(seconds=1))
    exactly = parent(cutoff)
    young = parent(NOW - timedelta(days=300))
    signed_in_lately = parent(cutoff - timedelta(days=400), last_login=NOW - timedelta(days=30))
    answered_lately = parent(cutoff - timedelta(days=400))
    named = make_consultation(opens_at=NOW - timedelta(days=40), closes_at=NOW - timedelta(days=20))
    add_response(named, user=answered_lately, submitted_at=NOW - timedelta(days=30))
    answered_anonymously = parent(cutoff - timedelta(days=400))
    anonymous = make_consultation(anonymous=True, opens_at=NOW - timedelta(days=40),
                                  closes_at=NOW - timedelta(days=20))
    kept_anonymous = add_response(anonymous, submitted_at=NOW - timedelta(days=30))
    kept_anonymous.owner_hash = owner_hash(anonymous.id, answered_anonymously.id)
    db.session.commit()
    gone = just_over.id
    kept = {exactly.id, young.id, signed_in_lately.id, answered_lately.id, answered_anonymously.id}

    output = run(app, "--months", "24")
    assert "inactive parent accounts deleted: 1" in output
    remaining = set(db.session.scalars(select(User.id)))
    assert gone not in remaining
    assert kept <= remaining
    assert "inactive parent accounts deleted: 0" in run(app)  # idempotent


def test_the_period_comes_from_the_configuration(app, at_now, monkeypatch):
    quiet = parent(NOW - timedelta(days=200)).id
    run(app)
    assert db.session.get(User, quiet) is not None  # 24 months by default
    monkeypatch.setitem(app.config, "CONSULTATIONS_PARENT_RETENTION_MONTHS", 6)
    run(app)
    db.session.expire_all()
    assert db.session.get(User, quiet) is None


def test_deleted_parents_answers_survive_as_anonymous_and_their_personal_data_goes(app, at_now):
    old = NOW - timedelta(days=1000)
    person = parent(old, last_login=old, name="Marie Stará", email="marie.stara@test.example")
    person_id = person.id
    named = make_consultation(audience="invited", opens_at=old, closes_at=old + timedelta(days=7))
    invite(named, "marie.stara@test.example", person)
    invite(named, "jiny.rodic@test.example")
    named_response = add_response(named, user=person, submitted_at=old)
    named_response.submitted_at = old
    anonymous = make_consultation(anonymous=True, opens_at=old, closes_at=old + timedelta(days=7))
    anonymous_response = add_response(anonymous, submitted_at=old)
    anonymous_response.owner_hash = owner_hash(anonymous.id, person.id)
    db.session.add(Invitation(email="marie.stara@test.example", role="parent", token_hash="a" * 64,
                              expires_at=old, user_id=person.id))
    db.session.add(OutboxMessage(recipients=["Marie.Stara@test.example"], subject="Odkaz", body_text="…",
                                 status="sent"))
    db.session.add(OutboxMessage(recipients=["jiny.rodic@test.example"], subject="Odkaz", body_text="…",
                                 status="sent"))
    db.session.add(AuditEvent(action="auth.link_sign_in", object_type="User", object_id=person.id,
                              actor_id=person.id, summary="Marie Stará signed in", details={"e": "x"}))
    db.session.commit()
    before = [r.count for r in reads.question_results(named)[0].rows]
    assert db.session.scalar(select(func.count()).select_from(LoginSession)
                             .where(LoginSession.user_id == person.id)) == 1

    output = run(app)
    assert "inactive parent accounts deleted: 1" in output and "answers kept anonymously: 2" in output
    db.session.expire_all()
    assert db.session.get(User, person_id) is None
    kept = db.session.get(ConsultationResponse, named_response.id)
    assert kept is not None and kept.user_id is None and len(kept.answers) == 4
    assert db.session.get(ConsultationResponse, anonymous_response.id).owner_hash is None
    assert [r.count for r in reads.question_results(named)[0].rows] == before
    # The invited count stays; the address does not.
    assert reads.invitee_counts([named.id]) == {named.id: 2}
    emails = set(db.session.scalars(select(ConsultationInvitee.email)))
    assert "marie.stara@test.example" not in emails and "jiny.rodic@test.example" in emails
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert db.session.scalar(select(func.count()).select_from(LoginSession)
                             .where(LoginSession.user_id == person_id)) == 0
    assert [m.recipients for m in db.session.scalars(select(OutboxMessage))] == [["jiny.rodic@test.example"]]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.link_sign_in"))
    assert event.summary is None and event.details == {} and event.actor_id is None
    run_event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultations.purge"))
    assert run_event.details["parents"] == 1 and "Marie" not in str(run_event.details)


def test_other_roles_and_parents_in_groups_are_never_deleted(app, at_now):
    long_ago = NOW - timedelta(days=2000)
    others = []
    for role in ("member", "coordinator", "guest", "admin"):
        user = make_user(role)
        user.created_at = long_ago
        others.append(user)
    db.session.commit()
    in_group = parent(long_ago)
    add_member(make_group(make_territory()), in_group, category="parent")
    output = run(app)
    assert "inactive parent accounts deleted: 0" in output
    assert "kept as group members: 1" in output
    for user in [*others, in_group]:
        assert db.session.get(User, user.id) is not None


def test_months_before_keeps_the_end_of_month():
    assert months_before(datetime(2026, 3, 31, 12, tzinfo=UTC), 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 24) == datetime(2024, 1, 15, tzinfo=UTC)
