"""Meeting cadence: does a group meet often enough? (DOMAIN.md, "Meetings")

The seed asks for at least `target` meetings a year (`WorkingGroup.meeting_target`, default 4); the MAP
procedures ask for at least `target` in any 12 consecutive calendar months. Both are checked.

What counts: every meeting the group takes part in (it organises it, or a joint meeting lists it) that is
held or planned; cancelled meetings never count. A meeting still marked *planned* whose start has passed
counts (it most probably took place) but is reported as *unconfirmed*, so the coordinator marks it held or
cancelled. A meeting is dated by its start in its own time zone.

The group's life starts on `since`: the earlier of the day it was recorded in the portal and the day of its
first recorded meeting (the portal cannot know of meetings nobody entered, so years before are not judged).
Months are the unit of both rules, so the month of `since` counts as a whole month.

**Calendar years.** Every year from `since` up to the later of this year and the year of the last planned
meeting. The target of the first year is prorated: ``ceil(target * months / 12)`` where `months` counts the
months from the start month to December (a group started in July needs 2 of 4). A past year is *ok* or
*short*; this year and later years are judged "at the planned schedule" (held + planned so far) and warn
ahead when short.

**Rolling windows.** A window is 12 consecutive calendar months, from the first day of a month to the last
day of the eleventh month after it. Every window is checked that

* starts in or after the month of `since` (it lies fully inside the group's life), and
* ends no later than the *horizon*: the later of the end of last month (windows ending in the past) and the
  end of the month of the last planned meeting (windows judged at the planned schedule).

Each must hold at least `target` meetings. The report gives every window's count, the worst window (fewest
meetings; among equals the latest, as the most relevant) and the worst window that ends this month or later
(`worst_ahead`, for warnings). A group younger than 12 months at the horizon has no window to judge yet.
A target of 0 switches the check off (everything holds).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import ngettext

from portal.models.meetings import MeetingStatus

# ---- pure computation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatedMeeting:
    on: date
    status: str


@dataclass(frozen=True)
class YearCount:
    year: int
    target: int
    held: int
    planned: int  # planned meetings still ahead
    unconfirmed: int  # planned meetings whose day has passed (not marked held or cancelled)
    cancelled: int
    future: bool  # this year or later: judged at the planned schedule
    partial: bool  # the group's first year, with a prorated target

    @property
    def count(self) -> int:
        return self.held + self.planned + self.unconfirmed

    @property
    def missing(self) -> int:
        return max(0, self.target - self.count)

    @property
    def ok(self) -> bool:
        return self.count >= self.target


@dataclass(frozen=True)
class WindowCount:
    start: date  # first day of the first month
    end: date  # last day of the twelfth month
    count: int
    target: int
    ahead: bool  # ends this month or later: judged at the planned schedule

    @property
    def ok(self) -> bool:
        return self.count >= self.target


@dataclass
class CadenceReport:
    target: int
    since: date | None
    today: date
    years: list[YearCount] = field(default_factory=list)
    windows: list[WindowCount] = field(default_factory=list)
    worst_window: WindowCount | None = None
    worst_ahead: WindowCount | None = None
    unconfirmed: int = 0

    @property
    def current_year(self) -> YearCount | None:
        return next((y for y in self.years if y.year == self.today.year), None)

    @property
    def past_years(self) -> list[YearCount]:
        return [y for y in self.years if y.year < self.today.year]

    @property
    def rolling_ok(self) -> bool:
        return all(w.ok for w in self.windows)

    @property
    def ok(self) -> bool:
        return self.rolling_ok and all(y.ok for y in self.years)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _month_end(index: int) -> date:
    following = _month_start(index + 1)
    return date.fromordinal(following.toordinal() - 1)


def year_target(target: int, year: int, since: date) -> tuple[int, bool]:
    """The target for a year and whether it was prorated (the group started during that year)."""
    if year > since.year or since.month == 1:
        return target, False
    months = 12 - since.month + 1
    return math.ceil(target * months / 12), True


def assess(meetings: Iterable[DatedMeeting], *, target: int, since: date | None,
           today: date) -> CadenceReport:
    """The cadence report for a group's meetings (see the module docstring for the rules)."""
    meetings = list(meetings)
    counted = [m for m in meetings if m.status != MeetingStatus.CANCELLED]
    report = CadenceReport(target=target, since=since, today=today)
    report.unconfirmed = sum(1 for m in counted if m.status == MeetingStatus.PLANNED and m.on < today)
    if since is None:
        return report

    last_planned = max((m.on for m in counted if m.on >= today), default=None)
    last_year = max(today.year, last_planned.year if last_planned else today.year)
    for year in range(since.year, last_year + 1):
        in_year = [m for m in meetings if m.on.year == year]
        year_goal, partial = year_target(target, year, since)
        report.years.append(YearCount(
            year=year,
            target=year_goal,
            held=sum(1 for m in in_year if m.status == MeetingStatus.HELD),
            planned=sum(1 for m in in_year if m.status == MeetingStatus.PLANNED and m.on >= today),
            unconfirmed=sum(1 for m in in_year if m.status == MeetingStatus.PLANNED and m.on < today),
            cancelled=sum(1 for m in in_year if m.status == MeetingStatus.CANCELLED),
            future=year >= today.year,
            partial=partial,
        ))

    per_month: dict[int, int] = {}
    for m in counted:
        per_month[_month_index(m.on)] = per_month.get(_month_index(m.on), 0) + 1
    this_month = _month_index(today)
    horizon = max(this_month - 1, _month_index(last_planned) if last_planned else this_month - 1)
    first = _month_index(since)
    for start in range(first, horizon - 11 + 1):
        count = sum(per_month.get(i, 0) for i in range(start, start + 12))
        report.windows.append(WindowCount(
            start=_month_start(start), end=_month_end(start + 11), count=count, target=target,
            ahead=start + 11 >= this_month,
        ))
    if report.windows:
        # min() keeps the first of equals: walk from the latest window so the latest worst one wins.
        report.worst_window = min(reversed(report.windows), key=lambda w: w.count)
        ahead = [w for w in report.windows if w.ahead]
        if ahead:
            report.worst_ahead = min(reversed(ahead), key=lambda w: w.count)
    return report


