"""VTIMEZONE components that every calendar client reads the same way.

icalendar's `Timezone.from_tzinfo` lists each transition as an RDATE. That is valid RFC 5545, but some
parsers (dateutil's `tzical`, used by vobject and the CalDAV tools built on it) then apply the winter offset
all year round, so a meeting at 14:00 in May moves to 15:00. Most zones the portal meets (Europe/Prague and
the rest of the EU) change on a fixed yearly rule, which the conventional form states with one RRULE per
observance, as Google Calendar and Outlook publish it. `vtimezone_for` emits that form for FIRST_YEAR to
LAST_YEAR: one pair of observances per period in which the zone kept the same "n-th/last <weekday> of
<month> at <time>" rule (closed with an UNTIL when the rule changed, as in the USA in 2007), one-off
observances for irregular years, and icalendar's single observance for zones without daylight saving.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

FIRST_YEAR = 2000
LAST_YEAR = 2049

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@dataclass(frozen=True)
class _Transition:
    at: datetime  # the instant of the change, UTC
    local_before: datetime  # wall-clock time just before the change, as RFC 5545 wants for DTSTART
    offset_from: timedelta
    offset_to: timedelta
    name: str

    @property
    def rule(self) -> tuple:
        """What repeats from year to year: (month, BYDAY, time of day, offsets, name)."""
        moment = self.local_before
        last = (moment + timedelta(days=7)).month != moment.month
        nth = -1 if last else (moment.day - 1) // 7 + 1
        byday = f"{nth}{WEEKDAYS[moment.weekday()]}"
        return moment.month, byday, moment.time(), self.offset_from, self.offset_to, self.name


def _transitions(zone: ZoneInfo, year: int) -> list[_Transition]:
    """The offset changes in a year, found day by day then narrowed to the minute (zoneinfo has no API)."""
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(days=1)
    previous = moment.astimezone(zone).utcoffset()
    while moment < end:
        following = min(moment + step, end)
        offset = following.astimezone(zone).utcoffset()
        if offset != previous:
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            change = high.replace(second=0, microsecond=0)
            local_before = (change + previous).replace(tzinfo=None)
            name = change.astimezone(zone).tzname()
            found.append(_Transition(change, local_before, previous, offset, name))
            previous = offset
        moment = following
    return found


def _observance(transition: _Transition, *, yearly: bool, until: datetime | None
                ) -> TimezoneStandard | TimezoneDaylight:
    is_daylight = transition.offset_to > transition.offset_from
    part = TimezoneDaylight() if is_daylight else TimezoneStandard()
    part.add("TZNAME", transition.name)
    part.add("TZOFFSETFROM", transition.offset_from)
    part.add("TZOFFSETTO", transition.offset_to)
    part.add("DTSTART", transition.local_before)
    if yearly:
        month, byday, *_ = transition.rule
        recur = {"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": byday}
        if until is not None:
            recur["UNTIL"] = until  # RFC 5545: in UTC when DTSTART is a local time
        part.add("RRULE", vRecur(recur))
    return part


def _observances(zone: ZoneInfo) -> list[TimezoneStandard | TimezoneDaylight] | None:
    """Observances with yearly RRULEs, one set per period in which the zone kept the same rule.

    A year whose changes do not pair up (a one-off change of standard time) gets one-off observances. A zone
    without any change in the range returns None.
    """
    years = {year: _transitions(zone, year) for year in range(FIRST_YEAR, LAST_YEAR + 1)}
    if not any(years.values()):
        return None
    parts = []
    run: list[int] = []  # consecutive years sharing one yearly rule

    def close(final: bool) -> None:
        if not run:
            return
        first, last = years[run[0]], years[run[-1]]
        for index, transition in enumerate(first):
            parts.append(_observance(transition, yearly=True, until=None if final else last[index].at))
        run.clear()

    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        changes = years[year]
        if len(changes) == 2 and changes[0].rule != changes[1].rule:
            if run and [t.rule for t in years[run[-1]]] != [t.rule for t in changes]:
                close(final=False)
            run.append(year)
            continue
        close(final=False)
        for transition in changes:
            parts.append(_observance(transition, yearly=False, until=None))
    close(final=True)
    return parts


@functools.lru_cache(maxsize=16)
def _vtimezone_ical(tzid: str) -> bytes:
    zone = ZoneInfo(tzid)
    observances = _observances(zone)
    if observances is None:  # no daylight saving time: icalendar's single observance says it all
        return Timezone.from_tzinfo(zone, tzid=tzid, first_date=date(FIRST_YEAR, 1, 1),
                                    last_date=date(LAST_YEAR + 1, 1, 1)).to_ical()
    component = Timezone()
    component.add("TZID", tzid)
    component.add("X-LIC-LOCATION", tzid)
    for part in observances:
        component.add_component(part)
    return component.to_ical()


def vtimezone_for(tzid: str) -> Timezone:
    """The VTIMEZONE of an IANA zone (computed once per zone and process)."""
    return Timezone.from_ical(_vtimezone_ical(tzid))
