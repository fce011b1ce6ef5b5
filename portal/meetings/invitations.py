"""Invitations to meetings by e-mail, updates and cancellations, replies and reminders.

Every e-mail carries the meeting as an iCalendar attachment (RFC 5546): `METHOD:REQUEST` for an invitation
and for an update (with the meeting's current, higher SEQUENCE, so calendar apps replace their copy),
`METHOD:CANCEL` with `STATUS:CANCELLED` for a cancellation. Each message is addressed to one person and
lists only that person as ATTENDEE (members do not see each other's addresses). Members are invited as the
active members of the participating groups on the meeting's date; guests are added by name and e-mail.

Replies come from signed-in members on the meeting page, or from one-click links in the e-mail, signed with
SECRET_KEY (itsdangerous, salt "meeting-reply") over the invitation id, the answer and a hash binding them to
the meeting's UID and the address. The functions only queue mail and flush; the caller commits, and the
outbox sends after the commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update

from portal import audit, clock
from portal.analysis_portal.visibility import hidden_agenda_items
from portal.calendar.ical import (
    _Context,
    agenda_lines,
    build_meeting_event,
    location_text,
    new_calendar,
    to_bytes,
)
from portal.calendar.links import google_url, outlook_url
from portal.extensions import db
from portal.groups import services as groups
from portal.mailer import queue_mail
from portal.models import User
from portal.models.base import utcnow
from portal.models.groups import Category, WorkingGroup
from portal.models.meetings import Meeting, MeetingGroup, MeetingInvitation, MeetingStatus, Reply
from portal.urls import external_url

REPLY_SALT = "meeting-reply"
GUEST_LOCALE = "cs"

ANSWER_LABELS = {
    Reply.ATTENDING.value: _l("I will attend"),
    Reply.MAYBE.value: _l("Maybe"),
    Reply.NOT_ATTENDING.value: _l("I will not attend"),
}
PARTSTAT = {Reply.ATTENDING.value: "ACCEPTED", Reply.MAYBE.value: "TENTATIVE",
            Reply.NOT_ATTENDING.value: "DECLINED"}


class InvitationError(ValueError):
    """A user-facing refusal; the message is already translated."""


# ---- who is invited ----------------------------------------------------------------------------------


def meeting_day(meeting: Meeting) -> date:
    return meeting.starts_at.astimezone(ZoneInfo(meeting.timezone or "Europe/Prague")).date()


def participating_group_ids(meeting: Meeting) -> list[int]:
    ids = [meeting.group_id]
    others = select(MeetingGroup.group_id).where(MeetingGroup.meeting_id == meeting.id)
    for group_id in db.session.scalars(others):
        if group_id not in ids:
            ids.append(group_id)
    return ids


def _participating_groups(meeting: Meeting) -> list[WorkingGroup]:
    ids = participating_group_ids(meeting)
    query = select(WorkingGroup).where(WorkingGroup.id.in_(ids)).order_by(WorkingGroup.id)
    return list(db.session.scalars(query))


def _find(meeting: Meeting, email: str) -> MeetingInvitation | None:
    email = email.strip().lower()
    for invitation in meeting.invitations:
        if invitation.email.lower() == email:
            return invitation
    return None


def ensure_member_invitations(meeting: Meeting) -> list[MeetingInvitation]:
    """Create (unsent) invitations for the active members of every participating group on the meeting's
    date who have none yet; return the new ones."""
    created = []
    on = meeting_day(meeting)
    for group in _participating_groups(meeting):
        for membership in groups.active_members(group, on):
            user = membership.user
            if not user.active or _find(meeting, user.email) is not None:
                continue
            invitation = MeetingInvitation(
                user=user, user_id=user.id, email=user.email.lower(), name=user.name,
                organisation=membership.organisation or user.organisation, category=membership.category,
                is_guest=False,
            )
            meeting.invitations.append(invitation)
            created.append(invitation)
    db.session.flush()
    return created


def _outdated(meeting: Meeting, invitation: MeetingInvitation) -> bool:
    return invitation.sent_sequence is None or invitation.sent_sequence < (meeting.sequence or 0)


def pending_count(meeting: Meeting) -> int:
    """How many e-mails `send_invitations` would send now (nothing is created)."""
    count = sum(1 for i in meeting.invitations if _outdated(meeting, i))
    on = meeting_day(meeting)
    seen = {i.email.lower() for i in meeting.invitations}
    for group in _participating_groups(meeting):
        for membership in groups.active_members(group, on):
            email = membership.user.email.lower()
            if membership.user.active and email not in seen:
                seen.add(email)
                count += 1
    return count


def add_guest(meeting: Meeting, *, name: str, email: str, organisation: str | None = None,
              category: str | None = None, actor: User | None) -> MeetingInvitation:
    """Invite a guest (not a member): name, e-mail, organisation, stakeholder category. Not sent yet."""
    name = (name or "").strip()
    email = (email or "").strip().lower()
    if not name:
        raise InvitationError(_("Enter the guest's name."))
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        raise InvitationError(_("Enter a valid e-mail address."))
    if category and category not in {c.value for c in Category}:
        raise InvitationError(_("Choose the guest's category."))
    if _find(meeting, email) is not None:
        raise InvitationError(_("%(email)s is already invited.", email=email))
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    invitation = MeetingInvitation(
        email=email, name=name, organisation=(organisation or "").strip() or None, category=category or None,
        is_guest=True, user=user, user_id=user.id if user else None,
    )
    meeting.invitations.append(invitation)
    db.session.flush()
    audit.record("meeting.guest_added", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 invitation_id=invitation.id)
    return invitation


def _guest_value(guest, key: str):
    return guest.get(key) if isinstance(guest, Mapping) else getattr(guest, key, None)


# ---- the iCalendar attachment ------------------------------------------------------------------------


def invitation_ics(meeting: Meeting, invitation: MeetingInvitation, method: str,
                   *, stamp: datetime | None = None, ctx: _Context | None = None) -> bytes:
    """The iTIP message for one invitee: REQUEST (invitation/update) or CANCEL, with their ATTENDEE line.
    The agenda shows items made from an analysis signal only if the invitee may see the analysis."""
    ctx = ctx or _Context(hidden_agenda_items([meeting], invitation.user))
    event = build_meeting_event(meeting, stamp=stamp or utcnow(), ctx=ctx)
    if method == "CANCEL":
        event["STATUS"] = "CANCELLED"  # RFC 5546 3.2.5: a CANCEL of the whole event
    event.add("attendee", f"mailto:{invitation.email}", parameters={
        "CN": invitation.name, "CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT",
        "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE" if method == "REQUEST" else "FALSE",
    })
    return to_bytes(new_calendar(name=meeting.group.name, method=method), [event])


# ---- sending -----------------------------------------------------------------------------------------


def reply_token(invitation: MeetingInvitation, answer: str) -> str:
    """The signed one-click reply token for an invitation and an answer (see `open_reply_token`)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=REPLY_SALT).dumps(
        {"i": invitation.id, "a": str(answer), "b": _binding(invitation)}
    )


