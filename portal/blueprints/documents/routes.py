"""Plan documents: list, document page with its versions, upload or write a version, read a version,
compare two versions, download the original, version state, delete a draft, import progress.

Access: `members` (members, coordinators, administrators) of the document's territory; creating and changing
is for coordinators of the owner group (and administrators), checked by the services. Reading a version and
downloading its original are `public` routes with the object check `reads.can_read_version` (members of the
territory; comment rounds add rules for parents and the public through `reads.PUBLIC_VERSION_CHECKS`).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import forms_kit
from portal.blueprints.documents import bp
from portal.blueprints.documents.forms import (
    KIND_LABELS,
    STATE_LABELS,
    DeleteForm,
    DocumentForm,
    UploadForm,
    VersionForm,
    WriteForm,
)
from portal.clock import today
from portal.documents import reads, services
from portal.documents.services import DocumentError
from portal.extensions import db, login_manager
from portal.groups.services import managed_among
from portal.jobs.runner import fail_stale
from portal.models import Job, JobState, WorkingGroup
from portal.models.documents import Document, DocumentFile, DocumentVersion, ImportState
from portal.security import members, public
from portal.versioning import STALE_ERRORS

CHANGE_LABELS = {
    "unchanged": _l("unchanged"),
    "edited": _l("edited"),
    "moved": _l("moved"),
    "moved_edited": _l("moved and edited"),
    "new": _l("new"),
    "removed": _l("removed"),
}
JOB_STEPS = {"started": _l("Started"), "reading": _l("Reading the file"),
             "storing": _l("Storing the paragraphs"), "done": _l("Done")}


def _labels() -> dict:
    return {"kind_labels": KIND_LABELS, "state_labels": STATE_LABELS, "change_labels": CHANGE_LABELS}


def _document(document_id: int) -> Document:
    document = db.get_or_404(Document, document_id)
    if not reads.can_read_document(current_user, document):
        abort(404)
    return document


def _managed_document(document_id: int) -> Document:
    document = _document(document_id)
    if not reads.can_manage_document(current_user, document):
        abort(403)
    return document


def _version(version_id: int) -> DocumentVersion:
    version = db.get_or_404(DocumentVersion, version_id)
    if not reads.can_read_version(current_user, version):
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        abort(404)
    return version


def _managed_version(version_id: int) -> DocumentVersion:
    version = _version(version_id)
    if not reads.can_manage_document(current_user, version.document):
        abort(403)
    return version


def _territory_filter() -> int | None:
    return None if current_user.role == "admin" else current_user.territory_id


def _managed_groups() -> list[WorkingGroup]:
    from sqlalchemy import select

    query = select(WorkingGroup).order_by(WorkingGroup.name)
    if current_user.role != "admin":
        query = query.where(WorkingGroup.territory_id == current_user.territory_id)
    return managed_among(current_user, list(db.session.scalars(query)), today())


# ---- documents -------------------------------------------------------------------------------------------


@bp.get("/")
@members
def index():
    page = reads.documents_of(_territory_filter(), page=request.args.get("page", 1, type=int))
    counts = reads.version_counts([d.id for d in page.items])
    can_create = bool(_managed_groups())
    return render_template("documents/index.html", page=page, counts=counts, can_create=can_create,
                           **_labels())


@bp.route("/new", methods=["GET", "POST"])
@members
def create():
    groups = _managed_groups()
    if not groups:
        flash(_("Documents are created by coordinators of working groups; you coordinate none."), "info")
        return redirect(url_for("documents.index"))
    form = DocumentForm()
    del form.version
    form.group_id.choices = [(g.id, g.name) for g in groups]
    if request.method == "GET" and request.args.get("group", type=int) in {g.id for g in groups}:
        form.group_id.data = request.args.get("group", type=int)
    if form.validate_on_submit():
        group = next(g for g in groups if g.id == form.group_id.data)
        done = forms_kit.create_once(
            form, fallback=url_for("documents.index"), refusal=DocumentError,
            create=lambda: services.create_document(group, form.data, actor=current_user),
            url_of=lambda d: url_for("documents.show", document_id=d.id),
            message=_("The document has been created. Now upload or write its first version."))
        if done:
            return done
    return render_template("documents/form.html", form=form, document=None), 422 if form.errors else 200


@bp.route("/<int:document_id>/edit", methods=["GET", "POST"])
@members
def edit(document_id: int):
    document = _managed_document(document_id)
    form = DocumentForm(obj=document)
    del form.once
    del form.group_id
    if form.validate_on_submit():
        try:
            services.update_document(document, form.data, actor=current_user, seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            stored = forms_kit.conflict(
                form, lambda: (document.version, DocumentForm(formdata=None, obj=document)))
            return render_template("documents/form.html", form=form, document=document, conflict=stored), 409
        except DocumentError as error:
            flash(error.message, "error")
        else:
            flash(_("The document has been saved."), "success")
            return redirect(url_for("documents.show", document_id=document.id))
    return render_template("documents/form.html", form=form, document=document), 422 if form.errors else 200


@bp.get("/<int:document_id>")
@members
def show(document_id: int):
    document = _document(document_id)
    versions = list(reversed(document.versions))
    return render_template("documents/show.html", document=document, versions=versions,
                           can_manage=reads.can_manage_document(current_user, document), **_labels())


# ---- new versions ---------------------------------------------------------------------------------------


def _created(form, version: DocumentVersion):
    if version.import_state == ImportState.PENDING.value:
        url = url_for("documents.job", job_id=version.job_id)
        message = _("The file is being imported; this page shows the progress.")
    else:
        url = url_for("documents.read", version_id=version.id)
        message = _("Version %(label)s has been saved (%(count)s paragraphs).", label=version.label,
                    count=version.paragraph_count)
    forms_kit.fulfil(form, url)
    db.session.commit()
    flash(message, "success")
    return redirect(url)


@bp.route("/<int:document_id>/upload", methods=["GET", "POST"])
@members
def upload(document_id: int):
    document = _managed_document(document_id)
    form = UploadForm()
    if form.validate_on_submit():
        if replay := forms_kit.replay(form, url_for("documents.show", document_id=document.id)):
            return replay
        data = form.file.data.read()
        try:
            version = services.upload_version(document, filename=form.file.data.filename, data=data,
                                              change_note=form.change_note.data, actor=current_user)
        except DocumentError as error:
            # Nothing was stored, and the token was not used up: the same form may be sent again.
            db.session.rollback()
            form.file.errors = [error.message]
            return render_template("documents/upload.html", form=form, document=document), 422
        return _created(form, version)
    return render_template("documents/upload.html", form=form, document=document), 422 if form.errors else 200


@bp.route("/<int:document_id>/write", methods=["GET", "POST"])
@members
def write(document_id: int):
    document = _managed_document(document_id)
    form = WriteForm()
    if request.method == "GET":
        latest = reads.latest_version(document)
        if latest is not None and latest.markdown:
            form.markdown.data = latest.markdown
    if form.validate_on_submit():
        if replay := forms_kit.replay(form, url_for("documents.show", document_id=document.id)):
            return replay
        try:
            version = services.write_version(document, markdown=form.markdown.data,
                                             change_note=form.change_note.data, actor=current_user)
        except DocumentError as error:
            db.session.rollback()
            form.markdown.errors = [error.message]
            return render_template("documents/write.html", form=form, document=document), 422
        return _created(form, version)
    return render_template("documents/write.html", form=form, document=document), 422 if form.errors else 200


@bp.get("/jobs/<int:job_id>")
@members
def job(job_id: int):
    """The progress of a big file's import, then the version (or why the file was refused)."""
    job = db.session.get(Job, job_id)
    if job is None or job.created_by_id != current_user.id or job.kind != "documents.import":
        abort(404)
    if job.state == JobState.RUNNING and fail_stale():
        db.session.refresh(job)
    result = job.result or {}
    if job.state == JobState.DONE and result.get("version_id"):
        return redirect(url_for("documents.read", version_id=result["version_id"]))
    message = services.parse_error_message(result["error_code"]) if result.get("error_code") else None
    document_id = result.get("document_id") or job.payload.get("document_id")
    return render_template("documents/job.html", job=job, message=message, steps=JOB_STEPS,
                           document_id=document_id), 422 if message else 200


