"""Who may do what with a consultation, and its state: decided here once, for every page and export.

- Managing (editing, inviting, results, exports): the group's coordinators (`is_group_coordinator`).
- Answering: while it is open, by audience —
  * invited: a signed-in person whose address (or account) is on the invitee list;
  * link / public: anyone who has its address: signed in with any account, or, where the coordinator
    allows answers without an account, anonymously (one answer per browser).
- Seeing that it exists: those who may answer or manage it; public ones are listed on the group's page.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from portal import clock
from portal.extensions import db
from portal.groups.services import is_group_coordinator
from portal.models import User
from portal.models.consultations import Audience, Consultation, ConsultationInvitee

SCHEDULED, OPEN, CLOSED = "scheduled", "open", "closed"
# Own msgids: the generic "open"/"closed" are translated for neuter nouns elsewhere (kolo, připomínkování),
# while "konzultace" is feminine (otevřena, uzavřena).
STATE_LABELS = {SCHEDULED: _l("not yet open for answers"), OPEN: _l("open for answers"),
                CLOSED: _l("closed for answers")}


def state(consultation: Consultation, at: datetime | None = None) -> str:
    """scheduled / open / closed, from the clock and the consultation's times alone."""
    at = at or clock.now()
    if at < consultation.opens_at:
        return SCHEDULED
    if at < consultation.closes_at:
        return OPEN
    return CLOSED


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def can_manage(user: User | None, consultation: Consultation) -> bool:
    return _signed_in(user) and is_group_coordinator(user, consultation.group)


def is_invited(user: User | None, consultation: Consultation) -> bool:
    if not _signed_in(user):
        return False
    return db.session.scalar(
        select(ConsultationInvitee.id).where(
            ConsultationInvitee.consultation_id == consultation.id,
            or_(ConsultationInvitee.user_id == user.id,
                func.lower(ConsultationInvitee.email) == user.email.lower()),
        ).limit(1)
    ) is not None


def may_take_part(user: User | None, consultation: Consultation) -> bool:
    """May this person (None or anonymous: a visitor without an account) answer, once it is open?"""
    if consultation.audience == Audience.INVITED:
        return is_invited(user, consultation)
    if _signed_in(user):
        return True
    return consultation.allow_without_account


def may_see(user: User | None, consultation: Consultation) -> bool:
    """May this person see the consultation's page (its introduction and questions)?"""
    return can_manage(user, consultation) or may_take_part(user, consultation)
