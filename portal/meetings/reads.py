"""What pages, exports and reports read about meetings: who may see a meeting, a group's meetings past and
future, who may reply, the group page's meetings box. Writes live in `portal.meetings.services`.

Visibility (h5's rules, moved here unchanged): public meetings of public groups for everyone; a public
meeting of a hidden group is hidden; the others only for the members and managers of a participating group
and for the people invited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from portal.extensions import db
from portal.groups import services as groups
from portal.meetings import cadence
from portal.models import User, WorkingGroup
from portal.models.meetings import Meeting, MeetingGroup, MeetingInvitation, MeetingStatus

# A meeting's status as pages, exports and the annual report name it.
STATUS_LABELS = {
    MeetingStatus.PLANNED.value: _l("planned"),
    MeetingStatus.HELD.value: _l("held"),
    MeetingStatus.CANCELLED.value: _l("cancelled"),
}


def participating_groups(meeting: Meeting) -> list[WorkingGroup]:
    """The organising group first, then the groups that join the meeting."""
    groups_ = [p.group for p in meeting.participants]
    if meeting.group not in groups_:
        groups_.insert(0, meeting.group)
    return groups_


def can_see(user: User, meeting: Meeting, on: date) -> bool:
    """Public meetings of public groups for everyone (a non-public group's meetings do not reveal it);
    the others for members and managers of a participating group and for the people invited to it."""
    if meeting.public and meeting.group.public:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if any(
        groups.membership_of(user, group, on) is not None or groups.is_group_coordinator(user, group, on)
        for group in participating_groups(meeting)
    ):
        return True
    return any(invitation.user_id == user.id for invitation in meeting.invitations)


def meetings_of(group: WorkingGroup) -> Select:
    """A select() of the meetings a group takes part in (organised or joint)."""
    return (
        select(Meeting)
        .join(MeetingGroup, MeetingGroup.meeting_id == Meeting.id)
        .where(MeetingGroup.group_id == group.id)
    )


def meetings_between(group: WorkingGroup, start: date, end: date) -> list[Meeting]:
    """The meetings the group takes part in (organised or joint, any status) whose day, in the meeting's
    own time zone as `cadence` dates them, falls within `start`–`end` (both included), by start."""
    # A day's margin on both sides covers every time zone; the exact test is on the local date.
    since = datetime.combine(start - timedelta(days=1), time(0), tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=2), time(0), tzinfo=UTC)
    rows = db.session.scalars(
        meetings_of(group).where(Meeting.starts_at >= since, Meeting.starts_at < until)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [m for m in rows if start <= cadence.local_date(m.starts_at, m.timezone) <= end]


def group_meetings(group: WorkingGroup, viewer: groups.Viewer, *, past: bool, now: datetime) -> Select:
    """The group's meetings the viewer may list: members and managers all, others the public ones; the
    past ones newest first, the coming ones soonest first."""
    query = meetings_of(group)
    if not (viewer.is_member or viewer.manages):
        query = query.where(Meeting.public.is_(True))
    if past:
        return query.where(Meeting.starts_at < now).order_by(Meeting.starts_at.desc())
    return query.where(Meeting.starts_at >= now).order_by(Meeting.starts_at)


@dataclass(frozen=True)
class ReplyState:
    invitation: MeetingInvitation | None
    may_reply: bool


def reply_state(user: User, meeting: Meeting, on: date) -> ReplyState:
    """The user's invitation to the meeting, and whether they may reply: the invited and the active
    members of a participating group."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ReplyState(None, False)
    invitation = db.session.scalar(select(MeetingInvitation).where(
        MeetingInvitation.meeting_id == meeting.id, MeetingInvitation.user_id == user.id))
    may_reply = invitation is not None or any(
        groups.membership_of(user, g, on) is not None for g in participating_groups(meeting))
    return ReplyState(invitation, may_reply)


@dataclass(frozen=True)
class GroupSummary:
    report: cadence.CadenceReport
    warnings: list[str]
    upcoming: list[Meeting]
    manages: bool


def group_summary(user: User, group: WorkingGroup, on: date, now: datetime, *,
                  shown: int = 3) -> GroupSummary:
    """The group page's meetings box: the cadence report and its warnings, the next planned meetings the
    user may see, and whether they manage the group."""
    report = cadence.group_cadence(group, on)
    upcoming = db.session.scalars(
        meetings_of(group)
        .where(Meeting.starts_at >= now, Meeting.status == MeetingStatus.PLANNED)
        .order_by(Meeting.starts_at).limit(20)
    ).all()
    visible = [m for m in upcoming if can_see(user, m, on)][:shown]
    return GroupSummary(report=report, warnings=cadence.warnings(report), upcoming=visible,
                        manages=groups.is_group_coordinator(user, group, on))


# ---- approved minutes over a period (the annual report) ------------------------------------------------


def approved_minutes_between(group: WorkingGroup, start_at: datetime, end_at: datetime) -> list[Meeting]:
    """The group's held meetings (organised or joint) starting in [start_at, end_at) whose minutes are
    approved, oldest first, with their agenda, resolutions, tasks and minutes loaded (a fixed number of
    queries)."""
    from sqlalchemy.orm import selectinload

    from portal.models.meetings import Minutes

    return list(db.session.scalars(
        meetings_of(group)
        .join(Minutes, Minutes.meeting_id == Meeting.id)
        .where(Meeting.starts_at >= start_at, Meeting.starts_at < end_at,
               Meeting.status == MeetingStatus.HELD.value, Minutes.status == "approved")
        .options(selectinload(Meeting.agenda), selectinload(Meeting.resolutions), selectinload(Meeting.tasks),
                 selectinload(Meeting.minutes), selectinload(Meeting.group))
        .order_by(Meeting.starts_at, Meeting.id)
    ).unique())


def task_done_by(task, moment: datetime) -> bool:
    """Was the task marked done before `moment`? (A task done later was still open then.)"""
    return task.done_at is not None and task.done_at < moment
