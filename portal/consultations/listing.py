"""The lists of consultations the coordinators' pages and the group page read: a group's consultations, a
person's own ("managed, invited to, answered"), and the group page's box. Each is one query (plus one for
the respondent counts), whatever the number of consultations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select, true
from sqlalchemy.orm import selectinload

from portal.consultations import reads
from portal.consultations.access import state
from portal.extensions import db
from portal.groups.services import _active_on
from portal.models import Membership, Role, User, WorkingGroup
from portal.models.consultations import Audience, Consultation, ConsultationInvitee, ConsultationResponse
from portal.models.groups import MANAGING_ROLES

MANAGES, INVITED, ANSWERED = "manages", "invited", "answered"


def group_query(group: WorkingGroup, *, manages: bool) -> Select:
    """A group's consultations, the latest opening first: all for its managers, the public ones for others."""
    query = select(Consultation).where(Consultation.group_id == group.id)
    if not manages:
        query = query.where(Consultation.audience == Audience.PUBLIC.value)
    return query.order_by(Consultation.opens_at.desc(), Consultation.id.desc())


def _managed_condition(user: User, on: date):
    """Consultations of groups the user manages (`is_group_coordinator`, as one SQL condition)."""
    if user.role == Role.ADMIN:
        return true()
    conditions = []
    if user.role == Role.COORDINATOR:
        conditions.append(Consultation.group_id.in_(
            select(WorkingGroup.id).where(WorkingGroup.territory_id == user.territory_id)))
    if user.role in (Role.MEMBER, Role.COORDINATOR):
        conditions.append(Consultation.group_id.in_(
            select(Membership.group_id).where(Membership.user_id == user.id,
                                              Membership.role.in_(MANAGING_ROLES), _active_on(on))))
    return or_(*conditions) if conditions else None


def _invited_condition(user: User):
    return Consultation.id.in_(
        select(ConsultationInvitee.consultation_id).where(
            or_(ConsultationInvitee.user_id == user.id,
                func.lower(ConsultationInvitee.email) == user.email.lower())))


def _answered_condition(user: User):
    # Named answers only: an anonymous response holds no user id (its owner hash is the answering side's).
    return Consultation.id.in_(
        select(ConsultationResponse.consultation_id).where(ConsultationResponse.user_id == user.id))


def mine_query(user: User, on: date) -> Select:
    """The person's consultations: managed, invited to, answered; open and upcoming first, then by close."""
    candidates = (_managed_condition(user, on), _invited_condition(user), _answered_condition(user))
    conditions = [c for c in candidates if c is not None]
    return (select(Consultation).where(or_(*conditions)).options(selectinload(Consultation.group))
            .order_by(Consultation.closes_at.desc(), Consultation.id.desc()))


def relations(user: User, consultations: list[Consultation], on: date) -> dict[int, set[str]]:
    """How the person is related to each listed consultation (three small queries)."""
    ids = [c.id for c in consultations]
    result: dict[int, set[str]] = {cid: set() for cid in ids}
    if not ids:
        return result
    managed = _managed_condition(user, on)
    for label, condition in ((MANAGES, managed), (INVITED, _invited_condition(user)),
                             (ANSWERED, _answered_condition(user))):
        if condition is None:
            continue
        for cid in db.session.scalars(select(Consultation.id).where(Consultation.id.in_(ids), condition)):
            result[cid].add(label)
    return result


@dataclass(frozen=True)
class GroupBox:
    """The consultations box of the group page: the latest few, their states and respondent counts."""

    consultations: list[Consultation]
    states: dict[int, str]
    respondents: dict[int, int]
    manages: bool
    more: bool


BOX_SIZE = 5


def group_box(group: WorkingGroup, *, manages: bool) -> GroupBox:
    rows = list(db.session.scalars(group_query(group, manages=manages).limit(BOX_SIZE + 1)))
    shown = rows[:BOX_SIZE]
    return GroupBox(consultations=shown, states={c.id: state(c) for c in shown},
                    respondents=reads.respondent_counts([c.id for c in shown]) if manages else {},
                    manages=manages, more=len(rows) > BOX_SIZE)


def recent_subjects(group: WorkingGroup, *, keep_version: int | None = None, keep_proposal: int | None = None,
                    limit: int = 50):
    """The territory's recent document versions and proposals a consultation may concern (and the ones
    already chosen, even when older)."""
    from portal.models.documents import Document, DocumentVersion
    from portal.models.proposals import Proposal

    version_filter = Document.territory_id == group.territory_id
    versions = list(db.session.execute(
        select(DocumentVersion.id, Document.title, DocumentVersion.number)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(version_filter,
               or_(DocumentVersion.id.in_(
                   select(DocumentVersion.id).join(Document, Document.id == DocumentVersion.document_id)
                   .where(version_filter)
                   .order_by(DocumentVersion.created_at.desc(), DocumentVersion.id.desc()).limit(limit)),
                   DocumentVersion.id == (keep_version or -1)))
        .order_by(Document.title, DocumentVersion.number.desc())))
    proposals = list(db.session.execute(
        select(Proposal.id, Proposal.title)
        .where(Proposal.territory_id == group.territory_id,
               or_(Proposal.id.in_(select(Proposal.id).where(Proposal.territory_id == group.territory_id)
                                   .order_by(Proposal.created_at.desc(), Proposal.id.desc()).limit(limit)),
                   Proposal.id == (keep_proposal or -1)))
        .order_by(Proposal.title, Proposal.id)))
    return versions, proposals
