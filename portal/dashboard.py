"""The home page of a signed-in user: their groups and meetings, and what a coordinator should act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.groups import services as groups
from portal.meetings import cadence
from portal.models import Meeting, MeetingGroup, MeetingInvitation, Task, User, WorkingGroup
from portal.models.base import utcnow
from portal.models.meetings import MeetingStatus, Reply


@dataclass
class GroupAlert:
    group: WorkingGroup
    cadence: list = field(default_factory=list)  # translated warnings about meetings
    balance: list = field(default_factory=list)  # failing balance rules, each with its fixes


@dataclass
class Dashboard:
    groups: list[WorkingGroup]
    upcoming: list[Meeting]
    replies: dict[int, str | None]
    tasks: list[Task]
    alerts: list[GroupAlert]
    managed: list[WorkingGroup]


def reply_labels() -> dict[str, str]:
    return {
        Reply.ATTENDING.value: _("you are attending"),
        Reply.NOT_ATTENDING.value: _("you are not attending"),
        Reply.MAYBE.value: _("you may attend"),
    }


def managed_groups(user: User, today: date) -> list[WorkingGroup]:
    """The groups this user runs: all of the territory's for portal coordinators, else their own chairs."""
    candidates = db.session.scalars(
        select(WorkingGroup).where(WorkingGroup.territory_id == user.territory_id).order_by(WorkingGroup.name)
    ).all() if user.territory_id is not None else []
    return groups.managed_among(user, list(candidates), today)


def build(user: User, today: date, now: datetime | None = None, *, limit: int = 6) -> Dashboard:
    now = now or utcnow()
    mine = groups.user_groups(user, today)
    managed = managed_groups(user, today)
    group_ids = {g.id for g in mine} | {g.id for g in managed}
    upcoming: list[Meeting] = []
    if group_ids:
        upcoming = list(db.session.scalars(
            select(Meeting)
            .join(MeetingGroup, MeetingGroup.meeting_id == Meeting.id)
            .where(MeetingGroup.group_id.in_(group_ids), Meeting.ends_at >= now,
                   Meeting.status != MeetingStatus.CANCELLED)
            .options(joinedload(Meeting.group))
            .order_by(Meeting.starts_at)
            .distinct()
            .limit(limit)
        ).unique())
    replies = {}
    if upcoming:
        rows = db.session.execute(
            select(MeetingInvitation.meeting_id, MeetingInvitation.response)
            .where(MeetingInvitation.user_id == user.id,
                   MeetingInvitation.meeting_id.in_([m.id for m in upcoming]))
        ).all()
        replies = {meeting_id: response for meeting_id, response in rows}
    tasks = list(db.session.scalars(
        select(Task).where(Task.owner_id == user.id, Task.done_at.is_(None))
        .options(joinedload(Task.meeting)).order_by(Task.due_on).limit(20)
    ))
    alerts = []
    reports = cadence.groups_cadence(managed, today)
    assessments = groups.assess_groups(managed, today)
    for group in managed:
        alert = GroupAlert(group, cadence.warnings(reports[group.id]), assessments[group.id].failing)
        if alert.cadence or alert.balance:
            alerts.append(alert)
    return Dashboard(groups=mine, upcoming=upcoming, replies=replies, tasks=tasks, alerts=alerts,
                     managed=managed)
