"""iCalendar (RFC 5545 / RFC 5546) for meetings, built with the `icalendar` package.

One VEVENT per meeting: the UID is the meeting's `uid` (generated once, never changed), SEQUENCE is
`meeting.sequence` (raised by the meetings services on every change of time, place or status), times carry
a TZID with a VTIMEZONE for the meeting's zone (Europe/Prague), a cancelled meeting stays with
STATUS:CANCELLED. Feeds use METHOD:PUBLISH; e-mailed invitations REQUEST and CANCEL (RFC 5546).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event, Timezone, vCalAddress, vDDDTypes, vInt, vText, vUri

from portal.analysis_portal.visibility import analysis_item_ids
from portal.calendar import _fold
from portal.calendar.timezones import vtimezone_for
from portal.models.base import utcnow
from portal.models.meetings import Meeting, MeetingStatus
from portal.urls import base_url

_fold.install()

PRODID = "-//MAP portal PS RP//calendar//CS"


def vtimezone(tzid: str) -> Timezone:
    """The VTIMEZONE component for an IANA zone (cached; RRULE form where the zone has a yearly rule)."""
    return vtimezone_for(tzid)


class _Context:
    """What every event of one calendar shares, worked out once (translations, URLs, the sender).

    `hidden` holds the agenda items the calendar's reader may not see in full (items made from an analysis
    signal, for people who may not see the analysis: `portal.analysis_portal.visibility`): they are listed
    as the neutral "item on the territory analysis", without their title. None (the reader is not known)
    hides every such item, as for an anonymous visitor.
    """

    def __init__(self, hidden: frozenset[int] | None = None) -> None:
        self.hidden = hidden
        self.analysis_item = _("item on the territory analysis")
        self.base = base_url()
        self.adapter = current_app.url_map.bind("localhost")
        _name, email = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
        self.sender = f"mailto:{email or 'portal@localhost'}"
        self.minutes = _("%(n)s min", n="{n}").replace("{n}", "%d")
        self.agenda = _("Agenda:")
        self.cancelled = _("The meeting is cancelled.")
        self.cancelled_title = _("Cancelled: %(title)s", title="{title}")
        self.online = _("Online: %(url)s", url="{url}")
        self.zones: dict[str, ZoneInfo] = {}

    def zone(self, name: str | None) -> ZoneInfo:
        name = name or "Europe/Prague"
        if name not in self.zones:
            self.zones[name] = ZoneInfo(name)
        return self.zones[name]

    def meeting_url(self, meeting: Meeting) -> str:
        return self.base + self.adapter.build("meetings.show", {"meeting_id": meeting.id})


def meeting_url(meeting: Meeting) -> str:
    """The meeting's page (the meetings blueprint, once it exists), else its .ics download."""
    return _Context().meeting_url(meeting)


def location_text(meeting: Meeting) -> str | None:
    parts = [p for p in (meeting.place, meeting.online_url) if p]
    return ", ".join(parts) or None


def agenda_lines(meeting: Meeting, ctx: _Context | None = None) -> list[str]:
    """The agenda numbered, with presenters and durations: "1. Title (Presenter, 20 min)"."""
    ctx = ctx or _Context()
    hidden = ctx.hidden if ctx.hidden is not None else analysis_item_ids([meeting.id])
    lines = []
    for number, item in enumerate(meeting.agenda, start=1):
        extra = [p for p in (item.presenter, ctx.minutes % item.duration_minutes
                             if item.duration_minutes else None) if p]
        title = ctx.analysis_item if item.id in hidden else item.title
        lines.append(f"{number}. {title}" + (f" ({', '.join(extra)})" if extra else ""))
    return lines


