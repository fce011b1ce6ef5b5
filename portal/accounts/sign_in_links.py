"""One-time sign-in links: a person enters an e-mail address, gets a link valid 30 minutes, uses it once.

The link signs in the account with that address, or creates a *parent* account on first use (no password;
the name from the address's local part until the person changes it; the territory from where the link
leads: a consultation's group or a public comment round's document). Deactivated accounts never sign in.
The tokens are the one scheme of `portal.accounts.tokens` (purposes sign_in and consultation_invite).

Nothing here tells whether an address has an account: the request always answers the same, and an
unknown address simply gets a link that will create the account.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal import audit
from portal.accounts import tokens
from portal.accounts.services import find_user_by_email, normalise_email
from portal.extensions import db
from portal.mailer import queue_mail
from portal.models import LinkPurpose, Role, User
from portal.models.base import utcnow
from portal.urls import external_url

# The purposes a sign-in link may have: asked for by the person, or sent with a consultation invitation.
SIGN_IN_PURPOSES = (LinkPurpose.SIGN_IN.value, LinkPurpose.CONSULTATION_INVITE.value)
MAX_NEXT_LENGTH = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site ("/k/abc?x=1"), else None: no scheme, no host, no "//" or
    backslash (browsers read "/\\evil.example" as another site), no control characters, not too long."""
    if not target or len(target) > MAX_NEXT_LENGTH or _CONTROL.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _route(path: str) -> tuple[str | None, dict]:
    try:
        return current_app.url_map.bind("localhost").match(urlsplit(path).path, method="GET")
    except (HTTPException, RequestRedirect):
        return None, {}


_ANSWER_PATH = re.compile(r"^/k/([A-Za-z0-9_-]+)(?:/|$)")


def link_target(path: str | None) -> tuple[str | None, int | None]:
    """What a path leads to, for a sign-in by link: ("consultation", territory) for a consultation's
    participants' pages (`/k/<key>...`, the list of one's consultations), ("round", territory) for a public
    comment round, (None, territory) for a consultation's managers' pages, else (None, None)."""
    if not path or local_path(path) is None:
        return None, None
    from portal.models.consultations import Consultation
    from portal.models.rounds import CommentRound

    endpoint, args = _route(path)
    if endpoint and endpoint.startswith("consultations.") and "consultation_id" in args:
        consultation = db.session.get(Consultation, args["consultation_id"])
        return None, consultation.group.territory_id if consultation is not None else None
    key = args.get("key") if endpoint and endpoint.startswith("consultations.") else None
    match = _ANSWER_PATH.match(urlsplit(path).path)
    key = key or (match.group(1) if match else None)
    if key:
        consultation = db.session.scalar(select(Consultation).where(Consultation.link_key == key))
        if consultation is not None:
            return "consultation", consultation.group.territory_id
    if endpoint == "consultations.mine":
        return "consultation", None
    if endpoint and endpoint.startswith("rounds.") and "round_id" in args:
        round_ = db.session.get(CommentRound, args["round_id"])
        if round_ is not None and round_.public:
            return "round", round_.document_version.document.territory_id
    return None, None


def territory_for(path: str | None) -> int | None:
    """The territory of what the path leads to: a consultation (its group's) or a public comment round
    (its document's); None for anything else."""
    return link_target(path)[1]


def valid_minutes() -> int:
    return int(current_app.config["SIGN_IN_LINK_VALID_MINUTES"])


def request_link(email: str, *, next_path: str | None, locale: str = "cs") -> None:
    """E-mail a sign-in link to `email` (queued; sent after commit). A deactivated account gets a mail
    without a link saying it cannot sign in; the caller answers the same in every case."""
    tokens.purge_expired()
    email = normalise_email(email)
    user = find_user_by_email(email)
    next_path = local_path(next_path)
    minutes = valid_minutes()
    _link, token = tokens.issue(
        LinkPurpose.SIGN_IN, valid=timedelta(minutes=minutes), user_id=user.id if user else None,
        email=email, territory_id=territory_for(next_path), next_path=next_path,
    )
    if user is not None and not user.is_active:
        # The same work as for any other address (a stored link, a queued mail), so that neither the page
        # nor the time it takes tells a deactivated account apart. The link is never sent (and would be
        # refused: a deactivated account never signs in); the mail tells its owner why no link comes.
        queue_mail([email], _l("Your account cannot sign in"), "sign_in_deactivated",
                   locale=user.locale or locale)
        return
    queue_mail(
        [email],
        _l("Your sign-in link"),
        "sign_in_link",
        locale=(user.locale if user else None) or locale,
        link=external_url("auth.link_sign_in", token=token),
        valid_minutes=minutes,
    )


def open_link(token: str):
    """The usable sign-in link behind `token`, or tokens.TokenError (unknown, used, expired)."""
    return tokens.look_up(token, SIGN_IN_PURPOSES)


class SignInRefused(Exception):
    """The link was fine but its account may not sign in (deactivated)."""


class PasswordNeeded(Exception):
    """A consultation invitation reached an account that signs in with a password (any account but a
    parent's): the invitation is valid for days and is often forwarded, so it must not open such an
    account. `next_path` is where the person goes after signing in with their password."""

    def __init__(self, next_path: str | None):
        super().__init__(next_path)
        self.next_path = next_path


def sign_in_with(token: str, *, locale: str = "cs") -> tuple[User, str | None, bool]:
    """Use the link up and return (the account, where to go next, whether the account is new).

    Raises tokens.TokenError for an unknown, used or expired link (also the loser of two concurrent uses),
    SignInRefused for a deactivated account and PasswordNeeded for a consultation invitation reaching an
    account other than a parent's (the caller rolls back: the link stays unused)."""
    link = tokens.claim_link(token, SIGN_IN_PURPOSES)
    email = normalise_email(link.email or (link.user.email if link.user else ""))
    user = find_user_by_email(email) if email else None
    created = False
    if user is None:
        if not email:
            raise tokens.TokenError(tokens.Problem.UNKNOWN)
        user = User(email=email, name=email.split("@", 1)[0][:200] or email, role=Role.PARENT.value,
                    password_hash=None, territory_id=link.territory_id, locale=locale)
        db.session.add(user)
        db.session.flush()
        created = True
        audit.record("user.created", user, actor=user, via="sign_in_link")
    elif not user.is_active:
        raise SignInRefused()
    elif link.purpose == LinkPurpose.CONSULTATION_INVITE and user.role != Role.PARENT:
        raise PasswordNeeded(local_path(link.next_path))
    elif user.role == Role.PARENT and user.territory_id is None and link.territory_id is not None:
        user.territory_id = link.territory_id
    if link.purpose == LinkPurpose.CONSULTATION_INVITE:
        from portal.models.consultations import ConsultationInvitee

        db.session.execute(
            update(ConsultationInvitee)
            .where(ConsultationInvitee.email == email, ConsultationInvitee.user_id.is_(None))
            .values(user_id=user.id)
            .execution_options(synchronize_session=False)
        )
    user.last_login_at = utcnow()
    audit.record("user.signed_in", user, actor=user, via="link")
    return user, local_path(link.next_path), created
