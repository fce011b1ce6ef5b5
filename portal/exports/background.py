"""Renders that may take over a second run as background jobs; small ones are answered at once.

Measured on the development machine (2 shared cores, WeasyPrint 70, DejaVu fonts; `to_pdf` timed after a
warm-up): a landscape attendance sheet of 30 rows renders in 0.13 s, 150 rows in 0.65 s,
300 rows in 1.31 s (~4.3 ms a row); minutes of 150 Markdown paragraphs with 10 resolutions and 10 tasks in
0.22 s. `Document.size` counts table rows, and a Markdown paragraph as a fifth of a row. A PDF of more
than ``EXPORTS_INLINE_LIMIT`` (default 200, ~0.9 s here) goes to the job queue. DOCX renders take 0.21 s
at 300 attendance rows; DOCX and XLSX go to the queue only when far larger (`INLINE_LIMITS`).

Flow: a document is built by a registered *builder* (``(**args) -> Document``, listed in `BUILDERS`),
so that a worker can build it again from the job's payload (a name and plain arguments, never code).
`deliver` builds it, measures it, and either sends the rendered file or enqueues an ``exports.render``
job and redirects to ``exports.job``, a page that shows the progress and then the file
(``exports.download``). The file is kept in ``export_file`` for ``KEEP``; only its requester may fetch it.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

from flask import current_app, redirect, url_for
from flask_login import current_user
from sqlalchemy import delete, select

from portal import jobs
from portal.exports.documents import Document, render
from portal.exports.files import mimetype_for, send
from portal.extensions import db
from portal.models import Job, User
from portal.models.base import utcnow
from portal.models.exports import ExportFile

JOB_KIND = "exports.render"
#: Rendered files are kept this long for their requester to fetch.
KEEP = timedelta(days=1)

#: name → "module:function" building the `Document` from the job's ``args`` (keywords).
#: Listed here (not only registered at import) so that a worker process knows them all.
BUILDERS: dict[str, str] = {
    "meetings.attendance": "portal.meetings.attendance:sheet_of",
    "meetings.minutes": "portal.meetings.minutes:minutes_of",
    "rounds.settlement": "portal.rounds.export:table_of",
}


def register_builder(name: str, target: str) -> None:
    """Make a document builder ("module:function", ``(**args) -> Document``) available to exports. Call it
    at the import of a module that `create_app` imports (a blueprint's), so that workers know it too."""
    BUILDERS[name] = target


def build(name: str, args: dict[str, Any]) -> Document:
    module, _, function = BUILDERS[name].partition(":")
    return getattr(importlib.import_module(module), function)(**args)


#: The config key of each format's inline limit in `Document.size` (table rows); CSV is always inline.
#: ``EXPORTS_INLINE_LIMIT`` (PDF, 200 rows, ~0.9 s) is above; a DOCX or XLSX row costs far less than a PDF
#: row. Measured with the settlement table (8 columns, ~450 characters of text a row, 2 shared cores, warm):
#: DOCX 0.37 s at 200 rows, 0.85 s at 500, 1.08 s at 1,000, 2.81 s at 2,000 → ``EXPORTS_INLINE_LIMIT_DOCX``
#: 800 (~0.9 s); XLSX 0.19 s at 500, 0.46 s at 1,000, 1.24 s at 2,000 → ``EXPORTS_INLINE_LIMIT_XLSX`` 1,600
#: (~1 s); CSV 0.02 s at 2,000 rows. (The same table's PDF took 7.5 s at 200 rows under load.)
INLINE_LIMITS = {"pdf": "EXPORTS_INLINE_LIMIT", "docx": "EXPORTS_INLINE_LIMIT_DOCX",
                 "xlsx": "EXPORTS_INLINE_LIMIT_XLSX"}


def runs_in_background(filename: str, size: int) -> bool:
    """Renders over the inline limit of their format (rows + paragraphs, `INLINE_LIMITS`) go to the job
    queue; smaller ones, and CSV, are rendered inline."""
    key = INLINE_LIMITS.get(_extension(filename))
    return key is not None and size > int(current_app.config[key])


def deliver(name: str, args: dict[str, Any], *, filename: str):
    """The response of an export route: the file itself, or (for a large render and a signed-in user) a
    redirect to the progress page of a background render. Commits only when it enqueues a job."""
    document = build(name, args)
    if current_user.is_authenticated and runs_in_background(filename, document.size):
        job = render_later(name, args, filename=filename, actor=current_user)
        db.session.commit()
        return redirect(url_for("exports.job", job_id=job.id))
    return send(render(document, _extension(filename)), filename)


def render_later(name: str, args: dict[str, Any], *, filename: str, actor: User) -> Job:
    """Enqueue a background render (dispatched after the commit)."""
    if name not in BUILDERS:
        raise KeyError(f"unknown document builder {name!r}")
    return jobs.enqueue(JOB_KIND, {"builder": name, "args": args, "filename": filename}, actor=actor)


def render_job(job_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """Job "exports.render": build and render the document and keep the file for its requester."""
    with jobs.app_context():
        jobs.progress(job_id, 10, "rendering")
        filename = payload["filename"]
        data = render(build(payload["builder"], payload["args"]), _extension(filename))
        jobs.progress(job_id, 90, "saving")
        db.session.execute(delete(ExportFile).where(ExportFile.created_at < utcnow() - KEEP))
        db.session.add(ExportFile(job_id=job_id, filename=filename, mimetype=mimetype_for(filename),
                                  data=data))
        db.session.commit()
        return {"filename": filename, "size": len(data)}


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower()


def stored_file(job: Job) -> ExportFile | None:
    return db.session.scalar(select(ExportFile).where(ExportFile.job_id == job.id))

