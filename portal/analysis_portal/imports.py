"""The web import as background jobs: the request stores the files, jobs do the work.

1. :func:`store_upload` (in the request) keeps the uploaded files in the database and queues the check
   job; nothing is parsed in the web worker.
2. :func:`check_upload_job` (job "analysis.check") rejects an XLSX "bomb" from its zip directory before any
   XML is parsed, validates the files with the analysis module and keeps the parsed rows on the upload
   (the preview reads them). Invalid files: the job fails with the problems (row, column) as its result and
   the upload is removed: nothing is stored.
3. :func:`request_import` (in the request) checks the confirmation and queues the import job;
   :func:`import_upload_job` (job "analysis.import") stores every school year in one transaction.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal import jobs
from portal.analysis import Problem, ValidationFailed, read_upload
from portal.analysis_portal import services
from portal.analysis_portal.services import CLASS_FIELDS, SCHOOL_FIELDS, UPLOAD_TTL, AnalysisError, _row
from portal.extensions import db
from portal.models import AnalysisUpload, AnalysisUploadFile, Job, JobState, User
from portal.models.base import utcnow

#: A workbook member that unpacks to more than this many times its packed size (and over 1 MiB) is refused
#: before parsing: real sheets pack about 5–20 : 1, a "zip bomb" of whitespace thousands : 1.
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM = 1024 * 1024
#: Everything in a workbook, unpacked (a national workbook of 4,000 sites and 40,000 classes: 17 MiB).
XLSX_MAX_UNPACKED = 64 * 1024 * 1024


def store_upload(files: dict[str, bytes], *, territory_id: int, actor: User) -> Job:
    """Keep the uploaded files server-side and queue their check; returns the check job.

    Expired uploads are removed on the way.
    """
    services.clear_expired_uploads()
    upload = AnalysisUpload(territory_id=territory_id, uploaded_by_id=actor.id,
                            source=", ".join(files)[:500], payload={}, expires_at=utcnow() + UPLOAD_TTL)
    upload.files = [AnalysisUploadFile(name=name[:255], data=data) for name, data in files.items()]
    db.session.add(upload)
    db.session.flush()
    return jobs.enqueue("analysis.check", {"upload_id": upload.id}, actor=actor)


def workbook_problems(files: dict[str, bytes]) -> list[Problem]:
    """Cheap checks of XLSX workbooks from their zip directory alone (no decompression, no XML)."""
    problems = []
    for name, data in files.items():
        if not name.lower().endswith(".xlsx"):
            continue
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = archive.infolist()
        except zipfile.BadZipFile:
            problems.append(Problem(name, None, None, "unreadable_file",
                                    _("The file is not a valid XLSX workbook.")))
            continue
        total = sum(m.file_size for m in members)
        bomb = next((m for m in members if m.file_size > XLSX_RATIO_FROM
                     and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1)), None)
        if bomb is not None or total > XLSX_MAX_UNPACKED:
            problems.append(Problem(name, None, None, "file_too_large", _(
                "The workbook unpacks to %(unpacked)s MiB from %(packed)s KiB: it holds far more than a "
                "table of schools and classes and was not read. Save the data again in Excel, or upload it "
                "as CSV.",
                unpacked=f"{total / 1024 / 1024:.0f}", packed=f"{len(data) / 1024:.0f}")))
    return problems


def check_upload_job(job_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """Job "analysis.check": validate an upload's files and keep the parsed rows for the preview."""
    with jobs.app_context():
        upload = db.session.get(AnalysisUpload, payload["upload_id"])
        if upload is None:
            raise jobs.Rejected({"gone": True})
        files = {f.name: f.data for f in upload.files}
        jobs.progress(job_id, 10, "reading")
        try:
            problems = workbook_problems(files)
            if problems:
                raise ValidationFailed(problems)
            dataset = read_upload(files)
        except ValidationFailed as failed:
            db.session.delete(upload)  # nothing is kept of invalid files
            db.session.commit()
            raise jobs.Rejected({"problems": [p.to_dict() for p in failed.problems]}) from None
        jobs.progress(job_id, 80, "checking")
        upload.source = dataset.source[:500]
        upload.payload = {
            "schools": [_row(s, SCHOOL_FIELDS) for s in dataset.schools],
            "classes": [_row(c, CLASS_FIELDS) for c in dataset.classes],
            "has_classes": dataset.has_classes,
        }
        upload.files = []  # parsed: the raw files are not needed any more
        db.session.commit()
        return {"upload_id": upload.id, "schools": len(dataset.schools), "classes": len(dataset.classes)}


def request_import(upload: AnalysisUpload, *, replace: bool, actor: User) -> Job:
    """Check the confirmation of a previewed upload and queue its import; returns the import job."""
    if upload.expires_at < utcnow():
        raise AnalysisError(_("This upload has expired. Please upload the files again."))
    replaced = services.replaced_years(upload)
    if replaced and not replace:
        raise AnalysisError(_("Confirm that the stored data of %(years)s should be replaced.",
                              years=", ".join(replaced)))
    # A second click while the import is queued or running shows that job instead of starting another.
    for job in db.session.scalars(select(Job).where(
            Job.kind == "analysis.import", Job.created_by_id == actor.id,
            Job.state.in_((JobState.QUEUED.value, JobState.RUNNING.value)))):
        if job.payload.get("upload_id") == upload.id:
            return job
    return jobs.enqueue("analysis.import", {"upload_id": upload.id, "replace": bool(replace),
                                            "actor_id": actor.id}, actor=actor)


def import_upload_job(job_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """Job "analysis.import": store every school year of a checked upload (all or nothing)."""
    with jobs.app_context():
        upload = db.session.get(AnalysisUpload, payload["upload_id"])
        actor = db.session.get(User, payload["actor_id"])
        if upload is None or not upload.payload or actor is None:
            raise jobs.Rejected({"gone": True})
        try:
            stored = services.confirm_upload(
                upload, actor=actor, replace=payload["replace"],
                on_progress=lambda percent, step: jobs.progress(job_id, percent, step))
        except AnalysisError as error:
            db.session.rollback()
            raise jobs.Rejected({"error": str(error)}) from None
        years = [d.school_year for d in stored]
        db.session.commit()
        return {"years": years}
