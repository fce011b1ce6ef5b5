"""Running one job, the same way on every backend: claim it (queued → running, atomically, so two workers
never run the same job), keep a heartbeat while it runs, and record how it ended."""

from __future__ import annotations

import importlib
import logging
import os
import threading
import traceback
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.models import Job, JobState
from portal.models.base import utcnow

log = logging.getLogger(__name__)

_app: Flask | None = None
_pid = os.getpid()


def set_worker_app(app: Flask) -> None:
    """The app job functions run in (set by `flask jobs worker` and the local thread)."""
    global _app
    _app = app


def _after_fork() -> None:
    """In a forked work horse (RQ), leave the parent's pooled connections to the parent and open new ones."""
    global _pid
    if os.getpid() != _pid:
        _pid = os.getpid()
        db.engine.dispose(close=False)


def worker_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from portal import create_app

        set_worker_app(create_app())
    assert _app is not None
    return _app


def resolve(kind: str):
    from portal.jobs import TASKS

    module, _, name = TASKS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def _write(stmt) -> bool:
    """One short transaction of its own (visible at once to the progress page); False if it failed."""
    engine = db.engine
    try:
        with engine.connect() as conn:
            sqlite = engine.dialect.name == "sqlite"
            if sqlite:
                # The job's own transaction may hold SQLite's write lock; a heartbeat must not wait for it.
                conn.exec_driver_sql("PRAGMA busy_timeout = 200")
            try:
                rowcount = conn.execute(stmt).rowcount
                conn.commit()
            finally:
                if sqlite:
                    conn.rollback()
                    conn.exec_driver_sql("PRAGMA busy_timeout = 5000")
                    conn.commit()
        return rowcount == 1
    except SQLAlchemyError as exc:  # e.g. SQLite locked by the job's own transaction: the next one lands
        log.warning("job bookkeeping write skipped: %s", str(exc).splitlines()[0])
        return False


def touch(job_id: int, **values: Any) -> None:
    _write(update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING.value)
           .values(heartbeat_at=utcnow(), **values))


def claim(job_id: int) -> bool:
    now = utcnow()
    return _write(update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED.value).values(
        state=JobState.RUNNING.value, started_at=now, heartbeat_at=now, attempts=Job.attempts + 1,
        progress=0, message="started"))


def finish(job_id: int, state: JobState, *, result: dict | None = None, error: str | None = None) -> None:
    values: dict[str, Any] = {"state": state.value, "finished_at": utcnow(), "result": result, "error": error}
    if state == JobState.DONE:
        values.update(progress=100, message="done")
    for _attempt in range(3):  # the final word must land; SQLite may be briefly busy
        if _write(update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING.value).values(**values)):
            return


class Heartbeat:
    """Updates ``heartbeat_at`` every few seconds while a job runs (it dies with the worker)."""

    def __init__(self, app: Flask, job_id: int):
        self.app, self.job_id = app, job_id
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat", daemon=True)

    def _run(self) -> None:
        interval = float(self.app.config["JOBS_HEARTBEAT"])
        while not self.stop_event.wait(interval):
            with self.app.app_context():
                touch(self.job_id)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        self.thread.join()


def run(job_id: int) -> str | None:
    """Run a queued job to its end; returns the final state, or None if the job was not queued (another
    worker has it, or it no longer exists)."""
    from portal.jobs import Rejected

    app = worker_app()
    with app.app_context():
        _after_fork()
        if not claim(job_id):
            return None
        job = db.session.get(Job, job_id)
        kind, payload = job.kind, dict(job.payload or {})
        db.session.remove()
    with Heartbeat(app, job_id), app.app_context():
        try:
            result = resolve(kind)(job_id, payload)
        except Rejected as rejected:
            finish(job_id, JobState.FAILED, result=rejected.result)
            return JobState.FAILED.value
        except BaseException as exc:  # noqa: BLE001 - a job's crash (or RQ's timeout) is its result
            log.exception("job %s (%s) failed", job_id, kind)
            finish(job_id, JobState.FAILED, error=_describe(exc))
            if not isinstance(exc, Exception) and not _describe(exc).startswith("timeout:"):
                raise  # KeyboardInterrupt, SystemExit: let the worker stop
            return JobState.FAILED.value
        finish(job_id, JobState.DONE, result=result or {})
        return JobState.DONE.value


def _describe(exc: BaseException) -> str:
    """The error text kept on the job. RQ's timeout may surface as the database error it interrupted (the
    exception it caused on the way out): look for it in the chain, and prefix "timeout:" / "memory:"."""
    cause: BaseException | None = exc
    while cause is not None:
        if type(cause).__name__ == "JobTimeoutException":
            return f"timeout: {cause}"[:2000]
        if isinstance(cause, MemoryError):
            return "memory: the job ran out of memory"
        cause = cause.__context__
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return last[:2000]


def fail_stale(now=None) -> int:
    """Mark failed the running jobs whose worker stopped sending heartbeats; returns how many."""
    now = now or utcnow()
    limit = now - timedelta(seconds=float(current_app.config["JOBS_STALE_AFTER"]))
    stmt = (update(Job).where(Job.state == JobState.RUNNING.value,
                              or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < limit))
            .values(state=JobState.FAILED.value, finished_at=now, error="stale"))
    with db.engine.begin() as conn:
        return conn.execute(stmt).rowcount


def next_queued() -> int | None:
    return db.session.scalar(select(Job.id).where(Job.state == JobState.QUEUED.value)
                             .order_by(Job.created_at, Job.id).limit(1))
