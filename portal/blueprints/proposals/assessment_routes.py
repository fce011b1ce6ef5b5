"""The equal-access assessment of a proposal: the territory's checklist, assessors, an assessor's answers,
the answers side by side, the verdict, and the printable page and DOCX (issue 11).

Access: the decorators admit the roles; object checks on top (`portal.proposals.assessment_reads.viewer_of`):
the group's members and managers see the submitted answers and the verdict, the proposal's author sees the
verdict, an assessor alone sees and edits their draft (assessors may be parents, hence `signed_in`); others
get 404. Coordinators of the group assign assessors and record the verdict (others who see it get 403).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal import exports, forms_kit, web
from portal.blueprints.proposals import bp
from portal.blueprints.proposals.assessment_forms import (
    AssessorsForm,
    CriteriaForm,
    VerdictForm,
    review_form,
)
from portal.blueprints.proposals.forms import VERDICT_LABELS
from portal.clock import today
from portal.extensions import db
from portal.models.proposals import Proposal
from portal.proposals import assessment as rules
from portal.proposals import assessment_reads as reads
from portal.proposals.assessment import (
    ANSWER_LABELS,
    AnswerData,
    AssessmentError,
    VerdictData,
)
from portal.security import coordinators, members, signed_in
from portal.versioning import STALE_ERRORS


def _seen(proposal_id: int) -> tuple[Proposal, reads.AssessmentViewer]:
    proposal = db.get_or_404(Proposal, proposal_id)
    viewer = reads.viewer_of(current_user, proposal)
    if viewer is None:
        abort(404)
    return proposal, viewer


def _managed(proposal_id: int) -> Proposal:
    proposal, viewer = _seen(proposal_id)
    if not viewer.manages:
        abort(403)
    return proposal


def _page(proposal_id: int) -> str:
    return url_for("proposals.assessment", proposal_id=proposal_id)


@bp.route("/criteria", methods=["GET", "POST"])
@coordinators
def criteria():
    """The checklist of the coordinator's territory; saving makes a new version."""
    territory_id = current_user.territory_id
    if territory_id is None:
        flash(_("Your account belongs to no territory, so it has no checklist to edit."), "error")
        return redirect(url_for("main.index"))
    current = rules.current_criteria(territory_id, actor=current_user)
    form = CriteriaForm()
    if request.method == "GET":
        form.criteria.data = "\n".join(c.text for c in current.criteria)
        form.version.data = current.number
    if form.validate_on_submit():
        try:
            saved = rules.edit_criteria(territory_id, form.criteria.data.splitlines(),
                                        seen_number=form.version.data, actor=current_user)
            db.session.commit()
        except STALE_ERRORS:
            db.session.rollback()
            latest = rules.current_criteria(territory_id)
            form.version.data = latest.number
            flash(_("Someone else saved the checklist in the meantime, so your changes have not been saved. "
                    "The saved criteria are shown below; your version is still in the form. Check it and "
                    "save again."), "error")
            return render_template("proposals/assessment_criteria.html", form=form, current=latest,
                                   conflict=True), 409
        except AssessmentError as error:
            db.session.rollback()
            form.criteria.errors = [str(error)]
        else:
            if saved.number == current.number:
                flash(_("Nothing has changed."), "success")
            else:
                flash(_("The checklist has been saved as version %(number)s.", number=saved.number),
                      "success")
            return redirect(url_for("proposals.criteria"))
    db.session.commit()  # the first visit stores version 1 of the default criteria
    return render_template("proposals/assessment_criteria.html", form=form, current=current, conflict=False)


@bp.route("/<int:proposal_id>/assessment")
@signed_in
def assessment(proposal_id: int):
    proposal, viewer = _seen(proposal_id)
    record = reads.load(proposal)
    columns, rows = reads.side_by_side(record) if viewer.sees_reviews else ([], [])
    assessors_form = None
    if viewer.manages and proposal.verdict is None:
        assessors_form = AssessorsForm()
        present = {r.assessor_id for r in record.reviews} if record else set()
        assessors_form.assessors.choices = [(u.id, u.name) for u in rules.eligible_assessors(proposal)
                                            if u.id not in present]
    return render_template(
        "proposals/assessment.html", proposal=proposal, viewer=viewer, record=record, columns=columns,
        rows=rows, mine=reads.own_review(record, current_user),
        assessors=[r.assessor for r in record.reviews] if record and viewer.sees_reviews else [],
        assessors_form=assessors_form, answer_labels=ANSWER_LABELS, verdict_labels=VERDICT_LABELS)


@bp.route("/<int:proposal_id>/assessment/assessors", methods=["POST"])
@members
def assign_assessors(proposal_id: int):
    proposal = _managed(proposal_id)
    form = AssessorsForm()
    form.assessors.choices = [(u.id, u.name) for u in rules.eligible_assessors(proposal)]
    back = _page(proposal.id)
    if form.validate_on_submit():
        if replay := forms_kit.replay(form, back):
            return replay
        web.commit_or_explain(
            lambda: rules.assign_assessors(proposal, form.assessors.data, actor=current_user),
            AssessmentError, done=_("The assessors have been assigned."),
            before_commit=lambda _a: forms_kit.fulfil(form, back))
    else:
        forms_kit.flash_errors(form)
    return redirect(back)


