"""Retention of consultation data (`flask consultations purge`, idempotent, run from cron).

1. Closed consultations keep no browser id or address of their answers: `browser_hash` and `ip_hash` are
   cleared and `purged_at` set (again after a later close, should a consultation be reopened).
2. Parent accounts (role parent) without activity for `CONSULTATIONS_PARENT_RETENTION_MONTHS` (default 24)
   are deleted. Activity is the latest of: the account's creation, its last sign-in, its answers (given or
   changed; named ones by user id, anonymous ones by their owner hash) and its comments in comment rounds.
   What happens to what they leave:
   * their answers stay, as anonymous ones: `user_id` and `owner_hash` set to NULL (the results do not
     change; a named consultation's respondents page counts them as "account deleted");
   * their invitations to consultations stay as rows, so that the invited count (and the response rate)
     does not change, but the address is replaced by "removed:<row id>" and the account link dropped;
   * their account invitations, one-time links (sign-in, password reset), login sessions and the outbox's
     copies of mail sent to them go;
   * audit events about the account lose their free-text summary and details; the events about what they
     did lose the actor (the foreign key's SET NULL);
   * comments in rounds stay without an author (SET NULL), as the settlement table needs them.
   A parent who is or was a member of a working group is kept (the group's composition history and the
   annual reports count their membership); the purge reports how many it kept so.
   Non-parent accounts are never deleted.

The functions only flush; the command commits (or, with --dry-run, rolls back).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import String, cast, delete, func, or_, select, update

from portal import audit
from portal.batching import chunked
from portal.extensions import db
from portal.models import Invitation, LoginSession, OneTimeLink, Role, User
from portal.models.base import utcnow
from portal.models.consultations import Consultation, ConsultationInvitee, ConsultationResponse
from portal.models.groups import Membership
from portal.models.mail import OutboxMessage
from portal.models.people import AuditEvent
from portal.models.rounds import Comment

REMOVED_PREFIX = "removed:"


def owner_hash(consultation_id: int, user_id: int) -> str:
    """The keyed hash by which a signed-in person finds their own anonymous answer (the answering side's
    scheme: HMAC-SHA256 of "consultation:<id>:user:<id>" with the app's secret key)."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"consultation:{consultation_id}:user:{user_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock moment `months` calendar months earlier (the 31st becomes the month's last day)."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass
class PurgeReport:
    consultations_purged: int = 0  # closed consultations marked purged now
    responses_cleared: int = 0  # responses whose browser/address hash was cleared
    parents_deleted: int = 0
    answers_anonymised: int = 0  # responses kept without their deleted author
    invitees_anonymised: int = 0  # invitation rows kept for the counts, address removed
    parents_kept_as_members: int = 0  # inactive parents kept because of a group membership

    def lines(self) -> list[str]:
        return [
            f"closed consultations purged: {self.consultations_purged} "
            f"(browser and address hashes cleared on {self.responses_cleared} responses)",
            f"inactive parent accounts deleted: {self.parents_deleted} "
            f"(answers kept anonymously: {self.answers_anonymised}, "
            f"invitations kept without address: {self.invitees_anonymised})",
            f"inactive parent accounts kept as group members: {self.parents_kept_as_members}",
        ]


