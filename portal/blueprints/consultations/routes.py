"""Consultations, the coordinators' side: a person's consultations, a group's list, creating, editing and
deleting a consultation, and its questionnaire editor (add, edit, delete, move questions).

Access: `mine` is for any signed-in account (a parent's home after signing in); `group_list` is public
with the group's visibility on top (a non-public group answers 404) and lists only the public
consultations to those who do not manage the group; the managing pages are `members` pages with
`access.can_manage` on top: others who may see the group get 403, the rest 404.

Edit forms carry the version the user saw (a 409 with the stored values beside the kept input), creation
forms a one-time token. The questionnaire is locked once the first answer has arrived (services).
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock, forms_kit, web
from portal.blueprints.consultations import bp
from portal.blueprints.consultations.manage_forms import (
    ANONYMOUS,
    NAMED,
    ConsultationForm,
    DeleteConsultationForm,
    QuestionForm,
)
from portal.consultations import access, listing, reads, services
from portal.consultations.services import ConsultationData, ConsultationError, QuestionData
from portal.extensions import db
from portal.forms_kit import ConfirmForm
from portal.groups.services import viewer_of
from portal.models.consultations import Consultation, Question
from portal.models.documents import DocumentVersion
from portal.models.proposals import Proposal
from portal.rounds import local_label
from portal.security import members, public, signed_in
from portal.versioning import STALE_ERRORS

# ---- lookups and helpers -----------------------------------------------------------------------------


def _managed(consultation_id: int) -> Consultation:
    """The consultation, when the current user manages its group; 403 for those who see the group, else
    404."""
    consultation = db.get_or_404(Consultation, consultation_id)
    if not access.can_manage(current_user, consultation):
        abort(403 if viewer_of(current_user, consultation.group, clock.today()) is not None else 404)
    return consultation


def _question(consultation: Consultation, question_id: int) -> Question:
    question = db.get_or_404(Question, question_id)
    if question.consultation_id != consultation.id:
        abort(404)
    return question



def _labels() -> dict:
    return {"state_labels": access.STATE_LABELS, "audience_labels": services.AUDIENCE_LABELS,
            "kind_labels": services.KIND_LABELS, "when": local_label}


# ---- lists -------------------------------------------------------------------------------------------


@bp.get("/consultations")
@signed_in
def mine():
    """The signed-in person's consultations: those they manage, are invited to or have answered."""
    today = clock.today()
    page = db.paginate(listing.mine_query(current_user, today), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    items = list(page.items)
    relations = listing.relations(current_user, items, today)
    managed_ids = [c.id for c in items if listing.MANAGES in relations[c.id]]
    return render_template(
        "consultations/manage_mine.html", page=page, items=items, relations=relations,
        states={c.id: access.state(c) for c in items}, respondents=reads.respondent_counts(managed_ids),
        MANAGES=listing.MANAGES, INVITED=listing.INVITED, ANSWERED=listing.ANSWERED, **_labels(),
    )


@bp.get("/groups/<int:group_id>/consultations")
@public
def group_list(group_id: int):
    group, viewer = web.visible_group(group_id)
    page = db.paginate(listing.group_query(group, manages=viewer.manages),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    items = list(page.items)
    return render_template(
        "consultations/manage_group_list.html", group=group, viewer=viewer, page=page, items=items,
        states={c.id: access.state(c) for c in items},
        respondents=reads.respondent_counts([c.id for c in items]) if viewer.manages else {},
        **_labels(),
    )


# ---- a consultation ----------------------------------------------------------------------------------


def _subject_choices(form: ConsultationForm, group, consultation: Consultation | None = None) -> None:
    versions, proposals = listing.recent_subjects(
        group, keep_version=consultation.document_version_id if consultation else None,
        keep_proposal=consultation.proposal_id if consultation else None)
    # The empty choice's value is "" (a None value would be rendered and sent back as "None").
    form.document_version_id.choices = [("", _("— no document —"))] + [
        (vid, f"{title} v{number}") for vid, title, number in versions]
    form.proposal_id.choices = [("", _("— no proposal —"))] + [(pid, title) for pid, title in proposals]


def _data(form: ConsultationForm) -> ConsultationData:
    return ConsultationData(
        title=form.title.data, introduction=form.introduction.data,
        opens_local=form.opens_local.data, closes_local=form.closes_local.data,
        audience=form.audience.data, anonymous=form.results.data == ANONYMOUS,
        allow_without_account=bool(form.allow_without_account.data),
        document_version_id=form.document_version_id.data, proposal_id=form.proposal_id.data,
    )


def _fill(form: ConsultationForm, consultation: Consultation) -> ConsultationForm:
    """The stored values that the form's fields do not read from the record themselves."""
    form.opens_local.data = services.local(consultation.opens_at).replace(tzinfo=None)
    form.closes_local.data = services.local(consultation.closes_at).replace(tzinfo=None)
    form.results.data = ANONYMOUS if consultation.anonymous else NAMED
    form.document_version_id.data = consultation.document_version_id
    form.proposal_id.data = consultation.proposal_id
    return form


@bp.route("/groups/<int:group_id>/consultations/new", methods=["GET", "POST"])
@members
def new(group_id: int):
    group = web.managed_group(group_id)
    form = ConsultationForm()
    del form.version
    _subject_choices(form, group)
    if request.method == "GET":
        start = (clock.now() + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
        form.opens_local.data = start.replace(tzinfo=None)
        form.closes_local.data = (start + timedelta(days=14)).replace(hour=20, tzinfo=None)
    if form.validate_on_submit():
        done = forms_kit.create_once(
            form, fallback=url_for("consultations.group_list", group_id=group.id), refusal=ConsultationError,
            create=lambda: services.create_consultation(group, _data(form), actor=current_user),
            url_of=lambda c: url_for("consultations.detail", consultation_id=c.id),
            message=_("The consultation has been saved. Now add its questions."))
        if done:
            return done
    status = 422 if request.method == "POST" else 200
    return render_template("consultations/manage_form.html", form=form, group=group, consultation=None,
                           locked_results=False, **_labels()), status


@bp.get("/consultations/<int:consultation_id>")
@members
def detail(consultation_id: int):
    """The managers' overview: state, times, audience, the link to share, counts and the questionnaire."""
    consultation = _managed(consultation_id)
    ids = [consultation.id]
    return render_template(
        "consultations/manage_detail.html", consultation=consultation, group=consultation.group,
        state=access.state(consultation), questions=list(consultation.questions),
        respondents=reads.respondent_counts(ids)[consultation.id],
        invited=reads.invitee_counts(ids)[consultation.id],
        share_link=url_for("consultations.answer", key=consultation.link_key, _external=True),
        frozen=consultation.frozen_at is not None,
        consultation_document=(db.session.get(DocumentVersion, consultation.document_version_id)
                               if consultation.document_version_id else None),
        consultation_proposal=(db.session.get(Proposal, consultation.proposal_id)
                               if consultation.proposal_id else None),
        **_labels(),
    )


def _results_locked(consultation: Consultation) -> bool:
    return access.state(consultation) != access.SCHEDULED or services.has_answers(consultation)


@bp.route("/consultations/<int:consultation_id>/edit", methods=["GET", "POST"])
@members
def edit(consultation_id: int):
    consultation = _managed(consultation_id)
    group = consultation.group
    if request.method == "GET" and access.state(consultation) == access.CLOSED:
        flash(_("The consultation has closed and can no longer change."), "error")
        return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    form = ConsultationForm(obj=consultation)
    del form.once
    _subject_choices(form, group, consultation)
    if request.method == "GET":
        _fill(form, consultation)
    locked = _results_locked(consultation)
    if form.validate_on_submit():
        try:
            services.update_consultation(consultation, _data(form), actor=current_user,
                                         seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            def current():
                db.session.refresh(consultation)
                stored = ConsultationForm(formdata=None, obj=consultation)
                _subject_choices(stored, group, consultation)
                return consultation.version, _fill(stored, consultation)

            stored = forms_kit.conflict(form, current, first=("title", "opens_local", "closes_local"))
            return render_template("consultations/manage_form.html", form=form, group=group,
                                   consultation=consultation, conflict=stored, locked_results=locked,
                                   opened=access.state(consultation) != access.SCHEDULED, **_labels()), 409
        except ConsultationError as error:
            forms_kit.refused(form, error)
        else:
            flash(_("The consultation has been saved."), "success")
            return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    status = 422 if request.method == "POST" else 200
    return render_template("consultations/manage_form.html", form=form, group=group,
                           consultation=consultation, locked_results=locked,
                           opened=access.state(consultation) != access.SCHEDULED, **_labels()), status


@bp.route("/consultations/<int:consultation_id>/delete", methods=["GET", "POST"])
@members
def delete(consultation_id: int):
    """Delete, after confirmation; with answers, the person confirms that they are deleted too."""
    consultation = _managed(consultation_id)
    group = consultation.group
    count = services.answer_count(consultation)
    form = DeleteConsultationForm()
    if request.method == "GET":
        form.answers.data = count
    if form.validate_on_submit():
        shown = form.answers.data or 0
        if shown > 0 and not form.understood.data:
            form.understood.errors = [_("Tick this box to delete the answers too, or keep the consultation.")]
        else:
            title = consultation.title
            if web.commit_or_explain(
                lambda: services.delete_consultation(consultation, actor=current_user,
                                                     confirmed_answers=shown),
                ConsultationError,
                done=_("The consultation “%(title)s” has been deleted.", title=title),
            ):
                return redirect(url_for("consultations.group_list", group_id=group.id))
            db.session.refresh(consultation)
            count = services.answer_count(consultation)
            form.answers.data = count
    status = 422 if request.method == "POST" else 200
    return render_template("consultations/manage_delete.html", consultation=consultation, group=group,
                           form=form, count=count, **_labels()), status


# ---- the questionnaire -------------------------------------------------------------------------------


def _question_data(form: QuestionForm) -> QuestionData:
    return QuestionData(kind=form.kind.data, text=form.text.data, help=form.help.data,
                        required=bool(form.required.data), options=services.split_options(form.options.data))


def _frozen_redirect(consultation: Consultation):
    flash(services.frozen_message(), "error")
    return redirect(url_for("consultations.detail", consultation_id=consultation.id))


def _questionnaire_refused(form, error: ConsultationError, consultation: Consultation) -> int:
    """Show the refusal; a frozen questionnaire answers 409 (the form keeps what was typed)."""
    forms_kit.refused(form, error)
    db.session.refresh(consultation)
    return 409 if consultation.frozen_at is not None else 422


@bp.route("/consultations/<int:consultation_id>/questions/new", methods=["GET", "POST"])
@members
def question_new(consultation_id: int):
    consultation = _managed(consultation_id)
    if request.method == "GET" and consultation.frozen_at is not None:
        return _frozen_redirect(consultation)
    form = QuestionForm()
    del form.version
    if request.method == "GET":
        form.kind.data = form.kind.data or "single"
    status = 200
    if form.validate_on_submit():
        back = url_for("consultations.detail", consultation_id=consultation.id)
        if replay := forms_kit.replay(form, back):
            return replay
        try:
            question = services.add_question(consultation, _question_data(form), actor=current_user)
        except ConsultationError as error:
            status = _questionnaire_refused(form, error, consultation)
        else:
            url = url_for("consultations.detail", consultation_id=consultation.id, _anchor=f"q-{question.id}")
            forms_kit.fulfil(form, url)
            db.session.commit()
            flash(_("The question has been added."), "success")
            return redirect(url)
    elif request.method == "POST":
        status = 422
    return render_template("consultations/manage_question.html", form=form, consultation=consultation,
                           question=None, **_labels()), status


def _fill_question(form: QuestionForm, question: Question) -> QuestionForm:
    form.options.data = "\n".join(o.label for o in question.options)
    form.version.data = services.question_version(question)
    return form


@bp.route("/consultations/<int:consultation_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@members
def question_edit(consultation_id: int, question_id: int):
    consultation = _managed(consultation_id)
    question = _question(consultation, question_id)
    if request.method == "GET" and consultation.frozen_at is not None:
        return _frozen_redirect(consultation)
    form = QuestionForm(obj=question)
    del form.once
    if request.method == "GET":
        _fill_question(form, question)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_question(question, _question_data(form), actor=current_user,
                                     seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            def current():
                db.session.refresh(question)
                stored = _fill_question(QuestionForm(formdata=None, obj=question), question)
                return stored.version.data, stored

            stored = forms_kit.conflict(form, current, first=("kind", "text", "help", "options"))
            return render_template("consultations/manage_question.html", form=form, consultation=consultation,
                                   question=question, conflict=stored, **_labels()), 409
        except ConsultationError as error:
            status = _questionnaire_refused(form, error, consultation)
        else:
            flash(_("The question has been saved."), "success")
            return redirect(url_for("consultations.detail", consultation_id=consultation.id,
                                    _anchor=f"q-{question.id}"))
    elif request.method == "POST":
        status = 422
    return render_template("consultations/manage_question.html", form=form, consultation=consultation,
                           question=question, **_labels()), status


@bp.route("/consultations/<int:consultation_id>/questions/<int:question_id>/delete", methods=["GET", "POST"])
@members
def question_delete(consultation_id: int, question_id: int):
    consultation = _managed(consultation_id)
    question = _question(consultation, question_id)
    if request.method == "GET" and consultation.frozen_at is not None:
        return _frozen_redirect(consultation)
    form = ConfirmForm()
    if form.validate_on_submit():
        if web.commit_or_explain(lambda: services.delete_question(question, actor=current_user),
                                 ConsultationError, done=_("The question has been deleted.")):
            return redirect(url_for("consultations.detail", consultation_id=consultation.id))
        return redirect(url_for("consultations.detail", consultation_id=consultation.id))
    return render_template("consultations/manage_question_delete.html", form=form, consultation=consultation,
                           question=question, **_labels())


@bp.post("/consultations/<int:consultation_id>/questions/<int:question_id>/move")
@members
def question_move(consultation_id: int, question_id: int):
    """One place up or down (a button per direction: usable by keyboard, no dragging)."""
    consultation = _managed(consultation_id)
    question = _question(consultation, question_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    direction = request.form.get("direction")
    web.commit_or_explain(lambda: services.move_question(question, direction, actor=current_user),
                          ConsultationError,
                          done=lambda moved: _("The question has been moved.") if moved
                          else _("The question is already at the edge of the questionnaire."))
    return redirect(url_for("consultations.detail", consultation_id=consultation.id,
                            _anchor=f"q-{question_id}"))
