"""What the meeting's printed documents (attendance sheet, minutes) share: the lines that say which
meeting it is. Built inside ``force_locale("cs")`` by the callers: the documents are Czech."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.i18n import date_filter
from portal.meetings.services import local_time, participating_groups
from portal.models.meetings import Meeting


def meeting_details(meeting: Meeting) -> list[tuple[str, str]]:
    """Meeting, groups, "19. 5. 2026, 14:00–16:00" in the meeting's time zone, and the place."""
    starts = local_time(meeting.starts_at, meeting.timezone)
    ends = local_time(meeting.ends_at, meeting.timezone)
    return [
        (_("Meeting"), meeting.title),
        (_("Group"), ", ".join(g.name for g in participating_groups(meeting))),
        (_("Date and time"), f"{date_filter(starts.date())}, {starts:%H:%M}–{ends:%H:%M}"),
        (_("Place"), " · ".join(x for x in (meeting.place, meeting.online_url) if x)),
    ]