def _stored_answers(review) -> dict:
    data = {"version": review.version}
    for answer in review.answers:
        data[f"answer_{answer.criterion_id}"] = answer.value
        data[f"reason_{answer.criterion_id}"] = answer.reason or ""
    return data


def _stored_verdict(proposal: Proposal, record) -> dict:
    return {"verdict": proposal.verdict, "reasons": record.verdict_reasons,
            "conditions": proposal.verdict_conditions, "meeting_id": record.meeting_id or 0,
            "version": record.version}


def _answers(form, criteria) -> list[AnswerData]:
    return [AnswerData(criterion_id=c.id, value=form[f"answer_{c.id}"].data or None,
                       reason=form[f"reason_{c.id}"].data) for c in criteria]


@bp.route("/<int:proposal_id>/assessment/mine", methods=["GET", "POST"])
@signed_in
def review(proposal_id: int):
    """The current user's own answers: a draft (theirs alone) until submitted."""
    proposal = db.get_or_404(Proposal, proposal_id)
    record = reads.load(proposal)
    mine = reads.own_review(record, current_user)
    if mine is None:
        abort(404)
    criteria = record.criteria_version.criteria
    conflict = None
    if request.method == "POST":
        form = review_form(criteria, formdata=request.form)
    else:
        form = review_form(criteria, data=_stored_answers(mine))
    status = 200
    if form.validate_on_submit():
        submit = "submit" in request.form
        try:
            rules.save_answers(mine, proposal, _answers(form, criteria), seen_version=form.version.data,
                               submit=submit, actor=current_user)
            db.session.commit()
        except STALE_ERRORS:
            conflict = forms_kit.conflict(form, lambda: (
                mine.version, review_form(criteria, data=_stored_answers(mine))))
            status = 409
        except AssessmentError as error:
            db.session.rollback()
            flash(str(error), "error")
            status = 422
        else:
            flash(_("Your assessment has been submitted.") if submit else _("Your draft has been saved."),
                  "success")
            return redirect(_page(proposal.id) if submit
                            else url_for("proposals.review", proposal_id=proposal.id))
    return render_template("proposals/assessment_review.html", proposal=proposal, review=mine, form=form,
                           criteria=criteria, conflict=conflict), status


@bp.route("/<int:proposal_id>/assessment/verdict", methods=["GET", "POST"])
@members
def verdict(proposal_id: int):
    proposal = _managed(proposal_id)
    record = reads.load(proposal)
    if record is None:
        flash(_("No assessor has submitted an assessment yet; the verdict waits for at least one."), "error")
        return redirect(_page(proposal.id))
    form = VerdictForm(data=_stored_verdict(proposal, record)) if request.method == "GET" else VerdictForm()
    meetings = [(0, _("— not yet recorded —"))] + [
        (m.id, f"{m.title} ({m.starts_at.date().isoformat()})") for m in rules.meetings_for_verdict(proposal)]
    form.meeting_id.choices = meetings
    status, conflict = 200, None
    if form.validate_on_submit():
        data = VerdictData(verdict=form.verdict.data, reasons=form.reasons.data,
                           conditions=form.conditions.data, meeting_id=form.meeting_id.data or None)
        try:
            rules.record_verdict(proposal, data, seen_version=form.version.data, actor=current_user)
            db.session.commit()
        except STALE_ERRORS:
            def current():
                stored = VerdictForm(formdata=None, data=_stored_verdict(proposal, record))
                stored.meeting_id.choices = meetings
                return record.version, stored

            conflict = forms_kit.conflict(form, current, first=("verdict", "reasons", "conditions"))
            status = 409
        except AssessmentError as error:
            db.session.rollback()
            if error.field and error.field in form:
                form[error.field].errors = [str(error)]
            flash(str(error), "error")
            status = 422
        else:
            flash(_("The verdict has been recorded."), "success")
            return redirect(_page(proposal.id))
    columns, rows = reads.side_by_side(record)
    return render_template("proposals/assessment_verdict.html", proposal=proposal, record=record, form=form,
                           columns=columns, rows=rows, answer_labels=ANSWER_LABELS, conflict=conflict), status


@bp.route("/<int:proposal_id>/assessment/print")
@signed_in
def assessment_print(proposal_id: int):
    proposal, viewer = _seen(proposal_id)
    return exports.to_html(reads.assessment_document(proposal, viewer))


@bp.route("/<int:proposal_id>/assessment.docx")
@signed_in
def assessment_docx(proposal_id: int):
    proposal, viewer = _seen(proposal_id)
    body = exports.to_docx(reads.assessment_document(proposal, viewer))
    with force_locale("cs"):
        name = exports.file_name(_("assessment"), proposal.title, today().isoformat(), extension="docx")
    return exports.send(body, name)
