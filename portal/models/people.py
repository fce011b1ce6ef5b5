"""Territories, users, invitations, password resets and the audit log."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    MEMBER = "member"
    PARENT = "parent"
    GUEST = "guest"


class Territory(db.Model):
    """A MAP project's territory (e.g. "MAP ORP Vzorov"); one installation may serve several."""

    __tablename__ = "territory"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Territory {self.slug}>"


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER.value)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="cs", server_default="cs")
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    # Bumped on password change or reset: invalidates every other session and remember-me cookie.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The person's own choice to show their e-mail to fellow members of their groups (off by default; the
    # groups' coordinators see it anyway, anonymous visitors never).
    share_contact: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The secret in the URL of the user's private calendar feed; resetting it kills old subscriptions.
    calendar_secret: Mapped[str | None] = mapped_column(String(64), unique=True)

    territory: Mapped[Territory | None] = relationship()

    @property
    def is_active(self) -> bool:  # flask-login: deactivated accounts cannot sign in
        return bool(self.active)

    # The key of the login session this object was loaded for (or just started); never stored in plain.
    login_session_key = None  # not a column (no annotation): set by portal.accounts.sessions

    def get_id(self) -> str:
        """What Flask-Login puts in the session and the remember-me cookie: the user, the session version
        and the login session's key (see LoginSession)."""
        if not self.login_session_key:
            raise RuntimeError("start a login session (portal.accounts.sessions.start) before signing in")
        return f"{self.id}:{self.session_version}:{self.login_session_key}"

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in {str(r) for r in roles}

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_coordinator(self) -> bool:
        return self.role in (Role.COORDINATOR, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginSession(db.Model):
    """One signed-in browser. Its random key travels in the session and remember-me cookies (only its hash
    is stored); signing out deletes the row, so a copied cookie stops working, and a password change,
    reset or deactivation deletes all of the user's rows."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Invitation(db.Model):
    """An e-mail address invited to create an account; the link carries a token whose hash is stored."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])


class LinkPurpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"  # set a new password (user_id set)
    SIGN_IN = "sign_in"  # a one-time sign-in link asked for on the sign-in page (user may not exist yet)
    CONSULTATION_INVITE = "consultation_invite"  # a coordinator invited the address to a consultation


class OneTimeLink(db.Model):
    """A single-use, expiring link e-mailed to a person: password resets, sign-in links and consultation
    invitations share it (portal.accounts.tokens). Only the token's SHA-256 is stored; the link is used up
    by a conditional UPDATE (`used_at IS NULL AND expires_at > now`), so two uses cannot both succeed.

    `user_id` is empty for an address without an account (its first use creates a parent account);
    `territory_id` and `next_path` say which territory that account belongs to and where the link leads."""

    __tablename__ = "one_time_link"
    __table_args__ = (
        Index("ix_one_time_link_email", "email"),
        Index("ix_one_time_link_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(30), default=LinkPurpose.PASSWORD_RESET.value,
                                         server_default=LinkPurpose.PASSWORD_RESET.value)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id", ondelete="SET NULL"))
    next_path: Mapped[str | None] = mapped_column(String(500))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship()


# The password reset links are one-time links of purpose "password_reset" (the table was renamed in 0020).
PasswordResetToken = OneTimeLink


class AuditEvent(db.Model):
    """Who did what to which object, and when. Never holds sensitive personal traits."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[int | None]
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User | None] = relationship()
