"""E-mails of comment rounds, through the outbox: the opening, the reminder two days before the close, and
each author's outcomes after the settlement (one message per author, not one per comment).

Each e-mail batch is claimed by a conditional UPDATE of the round's `*_notified_at` column before anything is
queued, so `flask rounds notify` run twice (or two runs overlapping) sends nothing twice. Nothing here depends
on when it runs: a round whose opening was missed is announced at the next run while it is still open.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from portal import audit, clock
from portal.extensions import db
from portal.mailer import queue_mail
from portal.models import User
from portal.models.rounds import CommentRound
from portal.rounds import local_label, reads, services
from portal.urls import external_url


def _claim(round_: CommentRound, column: str, at: datetime) -> bool:
    claimed = db.session.execute(
        update(CommentRound)
        .where(CommentRound.id == round_.id, getattr(CommentRound, column).is_(None))
        .values({column: at, "version": CommentRound.version})
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed:
        db.session.refresh(round_)
    return bool(claimed)


def _mail(user: User, round_: CommentRound, subject, template: str, **context) -> None:
    version = round_.document_version
    queue_mail(
        [user.email],
        subject,
        template,
        locale=user.locale,
        user=user,
        round=round_,
        document=version.document,
        doc_version=version,
        link=external_url("rounds.show", round_id=round_.id),
        closes=local_label(round_.closes_at),
        **context,
    )


def send_due(at: datetime | None = None) -> int:
    """Queue the due opening and closing e-mails of every round; returns how many were queued."""
    at = at or clock.now()
    count = 0
    opening = db.session.scalars(
        select(CommentRound)
        .where(
            CommentRound.opens_at <= at,
            CommentRound.closes_at > at,
            CommentRound.opening_notified_at.is_(None),
        )
        .order_by(CommentRound.id)
    ).all()
    for round_ in opening:
        if not _claim(round_, "opening_notified_at", at):
            continue
        people = services.participants(round_)
        for user in people:
            _mail(user, round_, _l("Comment round open: %(title)s", title=round_.title), "round_opened")
        count += len(people)
        audit.record("round.opening_notified", round_, actor=None, count=len(people))
    closing = db.session.scalars(
        select(CommentRound)
        .where(
            CommentRound.closes_at <= at + services.REMINDER_BEFORE,
            CommentRound.closes_at > at,
            CommentRound.opens_at <= at,
            CommentRound.closing_notified_at.is_(None),
        )
        .order_by(CommentRound.id)
    ).all()
    for round_ in closing:
        if not _claim(round_, "closing_notified_at", at):
            continue
        people = services.participants(round_)
        for user in people:
            _mail(
                user, round_, _l("Comment round closes soon: %(title)s", title=round_.title), "round_closing"
            )
        count += len(people)
        audit.record("round.closing_notified", round_, actor=None, count=len(people))
    db.session.flush()
    return count


def send_outcomes(round_: CommentRound, *, actor: User, at: datetime | None = None) -> int:
    """Tell each author how their comments were settled: one e-mail per author. Only once per round, and
    only when every comment is settled. Returns the number of e-mails queued."""
    at = at or clock.now()
    services.require_manager(round_, actor)
    figures = reads.progress(round_)
    if services.state(round_, at) != services.CLOSED or not figures.done:
        raise services.RoundError(services.not_settled_message())
    if not _claim(round_, "outcomes_notified_at", at):
        raise services.RoundError(services.outcomes_sent_message())
    by_author = reads.authors_outcomes(round_)
    for comments in by_author.values():
        author = comments[0].author
        _mail(
            author,
            round_,
            _l("How your comments were settled: %(title)s", title=round_.title),
            "round_outcomes",
            comments=comments,
            citation=reads.citation,
            outcome_labels=services.outcome_labels(round_.document_version.document.territory_id),
            kind_labels=services.KIND_LABELS,
            resolution_labels=services.RESOLUTION_LABELS,
        )
    audit.record("round.outcomes_notified", round_, actor=actor, count=len(by_author))
    return len(by_author)
