"""The one token scheme of every e-mailed link: invitations, password resets, sign-in links and consultation
invitations.

- `new()` makes a random token (256 bits, URL-safe); only its SHA-256 (`digest`) is ever stored.
- `issue()` stores a OneTimeLink for a purpose and returns it with the token to put in the e-mail.
- `look_up()` finds a link by token and purpose and says why it cannot be used (unknown, used, expired).
- `claim()` uses a token up with one conditional UPDATE (`... WHERE token_hash = ? AND used_at IS NULL AND
  expires_at > now`): of two requests using the same link at the same moment exactly one updates the row,
  the other sees no row changed. It works for any table with `token_hash` and `expires_at` (invitations
  claim through it with their `accepted_at` column).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from portal.extensions import db
from portal.models import OneTimeLink
from portal.models.base import utcnow


class Problem(enum.StrEnum):
    UNKNOWN = "unknown"  # no such token (mistyped, tampered, or from another installation)
    USED = "used"  # already used (or revoked)
    EXPIRED = "expired"


class TokenError(ValueError):
    def __init__(self, problem: Problem, link: Any = None):
        super().__init__(problem.value)
        self.problem = problem
        self.link = link  # the stored row when it exists (its next path helps to ask for a new link)


def new() -> tuple[str, str]:
    """A fresh token and its digest."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(purpose: str, *, valid: timedelta, user_id: int | None = None, email: str | None = None,
          territory_id: int | None = None, next_path: str | None = None,
          flush: bool = True) -> tuple[OneTimeLink, str]:
    """Store a new one-time link (flushed unless told not to: a bulk caller flushes once) and return it
    with the token for the e-mail."""
    token, token_hash = new()
    now = utcnow()
    link = OneTimeLink(purpose=str(purpose), user_id=user_id, email=email, territory_id=territory_id,
                       next_path=next_path, token_hash=token_hash, created_at=now, expires_at=now + valid)
    db.session.add(link)
    if flush:
        db.session.flush()
    return link, token


def look_up(token: str, purposes: str | tuple[str, ...], *, at: datetime | None = None) -> OneTimeLink:
    """The usable link behind `token` for one of `purposes`, or TokenError saying why not."""
    purposes = (purposes,) if isinstance(purposes, str) else purposes
    link = db.session.scalar(select(OneTimeLink).where(OneTimeLink.token_hash == digest(token or "")))
    if link is None or link.purpose not in {str(p) for p in purposes}:
        raise TokenError(Problem.UNKNOWN)
    check(link, used=link.used_at, at=at)
    return link


def check(row: Any, *, used: datetime | None, at: datetime | None = None) -> None:
    """Raise TokenError if a stored link (any table) is used up or expired."""
    if used is not None:
        raise TokenError(Problem.USED, row)
    if row.expires_at <= (at or utcnow()):
        raise TokenError(Problem.EXPIRED, row)


def claim(model: type, token: str, *, used: str = "used_at", where: tuple = (),
          at: datetime | None = None) -> bool:
    """Use the token up: True for the one request that did, False if it was unknown, used or expired.

    One conditional UPDATE, so the database decides between concurrent uses (the loser's UPDATE waits for
    the winner's row lock on PostgreSQL, or for the write lock on SQLite, then matches no row)."""
    at = at or utcnow()
    column = getattr(model, used)
    result = db.session.execute(
        update(model)
        .where(model.token_hash == digest(token or ""), column.is_(None), model.expires_at > at, *where)
        .values({used: at})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def claim_link(token: str, purposes: str | tuple[str, ...], *, at: datetime | None = None) -> OneTimeLink:
    """Claim a OneTimeLink of one of `purposes` and return it (refreshed), or TokenError saying why not."""
    purposes = (purposes,) if isinstance(purposes, str) else purposes
    if not claim(OneTimeLink, token, where=(OneTimeLink.purpose.in_([str(p) for p in purposes]),), at=at):
        # Lost a race, or was never usable: say why, from the stored row as it is now.
        link = db.session.scalar(select(OneTimeLink).where(OneTimeLink.token_hash == digest(token or "")))
        if link is not None:
            db.session.refresh(link)
        if link is None or link.purpose not in {str(p) for p in purposes}:
            raise TokenError(Problem.UNKNOWN)
        check(link, used=link.used_at, at=at)
        raise TokenError(Problem.USED, link)  # cannot happen unless it changed in between
    link = db.session.scalar(select(OneTimeLink).where(OneTimeLink.token_hash == digest(token)))
    db.session.refresh(link)
    return link


def use_up_all(user_id: int, purpose: str, *, at: datetime | None = None) -> None:
    """Every outstanding link of `purpose` for the user dies (a password reset kills the other resets)."""
    db.session.execute(
        update(OneTimeLink)
        .where(OneTimeLink.user_id == user_id, OneTimeLink.purpose == str(purpose),
               OneTimeLink.used_at.is_(None))
        .values(used_at=at or utcnow())
        .execution_options(synchronize_session=False)
    )


# Expired or used links are kept this long (to tell "used" from "unknown" for a while), then deleted: they
# hold an e-mail address and where it was going.
KEEP_AFTER_EXPIRY = timedelta(days=7)


def purge_expired(*, at: datetime | None = None) -> int:
    """Delete the links that expired more than KEEP_AFTER_EXPIRY ago (any purpose); returns how many.
    Idempotent; called when a sign-in link is asked for and by the consultations' purge."""
    result = db.session.execute(
        delete(OneTimeLink).where(OneTimeLink.expires_at < (at or utcnow()) - KEEP_AFTER_EXPIRY)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
