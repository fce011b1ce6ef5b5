"""Consultations, the participants' side: parents answer on short addresses made for phones (`/k/<key>`,
key = the consultation's random `link_key`), see, change (while open) and delete their own answer, and read
the privacy notice.

Access: `token_link` (the key in the address is the secret); who may answer is decided by
`portal.consultations.access` through `answering.may_answer`: invited people signed in, anyone signed in for
link/public consultations, and visitors without an account where an anonymous consultation allows it.

Visitors without an account (anonymous consultations only): one answer per browser (a random id in a
long-lived HttpOnly cookie; only its keyed hash is stored), a honeypot field, a minimum fill time measured
from a signed moment in the form (which also carries the browser id the form was shown to: a new answer is
stored under that id, so one displayed form stores at most one answer however often it is replayed), and
a limit of stored answers per network and consultation (the project's limiter storage, keyed by a keyed
hash of the address, an IPv6 /64 as one network; only answers being stored count, so a parent correcting a
form is not counted).
"""

from __future__ import annotations

import logging
import re
import secrets

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError

from portal.blueprints.consultations import bp
from portal.blueprints.consultations.answer_forms import (
    SCALE_LABELS,
    answer_form,
    form_shown,
    form_values,
    started_token,
)
from portal.consultations import access, answering
from portal.consultations.answering import AlreadyAnswered, AnswerError, Respondent
from portal.extensions import client_network, db, limiter
from portal.forms_kit import ConfirmForm, conflict
from portal.models.consultations import Consultation, Question, QuestionKind
from portal.security import token_link
from portal.versioning import STALE_ERRORS

log = logging.getLogger(__name__)

BROWSER_COOKIE = "consultation_browser"
BROWSER_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{32,64}")
RATE_SCOPE = "consultation-answer"
PARTICIPANT_PAGES = frozenset({"consultations.answer", "consultations.thanks", "consultations.my_answer",
                               "consultations.delete_answer", "consultations.privacy"})


# ---- lookups -----------------------------------------------------------------------------------------


def _consultation(key: str) -> Consultation:
    if len(key) > 64:
        abort(404)
    consultation = db.session.scalar(
        select(Consultation).where(Consultation.link_key == key)
        .options(joinedload(Consultation.group),
                 selectinload(Consultation.questions).selectinload(Question.options))
    )
    if consultation is None:
        abort(404)
    return consultation


def _browser_id() -> str | None:
    value = request.cookies.get(BROWSER_COOKIE, "")
    return value if _BROWSER_ID.fullmatch(value) else None


def _respondent() -> Respondent:
    """The signed-in person, or this browser (its id from the cookie, if it has one)."""
    if current_user.is_authenticated:
        return Respondent(user=current_user._get_current_object())
    return Respondent(browser_id=_browser_id())


def _url(endpoint: str, **values) -> str | None:
    """A link to another part of the portal, or None while that part is not installed."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _moment(value) -> str:
    """"10. prosince 2026 8:59" (Prague time): fits after "do" and "se otevře" in Czech, unlike a weekday."""
    return f"{format_date(value, 'long')} {format_time(value, 'short')}"


def _page(consultation: Consultation, respondent: Respondent) -> dict:
    """What every participant page shows about the consultation."""
    return {
        "consultation": consultation,
        "state": access.state(consultation),
        "signed_in": respondent.signed_in,
        "paragraphs": [p.strip() for p in re.split(r"\n\s*\n", consultation.introduction or "") if p.strip()],
        "opens": _moment(consultation.opens_at),
        "closes": _moment(consultation.closes_at),
        "retention_months": current_app.config["CONSULTATIONS_PARENT_RETENTION_MONTHS"],
        "mine_url": _url("consultations.mine") if respondent.signed_in else None,
    }


def _notice(consultation: Consultation, respondent: Respondent, kind: str, status: int = 200):
    """A page instead of the questionnaire: not open yet, closed, sign in first, or not invited."""
    own = answering.own_response(consultation, respondent)
    sign_in_url = _url("auth.request_link", next=url_for("consultations.answer", key=consultation.link_key))
    return render_template("consultations/answer_notice.html", kind=kind, own=own, sign_in_url=sign_in_url,
                           **_page(consultation, respondent)), status


def _refusal(consultation: Consultation, respondent: Respondent):
    """The open consultation's page for someone who may not answer it. It never says who is invited."""
    if not respondent.signed_in:
        return _notice(consultation, respondent, "sign_in")
    return _notice(consultation, respondent, "not_invited", 403)


