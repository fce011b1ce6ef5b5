"""Load benchmark of the portal's pages: 50 signed-in people against gunicorn (4 sync workers) + PostgreSQL.

Run:  .venv/bin/python bench/load_bench.py                  (or `make bench-load`)
      .venv/bin/python bench/load_bench.py --users 50 --seconds 60 --workers 4
      .venv/bin/python bench/load_bench.py --keep-database    (reuse bench_load as it is, e.g. back-to-back)

1. Creates the PostgreSQL database `bench_load` afresh (DROPPED first if it exists: it belongs to this
   benchmark alone), runs the migrations and `flask demo` (the demo territory MAP ORP Vzorov with its groups,
   meetings and the analysis sample's three school years).
2. Starts gunicorn on a free 127.0.0.1 port, 4 sync workers like the deployment in README.md, serving
   `bench/load_app.py`: the portal plus a bare route (`/bench/bare`) as the ceiling of the same stack.
3. Runs locust headless (`bench/load_users.py`) for a fixed time: each user signs in with a demo account,
   reads the dashboard, the group page, the meeting list and pages, the group's calendar feed, the analysis
   overview, flag list and flags, the account pages, and now and then signs out and in again; think time
   0.5–1.5 s.
4. Prints p50/p95/p99 and errors per page (locust rounds times above 100 ms to 10 ms) and checks the aim:
   no errors, p95 under 200 ms for every page but the sign-in page (argon2 makes a sign-in slow on purpose).

Everything is bounded in time (setup, server start, the run itself) and talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, free_port, start_gunicorn, stop

BENCH = Path(__file__).resolve().parent
PASSWORD = "bench-load-2026"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"
ACCOUNTS = ["koordinator@demo.example", "clen@demo.example", "admin@demo.example"]
TARGET_MS = 200
# The sign-in page: its POST runs argon2 by design, and its form is fetched right after a sign-out, in the
# same moments as other users' argon2 sign-ins (its p50 is a few ms; its tail is the queue behind them).
EXEMPT = ("sign-in (POST)", "sign-in (form)")


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def create_database(url: str) -> None:
    """Drop and create the benchmark's own database (never any other)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    if not name.startswith("bench"):
        raise SystemExit(f"refusing to drop {name!r}: the benchmark only recreates databases named bench*")
    with psycopg.connect(_plain(base + "/postgres"), autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flask(url: str, *args: str, timeout: float = 300) -> None:
    env = dict(os.environ, FLASK_APP="wsgi", DATABASE_URL=url, PORTAL_CONFIG="development",
               MAIL_BACKEND="console", MAIL_DELIVERY="off", PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, check=True, timeout=timeout,
                   stdout=subprocess.DEVNULL)


def demo_ids(url: str) -> dict:
    """The ids the users read: the demo group, its meetings, the demo territory's flags."""
    import psycopg

    with psycopg.connect(_plain(url), connect_timeout=10) as conn:
        group = conn.execute("SELECT g.id FROM working_group g JOIN territory t ON t.id = g.territory_id "
                             "WHERE t.slug = 'vzorov' ORDER BY g.id LIMIT 1").fetchone()[0]
        meetings = [row[0] for row in conn.execute(
            "SELECT m.id FROM meeting m WHERE m.group_id = %s ORDER BY m.id", (group,))]
        flags = [row[0] for row in conn.execute("SELECT id FROM analysis_flag ORDER BY id")]
    if not meetings or not flags:
        raise SystemExit("the demo data has no meetings or no flags")
    return {"group": group, "meetings": meetings, "flags": flags, "accounts": ACCOUNTS}


def serve(url: str, port: int, workers: int, redis: str, root: Path) -> subprocess.Popen:
    """The production configuration (rate limits in Redis), 4 sync workers, as in README.md."""
    return start_gunicorn("load_app:app", port, workers, cwd=root, ready_path="/bench/bare", timeout=60,
                          poll=0.3, stop_timeout=15, PORTAL_CONFIG="production", DATABASE_URL=url,
                          RATELIMIT_STORAGE_URI=redis, PYTHONPATH=f"{BENCH}{os.pathsep}{root}")


def run_locust(port: int, ids: dict, users: int, spawn_rate: float, seconds: int, prefix: Path) -> None:
    env = dict(os.environ, BENCH_IDS=json.dumps(ids), BENCH_PASSWORD=PASSWORD)
    command = [sys.executable, "-m", "locust", "-f", str(BENCH / "load_users.py"), "--headless",
               "--host", f"http://127.0.0.1:{port}", "--users", str(users), "--spawn-rate", str(spawn_rate),
               "--run-time", f"{seconds}s", "--stop-timeout", "10", "--csv", str(prefix), "--only-summary",
               "--loglevel", "WARNING", "--exit-code-on-error", "0", "--reset-stats"]
    with open(f"{prefix}.log", "w") as log:
        done = subprocess.run(command, cwd=ROOT, env=env, timeout=seconds + 120, stdout=log, stderr=log)
    if done.returncode != 0:
        raise SystemExit(f"locust failed:\n{Path(f'{prefix}.log').read_text()[-3000:]}")


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return [row for row in csv.DictReader(handle)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help="PostgreSQL URL of the benchmark's own database (recreated unless "
                             "--keep-database)")
    parser.add_argument("--keep-database", action="store_true", help="use the database as it is")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    parser.add_argument("--seconds", type=int, default=60, help="length of the run")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10", help="rate-limit storage")
    parser.add_argument("--app-root", type=Path, default=ROOT,
                        help="serve the portal from another checkout (e.g. an export of an older commit, "
                             "for a back-to-back comparison on the same database)")
    options = parser.parse_args()

    url = options.database_url
    import redis

    try:
        redis.Redis.from_url(options.redis, socket_timeout=5).ping()
    except redis.RedisError as error:
        raise SystemExit(f"Redis ({options.redis}) does not answer: {error}; the production configuration "
                         "keeps its rate limits there") from error
    if not options.keep_database:
        t0 = time.perf_counter()
        create_database(url)
        flask(url, "db", "upgrade")
        flask(url, "demo", "--password", PASSWORD)
        print(f"database {url.rsplit('/', 1)[-1]}: migrated and demo data loaded "
              f"({time.perf_counter() - t0:.0f} s)")
    ids = demo_ids(url)

    port = free_port()
    server = serve(url, port, options.workers, options.redis, options.app_root.resolve())
    try:
        with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
            load_before = os.getloadavg()[0]
            run_locust(port, ids, options.users, options.spawn_rate, options.seconds, Path(tmp) / "run")
            load_after = os.getloadavg()[0]
            rows = read_stats(Path(tmp) / "run")
    finally:
        stop(server, timeout=15)

    print(f"\nportal from {options.app_root.resolve()}")
    print(f"{options.users} users, {options.seconds} s, gunicorn {options.workers} sync workers, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {load_before:.1f} → "
          f"{load_after:.1f}")
    print(f"{'page':<26}{'requests':>9}{'errors':>7}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}")
    misses = []
    for row in rows:
        name = row["Name"]
        print(f"{name:<26}{row['Request Count']:>9}{row['Failure Count']:>7}{row['50%']:>8}{row['95%']:>8}"
              f"{row['99%']:>8}")
        if name == "Aggregated":
            continue
        if int(row["Failure Count"]):
            misses.append(f"{name}: {row['Failure Count']} errors")
        if name not in EXEMPT and row["95%"] != "N/A" and float(row["95%"]) >= TARGET_MS:
            misses.append(f"{name}: p95 {row['95%']} ms")
    print()
    print(f"  {'PASS' if not misses else 'MISS'}  no errors, p95 < {TARGET_MS} ms for every page but sign-in")
    for miss in misses:
        print(f"        {miss}")


if __name__ == "__main__":
    main()
