"""Accounts: sign-in, invitations, password resets, profiles.

Every function takes the acting user explicitly, only flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import audit
from portal.accounts import sessions, tokens
from portal.accounts.passwords import hash_password, needs_rehash, verify_password
from portal.extensions import db
from portal.mailer import queue_mail
from portal.models import Invitation, LinkPurpose, OneTimeLink, Role, Territory, User
from portal.models.base import utcnow
from portal.urls import external_url


class AccountError(ValueError):
    """A user-facing refusal; the message is already translated."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """Return the user if the e-mail and password match an active account, else None.

    The same work is done for unknown addresses, so timing does not reveal which addresses exist.
    """
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("user.signed_in", user, actor=user)
    return user


# Which roles each role may hand out in an invitation.
INVITABLE_ROLES = {
    Role.ADMIN: [Role.ADMIN, Role.COORDINATOR, Role.MEMBER, Role.PARENT, Role.GUEST],
    Role.COORDINATOR: [Role.MEMBER, Role.PARENT, Role.GUEST],
}


def invitable_roles(actor: User) -> list[Role]:
    return INVITABLE_ROLES.get(Role(actor.role), [])


@dataclass
class IssuedInvitation:
    invitation: Invitation
    token: str


def invite(
    email: str,
    *,
    role: str,
    name: str | None,
    actor: User,
    locale: str = "cs",
    granted_roles: tuple[Role, ...] | None = None,
    group_name: str | None = None,
) -> IssuedInvitation:
    """Invite an address to create an account; queues the e-mail with the one-time link.

    The e-mail names the working group the person is invited into (`group_name`), else the actor's
    territory, so that the person knows who writes to them.

    `granted_roles` lets a caller that has already checked a narrower right (a group's chair adding a
    member to their own group) hand out those roles although the actor's portal role could not.
    """
    email = normalise_email(email)
    allowed = set(invitable_roles(actor)) | set(granted_roles or ())
    if role not in {r.value for r in allowed}:
        raise AccountError(_("You cannot invite people with this role."))
    if find_user_by_email(email) is not None:
        raise AccountError(_("An account with this e-mail address already exists."))
    now = utcnow()
    # A new invitation replaces any still-open one for the same address.
    for old in db.session.scalars(
        select(Invitation).where(
            Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None)
        )
    ):
        old.revoked_at = now
    token, token_hash = tokens.new()
    invitation = Invitation(
        email=email,
        name=name,
        role=role,
        token_hash=token_hash,
        territory_id=actor.territory_id,
        invited_by_id=actor.id,
        expires_at=now + timedelta(days=current_app.config["INVITATION_VALID_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation.created", invitation, actor=actor, role=role)
    queue_mail(
        [email],
        _l("Invitation to the equal opportunities working group portal"),
        "invitation",
        locale=locale,
        link=external_url("auth.accept_invitation", token=token),
        inviter=actor.name,
        territory=actor.territory.name if actor.territory else None,
        group=group_name,
        valid_days=current_app.config["INVITATION_VALID_DAYS"],
    )
    return IssuedInvitation(invitation, token)


def open_invitation(token: str) -> Invitation:
    """The invitation behind a link, or AccountError if it is unknown, used, revoked or expired."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == tokens.digest(token)))
    if invitation is None or invitation.revoked_at is not None:
        raise AccountError(_("This invitation link is not valid. Ask the coordinator for a new one."))
    if invitation.accepted_at is not None:
        raise AccountError(_("This invitation has already been used. Sign in, or reset your password."))
    if invitation.expires_at <= utcnow():
        raise AccountError(_("This invitation has expired. Ask the coordinator for a new one."))
    return invitation


def revoke_invitation(invitation: Invitation, *, actor: User) -> None:
    """Withdraw an invitation that has not been accepted yet; its link stops working at once."""
    if invitation.accepted_at is not None:
        raise AccountError(_("This invitation has already been used; deactivate the account instead."))
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record("invitation.revoked", invitation, actor=actor)


def accept_invitation(token: str, *, name: str, password: str, organisation: str | None) -> User:
    invitation = open_invitation(token)
    if find_user_by_email(invitation.email) is not None:
        raise AccountError(_("An account with this e-mail address already exists."))
    # Use the invitation up first: of two concurrent acceptances only one gets past this UPDATE.
    if not tokens.claim(Invitation, token, used="accepted_at", where=(Invitation.revoked_at.is_(None),)):
        raise AccountError(_("This invitation has already been used. Sign in, or reset your password."))
    user = User(
        email=invitation.email,
        name=name.strip(),
        organisation=(organisation or "").strip() or None,
        role=invitation.role,
        password_hash=hash_password(password),
        territory_id=invitation.territory_id,
    )
    db.session.add(user)
    db.session.flush()
    db.session.refresh(invitation)
    invitation.user_id = user.id
    audit.record("user.created", user, actor=user, via="invitation", invitation_id=invitation.id)
    return user


