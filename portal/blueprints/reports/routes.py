"""A group's activity reports: choosing the period, the draft texts, generating (a background job),
the stored frozen versions with their files, publishing.

Access: the pages that read (`index`, `show`, `download`, `overview`) are `public` with object checks on
top (`keeping.readable_visibilities`): coordinators of the group and administrators read every version,
the group's members (member, coordinator and administrator accounts) what is published to members or to
everyone, parents, guests and visitors what is published to everyone; a group they may not see, or a
version they may not read, is 404. Writing (`save_draft`, `generate`, `job`, `publish`, `unpublish`) is
`members` with `web.managed_group` on top (403 for those who see the group, else 404).
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal import clock, exports, forms_kit, web
from portal.blueprints.reports import bp
from portal.blueprints.reports.forms import DraftForm, GenerateForm, PublishForm, RangeForm, UnpublishForm
from portal.extensions import db
from portal.groups import services as groups
from portal.jobs.runner import fail_stale
from portal.models import Job, JobState, WorkingGroup
from portal.models.reports import ReportVersion
from portal.reports import keeping, reads
from portal.reports.embed import body_of
from portal.reports.keeping import ReportError
from portal.security import members, public
from portal.versioning import STALE_ERRORS

#: The steps a generation reports, as the progress page names them.
STEPS = {
    "started": _l("Started"),
    "collecting": _l("Gathering the figures"),
    "render_html": _l("Preparing the web page"),
    "render_pdf": _l("Preparing the PDF"),
    "render_docx": _l("Preparing the DOCX"),
    "saving": _l("Saving the version"),
    "done": _l("Done"),
}
MIMETYPES = {"html": "text/html; charset=utf-8"}


# ---- the period --------------------------------------------------------------------------------------


def _period() -> tuple[date, date, RangeForm, str | None]:
    """The period the page is about, from ?year= or ?start=&end= (default: last year), the range form,
    and what was wrong with the request's period (the default is used then)."""
    form = RangeForm(request.args)
    year_text = request.args.get("year")
    error = None
    if "start" in request.args or "end" in request.args:
        if form.validate():
            try:
                keeping.check_period(form.start.data, form.end.data)
                return form.start.data, form.end.data, form, None
            except ReportError as refused:
                error = str(refused)
        else:
            error = _("Enter both dates of the period, e.g. 1. 1. 2025 and 31. 12. 2025.")
    elif year_text is not None:
        if year_text.strip().isdigit() and 1 <= int(year_text) <= 9999:  # date() knows years 1 to 9999
            start, end = keeping.year_period(int(year_text))
            try:
                keeping.check_period(start, end)
                return start, end, form, None
            except (ReportError, ValueError) as refused:
                error = str(refused)
        else:
            error = _("The year “%(year)s” is not a year. Choose one of the years below.",
                      year=year_text[:20])
    start, end = keeping.year_period(keeping.default_year())
    return start, end, form, error


def _posted_period() -> tuple[date, date]:
    start, end, _form, error = _period()
    if error:
        abort(400)
    return start, end


def _period_args(start: date, end: date) -> dict:
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return {"year": start.year}
    return {"start": start.isoformat(), "end": end.isoformat()}


# ---- a group's reports -------------------------------------------------------------------------------


def _index_page(group: WorkingGroup, viewer: groups.Viewer, start: date, end: date, *, range_form=None,
                period_error=None, draft_form=None, generate_form=None, conflict=None):
    def versions_page():
        return db.paginate(keeping.readable_versions_query(current_user, group, viewer),
                           per_page=current_app.config["PAGE_SIZE"], error_out=False)

    page = versions_page()
    context = dict(group=group, viewer=viewer, start=start, end=end, period_args=_period_args(start, end),
                   period_label=reads.period_label(start, end),
                   range_form=range_form or RangeForm(formdata=None),
                   period_error=period_error, page=page, visibility_labels=reads.VISIBILITY_LABELS,
                   language_labels=reads.LANGUAGE_LABELS, conflict=conflict, changed={}, pending=None)
    if viewer.manages:
        keeping.refresh_checks(group, page.items, actor=current_user, recheck_quick=True)
        db.session.commit()  # the quick checks are kept, the slow ones start as jobs
        # The commit expired the listed versions: read the page again in one query, not one per version.
        page = context["page"] = versions_page()
        checks = keeping.checks_of(group)
        context["changed"] = {v.id: keeping.data_changed_since(v, checks=checks) for v in page.items}
        draft = keeping.draft_of(group, start, end)
        if draft_form is None:
            draft_form = DraftForm(formdata=None, obj=draft)
            draft_form.version.data = draft.version if draft else 0
        context.update(
            years=keeping.years_to_report(group), draft=draft, draft_form=draft_form,
            generate_form=generate_form or GenerateForm(formdata=None),
            pending=[job for lang in keeping.LANGUAGES
                     if (job := keeping.pending_job(keeping.GENERATE, group, start, end, lang))],
        )
    return render_template("reports/index.html", **context)