def window_ending(report: CadenceReport, day: date) -> WindowCount | None:
    """The rolling window of 12 calendar months that ends with the month of `day` (the annual report's
    "rolling 12 months" at the end of its period); None when the report has no such window (the group is
    younger, or the window ends beyond the horizon)."""
    end = _month_end(_month_index(day))
    return next((w for w in report.windows if w.end == end), None)


def warnings(report: CadenceReport) -> list[str]:
    """Translated warnings for the coordinator: years and windows short at the planned schedule, and
    meetings whose day has passed but are still marked planned."""
    messages = []
    for year in report.years:
        if year.future and not year.ok:
            messages.append(ngettext(
                "At the planned schedule the group will have only %(num)s meeting in %(year)s, "
                "%(missing)s short.",
                "At the planned schedule the group will have only %(num)s meetings in %(year)s, "
                "%(missing)s short.",
                year.count, year=year.year, missing=year.missing,
            ))
    worst = report.worst_ahead
    if worst is not None and not worst.ok:
        messages.append(ngettext(
            "At the planned schedule the 12 months from %(start)s to %(end)s will have only %(num)s meeting "
            "(at least %(target)s are needed).",
            "At the planned schedule the 12 months from %(start)s to %(end)s will have only %(num)s meetings "
            "(at least %(target)s are needed).",
            worst.count, start=_month_label(worst.start), end=_month_label(worst.end), target=worst.target,
        ))
    if report.unconfirmed:
        messages.append(ngettext(
            "%(num)s past meeting is still marked as planned: mark it as held or cancelled.",
            "%(num)s past meetings are still marked as planned: mark them as held or cancelled.",
            report.unconfirmed,
        ))
    return messages


def _month_label(day: date) -> str:
    return f"{day.month}/{day.year}"


# ---- the database wrapper ----------------------------------------------------------------------------


def local_date(moment: datetime, zone: str) -> date:
    try:
        return moment.astimezone(ZoneInfo(zone)).date()
    except (KeyError, ValueError):
        return moment.astimezone(ZoneInfo("Europe/Prague")).date()


def group_cadence(group, today: date) -> CadenceReport:
    """The cadence report of a working group on `today` (Europe/Prague date), from the database."""
    return groups_cadence([group], today)[group.id]


def groups_cadence(groups, today: date) -> dict[int, CadenceReport]:
    """group_cadence for several groups (the dashboard's alerts) in one query, not one per group."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models.meetings import Meeting, MeetingGroup

    if not groups:
        return {}
    dated: dict[int, list[DatedMeeting]] = {group.id: [] for group in groups}
    for group_id, starts_at, zone, status in db.session.execute(
        select(MeetingGroup.group_id, Meeting.starts_at, Meeting.timezone, Meeting.status)
        .join(MeetingGroup, MeetingGroup.meeting_id == Meeting.id)
        .where(MeetingGroup.group_id.in_(list(dated)))
    ):
        dated[group_id].append(DatedMeeting(local_date(starts_at, zone), status))
    reports = {}
    for group in groups:
        recorded = local_date(group.created_at, "Europe/Prague") if group.created_at else today
        since = min([recorded] + [m.on for m in dated[group.id]])
        reports[group.id] = assess(dated[group.id], target=group.meeting_target, since=since, today=today)
    return reports
