"""Who may see a meeting: public meetings of visible groups for everyone; the others only for the members
and managers of a participating group and for the people invited to it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.groups import services as groups
from portal.models.groups import WorkingGroup
from portal.models.meetings import Meeting, MeetingGroup, MeetingInvitation


def participating_groups(meeting: Meeting) -> list[WorkingGroup]:
    ids = {meeting.group_id} | set(
        db.session.scalars(select(MeetingGroup.group_id).where(MeetingGroup.meeting_id == meeting.id))
    )
    return list(db.session.scalars(select(WorkingGroup).where(WorkingGroup.id.in_(ids))))


def is_participant(user, meeting: Meeting, on: date) -> bool:
    """An active member or a manager of a participating group, or someone invited to the meeting."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    for group in participating_groups(meeting):
        if groups.membership_of(user, group, on) is not None or groups.is_group_coordinator(user, group, on):
            return True
    return db.session.scalar(
        select(MeetingInvitation.id).where(MeetingInvitation.meeting_id == meeting.id,
                                           MeetingInvitation.user_id == user.id).limit(1)
    ) is not None


def can_see_meeting(user, meeting: Meeting, on: date) -> bool:
    if meeting.public and meeting.group.public:
        return True
    return is_participant(user, meeting, on)