# ---- reading and comparing --------------------------------------------------------------------------------


@bp.get("/versions/<int:version_id>")
@public
def read(version_id: int):
    version = _version(version_id)
    if version.import_state != ImportState.READY.value:
        abort(404)
    view = reads.reading_view(version)
    return render_template("documents/read.html", view=view, version=version, document=view.document,
                           can_manage=reads.can_manage_document(current_user, view.document),
                           is_member=reads.can_read_document(current_user, view.document),
                           paragraph_extras={}, citation=reads.citation, **_labels())


@bp.get("/versions/<int:version_id>/compare")
@members
def compare(version_id: int):
    version = _version(version_id)
    document = version.document
    if not reads.can_read_document(current_user, document):
        abort(404)
    ready = [v for v in document.versions if v.import_state == ImportState.READY.value]
    against_id = request.args.get("against", type=int) or version.based_on_id
    against = next((v for v in ready if v.id == against_id and v.id != version.id), None)
    if against is None:
        flash(_("Choose another version to compare with."), "info")
        return redirect(url_for("documents.show", document_id=document.id))
    old, new = (against, version) if against.number < version.number else (version, against)
    from portal.rounds.reads import taken_in  # comment rounds: the settled comments each change took in

    comparison = reads.compare_versions(old, new, taken_in=taken_in(old, new))
    return render_template("documents/compare.html", comparison=comparison, document=document,
                           versions=ready, version=version, against=against, **_labels())