@bp.get("/groups/<int:group_id>/reports")
@public
def index(group_id: int):
    group, viewer = web.visible_group(group_id)
    start, end, range_form, error = _period()
    body = _index_page(group, viewer, start, end, range_form=range_form, period_error=error)
    return (body, 400) if error else body


@bp.post("/groups/<int:group_id>/reports/draft")
@members
def save_draft(group_id: int):
    group = web.managed_group(group_id)
    viewer = groups.viewer_of(current_user, group, clock.today())
    start, end = _posted_period()
    form = DraftForm()
    if form.validate_on_submit():
        try:
            keeping.save_draft(group, start, end, foreword=form.foreword.data, notes=form.notes.data,
                               seen_version=form.version.data, actor=current_user)
            db.session.commit()
        except (*STALE_ERRORS, IntegrityError):
            def current():
                draft = keeping.draft_of(group, start, end)
                stored = DraftForm(formdata=None, obj=draft)
                return (draft.version if draft else 0), stored

            stored = forms_kit.conflict(form, current, first=("foreword", "notes"))
            return _index_page(group, viewer, start, end, draft_form=form, conflict=stored), 409
        except ReportError as refused:
            db.session.rollback()
            flash(str(refused), "error")
        else:
            flash(_("The foreword and notes have been saved. They go into the next version you create."),
                  "success")
            back = url_for("reports.index", group_id=group.id, **_period_args(start, end))
            return redirect(back + "#draft")
    return _index_page(group, viewer, start, end, draft_form=form), 400


@bp.post("/groups/<int:group_id>/reports/generate")
@members
def generate(group_id: int):
    """Start generating a version (a background job); a double click or a replayed form starts one."""
    group = web.managed_group(group_id)
    start, end = _posted_period()
    back = url_for("reports.index", group_id=group.id, **_period_args(start, end))
    form = GenerateForm()
    if not form.validate_on_submit():
        forms_kit.flash_errors(form)
        return redirect(back)
    if replay := forms_kit.replay(form, back):
        return replay
    try:
        job = keeping.start_generation(group, start, end, form.language.data, actor=current_user)
    except ReportError as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(back)
    url = url_for("reports.job", group_id=group.id, job_id=job.id)
    forms_kit.fulfil(form, url)
    db.session.commit()
    return redirect(url)


@bp.get("/groups/<int:group_id>/reports/jobs/<int:job_id>")
@members
def job(group_id: int, job_id: int):
    """The generation's progress (the page refreshes itself, no JavaScript needed), then the version."""
    group = web.managed_group(group_id)
    job = db.session.get(Job, job_id)
    if job is None or job.kind != keeping.GENERATE or (job.payload or {}).get("group_id") != group.id:
        abort(404)
    if job.state == JobState.RUNNING and fail_stale():
        db.session.refresh(job)
    if job.state == JobState.DONE and (job.result or {}).get("version_id"):
        version = db.session.get(ReportVersion, job.result["version_id"])
        if version is not None:
            flash(_("Version %(number)s of the report has been created and stored.", number=version.number),
                  "success")
            return redirect(url_for("reports.show", version_id=version.id), 303)
    start, end = date.fromisoformat(job.payload["start"]), date.fromisoformat(job.payload["end"])
    return render_template("reports/job.html", group=group, job=job, steps=STEPS,
                           period_label=reads.period_label(start, end), period_args=_period_args(start, end),
                           generate_form=GenerateForm(formdata=None, language=job.payload.get("language")))


# ---- a stored version ----------------------------------------------------------------------------------


