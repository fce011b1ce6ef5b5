"""Analysis pages: the territory overview, a school, the flags and one flag; import and the flag workflow.

Access: the pages are for `members` (members, coordinators, administrators); import, exports and flag state
changes are for `coordinators`. On top of that everything is per territory: objects of another territory are
404 (portal administrators see every territory, as they manage the installation).
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from portal import jobs
from portal.analysis import SCHOOL_TYPES, Problem
from portal.analysis_portal import imports, services
from portal.analysis_portal.charts import share_bars, trend_lines
from portal.blueprints.analysis import bp
from portal.blueprints.analysis.forms import AgendaForm, CancelForm, ConfirmImportForm, StateForm, UploadForm
from portal.exports import file_name, send, to_csv, to_xlsx
from portal.extensions import db
from portal.jobs.runner import fail_stale
from portal.models import Job, JobState, Meeting
from portal.models.analysis import FlagState
from portal.proposals import base as proposal_access
from portal.security import coordinators, members
from portal.versioning import STALE_ERRORS

IMPORT_JOBS = ("analysis.check", "analysis.import")
#: The steps a job reports, as the progress page names them.
JOB_STEPS = {
    "started": _l("Started"),
    "reading": _l("Reading the files"),
    "checking": _l("Checking the data"),
    "analysing": _l("Computing the indices and signals"),
    "storing": _l("Storing the schools and classes"),
    "flags": _l("Updating the signals"),
    "saving": _l("Saving"),
    "done": _l("Done"),
}


def _territory_id() -> int | None:
    return current_user.territory_id


def _labels() -> dict:
    return {
        "rule_labels": services.RULE_LABELS, "state_labels": services.STATE_LABELS,
        "severity_labels": services.SEVERITY_LABELS, "type_labels": services.TYPE_LABELS,
        "sees_counts": services.sees_counts(current_user), "small_unit": services.SMALL_UNIT,
        "flag_subject": services.flag_subject, "flag_title": services.flag_title, "meeting_url": _meeting_url,
        "points_rules": services.POINTS_RULES,
    }


def _meeting_url(meeting) -> str | None:
    """The meeting's page, if the meetings area (built separately) has one."""
    try:
        return url_for("meetings.show", meeting_id=meeting.id)
    except BuildError:
        return None


def _flag(flag_id: int):
    flag = services.load_flag(flag_id)
    if flag is None or not services.in_territory(current_user, flag.territory_id):
        abort(404)
    return flag


# ---- pages ---------------------------------------------------------------------------------------------


@bp.get("/")
@members
def overview():
    data = services.overview(_territory_id(), request.args.get("year"))
    rules = services.rules_for(_territory_id())
    spread = rules["disadvantaged_spread_schools"]
    charts = []
    for school_type in SCHOOL_TYPES:
        schools = [s for s in data.schools if s.school_type == school_type]
        if not schools:
            continue
        pooled = next((s.by_year.get(data.year) for s in data.series
                       if s.school_type == school_type and data.year in s.by_year), None)
        charts.append({
            "school_type": school_type,
            "schools": schools,
            "pooled": pooled.share if pooled else None,
            "chart": share_bars([(s.school_name, s.share, s.school_id in data.spread_flagged)
                                 for s in schools],
                                threshold=spread.threshold if spread.mode == "pairwise" else None,
                                reference=pooled.share if pooled else None),
        })
    trend = trend_lines(data.years, [
        (f"type-{s.school_type}", f"{services.TYPE_LABELS.get(s.school_type, s.school_type)}",
         {y: r.share for y, r in s.by_year.items()})
        for s in data.series
    ]) if data.years else None
    return render_template("analysis/overview.html", data=data, charts=charts, trend=trend, spread=spread,
                           multi_territory=len({s.territory for s in data.series}) > 1, **_labels())


@bp.get("/schools/<school_id>")
@members
def school(school_id: str):
    view = services.school_view(_territory_id(), school_id, request.args.get("year"))
    if view is None:
        abort(404)
    spread = services.rules_for(_territory_id())["disadvantaged_spread_classes"]
    flagged = {(f.grade, f.class_name) for f in view.flags if f.rule == "disadvantaged_spread_classes"
               and any(o.school_year == view.year for o in f.occurrences)}
    grade_charts = {
        grade: share_bars([(c.class_name, c.share, (grade, c.class_name) in flagged) for c in classes],
                          threshold=spread.threshold if spread.mode == "pairwise" else None)
        for grade, classes in view.grades.items()
    }
    return render_template("analysis/school.html", view=view, school=view.record, grade_charts=grade_charts,
                           spread=spread, count_visible=services.count_visible, user=current_user,
                           **_labels())