@bp.get("/versions/<int:version_id>/original")
@public
def download(version_id: int):
    version = _version(version_id)
    file = db.session.scalar(db.select(DocumentFile).where(DocumentFile.version_id == version.id))
    if file is None:
        abort(404)
    import io

    return send_file(io.BytesIO(file.data), mimetype=file.content_type, as_attachment=True,
                     download_name=file.filename, etag=file.sha256, max_age=0)


# ---- version metadata, state, deletion -----------------------------------------------------------------


@bp.route("/versions/<int:version_id>/edit", methods=["GET", "POST"])
@members
def edit_version(version_id: int):
    version = _managed_version(version_id)
    form = VersionForm(obj=version)
    if form.validate_on_submit():
        try:
            changed = services.update_version(version, change_note=form.change_note.data,
                                              state=form.state.data, approved_on=form.approved_on.data,
                                              actor=current_user, seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            stored = forms_kit.conflict(
                form, lambda: (version.version, VersionForm(formdata=None, obj=version)))
            return render_template("documents/version_form.html", form=form, version=version,
                                   document=version.document, conflict=stored), 409
        except DocumentError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("documents/version_form.html", form=form, version=version,
                                   document=version.document), 422
        flash(_("The version has been saved.") if changed else _("Nothing has changed."), "success")
        return redirect(url_for("documents.show", document_id=version.document_id))
    return render_template("documents/version_form.html", form=form, version=version,
                           document=version.document), 422 if form.errors else 200


@bp.route("/versions/<int:version_id>/delete", methods=["GET", "POST"])
@members
def delete_version(version_id: int):
    version = _managed_version(version_id)
    document = version.document
    form = DeleteForm()
    if request.method == "GET":
        form.version.data = version.version
    if form.validate_on_submit():
        try:
            services.delete_draft_version(version, actor=current_user, seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            db.session.rollback()
            flash(_("Someone else changed the version in the meantime; check it and confirm again."), "error")
            return redirect(url_for("documents.delete_version", version_id=version_id))
        except DocumentError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("documents.show", document_id=document.id))
        flash(_("The draft version has been deleted."), "success")
        return redirect(url_for("documents.show", document_id=document.id))
    return render_template("documents/delete_version.html", form=form, version=version, document=document,
                           **_labels())

