"""The progress page of a background export render, and its file.

Access: any signed-in account (`signed_in`), and on top only the job's requester: anybody else's job does
not exist for them (404), as with the import jobs.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.blueprints.exports import bp
from portal.exports.background import JOB_KIND, stored_file
from portal.exports.files import send
from portal.extensions import db
from portal.jobs.runner import fail_stale
from portal.models import Job, JobState
from portal.security import signed_in

#: The steps a render reports, as the progress page names them.
STEPS = {
    "started": _l("Started"),
    "rendering": _l("Preparing the document"),
    "saving": _l("Saving"),
    "done": _l("Done"),
}


def _job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.kind != JOB_KIND or job.created_by_id != current_user.id:
        abort(404)
    return job


@bp.get("/<int:job_id>")
@signed_in
def job(job_id: int):
    """Progress (the page refreshes itself without JavaScript), then a link to the file."""
    job = _job(job_id)
    if job.state == JobState.RUNNING and fail_stale():
        db.session.refresh(job)
    file = stored_file(job) if job.state == JobState.DONE else None
    if job.state == JobState.DONE and file is None:
        abort(404)  # fetched long ago and cleaned up
    return render_template("exports/job.html", job=job, file=file, steps=STEPS,
                           filename=job.payload.get("filename", ""))


@bp.get("/<int:job_id>/file")
@signed_in
def download(job_id: int):
    job = _job(job_id)
    if job.state != JobState.DONE:
        return redirect(url_for("exports.job", job_id=job.id))
    file = stored_file(job)
    if file is None:
        abort(404)
    return send(file.data, file.filename, mimetype=file.mimetype)
