"""Bulk invitations to a consultation (c1): pasting a list of addresses, and the list of invitees.

Access: `members` (a group's coordinators may hold the portal role member), with the object check
`access.can_manage` on top: 403 for those who may see the consultation, 404 for the others.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal import forms_kit
from portal.blueprints.consultations import bp
from portal.blueprints.consultations.invite_forms import InviteForm
from portal.consultations import access, invitations
from portal.extensions import db
from portal.models.consultations import Consultation
from portal.security import members


def _managed(consultation_id: int) -> Consultation:
    consultation = db.get_or_404(Consultation, consultation_id)
    if not access.can_manage(current_user, consultation):
        abort(403 if access.may_see(current_user, consultation) else 404)
    return consultation


def _url(endpoint: str, **values) -> str | None:
    """A link to another part's page, once that part is merged (None until then)."""
    return url_for(endpoint, **values) if endpoint in current_app.view_functions else None


def _page(template: str, consultation: Consultation, status: int = 200, **context):
    return render_template(
        template, consultation=consultation, state=access.state(consultation),
        state_labels=access.STATE_LABELS,
        detail_url=_url("consultations.detail", consultation_id=consultation.id), **context,
    ), status


def _report(outcome: invitations.Outcome) -> None:
    if outcome.invited:
        flash(ngettext("%(num)s invitation has been sent.", "%(num)s invitations have been sent.",
                       outcome.invited), "success")
    else:
        flash(_("No new invitation has been sent."), "info")
    if outcome.already:
        flash(ngettext("%(num)s address was already invited and got nothing new.",
                       "%(num)s addresses were already invited and got nothing new.", outcome.already),
              "info")
    if outcome.duplicates:
        flash(ngettext("%(num)s address was in the list more than once; it was invited once.",
                       "%(num)s addresses were in the list more than once; each was invited once.",
                       outcome.duplicates), "info")
    if outcome.deactivated:
        flash(ngettext("%(num)s address belongs to a deactivated account and was skipped.",
                       "%(num)s addresses belong to deactivated accounts and were skipped.",
                       outcome.deactivated), "warning")


@bp.route("/consultations/<int:consultation_id>/invite", methods=["GET", "POST"])
@members
def invite(consultation_id: int):
    consultation = _managed(consultation_id)
    form = InviteForm()
    listing = url_for("consultations.invitees", consultation_id=consultation.id)
    if form.validate_on_submit():
        parsed = invitations.parse(form.addresses.data)
        if parsed.invalid:
            form.addresses.errors.append(_("Some lines are not e-mail addresses; nothing has been sent."))
            return _page("consultations/invite_form.html", consultation, 422, form=form, bad=parsed.invalid,
                         limit=invitations.max_addresses())
        if replay := forms_kit.replay(form, listing):
            return replay
        try:
            outcome = invitations.invite_list(consultation, parsed, actor=current_user,
                                              locale=str(get_locale()))
            forms_kit.fulfil(form, listing)
            db.session.commit()
        except invitations.InviteError as error:
            db.session.rollback()
            form.addresses.errors.append(str(error))
            return _page("consultations/invite_form.html", consultation, 422, form=form, bad=[],
                         limit=invitations.max_addresses())
        except IntegrityError:
            # Another list with some of these addresses was being sent at the same moment.
            db.session.rollback()
            form.addresses.errors.append(_("Someone was inviting some of these addresses at the same moment. "
                                           "Send the list again: those already invited will be skipped."))
            return _page("consultations/invite_form.html", consultation, 409, form=form, bad=[],
                         limit=invitations.max_addresses())
        _report(outcome)
        return redirect(listing)
    return _page("consultations/invite_form.html", consultation, 422 if form.errors else 200, form=form,
                 bad=[], limit=invitations.max_addresses())


@bp.get("/consultations/<int:consultation_id>/invitees")
@members
def invitees(consultation_id: int):
    consultation = _managed(consultation_id)
    page, answered = invitations.invitees(consultation, page=request.args.get("page", 1, type=int),
                                          per_page=current_app.config["PAGE_SIZE"])
    return _page("consultations/invite_list.html", consultation, page=page, answered=answered)
