"""`flask jobs worker` (the job service) and `flask jobs sweep`."""

from __future__ import annotations

import resource

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs (imports and other long work)."""


def _limit_memory(megabytes: int) -> None:
    # A bound on the worker and the work horses it forks: a runaway job fails with MemoryError.
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@jobs_group.command("worker")
@click.option("--local", "local", is_flag=True, help="Take jobs from the job table instead of Redis (RQ).")
@click.option("--burst", is_flag=True, help="Stop when no job is waiting.")
@click.option("--simple", is_flag=True, help="RQ: run jobs in the worker process (no fork per job).")
@with_appcontext
def jobs_worker(local: bool, burst: bool, simple: bool) -> None:
    """Run a job worker as its own service. Start as many as needed, on any machine that reaches the
    shared Redis and database."""
    from portal.jobs import runner
    from portal.jobs.backends import redis_connection, work_local

    app = current_app._get_current_object()
    runner.set_worker_app(app)
    _limit_memory(int(app.config["JOBS_MEMORY_MB"]))
    if local or app.config["JOBS_BACKEND"] != "rq":
        ran = work_local(app, burst=burst)
        click.echo(f"jobs run: {ran}")
        return
    from rq import SimpleWorker, Worker

    runner.fail_stale()
    worker_class = SimpleWorker if simple else Worker
    worker = worker_class([app.config["JOBS_QUEUE"]], connection=redis_connection(app))
    worker.work(burst=burst, with_scheduler=False)


@jobs_group.command("sweep")
@with_appcontext
def jobs_sweep() -> None:
    """Mark failed the running jobs whose worker stopped (no heartbeat for JOBS_STALE_AFTER seconds)."""
    from portal.jobs.runner import fail_stale

    click.echo(f"stale jobs marked failed: {fail_stale()}")
