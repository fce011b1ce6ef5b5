"""Background jobs: anything that may take over a second runs outside the web request.

One small API::

    job = jobs.enqueue("analysis.import", {"upload_id": 7}, actor=user)   # a Job row, flushed
    db.session.commit()                                                     # dispatched after commit

A job function is a plain function ``fn(job_id, payload) -> dict`` registered under its kind in
:data:`TASKS`; it opens its own app context (:func:`app_context`), reports :func:`progress`, and either
returns its result, raises :class:`Rejected` (bad input: the result says why, state ``failed``), or crashes
(state ``failed`` with the error text). The ``job`` table is the record on every backend, so progress pages
work the same everywhere.

Backends (``JOBS_BACKEND``):

- ``rq``: RQ on the Redis the portal already uses; ``flask jobs worker`` runs a worker as its own service
  (scale out by running more, on any machine that reaches the shared Redis and database). Default in
  production.
- ``local``: no Redis. A worker thread in the web process (started with the portal), or
  ``flask jobs worker --local``, takes queued jobs from the ``job`` table. Default in development.
- ``sync``: the job runs right after the commit, in the same process (tests only).

A worker that dies mid-job stops its heartbeat; a running job whose heartbeat is older than
``JOBS_STALE_AFTER`` seconds is marked failed (:func:`portal.jobs.runner.fail_stale`) and can be retried.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import Job, JobState, User

#: kind → "module:function". Modules are imported when a job of that kind runs (in the worker).
TASKS: dict[str, str] = {
    "analysis.check": "portal.analysis_portal.imports:check_upload_job",
    "analysis.import": "portal.analysis_portal.imports:import_upload_job",
    "exports.render": "portal.exports.background:render_job",
}

_PENDING = "jobs_pending"


class Rejected(Exception):
    """The job's input was refused (e.g. invalid data): the job ends ``failed`` with ``result`` kept."""

    def __init__(self, result: dict[str, Any], message: str = "rejected"):
        super().__init__(message)
        self.result = result


def register(kind: str, target: str) -> None:
    """Add a job kind ("module:function")."""
    TASKS[kind] = target


def enqueue(kind: str, payload: dict[str, Any], *, actor: User | None) -> Job:
    """Record a job; it is handed to the backend once the current transaction commits (never before, so
    a worker never looks for a row it cannot see, and a rolled-back request starts nothing)."""
    if kind not in TASKS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, payload=payload, state=JobState.QUEUED.value, progress=0,
              created_by_id=actor.id if actor else None)
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(job.id)
    return job


def progress(job_id: int, percent: int, message: str | None = None) -> None:
    """Report progress (0–100) and the current step; visible at once (its own short transaction)."""
    from portal.jobs.runner import touch

    touch(job_id, progress=max(0, min(100, int(percent))), message=message)


def app_context():
    """An app context for a job function (the worker's app; a fresh session of its own)."""
    from portal.jobs.runner import worker_app

    return worker_app().app_context()


def retry(job: Job, *, actor: User | None) -> Job:
    """A new job with the same kind and payload (a failed job stays as it was, for the record)."""
    return enqueue(job.kind, dict(job.payload), actor=actor)


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        from portal.jobs.backends import dispatch

        dispatch(ids)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def init_app(app) -> None:
    """Dispatch jobs after commit; start the local worker thread with the portal when configured."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))
    from portal.jobs.backends import init_local_thread
    from portal.jobs.cli import jobs_group

    app.cli.add_command(jobs_group)
    init_local_thread(app)