# ---- the questionnaire -------------------------------------------------------------------------------


def _render_form(consultation: Consultation, respondent: Respondent, form, *, own=None, preview=False,
                 conflict_values=None, status: int = 200):
    if not respondent.signed_in and not preview and not form.started.data:
        form.started.data = started_token(consultation, respondent.browser_id or secrets.token_urlsafe(32))
    return render_template(
        "consultations/answer_form.html", form=form, own=own, preview=preview, conflict=conflict_values,
        anti_spam=not respondent.signed_in and not preview, kinds=QuestionKind,
        **_page(consultation, respondent),
    ), status


def _spam_refusal(consultation: Consultation, form, respondent: Respondent) -> tuple[str | None, str | None]:
    """(Why a visitor's form is refused as possibly automated (kept for them to send again), None), or
    (None, the browser id the form was shown to: a new answer is stored under it, so that one displayed
    form, replayed without the cookie or with a forged one, stores at most one answer)."""
    if (form.website.data or "").strip():
        return _("The form could not be sent: the field “Leave this field empty” must stay empty. Empty it "
                 "and send the form again."), None
    shown = form_shown(consultation, form.started.data)
    if shown is None or not _BROWSER_ID.fullmatch(shown[1]):
        form.started.data = started_token(consultation, respondent.browser_id or secrets.token_urlsafe(32))
        return _("The form was incomplete. Check your answers and send it again."), None
    elapsed, browser_id = shown
    if elapsed < current_app.config["CONSULTATIONS_MIN_FILL_SECONDS"]:
        return _("The form was sent too quickly after it opened. Check your answers and send it again."), None
    return None, browser_id


def _within_network_limit(consultation: Consultation) -> bool:
    """Count one stored answer from this network for this consultation; False when over the limit. Storage
    trouble lets the answer through (like the project's other limits, RATELIMIT_SWALLOW_ERRORS)."""
    limit = parse(current_app.config["CONSULTATIONS_ANSWER_LIMIT_PER_IP"])
    try:
        return limiter.limiter.hit(limit, RATE_SCOPE, consultation.link_key,
                                   answering.network_key(client_network()))
    except Exception:  # noqa: BLE001 - a rate limit store being down must not lose a parent's answer
        log.warning("consultation answer rate limit unavailable; answer let through")
        return True


def _already_saved(consultation: Consultation):
    flash(_("Your answer had already been saved; nothing new was stored. Here it is."), "info")
    return redirect(url_for("consultations.my_answer", key=consultation.link_key))


def _set_browser_cookie(response, browser_id: str) -> None:
    response.set_cookie(BROWSER_COOKIE, browser_id, max_age=BROWSER_COOKIE_MAX_AGE, httponly=True,
                        samesite="Lax", secure=request.is_secure, path="/k/")


@bp.after_request
def _private(response):
    """The participants' pages carry this browser's signed id and its answers: never kept by a cache."""
    if request.endpoint in PARTICIPANT_PAGES:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/k/<key>", methods=["GET", "POST"])
