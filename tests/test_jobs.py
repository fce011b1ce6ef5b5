"""Background jobs: the local and RQ backends with real workers, crashes, dead workers, batching."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import jobs
from portal.batching import chunked
from portal.extensions import db
from portal.models import AnalysisDataset, AnalysisUpload, Job
from portal.models.base import utcnow
from tests.test_analysis_portal_fixtures import post_files, sample_bytes, token

REDIS_DB = 12  # this suite's Redis database for jobs (db 15 belongs to the rate-limit test)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def upload_with(client, app, monkeypatch, backend: str, **config):
    """Upload the sample with the given backend; the check job is queued, not run."""
    monkeypatch.setitem(app.config, "JOBS_BACKEND", backend)
    monkeypatch.setitem(app.config, "JOBS_MEMORY_MB", 0)  # the CLI worker runs inside the test process
    for key, value in config.items():
        monkeypatch.setitem(app.config, key, value)
    response = post_files(client, sample_bytes("schools.csv", "classes.csv"))
    assert response.status_code == 200  # the progress page (the job waits for a worker)
    return db.session.scalar(select(Job))


def test_the_progress_page_works_without_javascript(client, login_as, app, monkeypatch):
    login_as("coordinator")
    job = upload_with(client, app, monkeypatch, "local")
    assert job.state == "queued"
    html = client.get(f"/analysis/jobs/{job.id}").get_data(as_text=True)
    assert 'role="status"' in html and 'aria-live="polite"' in html
    assert '<meta http-equiv="refresh" content="2">' in html
    assert "Čeká se na volný proces" in html and f'href="/analysis/jobs/{job.id}"' in html
    assert "<script" not in html and "style=" not in html


def test_the_local_worker_runs_queued_jobs(client, login_as, app, monkeypatch):
    login_as("coordinator")
    job = upload_with(client, app, monkeypatch, "local")
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--local", "--burst"])
    assert result.exit_code == 0 and "jobs run: 1" in result.output, result.output
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.state, job.progress, job.attempts) == ("done", 100, 1)
    response = client.get(f"/analysis/jobs/{job.id}")
    assert response.status_code == 302 and "/analysis/import/" in response.headers["Location"]
    assert "2023/24" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.fixture
def redis_queue(app):
    from redis import Redis

    name = f"test-{os.getpid()}"
    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    connection = Redis.from_url(url)
    yield url, name, connection
    for key in connection.scan_iter(f"rq:*{name}*"):
        connection.delete(key)
    connection.srem("rq:queues", f"rq:queue:{name}")
    connection.close()


def test_an_rq_worker_runs_the_job_from_redis(client, login_as, app, monkeypatch, redis_queue):
    from rq import Queue

    url, name, connection = redis_queue
    login_as("coordinator")
    job = upload_with(client, app, monkeypatch, "rq", JOBS_REDIS_URL=url, JOBS_QUEUE=name)
    assert Queue(name, connection=connection).count == 1  # only our id travels through Redis
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst", "--simple"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == "done"
    assert Queue(name, connection=connection).count == 0
    response = client.get(f"/analysis/jobs/{job.id}")
    assert response.status_code == 302 and "/analysis/import/" in response.headers["Location"]


def test_without_redis_the_job_fails_visibly_instead_of_waiting(client, login_as, app, monkeypatch):
    login_as("coordinator")
    job = upload_with(client, app, monkeypatch, "rq", JOBS_REDIS_URL="redis://127.0.0.1:1/0")
    assert job.state == "failed" and "queue unavailable" in job.error
    html = client.get(f"/analysis/jobs/{job.id}").get_data(as_text=True)
    assert "Úloha selhala" in html and "Zkusit znovu" in html


def test_a_crashed_job_ends_failed_and_can_be_retried(client, login_as):
    login_as("coordinator")
    preview_url = post_files(client, sample_bytes("schools.csv")).headers["Location"]
    csrf = token(client, preview_url)
    upload = db.session.scalar(select(AnalysisUpload))
    # A payload the import cannot read (as an older portal version might have left it): the job crashes.
    upload.payload = {**upload.payload, "schools": [{**upload.payload["schools"][0], "colour": "red"}]}
    db.session.commit()
    response = client.post(preview_url, data={"csrf_token": csrf})
    job_url = response.headers["Location"]
    page = client.get(job_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'role="alert"' in html
    assert "Úloha selhala kvůli chybě v portálu. Nic nebylo uloženo." in html and "TypeError" in html
    job = db.session.scalar(select(Job).where(Job.kind == "analysis.import"))
    assert job.state == "failed" and job.finished_at is not None
    assert count(AnalysisDataset) == 0  # the import's transaction was rolled back
    retry_url = f"/analysis/jobs/{job.id}/retry"
    response = client.post(retry_url, data={"csrf_token": token(client, job_url)})
    assert response.status_code == 302 and response.headers["Location"] != job_url
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "analysis.import")) == 2


def test_a_job_whose_worker_died_is_marked_failed(client, login_as, app, monkeypatch):
    login_as("coordinator")
    job = upload_with(client, app, monkeypatch, "local")
    # What a worker killed mid-job leaves behind: "running", and a heartbeat that stopped long ago.
    job.state, job.started_at = "running", utcnow() - timedelta(minutes=10)
    job.heartbeat_at = utcnow() - timedelta(seconds=app.config["JOBS_STALE_AFTER"] + 1)
    db.session.commit()
    html = client.get(f"/analysis/jobs/{job.id}").get_data(as_text=True)
    assert "neočekávaně skončil" in html and "Zkusit znovu" in html
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == "failed"
    # Retried, it runs again from the stored upload.
    response = client.post(f"/analysis/jobs/{job.id}/retry",
                           data={"csrf_token": token(client, f"/analysis/jobs/{job.id}")})
    app.test_cli_runner().invoke(args=["jobs", "worker", "--local", "--burst"])
    assert "/analysis/import/" in client.get(response.headers["Location"]).headers["Location"]


def test_the_sweep_command_fails_stale_jobs(app, factories):
    user = factories.user("coordinator")
    job = jobs.enqueue("analysis.check", {"upload_id": 0}, actor=user)
    job.state, job.heartbeat_at = "running", utcnow() - timedelta(hours=1)
    db.session.info.clear()  # not dispatched: it stands for a job a dead worker had taken
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "sweep"])
    assert "stale jobs marked failed: 1" in result.output
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == "failed"


def test_a_rolled_back_job_never_starts(app, factories):
    user = factories.user("coordinator")
    jobs.enqueue("analysis.check", {"upload_id": 0}, actor=user)
    db.session.rollback()
    db.session.commit()
    assert count(Job) == 0


def test_another_users_job_does_not_exist_for_them(client, login_as, factories):
    owner = login_as("coordinator")
    post_files(client, sample_bytes("schools.csv"))
    job = db.session.scalar(select(Job))
    login_as(factories.user("coordinator", territory=owner.territory))
    assert client.get(f"/analysis/jobs/{job.id}").status_code == 404


def test_chunked():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []
    with pytest.raises(ValueError):
        list(chunked([1], 0))


def _times_out(job_id, payload):
    """A job stopped by RQ's time limit while in a query: the timeout surfaces as the error it caused."""
    from rq.timeouts import JobTimeoutException

    try:
        raise JobTimeoutException("Task exceeded maximum timeout value (1 seconds)")
    except JobTimeoutException:
        raise RuntimeError("another command is already in progress") from None


def test_a_job_stopped_by_the_time_limit_says_so(app, factories, monkeypatch):
    monkeypatch.setitem(jobs.TASKS, "tests.timeout", "tests.test_jobs:_times_out")
    job = jobs.enqueue("tests.timeout", {}, actor=factories.user("coordinator"))
    db.session.commit()  # runs after the commit (the "sync" backend of the tests)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state == "failed" and job.error.startswith("timeout: Task exceeded")
