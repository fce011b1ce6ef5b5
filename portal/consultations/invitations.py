"""Inviting parents to a consultation in bulk: a pasted list of addresses; each new one gets an invitee row
and an e-mail with a one-time sign-in link (purpose consultation_invite, valid
`CONSULTATION_INVITE_VALID_DAYS`) that leads to the consultation's answer page.

- The list: one address per line, or several separated by commas or semicolons; "Name <mail>" is accepted.
- A list with an invalid entry sends nothing: every invalid entry is reported with its line number, and the
  page gives the list back as typed.
- Duplicates within the list and addresses already invited are skipped and counted; the unique constraint
  (consultation, e-mail) backs the check, so the same list sent again sends nothing.
- At most `CONSULTATION_INVITE_MAX` addresses per list (500: about 0.3 s here, see the report of c1; the mail
  itself leaves through the outbox after the commit).
- The audit log records how many were invited, never the addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import audit
from portal.accounts import tokens
from portal.accounts.services import normalise_email
from portal.consultations.access import CLOSED, OPEN, state
from portal.extensions import db
from portal.mailer import queue_mail
from portal.models import LinkPurpose, User
from portal.models.consultations import Consultation, ConsultationInvitee
from portal.urls import external_url

# Separators between addresses on one line: commas and semicolons outside double quotes.
_SEPARATOR = re.compile(r"""[,;](?=(?:[^"]*"[^"]*")*[^"]*$)""")


class InviteError(ValueError):
    """A refusal; the message is already translated."""


@dataclass(frozen=True)
class BadEntry:
    line: int  # 1-based line number in the pasted text
    text: str  # the entry as typed


@dataclass
class Parsed:
    addresses: list[str] = field(default_factory=list)  # normalised, first occurrence order, no duplicates
    duplicates: int = 0  # repeated within the list
    invalid: list[BadEntry] = field(default_factory=list)


@dataclass
class Outcome:
    invited: int = 0
    already: int = 0  # already on the consultation's list
    duplicates: int = 0
    deactivated: int = 0  # addresses of deactivated accounts: they could not sign in, nothing sent


def _valid(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def parse(text: str) -> Parsed:
    """Split a pasted list into addresses; report invalid entries with their line numbers."""
    parsed = Parsed()
    seen: set[str] = set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        for piece in _SEPARATOR.split(line):
            entry = piece.strip()
            if not entry:
                continue
            name, address = parseaddr(entry)
            address = normalise_email(address)
            # parseaddr is lenient: "jan novak" gives "jannovak"; require the address to appear as typed.
            if not address or address not in entry.lower() or not _valid(address) or len(address) > 254:
                parsed.invalid.append(BadEntry(number, entry))
                continue
            if address in seen:
                parsed.duplicates += 1
                continue
            seen.add(address)
            parsed.addresses.append(address)
    return parsed


def answer_path(consultation: Consultation) -> str:
    """The participants' page of the consultation (c3's `consultations.answer`, `/k/<key>`)."""
    if "consultations.answer" in current_app.view_functions:
        return url_for("consultations.answer", key=consultation.link_key)
    return f"/k/{consultation.link_key}"


def max_addresses() -> int:
    return int(current_app.config["CONSULTATION_INVITE_MAX"])


def invite_list(consultation: Consultation, parsed: Parsed, *, actor: User, locale: str = "cs") -> Outcome:
    """Invite the parsed addresses that are not invited yet; queue one e-mail each (flushes only)."""
    if parsed.invalid:
        raise InviteError(_("Correct the marked lines; nothing has been sent."))
    if not parsed.addresses:
        raise InviteError(_("Paste at least one e-mail address."))
    if len(parsed.addresses) > max_addresses():
        raise InviteError(_("At most %(n)s addresses at a time; split the list.", n=max_addresses()))
    if state(consultation) == CLOSED:
        raise InviteError(_("The consultation has closed; nobody can answer any more."))
    outcome = Outcome(duplicates=parsed.duplicates)
    already = set(db.session.scalars(
        select(ConsultationInvitee.email).where(
            ConsultationInvitee.consultation_id == consultation.id,
            func.lower(ConsultationInvitee.email).in_(parsed.addresses),
        )
    ))
    already = {a.lower() for a in already}
    accounts = {u.email.lower(): u for u in db.session.scalars(
        select(User).where(func.lower(User.email).in_(parsed.addresses)))}
    days = int(current_app.config["CONSULTATION_INVITE_VALID_DAYS"])
    next_path = answer_path(consultation)
    group = consultation.group
    for address in parsed.addresses:
        if address in already:
            outcome.already += 1
            continue
        user = accounts.get(address)
        if user is not None and not user.is_active:
            outcome.deactivated += 1
            continue
        db.session.add(ConsultationInvitee(consultation_id=consultation.id, email=address,
                                           user_id=user.id if user else None, invited_by_id=actor.id))
        _link, token = tokens.issue(
            LinkPurpose.CONSULTATION_INVITE, valid=timedelta(days=days), user_id=user.id if user else None,
            email=address, territory_id=group.territory_id, next_path=next_path, flush=False,
        )
        queue_mail(
            [address],
            _l("Invitation to a consultation: %(title)s", title=consultation.title),
            "consultation_invitation",
            locale=(user.locale if user else None) or locale,
            link=external_url("auth.link_sign_in", token=token),
            title=consultation.title,
            group=group.name,
            inviter=actor.name,
            # The opening time only while it is still ahead.
            opens_at=consultation.opens_at if state(consultation) != OPEN else None,
            closes_at=consultation.closes_at,
            anonymous=consultation.anonymous,
            valid_days=days,
        )
        outcome.invited += 1
    db.session.flush()
    audit.record("consultation.invited", consultation, actor=actor, territory_id=group.territory_id,
                 invited=outcome.invited, skipped=outcome.already + outcome.duplicates + outcome.deactivated)
    return outcome


def invitees(consultation: Consultation, *, page: int, per_page: int):
    """The consultation's invitees, by address, paginated; for named consultations with whether each has
    answered (None for anonymous ones: that is never shown per person)."""
    from portal.models.consultations import ConsultationResponse

    query = (
        select(ConsultationInvitee)
        .where(ConsultationInvitee.consultation_id == consultation.id)
        .order_by(ConsultationInvitee.email, ConsultationInvitee.id)
    )
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    answered: set[int] = set()
    if not consultation.anonymous:
        rows = pagination.items
        user_ids = [r.user_id for r in rows if r.user_id]
        emails = [r.email.lower() for r in rows]
        responders = db.session.execute(
            select(ConsultationResponse.user_id, User.email)
            .join(User, User.id == ConsultationResponse.user_id)
            .where(ConsultationResponse.consultation_id == consultation.id,
                   (ConsultationResponse.user_id.in_(user_ids)) | (func.lower(User.email).in_(emails)))
        ).all()
        ids = {uid for uid, _email in responders}
        addresses = {email.lower() for _uid, email in responders}
        answered = {r.id for r in rows if (r.user_id in ids) or (r.email.lower() in addresses)}
    return pagination, (None if consultation.anonymous else answered)
