"""Results of a consultation: counts and charts, free texts and their tags, exports, who answered.

Who: the consultation's managers (`access.can_manage`: the group's coordinators); the aggregate results
page also the group's members once it has closed (`results.may_see_results` says why). An anonymous
consultation has no respondents page at all (404 even for an administrator), and nothing here shows who
gave an anonymous answer.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired

from portal.blueprints.consultations import bp
from portal.consultations import access, results
from portal.exports import deliver, file_name, register_builder, send, to_csv
from portal.extensions import db
from portal.forms_kit import ConfirmForm, MaxLength
from portal.models.consultations import Consultation
from portal.security import members, signed_in

register_builder("consultations.results", "portal.consultations.results:export_document")

FORMATS = ("csv", "xlsx")


class TagForm(FlaskForm):
    answer = HiddenField()
    label = StringField(_l("Tag"), validators=[InputRequired(message=_l("Enter a tag.")),
                                                MaxLength(results.TAG_MAX)])


def _knows(consultation: Consultation) -> bool:
    """May the current user know that the consultation exists (then a refusal is 403, else 404)?"""
    return access.may_see(current_user, consultation) or results.is_group_member(current_user, consultation)


def _managed(consultation_id: int) -> Consultation:
    consultation = db.get_or_404(Consultation, consultation_id)
    if not access.can_manage(current_user, consultation):
        abort(403 if _knows(consultation) else 404)
    return consultation


class ResultsPending(Exception):
    """An anonymous consultation still open: its answers are not shown yet (reads.results_pending)."""


def _answers_of(consultation_id: int) -> Consultation:
    """A managed consultation whose answers may be read now; else ResultsPending."""
    consultation = _managed(consultation_id)
    if results.reads.results_pending(consultation):
        raise ResultsPending
    return consultation


@bp.errorhandler(ResultsPending)
def _results_pending(_error):
    flash(_("This consultation is anonymous and still open: its answers can be read once it has closed."),
          "error")
    return redirect(url_for("consultations.results", consultation_id=request.view_args["consultation_id"]))


@bp.get("/consultations/<int:consultation_id>/results", endpoint="results")
@signed_in
def results_page(consultation_id: int):
    consultation = db.get_or_404(Consultation, consultation_id)
    if not results.may_see_results(current_user, consultation):
        abort(403 if _knows(consultation) else 404)
    manages = access.can_manage(current_user, consultation)
    pending = results.reads.results_pending(consultation)
    return render_template(
        "consultations/results_show.html",
        consultation=consultation,
        state=access.state(consultation),
        state_labels=access.STATE_LABELS,
        participation=results.participation(consultation),
        questions=[] if pending else results.question_views(consultation),
        results_pending=pending,
        manages=manages,
        small=results.reads.SMALL_COUNT,
    )


def _texts_args() -> dict:
    question = request.values.get("question", type=int)
    tag = results.normalise_tag(request.values.get("tag", "")) or None
    page = request.values.get("page", 1, type=int) or 1
    return {"question": question, "tag": tag, "page": page}


def _render_texts(consultation: Consultation, *, form: TagForm | None = None, failed_ref: str | None = None,
                  status: int = 200):
    args = _texts_args()
    questions = results.text_questions(consultation)
    if args["question"] is not None and args["question"] not in {q.id for q in questions}:
        args["question"] = None
    page = results.text_page(consultation, page=args["page"], per_page=current_app.config["PAGE_SIZE"],
                             question_id=args["question"], tag=args["tag"])
    return render_template(
        "consultations/results_texts.html",
        consultation=consultation,
        page=page,
        questions=questions,
        tags=results.tag_counts(consultation),
        chosen_question=args["question"],
        chosen_tag=args["tag"],
        filters={k: v for k, v in (("question", args["question"]), ("tag", args["tag"])) if v},
        form=form or TagForm(formdata=None),
        failed_ref=failed_ref,
        tag_max=results.TAG_MAX,
    ), status


@bp.get("/consultations/<int:consultation_id>/results/texts")
@members
def texts(consultation_id: int):
    return _render_texts(_answers_of(consultation_id))


def _back_to_texts(consultation: Consultation, ref: str | None):
    args = {k: v for k, v in _texts_args().items() if v}
    return redirect(url_for("consultations.texts", consultation_id=consultation.id, **args)
                    + (f"#answer-{ref}" if ref else ""))


@bp.post("/consultations/<int:consultation_id>/results/texts/tags")
@members
def add_tag(consultation_id: int):
    consultation = _answers_of(consultation_id)
    form = TagForm()
    ref = form.answer.data
    if form.validate_on_submit():
        try:
            label = results.add_tag(consultation, ref, form.label.data, actor=current_user)
        except results.AnswerGone as error:
            db.session.rollback()
            flash(str(error), "error")
            return _back_to_texts(consultation, None)
        except results.TagError as error:
            db.session.rollback()
            form.label.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Tag “%(tag)s” added.", tag=label), "success")
            return _back_to_texts(consultation, ref)
    if not form.label.errors:  # a reference no answer on the page carries
        flash(_("This answer no longer exists; it may have been changed or deleted."), "error")
        return _back_to_texts(consultation, None)
    # The typed tag is kept and the error shown beside the answer it was meant for.
    return _render_texts(consultation, form=form, failed_ref=ref, status=400)


@bp.post("/consultations/<int:consultation_id>/results/texts/tags/remove")
@members
def remove_tag(consultation_id: int):
    consultation = _answers_of(consultation_id)
    form = ConfirmForm()  # the CSRF token; the answer and the tag come as plain fields
    ref = request.form.get("answer", "")
    label = request.form.get("label", "")
    # A tag is a coordinator's note, put back with one click: removing it needs no confirmation page.
    if form.validate_on_submit():
        try:
            removed = results.remove_tag(consultation, ref, label, actor=current_user)
        except results.TagError as error:
            db.session.rollback()
            flash(str(error), "error")
            ref = None
        else:
            db.session.commit()
            if removed:
                flash(_("Tag “%(tag)s” removed.", tag=results.normalise_tag(label)), "success")
    return _back_to_texts(consultation, ref)


@bp.get("/consultations/<int:consultation_id>/results.<fmt>")
@members
def export(consultation_id: int, fmt: str):
    consultation = _answers_of(consultation_id)
    if fmt not in FORMATS:
        abort(404)
    # Managers export names of a named consultation's respondents; an anonymous one has none to export.
    with_names = not consultation.anonymous
    filename = file_name(_("consultation results"), consultation.title, extension=fmt)
    if fmt == "csv":
        header, rows = results.export_table(consultation, with_names=with_names)
        return send(to_csv(header, rows), filename)
    return deliver("consultations.results", {"consultation_id": consultation.id, "with_names": with_names},
                   filename=filename)


@bp.get("/consultations/<int:consultation_id>/respondents")
@members
def respondents(consultation_id: int):
    consultation = db.get_or_404(Consultation, consultation_id)
    if consultation.anonymous:
        abort(404)  # nobody, not even an administrator, learns who answered an anonymous consultation
    consultation = _managed(consultation_id)
    page = db.paginate(results.respondents_query(consultation), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template(
        "consultations/results_respondents.html",
        consultation=consultation,
        page=page,
        deleted=results.deleted_accounts(consultation),
    )
