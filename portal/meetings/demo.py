"""Demo meetings of "PS pro rovné příležitosti" (created by the groups' demo loader, which runs first).

Dates follow the day the demo is loaded: last year four held meetings with attendance and approved minutes
(resolutions, tasks; one task of the last one done only in January), a cancelled one (June) and a held joint
meeting with PS pro financování (October); this year the 3rd Tuesdays of February, May, September and
November (held once past, the September one joint with PS pro financování), one cancelled meeting with its
reason, and a planned meeting two to three weeks ahead. Idempotent: a meeting is found again by its group,
title and start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal import clock
from portal.demo import DemoContext, demo_loader
from portal.extensions import db
from portal.groups import services as groups
from portal.meetings.series import nth_weekday
from portal.models import User, WorkingGroup
from portal.models.groups import GroupKind
from portal.models.meetings import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingGroup,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesVersion,
    Resolution,
    Task,
)

PRAGUE = ZoneInfo("Europe/Prague")
PLACE = "ZŠ Vzorov, Komenského 12, sborovna"

AGENDA = [
    ("Zahájení a kontrola úkolů", "Karel Koordinátor", 10),
    ("Analýza rovných příležitostí: nové signály", "Zuzana Poradková", 40),
    ("Návrhy aktivit do akčního plánu", "Ivana Ředitelová", 45),
    ("Různé", None, 15),
]

MINUTES = """## Průběh jednání

Jednání zahájil koordinátor, přivítal přítomné a konstatoval, že skupina je usnášeníschopná.

1. **Kontrola úkolů** – úkoly z minulého jednání jsou splněny.
2. **Analýza** – PS projednala podíl žáků ohrožených školním neúspěchem ve spádových školách.
3. **Návrhy aktivit** – doučování a adaptační pobyty pro žáky 6. ročníků.

