"""The portal's one clock: today's date and the current time in the portal's time zone (Europe/Prague).

Routes and services alike ask this module, never `date.today()` (the server's own zone, often UTC) or a
copy of their own: just after midnight in Prague a route and a service would otherwise disagree about
which day it is, and a coordinator whose role starts today would pass the page's check and fail the
service's. Stored instants stay UTC (`portal.models.base.utcnow`); this is for calendar dates and
wall-clock times people see.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

PORTAL_TIMEZONE = "Europe/Prague"


def zone() -> ZoneInfo:
    """The portal's time zone (the app's BABEL_DEFAULT_TIMEZONE, Europe/Prague outside an app)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or PORTAL_TIMEZONE)


def now() -> datetime:
    """The current time, aware, in the portal's time zone."""
    return datetime.now(zone())


def today() -> date:
    """Today's date in the portal's time zone."""
    return now().date()
