"""Invitations and replies: the coordinator's invitation page, replies by signed-in people and by the
one-click links in the e-mail.

Access: `rsvp.manage`, `rsvp.add_guest`, `rsvp.send` are `members` with the object check
`is_group_coordinator` of the organising group (403 otherwise); `rsvp.reply` is `signed_in` (invitees and
members of a participating group). A meeting the person may not see answers 404 everywhere, as a missing
one. `rsvp.reply_link` is a `token_link`: GET only shows a confirmation (so mail scanners that follow links
answer nothing), POST records the reply; an altered link answers 400.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import web
from portal.blueprints.errors import render_error
from portal.blueprints.main.routes import safe_next
from portal.blueprints.rsvp import bp
from portal.blueprints.rsvp.forms import GuestForm, ReplyForm
from portal.extensions import db
from portal.forms_kit import ConfirmForm
from portal.groups.balance import CATEGORY_LABELS
from portal.meetings import invitations as service
from portal.models.base import utcnow
from portal.models.meetings import Meeting, MeetingInvitation, MeetingStatus, Reply
from portal.security import members, signed_in, token_link


def _back(meeting: Meeting) -> str:
    if "meetings.show" in current_app.view_functions:
        return url_for("meetings.show", meeting_id=meeting.id)
    return url_for("rsvp.manage", meeting_id=meeting.id)


def _summary(invitations: list[MeetingInvitation]) -> dict:
    counts = {answer.value: 0 for answer in Reply}
    counts["none"] = 0
    for invitation in invitations:
        counts[invitation.response or "none"] += 1
    return counts


@bp.get("/meetings/<int:meeting_id>/invitations")
@members
def manage(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    invitations = sorted(meeting.invitations, key=lambda i: (i.is_guest, i.name.lower(), i.id))
    return render_template(
        "rsvp/manage.html", meeting=meeting, invitations=invitations, summary=_summary(invitations),
        form=GuestForm(), answer_labels=service.ANSWER_LABELS, category_labels=CATEGORY_LABELS,
        unsent=service.pending_count(meeting),
        cancelled=meeting.status == MeetingStatus.CANCELLED,
    )


@bp.post("/meetings/<int:meeting_id>/invitations/guests")
@members
def add_guest(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    form = GuestForm()
    if form.validate_on_submit():
        web.commit_or_explain(
            lambda: service.add_guest(meeting, name=form.name.data, email=form.email.data,
                                      organisation=form.organisation.data,
                                      category=form.category.data or None, actor=current_user),
            service.InvitationError, done=_("The guest has been added. Send the invitations to e-mail them."))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for("rsvp.manage", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/invitations/send", methods=["GET", "POST"])
@members
def send(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        web.commit_or_explain(
            lambda: service.send_invitations(meeting, actor=current_user), service.InvitationError,
            done=lambda count: _("%(count)s invitations have been sent.", count=count) if count
            else _("Everyone has already received the current invitation."))
        return redirect(url_for("rsvp.manage", meeting_id=meeting.id))
    return render_template("rsvp/send.html", meeting=meeting, form=form,
                           recipients=service.pending_count(meeting))


@bp.post("/meetings/<int:meeting_id>/reply")
@signed_in
def reply(meeting_id: int):
    meeting = web.visible_meeting(meeting_id)
    form = ReplyForm()
    back = safe_next(request.form.get("next"), _back(meeting))
    if not form.validate_on_submit():
        flash(_("Choose whether you will attend."), "error")
        return redirect(back)
    invitation = service.invitation_for(meeting, current_user, create=True)
    if invitation is None:
        db.session.rollback()
        abort(403)
    label = service.ANSWER_LABELS[form.answer.data]
    web.commit_or_explain(lambda: service.record_reply(invitation, form.answer.data, actor=current_user),
                          service.InvitationError,
                          done=_("Thank you, your reply has been saved: %(answer)s.", answer=label))
    return redirect(back)


@bp.route("/rsvp/<token>", methods=["GET", "POST"])
@token_link
def reply_link(token: str):
    try:
        invitation, answer = service.open_reply_token(token)
    except service.InvitationError as error:
        return render_error(400, str(error))
    meeting = invitation.meeting
    closed = None
    if meeting.status == MeetingStatus.CANCELLED:
        closed = _("The meeting has been cancelled.")
    elif meeting.ends_at <= utcnow():
        closed = _("The meeting is over; replies are closed.")
    form = ConfirmForm()
    if closed is None and form.validate_on_submit():
        try:
            service.record_reply(invitation, answer)
        except service.InvitationError as error:
            db.session.rollback()
            closed = str(error)
        else:
            db.session.commit()
            return render_template("rsvp/reply_link.html", meeting=meeting, invitation=invitation,
                                   answer=answer, answer_labels=service.ANSWER_LABELS, done=True, form=form,
                                   other_links={})
    others = {a: url_for("rsvp.reply_link", token=service.reply_token(invitation, a))
              for a in service.ANSWER_LABELS if a != answer}
    return render_template("rsvp/reply_link.html", meeting=meeting, invitation=invitation, answer=answer,
                           answer_labels=service.ANSWER_LABELS, done=False, closed=closed, form=form,
                           other_links=others), (410 if closed else 200)