def purge_closed(now: datetime, report: PurgeReport) -> None:
    """Clear the browser and address hashes of every closed consultation's responses."""
    closed = select(Consultation.id).where(Consultation.closes_at <= now)
    report.responses_cleared = db.session.execute(
        update(ConsultationResponse)
        .where(ConsultationResponse.consultation_id.in_(closed),
               or_(ConsultationResponse.browser_hash.is_not(None), ConsultationResponse.ip_hash.is_not(None)))
        .values(browser_hash=None, ip_hash=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    report.consultations_purged = db.session.execute(
        update(Consultation)
        .where(Consultation.closes_at <= now,
               or_(Consultation.purged_at.is_(None), Consultation.purged_at < Consultation.closes_at))
        .values(purged_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def inactive_parents(now: datetime, months: int) -> tuple[list[tuple[User, list[str]]], int]:
    """Parent accounts whose latest activity is older than `months` before `now`, each with the owner
    hashes of their anonymous answers; and how many such parents are kept for a group membership."""
    cutoff = months_before(now, months)
    candidates = list(db.session.scalars(
        select(User).where(User.role == Role.PARENT.value, User.created_at < cutoff,
                           or_(User.last_login_at.is_(None), User.last_login_at < cutoff))
        .order_by(User.id)
    ))
    if not candidates:
        return [], 0
    ids = [u.id for u in candidates]
    answered = dict(db.session.execute(
        select(ConsultationResponse.user_id,
               func.max(func.coalesce(ConsultationResponse.updated_at, ConsultationResponse.submitted_at)))
        .where(ConsultationResponse.user_id.in_(ids)).group_by(ConsultationResponse.user_id)
    ).all())
    commented = dict(db.session.execute(
        select(Comment.author_id, func.max(func.coalesce(Comment.updated_at, Comment.created_at)))
        .where(Comment.author_id.in_(ids)).group_by(Comment.author_id)
    ).all())
    members = set(db.session.scalars(select(Membership.user_id).where(Membership.user_id.in_(ids))))
    # Anonymous answers: found by the owner hash of every (anonymous consultation, candidate) pair.
    anonymous_ids = list(db.session.scalars(select(Consultation.id).where(Consultation.anonymous.is_(True))))
    hashes = {owner_hash(cid, uid): uid for uid in ids for cid in anonymous_ids}
    anonymous_activity: dict[int, datetime] = {}
    own_hashes: dict[int, list[str]] = {uid: [] for uid in ids}
    chunk = list(hashes)
    for start in range(0, len(chunk), 500):
        for hash_, moment in db.session.execute(
            select(ConsultationResponse.owner_hash,
                   func.coalesce(ConsultationResponse.updated_at, ConsultationResponse.submitted_at))
            .where(ConsultationResponse.owner_hash.in_(chunk[start:start + 500]))
        ):
            uid = hashes[hash_]
            own_hashes[uid].append(hash_)
            anonymous_activity[uid] = _latest(anonymous_activity.get(uid), moment)
    chosen, kept = [], 0
    for user in candidates:
        latest = _latest(user.created_at, user.last_login_at, answered.get(user.id), commented.get(user.id),
                         anonymous_activity.get(user.id))
        if latest is None or latest >= cutoff:
            continue
        if user.id in members:
            kept += 1
            continue
        chosen.append((user, own_hashes[user.id]))
    return chosen, kept


def _user_foreign_keys():
    """(table, column) of every foreign key to user.id that the database does not handle on delete."""
    user_id = User.__table__.c.id
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column is user_id and fk.ondelete is None and table is not User.__table__:
                yield table, fk.parent


def owner_hashes(user_id: int) -> list[str]:
    """The owner hashes this person's anonymous answers would carry, one per anonymous consultation."""
    ids = db.session.scalars(select(Consultation.id).where(Consultation.anonymous.is_(True)))
    return [owner_hash(cid, user_id) for cid in ids]


def delete_parent(user: User, hashes: list[str], report: PurgeReport) -> None:
    """Delete one parent account, keeping its answers as anonymous ones (see the module's docstring)."""
    email = user.email.lower()
    report.answers_anonymised += db.session.execute(
        update(ConsultationResponse).where(ConsultationResponse.user_id == user.id)
        .values(user_id=None, owner_hash=None).execution_options(synchronize_session=False)
    ).rowcount
    for batch in chunked(hashes, 500):
        report.answers_anonymised += db.session.execute(
            update(ConsultationResponse).where(ConsultationResponse.owner_hash.in_(batch))
            .values(owner_hash=None).execution_options(synchronize_session=False)
        ).rowcount
    report.invitees_anonymised += db.session.execute(
        update(ConsultationInvitee)
        .where(or_(ConsultationInvitee.user_id == user.id, func.lower(ConsultationInvitee.email) == email))
        .values(email=REMOVED_PREFIX + cast(ConsultationInvitee.id, String), user_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(delete(Invitation).where(
        or_(Invitation.user_id == user.id, func.lower(Invitation.email) == email)))
    # One-time links (sign-in links, password resets, consultation invitations), by account and address.
    db.session.execute(delete(OneTimeLink).where(
        or_(OneTimeLink.user_id == user.id, func.lower(OneTimeLink.email) == email)))
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    # Mail already sent to them (sign-in links, invitations): the outbox's copy holds their address.
    db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.status == "sent",
        func.lower(cast(OutboxMessage.recipients, String)).contains(f'"{email}"', autoescape=True),
    ))
    db.session.execute(
        update(AuditEvent).where(AuditEvent.object_type == "User", AuditEvent.object_id == user.id)
        .values(summary=None, details={}).execution_options(synchronize_session=False)
    )
    # Any other reference the database would refuse (a foreign key without ON DELETE): let go of it.
    for table, column in _user_foreign_keys():
        if column.nullable:
            db.session.execute(update(table).where(column == user.id).values({column.name: None}))
        else:
            db.session.execute(delete(table).where(column == user.id))
    db.session.execute(delete(User).where(User.id == user.id).execution_options(synchronize_session=False))
    report.parents_deleted += 1


def purge(*, now: datetime | None = None, months: int | None = None) -> PurgeReport:
    """Both steps; flushes only. Running it again right after changes nothing."""
    now = now or utcnow()
    if months is None:
        months = int(current_app.config["CONSULTATIONS_PARENT_RETENTION_MONTHS"])
    report = PurgeReport()
    purge_closed(now, report)
    chosen, report.parents_kept_as_members = inactive_parents(now, months)
    for user, hashes in chosen:
        delete_parent(user, hashes, report)
    db.session.flush()
    db.session.expire_all()
    if report.consultations_purged or report.responses_cleared or report.parents_deleted:
        # One event for the run, with counts only: no trail of who was deleted.
        audit.record("consultations.purge", None, actor=None,
                     consultations=report.consultations_purged, responses=report.responses_cleared,
                     parents=report.parents_deleted)
    return report
