"""Small factories for the meetings tests: groups, memberships, meetings (through the services or as rows)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

from portal.extensions import db
from portal.meetings.services import MeetingData
from portal.models.groups import Membership, WorkingGroup
from portal.models.meetings import AgendaItem, Meeting, MeetingGroup

_n = count(1)


def make_group(territory, *, name: str | None = None, public: bool = True, kind: str = "equal_opportunities",
               meeting_target: int = 4, created_at: datetime | None = None) -> WorkingGroup:
    n = next(_n)
    group = WorkingGroup(territory_id=territory.id, name=name or f"PS test {n}", slug=f"ps-test-{n}",
                         kind=kind, public=public, meeting_target=meeting_target)
    if created_at is not None:
        group.created_at = created_at
    db.session.add(group)
    db.session.commit()
    return group


def add_member(group: WorkingGroup, user, *, category: str = "teacher", role: str = "member",
               joined_on: date = date(2020, 1, 1), left_on: date | None = None,
               organisation: str | None = "ZŠ Vzorov") -> Membership:
    membership = Membership(group_id=group.id, user_id=user.id, category=category, role=role,
                            organisation=organisation, joined_on=joined_on, left_on=left_on)
    db.session.add(membership)
    db.session.commit()
    return membership


def future(days: int = 10, hour: int = 14) -> datetime:
    """A naive Prague wall-clock time `days` from now."""
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0,
                                                               tzinfo=None)


def data(**fields) -> MeetingData:
    starts = fields.pop("starts_local", None) or future()
    values = dict(title="Jednání PS", starts_local=starts, ends_local=starts + timedelta(hours=2),
                  place="ZŠ Vzorov, Školní 1")
    values.update(fields)
    return MeetingData(**values)


def make_meeting(group: WorkingGroup, *, starts_at: datetime | None = None, hours: float = 2, agenda: int = 0,
                 joint_with: tuple[WorkingGroup, ...] = (), commit: bool = True, **fields) -> Meeting:
    """A meeting row without the services (any status, any date), with `agenda` numbered items."""
    starts_at = starts_at or datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
    fields.setdefault("title", f"Jednání č. {next(_n)}")
    fields.setdefault("place", "ZŠ Vzorov")
    meeting = Meeting(group_id=group.id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
                      **fields)
    meeting.group = group
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