def _binding(invitation: MeetingInvitation) -> str:
    # Ties the token to this meeting and address: a reused row id can never answer for someone else.
    return hashlib.sha256(f"{invitation.meeting.uid}|{invitation.email.lower()}".encode()).hexdigest()[:16]


def open_reply_token(token: str) -> tuple[MeetingInvitation, str]:
    """The invitation and answer of a reply link; InvitationError if the link was altered or is stale."""
    invalid = InvitationError(_("This reply link is not valid. It may have been altered or shortened; "
                                "open it again from the e-mail, or sign in and reply on the meeting page."))
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=REPLY_SALT).loads(token)
    except BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int):
        raise invalid
    invitation = db.session.get(MeetingInvitation, data["i"])
    if invitation is None or data.get("b") != _binding(invitation):
        raise invalid
    if data.get("a") not in {r.value for r in Reply}:
        raise invalid
    return invitation, data["a"]


def _when(meeting: Meeting) -> str:
    tz = ZoneInfo(meeting.timezone or "Europe/Prague")
    starts, ends = meeting.starts_at.astimezone(tz), meeting.ends_at.astimezone(tz)
    text = f"{format_date(starts, 'full')} {format_time(starts, 'short')}–"
    if ends.date() != starts.date():
        text += f"{format_date(ends, 'full')} "
    return text + format_time(ends, "short")


def _locale(invitation: MeetingInvitation) -> str:
    user = invitation.user
    if user is not None and user.locale in current_app.config["LANGUAGES"]:
        return user.locale
    return GUEST_LOCALE


