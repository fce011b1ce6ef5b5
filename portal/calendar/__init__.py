"""Calendars of meetings: iCalendar building, feeds with ETags and a cache, "add to calendar" links."""

from portal.calendar.feeds import Feed, FeedCache, feed_body, feed_cache, fingerprint
from portal.calendar.ical import build_meeting_event, calendar_for

__all__ = [
    "Feed", "FeedCache", "build_meeting_event", "calendar_for", "feed_body", "feed_cache", "fingerprint",
]
