"""Proposed activities: list (filters, pagination, CSV/XLSX), create, page, edit, state changes (with a
confirmation page), signals, funding opinion, plan years and milestones.

Access: `members` (members, coordinators, administrators); object checks on top (``portal.proposals.base``:
who may see, edit, manage a proposal; the services refuse what the role may not do).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import exports, forms_kit, web
from portal.blueprints.proposals import bp
from portal.blueprints.proposals.forms import (
    KIND_LABELS,
    KLIMA_LABELS,
    TRANSITION_LABELS,
    VERDICT_LABELS,
    FundingOpinionForm,
    FundingRequestForm,
    MilestoneForm,
    PlanYearsForm,
    ProposalForm,
    SignalSearchForm,
    TransitionForm,
)
from portal.blueprints.proposals.labels import EVENT_LABELS, MILESTONE_LABELS, TRANSITION_BUTTONS
from portal.clock import today
from portal.extensions import db
from portal.groups import services as groups
from portal.models import AnalysisFlag, Document, DocumentVersion, Milestone, Proposal, WorkingGroup
from portal.models.documents import DocumentKind
from portal.models.groups import GroupKind
from portal.models.proposals import ProposalEvent, ProposalState
from portal.proposals import base, reads, services, workflow
from portal.proposals.base import STATE_LABELS, ProposalError
from portal.security import members
from portal.versioning import STALE_ERRORS

PER_PAGE = 50


def _labels() -> dict:
    return {"state_labels": STATE_LABELS, "kind_labels": KIND_LABELS, "transition_labels": TRANSITION_LABELS,
            "klima_labels": KLIMA_LABELS, "verdict_labels": VERDICT_LABELS}


def _proposal(proposal_id: int) -> Proposal:
    proposal = db.get_or_404(Proposal, proposal_id)
    if not base.can_see(current_user, proposal):
        abort(404)
    return proposal


def _proposing_groups() -> list[WorkingGroup]:
    """Groups in which the current user may propose (members and those who manage them)."""
    on = today()
    mine = {g.id: g for g in groups.user_groups(current_user, on)}
    if current_user.territory_id is not None:
        territory = list(db.session.scalars(select(WorkingGroup).where(
            WorkingGroup.territory_id == current_user.territory_id)))
        mine.update({g.id: g for g in groups.managed_among(current_user, territory, on)})
    return sorted((g for g in mine.values() if services.may_propose(current_user, g)), key=lambda g: g.name)


def _territory_groups() -> list[WorkingGroup]:
    query = select(WorkingGroup).order_by(WorkingGroup.name)
    if current_user.role != "admin":
        query = query.where(WorkingGroup.territory_id == current_user.territory_id)
    return list(db.session.scalars(query))


# ---- list and export --------------------------------------------------------------------------------------


@bp.get("/")
@members
def index():
    filters = reads.Filters.from_args(request.args)
    page = reads.proposals_page(current_user, today(), filters, page=request.args.get("page", 1, type=int),
                                per_page=PER_PAGE)
    counts = reads.signal_counts([p.id for p in page.items])
    signal = db.session.get(AnalysisFlag, filters.flag_id) if filters.flag_id else None
    return render_template("proposals/index.html", page=page, counts=counts, filters=filters,
                           args=filters.as_args(), groups=_territory_groups(), signal=signal,
                           can_create=bool(_proposing_groups()), **_labels())


@bp.get("/export.<fmt>")
@members
def export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters = reads.Filters.from_args(request.args)
    proposals = list(db.session.scalars(reads.filtered_query(current_user, today(), filters)).unique())
    counts = reads.signal_counts([p.id for p in proposals])
    header = [_("Number"), _("Title"), _("Working group"), _("State"), _("Verdict"), _("Kind of activity"),
              _("Transition it concerns"), _("KLIMA components"), _("Expected cost (CZK)"),
              _("Funding source"), _("Author"), _("Created"), _("Signals")]
    rows = [[p.id, p.title, p.group.name, str(STATE_LABELS.get(p.state, p.state)),
             str(VERDICT_LABELS.get(p.verdict, "")) if p.verdict else "",
             str(KIND_LABELS.get(p.kind, p.kind)),
             str(TRANSITION_LABELS.get(p.transition, p.transition)),
             ", ".join(str(KLIMA_LABELS[k.value]) for k in p.klima_components),
             p.expected_cost, p.funding_source, p.author.name if p.author else "",
             p.created_at.date().isoformat(), counts.get(p.id, 0)] for p in proposals]
    name = exports.file_name(_("proposals"), today().isoformat(), extension=fmt)
    if fmt == "csv":
        return exports.send(exports.to_csv(header, rows), name)
    return exports.send(exports.to_xlsx(header, rows, title=_("Proposals")), name)


# ---- create, show, edit ------------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@members
def create():
    choices = _proposing_groups()
    if not choices:
        flash(_("Activities are proposed by members of working groups; you are a member of none."), "info")
        return redirect(url_for("proposals.index"))
    form = ProposalForm()
    del form.version
    form.group_id.choices = [(g.id, g.name) for g in choices]
    if form.validate_on_submit():
        if replay := forms_kit.replay(form, url_for("proposals.index")):
            return replay
        group = next(g for g in choices if g.id == form.group_id.data)
        try:
            proposal = services.create_proposal(group, form.data, actor=current_user)
        except ProposalError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            url = url_for("proposals.show", proposal_id=proposal.id)
            forms_kit.fulfil(form, url)
            db.session.commit()
            flash(_("The proposal has been saved as a draft. Link the signals it responds to and submit it."),
                  "success")
            return redirect(url)
    return render_template("proposals/form.html", form=form, proposal=None), 422 if form.errors else 200


@bp.get("/<int:proposal_id>")
@members
def show(proposal_id: int):
    proposal = db.session.scalar(
        select(Proposal).where(Proposal.id == proposal_id)
        .options(selectinload(Proposal.events).joinedload(ProposalEvent.actor),
                 selectinload(Proposal.milestones), selectinload(Proposal.funding_opinions),
                 selectinload(Proposal.indicators))) or abort(404)
    if not base.can_see(current_user, proposal):
        abort(404)
    on = today()
    milestones = [(m, reads.milestone_state(m, on)) for m in proposal.milestones]
    manages = base.can_manage(current_user, proposal)
    financing = []
    if manages and proposal.state not in (ProposalState.DRAFT, ProposalState.WITHDRAWN):
        financing = [g for g in _territory_groups() if g.kind == GroupKind.FINANCING
                     and g.territory_id == proposal.territory_id]
    request_form = FundingRequestForm()
    request_form.group_id.choices = [(g.id, g.name) for g in financing]
    return render_template(
        "proposals/show.html", proposal=proposal, signals=reads.signals_of(proposal), milestones=milestones,
        transitions=workflow.allowed_transitions(proposal, current_user), manages=manages,
        can_edit=base.can_edit(current_user, proposal), request_form=request_form,
        may_record_opinion=services.may_record_funding_opinion(current_user, proposal),
        may_change_signals=services.may_change_signals(current_user, proposal),
        years_form=PlanYearsForm(first=proposal.plan_year_from, last=proposal.plan_year_to),
        event_labels=EVENT_LABELS, milestone_labels=MILESTONE_LABELS, buttons=TRANSITION_BUTTONS, **_labels())


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@members
def edit(proposal_id: int):
    proposal = _proposal(proposal_id)
    if not base.can_edit(current_user, proposal):
        abort(403)
    form = ProposalForm(obj=proposal, klima=list(proposal.klima))
    del form.once
    del form.group_id
    if request.method == "GET":
        form.expected_cost.data = "" if proposal.expected_cost is None else str(proposal.expected_cost)
        form.indicators.data = services.indicators_text(proposal)
    if form.validate_on_submit():
        try:
            services.update_proposal(proposal, form.data, actor=current_user, seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            stored = forms_kit.conflict(form, lambda: (proposal.version, _stored_form(proposal)))
            return render_template("proposals/form.html", form=form, proposal=proposal, conflict=stored), 409
        except ProposalError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("The proposal has been saved."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, proposal=proposal), 422 if form.errors else 200


def _stored_form(proposal: Proposal) -> ProposalForm:
    stored = ProposalForm(formdata=None, obj=proposal, klima=list(proposal.klima),
                          indicators=services.indicators_text(proposal))
    del stored.once
    del stored.group_id
    return stored


# ---- state changes -----------------------------------------------------------------------------------------



def _plan_versions(proposal: Proposal) -> list[DocumentVersion]:
    return list(db.session.scalars(
        select(DocumentVersion).join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.territory_id == proposal.territory_id,
               Document.kind == DocumentKind.ACTION_PLAN.value)
        .order_by(Document.title, DocumentVersion.number.desc())))


@bp.route("/<int:proposal_id>/state/<to_state>", methods=["GET", "POST"])
@members
def change_state(proposal_id: int, to_state: str):
    """A confirmation page (with the reasons, or the plan version when adopting) and the change."""
    proposal = _proposal(proposal_id)
    if to_state not in TRANSITION_BUTTONS:
        abort(404)
    if to_state not in workflow.allowed_transitions(proposal, current_user):
        abort(403)
    form = TransitionForm()
    versions = _plan_versions(proposal) if to_state == ProposalState.ADOPTED else []
    form.plan_version_id.choices = [(0, _("No plan version yet"))] + [
        (v.id, f"{v.document.title} – {v.number}") for v in versions]
    if request.method == "GET":
        form.version.data = proposal.version
    if form.validate_on_submit():
        plan_version = next((v for v in versions if v.id == form.plan_version_id.data), None)
        try:
            workflow.transition(proposal, to_state, actor=current_user, reason=form.reason.data,
                                plan_version=plan_version, seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            db.session.rollback()
            flash(_("Someone else changed the proposal in the meantime; check it and confirm again."),
                  "error")
            return redirect(url_for("proposals.show", proposal_id=proposal_id))
        except ProposalError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("The proposal is now: %(state)s.", state=STATE_LABELS[to_state]), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template("proposals/change_state.html", form=form, proposal=proposal, to_state=to_state,
                           buttons=TRANSITION_BUTTONS, **_labels()), 422 if form.errors else 200


# ---- signals -----------------------------------------------------------------------------------------------


@bp.route("/<int:proposal_id>/signals", methods=["GET", "POST"])
@members
def signals(proposal_id: int):
    """Search the territory's signals and link one (POST flag_id)."""
    proposal = _proposal(proposal_id)
    if not services.may_change_signals(current_user, proposal):
        abort(403)
    confirm = forms_kit.ConfirmForm()
    if request.method == "POST" and confirm.validate_on_submit():
        flag = db.session.get(AnalysisFlag, request.form.get("flag_id", type=int) or 0)
        if flag is None:
            abort(404)
        web.commit_or_explain(lambda: services.link_signal(proposal, flag, actor=current_user), ProposalError,
                              done=_("The signal has been linked to the proposal."))
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    search = SignalSearchForm(request.args)
    term = search.q.data if search.validate() else ""
    found = reads.signals_to_choose(proposal, term or "")
    return render_template("proposals/signals.html", proposal=proposal, search=search, found=found,
                           form=confirm, linked=reads.signals_of(proposal))