def _queue(meeting: Meeting, invitation: MeetingInvitation, kind: str, *, method: str | None) -> None:
    """Render and queue one e-mail in the invitee's language, with the .ics when `method` is given."""
    locale = _locale(invitation)
    with force_locale(locale):
        when = _when(meeting)
        short_when = format_date(meeting.starts_at.astimezone(ZoneInfo(meeting.timezone or "Europe/Prague")),
                                 "medium")
        # Guests and parents get the agenda without the analysis (school names, figures).
        hidden = hidden_agenda_items([meeting], invitation.user)
        ctx = _Context(hidden)
        context = {
            "meeting": meeting,
            "invitation": invitation,
            "kind": kind,
            "when": when,
            "location": location_text(meeting),
            "agenda": agenda_lines(meeting, ctx),
            "meeting_url": ctx.meeting_url(meeting),
            "ics_url": external_url("calendar.meeting_ics", meeting_id=meeting.id),
            "google_url": google_url(meeting, hidden),
            "outlook_url": outlook_url(meeting, hidden),
            "reply_links": [] if kind == "cancelled" else [
                (str(label), external_url("rsvp.reply_link", token=reply_token(invitation, answer)))
                for answer, label in ANSWER_LABELS.items()
            ],
            "response_label": str(ANSWER_LABELS[invitation.response]) if invitation.response else None,
            "group_name": meeting.group.name,
        }
        attachments = []
        if method is not None:
            attachments.append({
                "filename": "cancel.ics" if method == "CANCEL" else "invite.ics",
                "content_type": f"text/calendar; method={method}; charset=UTF-8",
                "data": invitation_ics(meeting, invitation, method, ctx=ctx) if method != "PUBLISH"
                else to_bytes(new_calendar(name=meeting.group.name, method="PUBLISH"),
                              [build_meeting_event(meeting, ctx=ctx)]),
            })
    template = {"invitation": "meeting_invitation", "update": "meeting_invitation",
                "cancelled": "meeting_cancelled", "reminder": "meeting_reminder"}[kind]
    queue_mail([invitation.email], _subject(kind, meeting.title, short_when), template, locale=locale,
               attachments=attachments, **context)


def _subject(kind: str, title: str, when: str):
    """A lazy subject: queue_mail translates it in the recipient's language."""
    if kind == "update":
        return _l("Changed: %(title)s, %(when)s", title=title, when=when)
    if kind == "cancelled":
        return _l("Cancelled: %(title)s, %(when)s", title=title, when=when)
    if kind == "reminder":
        return _l("Reminder: %(title)s, %(when)s", title=title, when=when)
    return _l("Invitation: %(title)s, %(when)s", title=title, when=when)


def _mark_sent(meeting: Meeting, invitation: MeetingInvitation, now: datetime) -> None:
    invitation.sent_sequence = meeting.sequence or 0
    invitation.sent_at = now


def send_invitations(meeting: Meeting, *, actor: User | None, guests: Iterable = ()) -> int:
    """Invite the active members of the participating groups (on the meeting's date) and the given guests
    (mappings or objects with name, email, organisation, category). Only people who have not received the
    meeting's current SEQUENCE are e-mailed, so sending again reaches just the newcomers. Returns how many
    e-mails were queued."""
    if meeting.status == MeetingStatus.CANCELLED:
        raise InvitationError(_("The meeting is cancelled; invitations cannot be sent."))
    for guest in guests:
        email = (_guest_value(guest, "email") or "").strip().lower()
        if email and _find(meeting, email) is not None:
            continue
        add_guest(meeting, name=_guest_value(guest, "name"), email=email,
                  organisation=_guest_value(guest, "organisation"), category=_guest_value(guest, "category"),
                  actor=actor)
    ensure_member_invitations(meeting)
    now = utcnow()
    sequence = meeting.sequence or 0
    count = 0
    for invitation in sorted(meeting.invitations, key=lambda i: i.id):
        if not _outdated(meeting, invitation):
            continue
        _queue(meeting, invitation, "update" if invitation.sent_at else "invitation", method="REQUEST")
        _mark_sent(meeting, invitation, now)
        count += 1
    db.session.flush()
    if count:
        audit.record("meeting.invitations_sent", meeting, actor=actor,
                     territory_id=meeting.group.territory_id, count=count, sequence=sequence)
    return count


def _invited(meeting: Meeting) -> list[MeetingInvitation]:
    return sorted((i for i in meeting.invitations if i.sent_at is not None), key=lambda i: i.id)


def notify_update(meeting: Meeting, *, actor: User | None) -> int:
    """E-mail the changed meeting (REQUEST, the current SEQUENCE) to everyone already invited. Call it after
    raising `meeting.sequence`. A cancelled meeting gets `notify_cancellation` instead."""
    if meeting.status == MeetingStatus.CANCELLED:
        return notify_cancellation(meeting, actor=actor)
    now = utcnow()
    invited = _invited(meeting)
    for invitation in invited:
        _queue(meeting, invitation, "update", method="REQUEST")
        _mark_sent(meeting, invitation, now)
    db.session.flush()
    if invited:
        audit.record("meeting.update_sent", meeting, actor=actor, territory_id=meeting.group.territory_id,
                     count=len(invited), sequence=meeting.sequence)
    return len(invited)


