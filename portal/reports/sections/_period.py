"""What the sections minutes, proposals, rounds, consultations and signals share: the period as instants
in Europe/Prague, dates and numbers as people read them, and the sentence of an empty section."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import format_decimal
from flask_babel import gettext as _

from portal import clock
from portal.i18n import date_filter


def start_at(day: date) -> datetime:
    """The first instant of a Prague day."""
    return datetime.combine(day, time.min, tzinfo=clock.zone())


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as instants: [first instant of `start`, first instant after `end`)."""
    return start_at(start), start_at(end + timedelta(days=1))


def local_day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(clock.zone()).date()


def day(value: date | datetime | None) -> str:
    """A date as the pages show it ("3. 12. 2026"); an instant by its Prague date."""
    if isinstance(value, datetime):
        value = local_day(value)
    return date_filter(value) if value is not None else "—"


def number(value: float | None, fmt: str = "#,##0.##") -> str:
    return "—" if value is None else format_decimal(value, fmt)


def period(start: date, end: date) -> str:
    """"V roce 2025" / "V období od 1. 1. 2025 do 30. 6. 2025": the start of a sentence."""
    if start == date(start.year, 1, 1) and end == date(start.year, 12, 31):
        return _("In %(year)s", year=start.year)
    return _("Between %(start)s and %(end)s", start=day(start), end=day(end))