def request_password_reset(email: str, *, locale: str = "cs") -> None:
    """Queue a reset link if the address has an active account; silently do nothing otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    valid = current_app.config["PASSWORD_RESET_VALID_MINUTES"]
    _link, token = tokens.issue(LinkPurpose.PASSWORD_RESET, valid=timedelta(minutes=valid), user_id=user.id,
                                email=user.email)
    audit.record("user.password_reset_requested", user, actor=None)
    queue_mail(
        [user.email],
        _l("Password reset"),
        "password_reset",
        locale=user.locale or locale,
        link=external_url("auth.reset_password", token=token),
        name=user.name,
        valid_minutes=valid,
    )


def _reset_refused() -> AccountError:
    return AccountError(_("This password reset link is invalid, expired or already used. Request a new one."))


def open_password_reset(token: str) -> OneTimeLink:
    try:
        reset = tokens.look_up(token, LinkPurpose.PASSWORD_RESET)
    except tokens.TokenError:
        raise _reset_refused() from None
    if reset.user is None:
        raise _reset_refused()
    return reset


def reset_password(token: str, password: str) -> User:
    try:
        reset = tokens.claim_link(token, LinkPurpose.PASSWORD_RESET)
    except tokens.TokenError:
        raise _reset_refused() from None
    user = reset.user
    if user is None or not user.is_active:
        raise _reset_refused()
    # Every outstanding link of this user dies with the one used.
    tokens.use_up_all(user.id, LinkPurpose.PASSWORD_RESET, at=reset.used_at)
    _set_password(user, password)
    audit.record("user.password_reset", user, actor=user)
    return user


def _set_password(user: User, password: str) -> None:
    """A new password signs the user out everywhere: every login session ends, the version moves on."""
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 1) + 1
    sessions.end_all(user)


def change_password(user: User, current: str, new: str) -> None:
    """Change the signed-in user's password. Every other browser is signed out; this one gets a new login
    session (the caller signs it in again with login_user)."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_("The current password is not correct."))
    _set_password(user, new)
    sessions.start(user)
    audit.record("user.password_changed", user, actor=user)


def update_profile(user: User, *, name: str, organisation: str | None, locale: str, actor: User,
                   share_contact: bool | None = None) -> None:
    """Save the person's own details; `share_contact` (None: unchanged) shows their e-mail to fellow
    members of their groups."""
    changed = []
    values = [("name", name.strip()), ("organisation", (organisation or "").strip() or None),
              ("locale", locale)]
    if share_contact is not None:
        values.append(("share_contact", bool(share_contact)))
    for field, value in values:
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        audit.record("user.profile_updated", user, actor=actor, fields=changed)


def set_active(user: User, active: bool, *, actor: User) -> None:
    if user.id == actor.id:
        raise AccountError(_("You cannot deactivate your own account."))
    if user.active != active:
        user.active = active
        user.session_version = (user.session_version or 1) + 1
        sessions.end_all(user)
        audit.record("user.activated" if active else "user.deactivated", user, actor=actor)


def change_role(user: User, role: str, *, actor: User) -> None:
    if not actor.is_admin:
        raise AccountError(_("Only an administrator can change roles."))
    if user.id == actor.id:
        raise AccountError(_("You cannot change your own role."))
    if role not in {r.value for r in Role}:
        raise AccountError(_("Unknown role."))
    if user.role != role:
        old = user.role
        user.role = role
        user.session_version = (user.session_version or 1) + 1
        audit.record("user.role_changed", user, actor=actor, old=old, new=role)


def get_or_create_territory(name: str, slug: str) -> Territory:
    territory = db.session.scalar(select(Territory).where(Territory.slug == slug))
    if territory is None:
        territory = Territory(name=name, slug=slug)
        db.session.add(territory)
        db.session.flush()
    return territory


def parent_deletion_refusal(user: User) -> str | None:
    """Why `delete_parent_account` would refuse this account (a translated sentence), or None: the delete
    page says it before the person confirms, not after."""
    from portal.models import Membership

    if user.role != Role.PARENT:
        return _("Only parent accounts can be deleted this way.")
    if db.session.scalar(select(Membership.id).where(Membership.user_id == user.id).limit(1)) is not None:
        # A membership is the group's history (attendance, composition over the years): kept, not deleted.
        return _("You are recorded as a member of a working group. Ask its coordinator to end your "
                 "membership and remove your account.")
    return None


def delete_parent_account(user: User, *, actor: User) -> None:
    """Delete a parent's account (their own choice, or the purge of inactive parent accounts).

    Their consultation answers stay, anonymised (the response loses its user id and owner hash), as do
    their comments in comment rounds (without an author); their sign-in links, login sessions, invitation
    addresses and the outbox's copies of their mail go with the account. Only parent accounts: other
    accounts carry memberships and history and are deactivated by an administrator instead."""
    if (refusal := parent_deletion_refusal(user)) is not None:
        raise AccountError(refusal)
    # One erasure for a parent's own choice and for the purge of inactive accounts: answers stay anonymous,
    # addresses, links, sessions and mail copies go (portal.consultations.retention).
    from portal.consultations import retention

    audit.record("user.deleted", user, actor=None if actor.id == user.id else actor,
                 territory_id=user.territory_id, own=actor.id == user.id)
    retention.delete_parent(user, retention.owner_hashes(user.id), retention.PurgeReport())
    db.session.expunge(user)