@token_link
def answer(key: str):
    """The introduction and the questionnaire (pre-filled to change one's answer while open)."""
    consultation = _consultation(key)
    respondent = _respondent()
    state = access.state(consultation)
    allowed = answering.may_answer(consultation, respondent)
    if request.method == "GET":
        if state != access.OPEN:
            return _notice(consultation, respondent, state)
        if not allowed:
            if access.can_manage(current_user, consultation):
                return _render_form(consultation, respondent, answer_form(consultation), preview=True)
            return _refusal(consultation, respondent)
        own = answering.own_response(consultation, respondent)
        if own is None:
            new_browser_id = None
            if not respondent.signed_in and respondent.browser_id is None:
                # Given with the form (in the cookie and in the signed display moment), so that a form sent
                # twice at once (a double click) carries one browser id and stores one answer.
                new_browser_id = secrets.token_urlsafe(32)
                respondent = Respondent(browser_id=new_browser_id)
            page = make_response(_render_form(consultation, respondent, answer_form(consultation)))
            if new_browser_id:
                _set_browser_cookie(page, new_browser_id)
            return page
        values = answering.stored_values(consultation, own)
        return _render_form(consultation, respondent, answer_form(consultation, values=values,
                                                                  version=own.version), own=own)

    if not allowed:
        if state != access.OPEN:
            return _notice(consultation, respondent, state)
        return _refusal(consultation, respondent)
    form = answer_form(consultation)
    own = answering.own_response(consultation, respondent)
    if not form.validate_on_submit():
        return _render_form(consultation, respondent, form, own=own)
    values = form_values(consultation, form)
    if own is not None:
        # Changing an existing answer adds nothing: the anti-spam checks guard new answers only.
        return _change(consultation, respondent, form, own, values)
    new_browser_id = None
    if not respondent.signed_in:
        reason, shown_to = _spam_refusal(consultation, form, respondent)
        if reason:
            flash(reason, "error")
            return _render_form(consultation, respondent, form)
        # A new answer belongs to the browser the form was shown to (a browser refusing cookies included).
        if shown_to != respondent.browser_id:
            new_browser_id = shown_to
        respondent = Respondent(browser_id=shown_to)
    if not respondent.signed_in and not _within_network_limit(consultation):
        flash(_("Too many answers have come from your network to this consultation in the last hour. Your "
                "answers are still in the form: please send it again later."), "error")
        return _render_form(consultation, respondent, form, status=429)
    try:
        answering.submit(consultation, values, respondent=respondent)
        db.session.flush()
    except AlreadyAnswered:
        # Stored before under the browser id this form was shown to. Its cookie is not handed out here: a
        # form sent without it (or with another one) may be a copy of someone else's form.
        db.session.rollback()
        return _already_saved(consultation)
    except AnswerError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _refused_now(consultation, respondent, form)
    except IntegrityError:
        # A double submit: the other request stored this respondent's response first.
        db.session.rollback()
        if answering.own_response(consultation, respondent) is None:
            raise
        return _already_saved(consultation)
    db.session.commit()
    flash(_("Thank you, your answer has been saved."), "success")
    response = redirect(url_for("consultations.thanks", key=key))
    if new_browser_id:
        _set_browser_cookie(response, new_browser_id)
    return response


def _refused_now(consultation: Consultation, respondent: Respondent, form):
    """A refusal from inside the transaction (closed meanwhile, not open yet, an invalid answer)."""
    state = access.state(consultation)
    if state != access.OPEN:
        return _notice(consultation, respondent, state, 409)
    return _render_form(consultation, respondent, form, status=409)


