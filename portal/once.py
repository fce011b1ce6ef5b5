"""One-time tokens of creation forms: the same "new …" form sent twice (two tabs, Back and save, a double
click) creates one record; the replay learns where the first one went.

A creation form carries a random token (`portal.forms_kit.OnceField`). Before creating anything the request
claims the token by inserting it (its primary key is the token), and stores the created record's address in
the same transaction. A replay finds the token already used; two submissions racing each other collide on
the primary key, and the loser finds the winner's row once it has committed.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import User
from portal.models.forms import FormToken

MAX_TOKEN = 64


class Replayed(Exception):
    """The form was already sent; `url` is the address of what it created (None if unknown)."""

    def __init__(self, url: str | None):
        super().__init__(url)
        self.url = url


def claim(token: str, *, actor: User) -> FormToken:
    """Mark the token used by this request (flushes); raises Replayed when it was used before.

    It must be the request's first write: losing a race to a concurrent submission rolls the whole
    transaction back (a savepoint would do on PostgreSQL, but on SQLite releasing a savepoint that opened
    the transaction commits it, and a refused creation would then use up its token).
    """
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN:
        raise ValueError("a creation form without a valid one-time token")
    used = db.session.get(FormToken, token)
    if used is not None:
        raise Replayed(used.url)
    ticket = FormToken(token=token, user_id=actor.id)
    db.session.add(ticket)
    try:
        db.session.flush()
    except IntegrityError:
        # A concurrent submission of the same form inserted it first (and has committed by now).
        db.session.rollback()
        used = db.session.get(FormToken, token)
        raise Replayed(used.url if used else None) from None
    return ticket


def fulfil(ticket: FormToken, url: str) -> None:
    """Remember where the created record lives, for replays."""
    ticket.url = url
    db.session.flush()
