"""The secret of a user's private calendar feed: created when first needed, reset on request."""

from __future__ import annotations

from portal import audit
from portal.extensions import db
from portal.models import User
from portal.models.people import new_secret


def ensure_calendar_secret(user: User) -> str:
    if not user.calendar_secret:
        user.calendar_secret = new_secret()
        db.session.flush()
    return user.calendar_secret


def reset_calendar_secret(user: User, *, actor: User) -> str:
    """Give the user a new secret: subscriptions to the old private URL stop working (404)."""
    user.calendar_secret = new_secret()
    db.session.flush()
    audit.record("calendar.secret_reset", user, actor=actor)
    return user.calendar_secret