def _change(consultation: Consultation, respondent: Respondent, form, own, values):
    """Replace one's answers (optimistic lock on the response's version)."""
    if form.version.data is None:
        # The first-answer form sent again (a double click, Back and send): one response is kept.
        return _already_saved(consultation)
    if answering.unchanged(consultation, own, values):
        # The change form sent twice, or sent without changes: nothing to do, and no conflict to show.
        db.session.rollback()
        flash(_("Your answer has been saved."), "success")
        return redirect(url_for("consultations.thanks", key=consultation.link_key))
    try:
        answering.change(consultation, own, values, respondent=respondent, seen_version=form.version.data)
        db.session.commit()
    except STALE_ERRORS:
        def current():
            db.session.expire_all()
            stored = answering.own_response(consultation, respondent)
            if stored is None:
                return None, answer_form(consultation, from_request=False)
            values = answering.stored_values(consultation, stored)
            return stored.version, answer_form(consultation, values=values, version=stored.version,
                                               from_request=False)

        message = _("Your answer was changed meanwhile (in another tab or window), so this change has not "
                    "been saved. The saved answer is shown below; your version is still in the form. Check "
                    "it and send it again.")
        values_shown = conflict(form, current, first=tuple(f.name for f in form.question_fields()),
                                message=message)
        # Only the questions: not the anti-spam field nobody is meant to see.
        questions = {str(f.label.text) for f in form.question_fields()}
        values_shown = [row for row in values_shown if row[0] in questions]
        own = answering.own_response(consultation, respondent)
        return _render_form(consultation, respondent, form, own=own, conflict_values=values_shown, status=409)
    except AnswerError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _refused_now(consultation, respondent, form)
    flash(_("Your changed answer has been saved."), "success")
    return redirect(url_for("consultations.thanks", key=consultation.link_key))


# ---- after answering ---------------------------------------------------------------------------------


@bp.get("/k/<key>/thanks")
@token_link
def thanks(key: str):
    """The confirmation: what happens next, and how to change or delete the answer."""
    consultation = _consultation(key)
    respondent = _respondent()
    own = answering.own_response(consultation, respondent)
    if own is None:
        return redirect(url_for("consultations.answer", key=key))
    return render_template("consultations/answer_thanks.html", own=own, **_page(consultation, respondent))


@bp.get("/k/<key>/my-answer")
@token_link
def my_answer(key: str):
    """What the person (or this browser) answered, with "Change" while open and "Delete"."""
    consultation = _consultation(key)
    respondent = _respondent()
    own = answering.own_response(consultation, respondent)
    rows = []
    if own is not None:
        values = answering.stored_values(consultation, own)
        for question in consultation.questions:
            value = values.get(question.id)
            labels = {o.id: o.label for o in question.options}
            if value is None:
                shown = []
            elif question.kind == QuestionKind.MULTIPLE:
                shown = [labels.get(v, "") for v in value]
            elif question.kind == QuestionKind.SINGLE:
                shown = [labels.get(value, "")]
            elif question.kind == QuestionKind.SCALE:
                shown = [str(SCALE_LABELS.get(value, value))]
            else:
                shown = [value]
            rows.append((question, shown))
    may_change = own is not None and access.state(consultation) == access.OPEN and answering.may_answer(
        consultation, respondent)
    return render_template("consultations/answer_mine.html", own=own, rows=rows, may_change=may_change,
                           **_page(consultation, respondent))


@bp.route("/k/<key>/my-answer/delete", methods=["GET", "POST"])
@token_link
def delete_answer(key: str):
    """Delete one's own answer, after a confirmation page."""
    consultation = _consultation(key)
    respondent = _respondent()
    own = answering.own_response(consultation, respondent)
    if own is None:
        flash(_("There is no answer of yours to delete."), "info")
        return redirect(url_for("consultations.my_answer", key=key))
    form = ConfirmForm()
    if form.validate_on_submit():
        answering.remove(consultation, own, respondent=respondent)
        db.session.commit()
        flash(_("Your answer has been deleted."), "success")
        return redirect(url_for("consultations.answer", key=key))
    return render_template("consultations/answer_delete.html", form=form, own=own,
                           **_page(consultation, respondent))


@bp.get("/k/<key>/privacy")
@token_link
def privacy(key: str):
    """What is kept about the answers, for how long, and who sees them."""
    consultation = _consultation(key)
    return render_template("consultations/answer_privacy.html", **_page(consultation, _respondent()))