@bp.post("/<int:proposal_id>/signals/<int:flag_id>/remove")
@members
def unlink_signal(proposal_id: int, flag_id: int):
    proposal = _proposal(proposal_id)
    flag = db.get_or_404(AnalysisFlag, flag_id)
    form = forms_kit.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    web.commit_or_explain(lambda: services.unlink_signal(proposal, flag, actor=current_user), ProposalError,
                          done=_("The signal has been removed from the proposal."))
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


# ---- funding opinion ---------------------------------------------------------------------------------------


@bp.post("/<int:proposal_id>/funding-request")
@members
def funding_request(proposal_id: int):
    proposal = _proposal(proposal_id)
    if not base.can_manage(current_user, proposal):
        abort(403)
    form = FundingRequestForm()
    financing = [g for g in _territory_groups() if g.kind == GroupKind.FINANCING]
    form.group_id.choices = [(g.id, g.name) for g in financing]
    if form.validate_on_submit():
        chosen = next(g for g in financing if g.id == form.group_id.data)
        web.commit_or_explain(lambda: services.request_funding_opinion(proposal, chosen, actor=current_user),
                              ProposalError, done=_("The proposal has been sent for a funding opinion."))
    else:
        forms_kit.flash_errors(form)
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/funding-opinion", methods=["GET", "POST"])
@members
def funding_opinion(proposal_id: int):
    proposal = db.get_or_404(Proposal, proposal_id)
    if not services.may_record_funding_opinion(current_user, proposal):
        abort(403 if base.can_see(current_user, proposal) else 404)
    form = FundingOpinionForm()
    if form.validate_on_submit():
        if replay := forms_kit.replay(form, url_for("proposals.show", proposal_id=proposal.id)):
            return replay
        url = url_for("proposals.show", proposal_id=proposal.id)
        if web.commit_or_explain(lambda: services.record_funding_opinion(proposal, form.text.data,
                                                                         actor=current_user),
                                 ProposalError, before_commit=lambda _result: forms_kit.fulfil(form, url),
                                 done=_("The funding opinion has been recorded.")):
            return redirect(url)
    return render_template("proposals/funding_opinion.html", form=form, proposal=proposal), \
        422 if form.errors else 200


