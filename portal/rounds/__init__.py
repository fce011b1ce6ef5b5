"""Comment rounds on plan documents, comments, settlement, notifications and the settlement table."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from portal.models.base import utcnow

ZONE = ZoneInfo("Europe/Prague")


def now() -> datetime:
    """The current moment (UTC). The one clock of this package: the shared portal clock replaces it."""
    return utcnow()


def today() -> date:
    """Today in Europe/Prague."""
    return now().astimezone(ZONE).date()


def local_label(moment: datetime) -> str:
    """A moment as "2. 12. 2026, 17:00" in Europe/Prague (e-mails, messages and exports)."""
    from flask_babel import format_datetime

    return format_datetime(moment, "d. M. yyyy, H:mm")
