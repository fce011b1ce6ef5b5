"""Handing committed jobs to a worker: RQ on Redis, the local worker (thread or `flask jobs worker
--local`), or inline after the commit (tests)."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.jobs import runner
from portal.models import Job, JobState
from portal.models.base import utcnow

log = logging.getLogger(__name__)

#: Seconds between looks for jobs of dead workers (see runner.fail_stale).
SWEEP_EVERY = 30.0

_wake = threading.Event()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def redis_connection(app: Flask | None = None):
    from redis import Redis

    app = app or current_app
    return Redis.from_url(app.config["JOBS_REDIS_URL"])


def rq_queue(app: Flask | None = None):
    from rq import Queue

    app = app or current_app
    return Queue(app.config["JOBS_QUEUE"], connection=redis_connection(app),
                 default_timeout=int(app.config["JOBS_TIMEOUT"]))


def dispatch(job_ids: list[int]) -> None:
    backend = current_app.config["JOBS_BACKEND"]
    if backend == "rq":
        try:
            queue = rq_queue()
            for job_id in job_ids:
                # The RQ job carries only our id; the worker reads the rest from the job table.
                queue.enqueue("portal.jobs.runner.run", job_id, job_id=f"{queue.name}-{job_id}",
                              result_ttl=3600, failure_ttl=24 * 3600)
        except Exception as exc:  # noqa: BLE001 - Redis away: tell the user instead of waiting forever
            log.exception("could not queue jobs %s", job_ids)
            with db.engine.begin() as conn:
                conn.execute(update(Job).where(Job.id.in_(job_ids), Job.state == JobState.QUEUED.value)
                             .values(state=JobState.FAILED.value, finished_at=utcnow(),
                                     error=f"queue unavailable: {type(exc).__name__}"))
    elif backend == "sync":
        for job_id in job_ids:
            runner.run(job_id)
    else:
        ensure_local_thread(current_app._get_current_object())
        _wake.set()


def work_local(app: Flask, *, burst: bool = False, poll: float = 2.0,
               stop: threading.Event | None = None) -> int:
    """The local worker loop: take queued jobs from the job table, oldest first; with ``burst``, stop when
    none is left. Returns how many jobs ran."""
    runner.set_worker_app(app)
    ran = 0
    swept = 0.0
    while stop is None or not stop.is_set():
        try:
            with app.app_context():
                if time.monotonic() - swept > SWEEP_EVERY:
                    runner.fail_stale()
                    swept = time.monotonic()
                job_id = runner.next_queued()
                db.session.remove()
        except SQLAlchemyError:  # the database may be briefly away (or not migrated yet); keep going
            log.warning("local job worker: database unavailable", exc_info=True)
            job_id = None
        if job_id is not None:
            if runner.run(job_id) is not None:
                ran += 1
            continue
        if burst:
            break
        _wake.wait(poll)
        _wake.clear()
    return ran


def ensure_local_thread(app: Flask) -> None:
    """Start the worker thread of this process once (local backend with JOBS_LOCAL_THREAD)."""
    global _thread
    if app.config["JOBS_BACKEND"] != "local" or not app.config["JOBS_LOCAL_THREAD"]:
        return
    with _thread_lock:
        if _thread is not None and _thread.is_alive():
            return
        _thread = threading.Thread(target=work_local, args=(app,), name="jobs-local", daemon=True)
        _thread.start()


def init_local_thread(app: Flask) -> None:
    """With the local backend the worker starts with the portal: at its first request (not in CLI
    commands such as `flask db upgrade`)."""
    if app.config["JOBS_BACKEND"] != "local" or not app.config["JOBS_LOCAL_THREAD"]:
        return

    @app.before_request
    def start_local_jobs_worker():
        ensure_local_thread(app)
