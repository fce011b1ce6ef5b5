"""What the benchmark scripts share: a loopback port, gunicorn started and stopped, a throwaway schema
emptied, the benchmark's territory and group, a test client signed in as a user.

Only 127.0.0.1 is ever bound or asked.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- gunicorn ----------------------------------------------------------------------------------------


def start_gunicorn(app: str, port: int, workers: int, *, cwd: Path = ROOT, ready_path: str = "/healthz",
                   timeout: float = 30, poll: float = 0.2, stop_timeout: float = 10,
                   **env: str) -> subprocess.Popen:
    """gunicorn serving `app` ("module:variable") with `workers` sync workers on 127.0.0.1:`port`, in its own
    process group; returned once `ready_path` answers 200 (within `timeout` seconds, else it is stopped and
    the script ends). `env` adds to (or overrides) the environment: a bench secret key, the base URL, mail to
    the console, PYTHONPATH the checkout."""
    env = {**os.environ, "SECRET_KEY": "bench-only", "BASE_URL": f"http://127.0.0.1:{port}",
           "MAIL_BACKEND": "console", "MAIL_DELIVERY": "off", "PYTHONPATH": str(ROOT), **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=cwd, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", ready_path)
            if conn.getresponse().status == 200:
                conn.close()
                return process
        except OSError:
            time.sleep(poll)
    stop(process, timeout=stop_timeout)
    raise SystemExit("gunicorn did not start")


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """End a process started in its own session, with its whole group: SIGTERM, then SIGKILL after
    `timeout` seconds."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ---- the database (in an app context) ----------------------------------------------------------------


def empty_schema() -> None:
    """On PostgreSQL, drop and recreate the public schema: everything in the (throwaway) database goes.
    Elsewhere nothing happens."""
    from sqlalchemy import text

    from portal.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


def fresh_schema_with_group(**group):
    """An emptied schema, the tables created, the territory MAP ORP Benchov and in it one working group with
    the given columns (flushed, not committed); returns the group."""
    from portal.extensions import db
    from portal.models import Territory
    from portal.models.groups import WorkingGroup

    empty_schema()
    db.create_all()
    territory = Territory(name="MAP ORP Benchov", slug="benchov")
    db.session.add(territory)
    db.session.flush()
    working_group = WorkingGroup(territory_id=territory.id, **group)
    db.session.add(working_group)
    db.session.flush()
    return working_group


def signed_in_client(app, user_id: str):
    """A test client whose session belongs to the user (a fresh sign-in)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    return client
