""""Add to calendar" links: Google Calendar's template URL, Outlook on the web's compose URL, webcal://."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlencode

from portal.calendar.ical import _Context, agenda_lines, location_text
from portal.models.meetings import Meeting


def _details(meeting: Meeting, url: str, ctx: _Context) -> str:
    parts = [meeting.description.strip()] if meeting.description else []
    lines = agenda_lines(meeting, ctx)
    if lines:
        parts.append("\n".join(lines))
    parts.append(url)
    return "\n\n".join(parts)


def google_url(meeting: Meeting, hidden: frozenset[int] | None = None) -> str:
    """Google Calendar's "create event" template, prefilled (times in UTC, shown in Europe/Prague).
    `hidden`: agenda items the reader sees only as "item on the territory analysis"."""
    ctx = _Context(hidden)
    url = ctx.meeting_url(meeting)
    fmt = "%Y%m%dT%H%M%SZ"
    dates = f"{meeting.starts_at.astimezone(UTC):{fmt}}/{meeting.ends_at.astimezone(UTC):{fmt}}"
    params = {"action": "TEMPLATE", "text": meeting.title, "dates": dates,
              "details": _details(meeting, url, ctx), "location": location_text(meeting) or "",
              "ctz": meeting.timezone or "Europe/Prague"}
    return "https://calendar.google.com/calendar/render?" + urlencode(params)


def outlook_url(meeting: Meeting, hidden: frozenset[int] | None = None) -> str:
    """Outlook on the web's compose deeplink (outlook.live.com; work accounts redirect as needed)."""
    ctx = _Context(hidden)
    url = ctx.meeting_url(meeting)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    params = {"path": "/calendar/action/compose", "rru": "addevent", "subject": meeting.title,
              "startdt": f"{meeting.starts_at.astimezone(UTC):{fmt}}",
              "enddt": f"{meeting.ends_at.astimezone(UTC):{fmt}}",
              "body": _details(meeting, url, ctx), "location": location_text(meeting) or ""}
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(params)


def add_to_calendar_links(meeting: Meeting, hidden: frozenset[int] | None = None) -> dict[str, str]:
    """The "add to calendar" addresses of a meeting page (the page reads `hidden` once for the reader)."""
    return {"google": google_url(meeting, hidden), "outlook": outlook_url(meeting, hidden)}


def webcal_url(url: str) -> str:
    """The subscription form of a feed URL (calendar apps open webcal:// links as subscriptions)."""
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return "webcal://" + url[len(scheme):]
    return url