# ---- plan years and milestones -----------------------------------------------------------------------------


@bp.post("/<int:proposal_id>/plan-years")
@members
def plan_years(proposal_id: int):
    proposal = _proposal(proposal_id)
    if not base.can_manage(current_user, proposal):
        abort(403)
    form = PlanYearsForm()
    if form.validate_on_submit():
        web.commit_or_explain(
            lambda: services.set_plan_years(proposal, form.first.data, form.last.data, actor=current_user),
            ProposalError, done=_("The plan's years have been saved."))
    else:
        forms_kit.flash_errors(form)
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


def _milestone_data(form: MilestoneForm) -> dict:
    return {k: form.data[k] for k in ("title", "due_on", "responsible", "target_value", "reached_value")}


@bp.route("/<int:proposal_id>/milestones/new", methods=["GET", "POST"])
@members
def add_milestone(proposal_id: int):
    proposal = _proposal(proposal_id)
    if not base.can_manage(current_user, proposal) or proposal.state != ProposalState.ADOPTED:
        abort(403)
    form = MilestoneForm()
    del form.version
    if form.validate_on_submit():
        if replay := forms_kit.replay(form, url_for("proposals.show", proposal_id=proposal.id)):
            return replay
        url = url_for("proposals.show", proposal_id=proposal.id)
        if web.commit_or_explain(lambda: services.add_milestone(proposal, _milestone_data(form),
                                                                actor=current_user),
                                 ProposalError, before_commit=lambda _result: forms_kit.fulfil(form, url),
                                 done=_("The milestone has been added.")):
            return redirect(url)
    return render_template("proposals/milestone_form.html", form=form, proposal=proposal, milestone=None), \
        422 if form.errors else 200


@bp.route("/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@members
def edit_milestone(milestone_id: int):
    milestone = db.get_or_404(Milestone, milestone_id)
    proposal = _proposal(milestone.proposal_id)
    if not base.can_manage(current_user, proposal) or proposal.state != ProposalState.ADOPTED:
        abort(403)
    form = MilestoneForm(obj=milestone)
    del form.once
    if request.method == "GET":
        for name in ("target_value", "reached_value"):
            value = getattr(milestone, name)
            form[name].data = "" if value is None else str(value)
    if form.validate_on_submit():
        try:
            services.update_milestone(milestone, _milestone_data(form), actor=current_user,
                                      seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            db.session.rollback()
            flash(_("Someone else saved this in the meantime, so your changes have not been saved. The saved "
                    "values are shown below; your version is still in the form. Check it and save again."),
                  "error")
            form.version.data = db.session.get(Milestone, milestone_id).version
            return render_template("proposals/milestone_form.html", form=form, proposal=proposal,
                                   milestone=milestone), 409
        except ProposalError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(_("The milestone has been saved."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id))
    return render_template("proposals/milestone_form.html", form=form, proposal=proposal,
                           milestone=milestone), 422 if form.errors else 200