def description_text(meeting: Meeting, url: str, ctx: _Context | None = None) -> str:
    ctx = ctx or _Context()
    parts = []
    if meeting.is_cancelled:
        parts.append(ctx.cancelled + (f" {meeting.cancel_reason}" if meeting.cancel_reason else ""))
    if meeting.description:
        parts.append(meeting.description.strip())
    lines = agenda_lines(meeting, ctx)
    if lines:
        parts.append(ctx.agenda + "\n" + "\n".join(lines))
    if meeting.online_url:
        parts.append(ctx.online.replace("{url}", meeting.online_url))
    parts.append(url)
    return "\n\n".join(parts)


def build_meeting_event(
    meeting: Meeting, *, stamp: datetime | None = None, ctx: _Context | None = None
) -> Event:
    """The VEVENT of a meeting. `stamp` (DTSTAMP) defaults to the meeting's last change, so an unchanged
    meeting gives the same bytes; e-mailed iTIP messages pass the sending time."""
    ctx = ctx or _Context()
    tz = ctx.zone(meeting.timezone)
    url = ctx.meeting_url(meeting)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    # Properties are set as typed values rather than with Event.add(): the same bytes, 40 % faster, which
    # counts in a feed of hundreds of meetings.
    event = Event()
    event["UID"] = vText(meeting.uid)
    event["DTSTAMP"] = vDDDTypes(stamp or meeting.updated_at or utcnow())
    event["SEQUENCE"] = vInt(meeting.sequence or 0)
    event["DTSTART"] = vDDDTypes(meeting.starts_at.astimezone(tz))  # TZID=Europe/Prague
    event["DTEND"] = vDDDTypes(meeting.ends_at.astimezone(tz))
    summary = ctx.cancelled_title.replace("{title}", meeting.title) if cancelled else meeting.title
    event["SUMMARY"] = vText(summary)
    location = location_text(meeting)
    if location:
        event["LOCATION"] = vText(location)
    event["DESCRIPTION"] = vText(description_text(meeting, url, ctx))
    event["URL"] = vUri(url)
    # The organising group, with the portal's sender address (e-mailed iTIP replies are not processed).
    organizer = vCalAddress(ctx.sender)
    organizer.params["CN"] = meeting.group.name
    event["ORGANIZER"] = organizer
    event["STATUS"] = vText("CANCELLED" if cancelled else "CONFIRMED")
    # Only what differs from the defaults (CLASS:PUBLIC, TRANSP:OPAQUE): feeds stay small and fast.
    if not meeting.public:
        event["CLASS"] = vText("PRIVATE")
    if cancelled:
        event["TRANSP"] = vText("TRANSPARENT")
    if meeting.updated_at:
        event["LAST-MODIFIED"] = vDDDTypes(meeting.updated_at)
    return event


def new_calendar(*, name: str, method: str | None = "PUBLISH") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.calendar_name = name  # NAME (RFC 7986) and X-WR-CALNAME
    calendar.add("x-wr-timezone", "Europe/Prague")
    # Calendar clients poll at most this often (RFC 7986 and the older Microsoft property).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return calendar


def to_bytes(calendar: Calendar, events: Iterable[Event]) -> bytes:
    """Serialise the calendar with its events and one VTIMEZONE per zone used (before the events)."""
    zones: list[str] = []
    events = list(events)
    for event in events:
        tzid = event["DTSTART"].params.get("TZID")
        if tzid and tzid not in zones:
            zones.append(tzid)
    for tzid in zones:
        calendar.add_component(vtimezone(tzid))
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def calendar_for(meetings: Iterable[Meeting], *, name: str, method: str = "PUBLISH",
                 hidden: frozenset[int] | None = None) -> bytes:
    """A whole calendar (feed or download) of meetings: VCALENDAR with X-WR-CALNAME, METHOD, VTIMEZONE.
    `hidden`: agenda items shown only as "item on the territory analysis" (see `_Context`); None (reader not
    known) hides every such item, found with one query for all the meetings."""
    meetings = list(meetings)
    if hidden is None:
        hidden = frozenset(analysis_item_ids([m.id for m in meetings]))
    ctx = _Context(hidden)
    events = [build_meeting_event(m, ctx=ctx) for m in meetings]
    return to_bytes(new_calendar(name=name, method=method), events)
