"""Dates of a meeting series: "every 3rd Tuesday of February, May, September and November".

Pure functions over dates. `nth` is 1-4 or LAST (-1): a 5th weekday exists only in some months, so it is
not offered; "last" covers the end of the month.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

LAST = -1
NTH_CHOICES = (1, 2, 3, 4, LAST)


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The `nth` (1-4, or LAST) `weekday` (Monday = 0) of a month."""
    if nth not in NTH_CHOICES:
        raise ValueError(f"nth must be one of {NTH_CHOICES}")
    if not 0 <= weekday <= 6:
        raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
    days_in_month = calendar.monthrange(year, month)[1]
    if nth == LAST:
        last = date(year, month, days_in_month)
        return date(year, month, days_in_month - (last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return date(year, month, 1 + (weekday - first.weekday()) % 7 + 7 * (nth - 1))


def series_dates(year: int, months: Iterable[int], weekday: int, nth: int) -> list[date]:
    """The dates of the series in a year, one per chosen month, in order."""
    return [nth_weekday(year, month, weekday, nth) for month in sorted(set(months))]
