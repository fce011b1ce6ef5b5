"""Server-side login sessions: signing out, a password change or a deactivation revokes cookies.

Flask-Login keeps "<user id>:<session version>:<key>" in the session cookie and the remember-me cookie. The
key names a LoginSession row (only its hash is stored); the user loader accepts the id only while that row
exists, the user is active and the session version is unchanged, checked in one query with the user.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import LoginSession, User
from portal.models.base import utcnow


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(user: User) -> str:
    """Open a login session for `user` (about to be signed in); the key is kept on the object for get_id().

    The user's sessions older than a remember-me cookie can live are removed on the way.
    """
    oldest = utcnow() - current_app.config["REMEMBER_COOKIE_DURATION"]
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.created_at < oldest)
    )
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, key_hash=_hash(key)))
    db.session.flush()
    user.login_session_key = key
    return key


def end(user: User) -> None:
    """Sign this browser out on the server: its session and remember-me cookies stop working."""
    if user.login_session_key:
        db.session.execute(delete(LoginSession).where(LoginSession.key_hash == _hash(user.login_session_key)))
        user.login_session_key = None


def end_all(user: User) -> None:
    """Sign `user` out everywhere (a password change, reset or deactivation)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    user.login_session_key = None


def load(user_id: str) -> User | None:
    """Flask-Login's user loader: the user of a live login session, or None (signed out)."""
    try:
        raw_id, raw_version, key = user_id.split(":", 2)
        uid, version = int(raw_id), int(raw_version)
    except ValueError:  # also ids from before login sessions existed
        return None
    user = db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == uid, LoginSession.key_hash == _hash(key))
    )
    if user is None or user.session_version != version or not user.is_active:
        return None
    user.login_session_key = key
    return user
