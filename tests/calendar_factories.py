"""Factories for the calendar and invitation tests: groups, memberships and meetings as plain rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

from portal.extensions import db
from portal.models.groups import Membership, WorkingGroup
from portal.models.meetings import AgendaItem, Meeting, MeetingGroup

_n = count(1)


def make_group(territory, *, name: str | None = None, public: bool = True) -> WorkingGroup:
    n = next(_n)
    group = WorkingGroup(territory_id=territory.id, name=name or f"PS pro rovné příležitosti {n}",
                         slug=f"ps-{n}", kind="equal_opportunities", public=public)
    db.session.add(group)
    db.session.commit()
    return group


def add_member(group: WorkingGroup, user, *, category: str = "teacher", role: str = "member",
               joined_on: date = date(2020, 1, 1), left_on: date | None = None) -> Membership:
    membership = Membership(group_id=group.id, user_id=user.id, category=category, role=role,
                            organisation="ZŠ Vzorov", joined_on=joined_on, left_on=left_on)
    db.session.add(membership)
    db.session.commit()
    return membership


def make_meeting(group: WorkingGroup, *, starts_at: datetime | None = None, hours: float = 2,
                 agenda: int = 3, joint_with: tuple[WorkingGroup, ...] = (), commit: bool = True,
                 **fields) -> Meeting:
    starts_at = starts_at or datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    fields.setdefault("title", f"Jednání PS č. {next(_n)}")
    fields.setdefault("place", "ZŠ Vzorov, Školní 1")
    meeting = Meeting(group=group, group_id=group.id, starts_at=starts_at,
                      ends_at=starts_at + timedelta(hours=hours), **fields)
    meeting.participants.append(MeetingGroup(group_id=group.id))
    for other in joint_with:
        meeting.participants.append(MeetingGroup(group_id=other.id))
    for position in range(agenda):
        meeting.agenda.append(AgendaItem(position=position, title=f"Bod programu {position + 1}",
                                         presenter="Jana Nováková" if position % 2 == 0 else None,
                                         duration_minutes=20 if position != 1 else None))
    db.session.add(meeting)
    if commit:
        db.session.commit()
    return meeting
