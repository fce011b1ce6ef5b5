"""Small helpers for the sentences of the report's sections.

A section with nothing in the period says so in a sentence, worded for a calendar year ("In 2025 the group
held no meeting.") or for any other range ("From 1. 3. 2025 to 30. 6. 2025 …"). Both sentences are whole
msgids (translators see the full sentence); `in_period` picks the one that fits the period.
"""

from __future__ import annotations

from datetime import date


def is_calendar_year(start: date, end: date) -> bool:
    return start.month == 1 and start.day == 1 and end == date(start.year, 12, 31)


def in_period(ctx, calendar_year: str, any_range: str) -> str:
    """`calendar_year` when the report's period (ctx.start–ctx.end) is one calendar year, else `any_range`."""
    return calendar_year if is_calendar_year(ctx.start, ctx.end) else any_range
