"""Renders that may take over a second run as background jobs; small ones are answered at once.

Measured on the development machine (2 shared cores, WeasyPrint 70, DejaVu fonts; `to_pdf` timed after a
warm-up): a landscape attendance sheet of 30 rows renders in 0.13 s, 150 rows in 0.65 s,
300 rows in 1.31 s (~4.3 ms a row); minutes of 150 Markdown paragraphs with 10 resolutions and 10 tasks in
0.22 s. `Document.size` counts table rows, and a Markdown paragraph as a fifth of a row. A PDF of more
than ``EXPORTS_INLINE_LIMIT`` (default 200, ~0.9 s here) goes to the job queue. DOCX renders take 0.21 s
at 300 rows and always run inline.

Flow: `deliver` either sends the file or enqueues an ``exports.render`` job (the payload names a
registered renderer and its arguments, never code) and redirects to ``exports.job``, a page that shows
the progress and then the file (``exports.download``). The file is kept in ``export_file`` for
``KEEP`` and only its requester may fetch it.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

from flask import current_app, redirect, url_for
from flask_login import current_user
from sqlalchemy import delete, select

from portal import jobs
from portal.exports.files import mimetype_for, send
from portal.extensions import db
from portal.models import Job, User
from portal.models.base import utcnow
from portal.models.exports import ExportFile

JOB_KIND = "exports.render"
#: Rendered files are kept this long for their requester to fetch.
KEEP = timedelta(days=1)
#: Rows/paragraphs above which a PDF is rendered in the background (see the measurements above).
DEFAULT_INLINE_LIMIT = 200

#: name → "module:function"; the function takes the job's ``args`` as keywords and returns the bytes.
#: Listed here (not only registered at import) so that a worker process knows them all.
RENDERERS: dict[str, str] = {
    "meetings.attendance.pdf": "portal.meetings.attendance:render_sheet_pdf",
    "meetings.attendance.docx": "portal.meetings.attendance:render_sheet_docx",
    "meetings.minutes.pdf": "portal.meetings.minutes:render_minutes_pdf",
    "meetings.minutes.docx": "portal.meetings.minutes:render_minutes_docx",
}


def register_renderer(name: str, target: str) -> None:
    """Make a renderer ("module:function", the function ``(**args) -> bytes``) available to jobs."""
    RENDERERS[name] = target


def render(name: str, args: dict[str, Any]) -> bytes:
    module, _, function = RENDERERS[name].partition(":")
    return getattr(importlib.import_module(module), function)(**args)


def runs_in_background(filename: str, size: int) -> bool:
    """PDFs over the limit (rows + paragraphs) go to the job queue; everything else is rendered inline."""
    limit = int(current_app.config.get("EXPORTS_INLINE_LIMIT", DEFAULT_INLINE_LIMIT))
    return filename.endswith(".pdf") and size > limit


def deliver(name: str, args: dict[str, Any], *, filename: str, size: int):
    """The response of an export route: the file itself, or (for a large PDF and a signed-in user) a
    redirect to the progress page of a background render. Commits only when it enqueues a job."""
    if name not in RENDERERS:
        raise KeyError(f"unknown renderer {name!r}")
    if current_user.is_authenticated and runs_in_background(filename, size):
        job = render_later(name, args, filename=filename, actor=current_user)
        db.session.commit()
        return redirect(url_for("exports.job", job_id=job.id))
    return send(render(name, args), filename)


def render_later(name: str, args: dict[str, Any], *, filename: str, actor: User) -> Job:
    """Enqueue a background render (dispatched after the commit)."""
    if name not in RENDERERS:
        raise KeyError(f"unknown renderer {name!r}")
    return jobs.enqueue(JOB_KIND, {"renderer": name, "args": args, "filename": filename}, actor=actor)


def render_job(job_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """Job "exports.render": render the file and keep it for its requester."""
    with jobs.app_context():
        jobs.progress(job_id, 10, "rendering")
        data = render(payload["renderer"], payload["args"])
        jobs.progress(job_id, 90, "saving")
        db.session.execute(delete(ExportFile).where(ExportFile.created_at < utcnow() - KEEP))
        filename = payload["filename"]
        db.session.add(ExportFile(job_id=job_id, filename=filename, mimetype=mimetype_for(filename),
                                  data=data))
        db.session.commit()
        return {"filename": filename, "size": len(data)}


def stored_file(job: Job) -> ExportFile | None:
    return db.session.scalar(select(ExportFile).where(ExportFile.job_id == job.id))