def _filters() -> services.FlagFilters:
    args = request.args
    filters = services.FlagFilters(
        rule=args.get("rule", "") if args.get("rule") in services.RULE_LABELS else "",
        severity=args.get("severity", "") if args.get("severity") in services.SEVERITY_LABELS else "",
        year=args.get("year", "")[:7],
        school=args.get("school", "")[:40],
        state=args.get("state", "") if args.get("state") in services.STATE_LABELS else "",
    )
    return filters


@bp.get("/flags")
@members
def flags():
    filters = _filters()
    rows = services.flag_rows(_territory_id(), filters)
    listed = services.findings(rows, current_user)
    page = services.ListPage(listed, request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"])
    years = [d.school_year for d in services.datasets(_territory_id())]
    return render_template("analysis/flags.html", page=page, filters=filters, years=years,
                           schools=services.flag_schools(_territory_id()),
                           message_for=lambda row, occ: services.visible_message(row, occ, current_user),
                           **_labels())


@bp.get("/flags/<int:flag_id>")
@members
def flag(flag_id: int):
    flag = _flag(flag_id)
    where = services.resolve_links(flag.links)
    latest = flag.occurrences[-1] if flag.occurrences else None
    # The proposals that respond to it, those the user may see (a draft is its author's).
    proposals = {link.proposal.id: link.proposal for link in flag.links
                 if link.proposal is not None and proposal_access.can_see(current_user, link.proposal)}
    return render_template(
        "analysis/flag.html", flag=flag, where=where, latest=latest, proposals=proposals,
        message=services.visible_message(flag, latest, current_user),
        messages={o.id: services.visible_message(flag, o, current_user) for o in flag.occurrences},
        source=services.rule_source(flag.rule, flag.territory_id),
        allowed=services.allowed_states(flag), **_labels(),
    )


# ---- the flag workflow ---------------------------------------------------------------------------------


@bp.route("/flags/<int:flag_id>/state", methods=["GET", "POST"])
@coordinators
def change_state(flag_id: int):
    flag = _flag(flag_id)
    form = StateForm()
    if request.method == "GET":
        form.version.data = flag.version
    form.state.choices = [(s, services.STATE_LABELS[s]) for s in services.allowed_states(flag)]
    where = services.resolve_links(flag.links)
    form.link_id.choices = [(0, _("— not tied to a meeting —"))] + [
        (w.link.id, f"{w.meeting.title} ({w.agenda_item.title})" if w.meeting and w.agenda_item
         else str(w.link.id))
        for w in where.values()
    ]
    if form.validate_on_submit():
        link = next((w.link for w in where.values() if w.link.id == form.link_id.data), None)
        try:
            services.change_state(flag, form.state.data, note=form.note.data, actor=current_user, link=link,
                                  seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            db.session.rollback()
            form.version.data = flag.version
            flash(_("Someone else changed the state of this flag in the meantime, so your change has not "
                    "been saved. Its current state is shown below; your choice and note are kept. Check them "
                    "and save again."), "error")
            return render_template("analysis/state.html", flag=flag, form=form,
                                   transitions=services.TRANSITIONS, **_labels()), 409
        except services.AnalysisError as error:
            db.session.rollback()
            form.note.errors.append(str(error))
        else:
            flash(_("The flag is now “%(state)s”.", state=services.STATE_LABELS[flag.state]), "success")
            return redirect(url_for("analysis.flag", flag_id=flag.id))
    return render_template("analysis/state.html", flag=flag, form=form, transitions=services.TRANSITIONS,
                           **_labels())


@bp.route("/flags/<int:flag_id>/agenda", methods=["GET", "POST"])
@coordinators
def put_on_agenda(flag_id: int):
    flag = _flag(flag_id)
    meetings = services.planned_meetings(flag.territory_id)
    form = AgendaForm()
    form.meeting_id.choices = [(m.id, f"{m.title} · {m.group.name}") for m in meetings]
    if form.validate_on_submit():
        meeting = db.session.get(Meeting, form.meeting_id.data)
        try:
            if meeting is None:
                raise services.AnalysisError(_("Choose a planned meeting of one of the territory's groups."))
            services.put_on_agenda(flag, meeting, actor=current_user)
        except services.AnalysisError as error:
            db.session.rollback()
            form.meeting_id.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The flag is on the agenda of “%(meeting)s”.", meeting=meeting.title), "success")
            return redirect(url_for("analysis.flag", flag_id=flag.id))
    return render_template("analysis/agenda.html", flag=flag, form=form, meetings=meetings,
                           title=services.agenda_title(flag), **_labels())


# ---- import --------------------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@coordinators
def import_data():
    if _territory_id() is None:
        flash(_("Your account belongs to no territory; ask an administrator to set one."), "error")
        return redirect(url_for("analysis.overview"))
    form = UploadForm()
    if form.validate_on_submit():
        files = {f.filename: f.read() for f in form.files.data if f.filename}
        job = imports.store_upload(files, territory_id=_territory_id(), actor=current_user)
        db.session.commit()
        return redirect(url_for("analysis.job", job_id=job.id))
    return _import_page(form, None, 422 if form.errors else 200)


def _import_page(form: UploadForm, problems: list | None, status: int):
    return render_template("analysis/import.html", form=form, problems=problems,
                           stored=services.datasets(_territory_id()), **_labels()), status


def _upload(upload_id: int):
    upload = services.pending_upload(upload_id, current_user)
    if upload is None or not upload.payload:
        abort(404)
    return upload


@bp.get("/import/<int:upload_id>")
@coordinators
def preview(upload_id: int):
    upload = _upload(upload_id)
    return render_template("analysis/preview.html", upload=upload, years=services.preview(upload),
                           form=ConfirmImportForm(), cancel=CancelForm(), **_labels())


@bp.post("/import/<int:upload_id>")
@coordinators
def confirm(upload_id: int):
    upload = _upload(upload_id)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        job = imports.request_import(upload, replace=form.replace.data, actor=current_user)
    except services.AnalysisError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("analysis.preview", upload_id=upload_id))
    db.session.commit()
    return redirect(url_for("analysis.job", job_id=job.id))


@bp.post("/import/<int:upload_id>/cancel")
@coordinators
def cancel_import(upload_id: int):
    upload = _upload(upload_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    db.session.delete(upload)
    db.session.commit()
    flash(_("The upload was discarded; nothing was stored."), "info")
    return redirect(url_for("analysis.import_data"))


def _job(job_id: int) -> Job:
    """The user's own import job (anybody else's does not exist for them)."""
    job = db.session.get(Job, job_id)
    if job is None or job.created_by_id != current_user.id or job.kind not in IMPORT_JOBS:
        abort(404)
    return job


@bp.get("/jobs/<int:job_id>")
@coordinators
def job(job_id: int):
    """A job's progress (refreshing itself without JavaScript), then its result: the preview after the
    check, the overview after the import, or the problems found (422)."""
    job = _job(job_id)
    if job.state == JobState.RUNNING and fail_stale():
        db.session.refresh(job)
    result = job.result or {}
    if job.state == JobState.DONE and job.kind == "analysis.check":
        return redirect(url_for("analysis.preview", upload_id=result["upload_id"]))
    if job.state == JobState.DONE:
        flash(_("Imported school years: %(years)s.", years=", ".join(result.get("years", ()))), "success")
        return redirect(url_for("analysis.overview"))
    if job.state == JobState.FAILED and result.get("problems"):
        problems = [Problem(**p) for p in result["problems"]]
        return _import_page(UploadForm(), problems, 422)
    upload_id = job.payload.get("upload_id")
    can_retry = (job.state == JobState.FAILED and not result
                 and services.pending_upload(upload_id, current_user) is not None)
    status = 422 if job.state == JobState.FAILED and result.get("error") else 200
    return render_template("analysis/job.html", job=job, result=result, can_retry=can_retry,
                           retry_form=CancelForm(), steps=JOB_STEPS, **_labels()), status


@bp.post("/jobs/<int:job_id>/retry")
@coordinators
def retry_job(job_id: int):
    job = _job(job_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    if job.state != JobState.FAILED or services.pending_upload(job.payload.get("upload_id"),
                                                                current_user) is None:
        abort(404)
    again = jobs.retry(job, actor=current_user)
    db.session.commit()
    return redirect(url_for("analysis.job", job_id=again.id))


# ---- exports -------------------------------------------------------------------------------------------


def _download(header, rows, name: str, fmt: str) -> Response:
    body = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, title=name)
    return send(body, file_name(name, extension=fmt))


@bp.get("/flags/export.<fmt>")
@coordinators
def export_flags(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    header, rows = services.flags_export(services.flag_rows(_territory_id(), _filters()))
    return _download(header, rows, "signály", fmt)


@bp.get("/indices/export.<fmt>")
@coordinators
def export_indices(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    header, rows = services.indices_export(_territory_id())
    return _download(header, rows, "indexy", fmt)


@bp.app_template_filter("flag_state_class")
def flag_state_class(state: str) -> str:
    return f"state-{state}" if state in {s.value for s in FlagState} else "state-unknown"