def notify_cancellation(meeting: Meeting, *, actor: User | None) -> int:
    """E-mail the cancellation (METHOD:CANCEL, STATUS:CANCELLED) to everyone already invited."""
    now = utcnow()
    invited = _invited(meeting)
    for invitation in invited:
        _queue(meeting, invitation, "cancelled", method="CANCEL")
        _mark_sent(meeting, invitation, now)
    db.session.flush()
    if invited:
        audit.record("meeting.cancellation_sent", meeting, actor=actor,
                     territory_id=meeting.group.territory_id, count=len(invited), sequence=meeting.sequence)
    return len(invited)


# ---- replies -----------------------------------------------------------------------------------------


def record_reply(invitation: MeetingInvitation, answer: str, *, actor: User | None = None) -> None:
    """Record attending / not attending / maybe. Refused for a cancelled or finished meeting."""
    if answer not in {r.value for r in Reply}:
        raise InvitationError(_("Choose whether you will attend."))
    meeting = invitation.meeting
    if meeting.status == MeetingStatus.CANCELLED:
        raise InvitationError(_("The meeting has been cancelled."))
    if meeting.ends_at <= utcnow():
        raise InvitationError(_("The meeting is over; replies are closed."))
    invitation.response = answer
    invitation.responded_at = utcnow()
    db.session.flush()
    audit.record("meeting.reply", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 invitation_id=invitation.id, response=answer)


def invitation_for(meeting: Meeting, user: User, *, create: bool = False) -> MeetingInvitation | None:
    """The user's invitation to the meeting (by account, else by address); with `create`, an active
    member of a participating group who was not invited gets one (unsent) so they can reply."""
    for invitation in meeting.invitations:
        if invitation.user_id == user.id:
            return invitation
    found = _find(meeting, user.email)
    if found is not None or not create:
        return found
    on = meeting_day(meeting)
    for group in _participating_groups(meeting):
        membership = groups.membership_of(user, group, on) or groups.membership_of(user, group, clock.today())
        if membership is not None:
            invitation = MeetingInvitation(
                user=user, user_id=user.id, email=user.email.lower(), name=user.name,
                organisation=membership.organisation or user.organisation, category=membership.category,
            )
            meeting.invitations.append(invitation)
            db.session.flush()
            return invitation
    return None


# ---- reminders ---------------------------------------------------------------------------------------


def due_reminders(now: datetime) -> list[Meeting]:
    """Planned meetings starting within their `reminder_days` from `now` that have had no reminder."""
    longest = db.session.scalar(select(func.max(Meeting.reminder_days))) or 0
    if longest <= 0:
        return []
    candidates = db.session.scalars(
        select(Meeting).where(
            Meeting.status == MeetingStatus.PLANNED.value,
            Meeting.reminder_sent_at.is_(None),
            Meeting.reminder_days > 0,
            Meeting.starts_at > now,
            Meeting.starts_at <= now + timedelta(days=longest),
        ).order_by(Meeting.starts_at, Meeting.id)
    )
    return [m for m in candidates if m.starts_at <= now + timedelta(days=m.reminder_days)]


def send_due_reminders(now: datetime | None = None) -> int:
    """Queue the reminder of every due meeting (see `due_reminders`) to the invited people who did not
    decline (or, when no invitations were sent, to the active members). Each meeting is claimed by a
    conditional UPDATE of `reminder_sent_at`, so runs that overlap never remind twice. Returns the number of
    e-mails queued; the caller commits."""
    now = now or utcnow()
    count = 0
    for meeting in due_reminders(now):
        claimed = db.session.execute(
            update(Meeting).where(Meeting.id == meeting.id, Meeting.reminder_sent_at.is_(None))
            .values(reminder_sent_at=now, updated_at=Meeting.updated_at)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        db.session.refresh(meeting, ["reminder_sent_at"])
        invited = _invited(meeting)
        if not invited:
            ensure_member_invitations(meeting)
            invited = sorted(meeting.invitations, key=lambda i: i.id)
        recipients = [i for i in invited if i.response != Reply.NOT_ATTENDING.value]
        for invitation in recipients:
            _queue(meeting, invitation, "reminder", method="PUBLISH")
        count += len(recipients)
        audit.record("meeting.reminder_sent", meeting, actor=None, territory_id=meeting.group.territory_id,
                     count=len(recipients))
    db.session.flush()
    return count
