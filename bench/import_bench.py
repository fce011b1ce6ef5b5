"""Benchmark of the web import through the portal's background job, on a national-size file.

Run:  DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
      .venv/bin/python bench/import_bench.py [--sites 4000] [--classes 40000] [--redis redis://127.0.0.1:6379/12]

WARNING: the database named by DATABASE_URL (or --database) is emptied and migrated from scratch.

It generates the same synthetic national input as ``analysis_bench.py`` (schools.csv + classes.csv, fixed
seed), starts a real job worker (``flask jobs worker`` on RQ/Redis, in its own process), and drives the
portal as a coordinator would: upload → check job → preview → confirm → import job, polling the job page
as the browser does. It prints the seconds of each step; the figure that matters is "confirm → stored"
(the target is under 10 s).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import empty_schema, signed_in_client  # noqa: E402
from analysis_bench import generate  # noqa: E402


def wait_for(client, url: str, timeout: float) -> tuple[str, float]:
    """Poll a job page until it answers with something other than its progress; (final URL, seconds)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        response = client.get(url)
        if response.status_code == 302:
            return response.headers["Location"], time.perf_counter() - start
        if response.status_code != 200 or "job-progress" not in response.get_data(as_text=True):
            body = response.get_data(as_text=True)
            raise SystemExit(f"the job did not succeed ({response.status_code}):\n{body[-3000:]}")
        time.sleep(0.05)
    raise SystemExit(f"no result from {url} within {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=4000)
    parser.add_argument("--classes", type=int, default=40000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--redis", default=os.environ.get("JOBS_REDIS_URL", "redis://127.0.0.1:6379/12"))
    args = parser.parse_args()
    if not args.database:
        raise SystemExit("Name a database to empty and use: DATABASE_URL=... or --database ...")

    from flask_migrate import upgrade
    from sqlalchemy import text
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    from config import DevelopmentConfig
    from portal import create_app
    from portal.extensions import db

    queue = f"bench-{os.getpid()}"
    settings = {"SQLALCHEMY_DATABASE_URI": args.database, "JOBS_BACKEND": "rq", "JOBS_REDIS_URL": args.redis,
                "JOBS_QUEUE": queue, "JOBS_LOCAL_THREAD": False, "WTF_CSRF_ENABLED": False}
    app = create_app(DevelopmentConfig, **settings)
    with app.app_context():
        empty_schema()
        if db.engine.dialect.name != "postgresql":
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        from portal.accounts import sessions
        from portal.accounts.passwords import hash_password
        from portal.accounts.services import get_or_create_territory
        from portal.models import User

        territory = get_or_create_territory("MAP ORP Benchmark", "benchmark")
        user = User(email="bench@example.org", name="Bench", role="coordinator",
                    password_hash=hash_password("bench-password-1"), territory_id=territory.id)
        db.session.add(user)
        db.session.flush()
        sessions.start(user)  # the signed-in session carries a login-session key (get_id)
        db.session.commit()
        user_id = user.get_id()

    env = dict(os.environ, FLASK_APP="wsgi", DATABASE_URL=args.database, JOBS_BACKEND="rq",
               JOBS_REDIS_URL=args.redis, JOBS_QUEUE=queue)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            sites, classes = generate(folder, args.sites, args.classes, args.seed)
            files = {name: (folder / name).read_bytes() for name in ("schools.csv", "classes.csv")}
        print(f"input: {sites} sites, {classes} classes, "
              f"{sum(len(b) for b in files.values()) / 1024 / 1024:.1f} MiB of CSV")
        client = signed_in_client(app, user_id)

        values = MultiDict()
        for name, body in files.items():
            values.add("files", FileStorage(io.BytesIO(body), filename=name, content_type="text/csv"))
        boundary, body = encode_multipart(values)
        start = time.perf_counter()
        response = client.post("/analysis/import", data=body,
                               content_type=f"multipart/form-data; boundary={boundary}")
        assert response.status_code == 302, response.status_code
        upload_request = time.perf_counter() - start
        preview_url, checked = wait_for(client, response.headers["Location"], 300)
        start = time.perf_counter()
        page = client.get(preview_url)
        assert page.status_code == 200, page.status_code
        preview = time.perf_counter() - start

        start = time.perf_counter()
        response = client.post(preview_url, data={})
        assert response.status_code == 302 and "/jobs/" in response.headers["Location"], response.status_code
        confirm_request = time.perf_counter() - start
        done, _ = wait_for(client, response.headers["Location"], 600)
        stored = time.perf_counter() - start
        assert done.endswith("/analysis/"), done

        with app.app_context():
            from sqlalchemy import func, select

            from portal.models import AnalysisFlag, ClassRecord, SchoolRecord

            counts = [db.session.scalar(select(func.count()).select_from(m))
                      for m in (SchoolRecord, ClassRecord, AnalysisFlag)]
        print(f"database: {args.database.split('://')[0]}; "
              f"stored {counts[0]} sites, {counts[1]} classes, {counts[2]} flags")
        print(f"upload request (stores the files):   {upload_request:6.2f} s")
        print(f"upload → checked (check job):        {checked:6.2f} s")
        print(f"preview page:                        {preview:6.2f} s")
        print(f"confirm request (queues the import): {confirm_request:6.2f} s")
        print(f"confirm → stored (import job):       {stored:6.2f} s   (target < 10 s)")
    finally:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
        from redis import Redis

        with Redis.from_url(args.redis) as redis:  # the benchmark's queue and worker records
            for key in redis.scan_iter(f"rq:*{queue}*"):
                redis.delete(key)
            redis.srem("rq:queues", f"rq:queue:{queue}")
        errors = worker.stderr.read().decode(errors="replace") if worker.stderr else ""
        if "Traceback" in errors:
            print(errors[-3000:], file=sys.stderr)


if __name__ == "__main__":
    main()