Příští jednání se uskuteční podle harmonogramu.
"""


def _at(day: date, hour: int = 14) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=PRAGUE).astimezone(UTC)


def _group(context: DemoContext, kind: str) -> WorkingGroup | None:
    return db.session.scalar(select(WorkingGroup).where(
        WorkingGroup.territory_id == context.territory.id, WorkingGroup.kind == kind,
    ).order_by(WorkingGroup.id))


def _meeting(group: WorkingGroup, title: str, day: date, *, status: str, creator: User,
             joint_with: WorkingGroup | None = None, reason: str | None = None,
             public: bool = True) -> Meeting:
    starts_at = _at(day)
    meeting = db.session.scalar(select(Meeting).where(
        Meeting.group_id == group.id, Meeting.title == title, Meeting.starts_at == starts_at))
    if meeting is not None:
        return meeting
    meeting = Meeting(
        group_id=group.id, title=title, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
        place=PLACE, online_url="https://meet.example/ps-rp" if joint_with else None, public=public,
        kind=MeetingKind.JOINT.value if joint_with else MeetingKind.REGULAR.value, status=status,
        cancel_reason=reason, sequence=1 if status != MeetingStatus.PLANNED else 0, created_by_id=creator.id,
        series_key="demo",
    )
    meeting.participants.append(MeetingGroup(group_id=group.id))
    if joint_with is not None:
        meeting.participants.append(MeetingGroup(group_id=joint_with.id))
    for position, (item, presenter, minutes) in enumerate(AGENDA, start=1):
        meeting.agenda.append(AgendaItem(position=position, title=item, presenter=presenter,
                                         duration_minutes=minutes))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _attendance(meeting: Meeting, groups_: list[WorkingGroup]) -> None:
    if meeting.attendance:
        return
    day = meeting.starts_at.astimezone(PRAGUE).date()
    seen = set()
    for group in groups_:
        for index, membership in enumerate(groups.active_members(group, day)):
            if membership.user_id in seen:
                continue
            seen.add(membership.user_id)
            meeting.attendance.append(Attendance(
                user_id=membership.user_id, name=membership.user.name,
                organisation=membership.organisation or membership.user.organisation,
                category=membership.category, present=index % 4 != 3,
            ))
    meeting.attendance.append(Attendance(name="Hana Hostová", organisation="OSPOD Vzorov", category="expert",
                                         is_guest=True, present=True))


def _minutes(meeting: Meeting, creator: User, *, approved: bool, number: int) -> None:
    if meeting.minutes is not None:
        return
    minutes = Minutes(status="approved" if approved else "draft")
    minutes.versions.append(MinutesVersion(version=1, body=MINUTES, created_by_id=creator.id))
    if approved:
        minutes.versions.append(MinutesVersion(version=2, body=MINUTES + "\nZapsal: Karel Koordinátor\n",
                                               created_by_id=creator.id))
        minutes.approved_at = meeting.ends_at + timedelta(days=7)
        minutes.approved_by_id = creator.id
    meeting.minutes = minutes
    meeting.resolutions.append(Resolution(number=1,
                                          text="PS bere na vědomí plnění úkolů z minulého jednání."))
    meeting.resolutions.append(Resolution(
        number=2, text=f"PS doporučuje zařadit aktivitu č. {number} do ročního akčního plánu."))
    due = meeting.starts_at.date() + timedelta(days=30)
    meeting.tasks.append(Task(title="Rozeslat zápis členům PS", owner_id=creator.id, owner_name=creator.name,
                              due_on=meeting.starts_at.date() + timedelta(days=7),
                              done_at=meeting.ends_at + timedelta(days=5) if approved else None))
    meeting.tasks.append(Task(title="Projednat náklady aktivity s PS pro financování",
                              owner_name="Věra Rozpočtová", due_on=due,
                              done_at=meeting.ends_at + timedelta(days=20) if approved else None))


LATE_TASK = "Připravit podklady k vyhodnocení akčního plánu"


def _late_task(meeting: Meeting, year: int, now: datetime) -> None:
    """A task of last year's last meeting, due in December and done only in January (open at the year's
    end: the annual report of last year lists it as open)."""
    if any(task.title == LATE_TASK for task in meeting.tasks):
        return
    done = _at(date(year + 1, 1, 14))
    meeting.tasks.append(Task(title=LATE_TASK, owner_name="Zuzana Poradková", due_on=date(year, 12, 15),
                              done_at=done if done < now else None))


@demo_loader
def load_meetings(context: DemoContext) -> None:
    group = _group(context, GroupKind.EQUAL_OPPORTUNITIES.value)
    financing = _group(context, GroupKind.FINANCING.value)
    if group is None:
        return
    creator = context.users["coordinator"]
    now = clock.now()
    today = now.date()
    this_year, last_year = today.year, today.year - 1
    months = (2, 5, 9, 11)

    for number, month in enumerate(months, start=1):
        day = nth_weekday(last_year, month, 1, 3)
        meeting = _meeting(group, f"{number}. řádné jednání PS ({last_year})", day, status=MeetingStatus.HELD,
                           creator=creator)
        _attendance(meeting, [group])
        _minutes(meeting, creator, approved=True, number=number)
        if month == 11:
            _late_task(meeting, last_year, now)

    # Last year also: a meeting cancelled in June, and a joint meeting with PS pro financování in October
    # (the annual report's cancelled meetings and cooperation).
    _meeting(group, f"Mimořádné jednání k rozpočtu MAP ({last_year})", nth_weekday(last_year, 6, 1, 1),
             status=MeetingStatus.CANCELLED, creator=creator,
             reason="Rozpočet projednala PS pro financování; navrhne ho na společném jednání v říjnu.")
    if financing is not None:
        joint_day = nth_weekday(last_year, 10, 1, 3)
        meeting = _meeting(group, f"Společné jednání s PS pro financování ({last_year})", joint_day,
                           status=MeetingStatus.HELD, creator=creator, joint_with=financing)
        _attendance(meeting, [group, financing])
        _minutes(meeting, creator, approved=True, number=5)

    for number, month in enumerate(months, start=1):
        day = nth_weekday(this_year, month, 1, 3)
        joint = financing if month == 9 and financing is not None else None
        title = ("Společné jednání s PS pro financování" if joint
                 else f"{number}. řádné jednání PS ({this_year})")
        status = MeetingStatus.HELD if _at(day) < now else MeetingStatus.PLANNED
        meeting = _meeting(group, title, day, status=status, creator=creator, joint_with=joint)
        if status == MeetingStatus.HELD:
            _attendance(meeting, [group] + ([joint] if joint else []))
            _minutes(meeting, creator, approved=month != 11, number=number + 4)

    cancelled_day = nth_weekday(this_year, 4, 1, 1)
    _meeting(group, "Mimořádné jednání k výzvě OP JAK", cancelled_day, status=MeetingStatus.CANCELLED,
             creator=creator, reason="Výzva byla posunuta; téma projednáme na řádném jednání v květnu.")

    # A planned meeting ahead: the Tuesday two to three weeks from the day the demo was first loaded
    # (found again by its title on later runs, so it does not multiply).
    ahead_title = "Plánování akčního plánu na příští rok"
    if db.session.scalar(select(Meeting.id).where(Meeting.group_id == group.id, Meeting.title == ahead_title,
                                                  Meeting.starts_at >= now)) is None:
        ahead = today + timedelta(days=14 + (1 - today.weekday()) % 7)
        _meeting(group, ahead_title, ahead, status=MeetingStatus.PLANNED, creator=creator, public=False)
    db.session.flush()