def _readable(version_id: int) -> ReportVersion:
    version = db.session.get(ReportVersion, version_id)
    if version is None or not keeping.can_read(current_user, version):
        abort(404)
    return version


def _managed(version_id: int) -> ReportVersion:
    version = _readable(version_id)
    if not groups.is_group_coordinator(current_user, version.group, clock.today()):
        abort(403)
    return version


@bp.get("/reports/<int:version_id>")
@public
def show(version_id: int):
    """The stored version as it was generated (its frozen HTML), its files and who may read it."""
    version = _readable(version_id)
    manages = groups.is_group_coordinator(current_user, version.group, clock.today())
    changed = None
    if manages:
        keeping.refresh_checks(version.group, [version], actor=current_user, recheck_quick=True)
        db.session.commit()
        changed = keeping.data_changed_since(version)
    # The fragment stored with the files (rendered once, like them), filtered on the way into the page.
    body = body_of(version.fragment, demote=False, scroll_label=_("Table (scroll sideways to see all of it)"))
    return render_template("reports/show.html", version=version, group=version.group, manages=manages,
                           changed=changed, body=body, formats=keeping.FORMATS,
                           visibility_labels=reads.VISIBILITY_LABELS, language_labels=reads.LANGUAGE_LABELS,
                           period_label=reads.period_label(version.start, version.end),
                           period_args=_period_args(version.start, version.end))


@bp.get("/reports/<int:version_id>/file.<fmt>")
@public
def download(version_id: int, fmt: str):
    """One of the version's stored files, byte for byte as generated."""
    if fmt not in keeping.FORMATS:
        abort(404)
    version = _readable(version_id)
    return exports.send(getattr(version, fmt), reads.download_name(version, fmt), mimetype=MIMETYPES.get(fmt))


@bp.route("/reports/<int:version_id>/publish", methods=["GET", "POST"])
@members
def publish(version_id: int):
    version = _managed(version_id)
    form = PublishForm()
    if request.method == "GET":
        form.version.data = version.version
        form.visibility.data = "members" if version.visibility == "coordinators" else version.visibility
    status = 200
    if form.validate_on_submit():
        try:
            keeping.publish(version, form.visibility.data, actor=current_user, seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            db.session.rollback()
            flash(_("Someone else changed who may read this version meanwhile; nothing has been changed. "
                    "Check the current state below and choose again."), "error")
            return redirect(url_for("reports.show", version_id=version.id), 303)
        except ReportError as refused:
            db.session.rollback()
            form.visibility.errors = [str(refused)]
            status = 400
        else:
            if version.visibility == "public":
                flash(_("The report has been published to everyone; the group's page lists it."), "success")
            else:
                flash(_("The report has been published to the group's members."), "success")
            return redirect(url_for("reports.show", version_id=version.id))
    elif request.method == "POST":
        status = 400
    return render_template("reports/publish.html", version=version, form=form,
                           only_public=keeping.members_reading_only_public(version.group),
                           period_label=reads.period_label(version.start, version.end),
                           visibility_labels=reads.VISIBILITY_LABELS), status


@bp.route("/reports/<int:version_id>/unpublish", methods=["GET", "POST"])
@members
def unpublish(version_id: int):
    version = _managed(version_id)
    form = UnpublishForm()
    if request.method == "GET":
        form.version.data = version.version
    if form.validate_on_submit():
        try:
            keeping.unpublish(version, actor=current_user, seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            db.session.rollback()
            flash(_("Someone else changed who may read this version meanwhile; nothing has been changed. "
                    "Check the current state below and choose again."), "error")
        else:
            flash(_("The report is no longer published; only the group's coordinators read it."), "success")
        return redirect(url_for("reports.show", version_id=version.id))
    status = 400 if request.method == "POST" else 200
    return render_template("reports/unpublish.html", version=version, form=form,
                           period_label=reads.period_label(version.start, version.end),
                           visibility_labels=reads.VISIBILITY_LABELS), status


# ---- every group's reports -----------------------------------------------------------------------------


@bp.get("/reports")
@public
def overview():
    """The groups the user may see, with the reports they may read (and the ones they manage)."""
    return render_template("reports/overview.html", rows=reads.overview(current_user),
                           period_label=reads.period_label, language_labels=reads.LANGUAGE_LABELS)
