"""Comment rounds on plan documents, comments, settlement, notifications and the settlement table.

Times come from the portal's one clock (`portal.clock`: ``now()``, ``today()``, ``zone()``)."""

from __future__ import annotations

from datetime import datetime


def local_label(moment: datetime) -> str:
    """A moment as "2. 12. 2026, 17:00" in Europe/Prague (e-mails, messages and exports)."""
    from flask_babel import format_datetime

    return format_datetime(moment, "d. M. yyyy, H:mm")
