"""Benchmark of the calendar feeds: a group of 500 meetings served by gunicorn (4 sync workers).

Run:  .venv/bin/python bench/calendar_bench.py [--meetings 500] [--seconds 8] [--clients 4]
      .venv/bin/python bench/calendar_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
      (the PostgreSQL database is EMPTIED first: give it a throwaway one)

It creates a database (SQLite in a temporary folder by default) with one working group and its meetings
(four agenda items each, one in 25 cancelled), measures the cold render in-process (fingerprint + queries +
iCalendar, median of repeated runs), then starts the app under gunicorn on a free loopback port with
BENCH_MODE=1 and measures requests/second and latency (median, p95) with keep-alive HTTP clients in
separate processes (only to 127.0.0.1), for:

1. ceiling: `/healthz` (a trivial route of the same app, one `SELECT 1`);
2. cold: the feed rendered from nothing on every request (`?nocache=1`, honoured only under BENCH_MODE=1);
3. warm: the feed unchanged since it was rendered (served from the worker's cache after one small query);
4. 304: the feed with `If-None-Match` of its current ETag (one small query, no body).

Targets: 304 >= 50 % and warm >= 20 % of the ceiling; the cold render of 500 meetings under 100 ms median.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import ROOT, free_port, fresh_schema_with_group, start_gunicorn, stop

sys.path.insert(0, str(ROOT))


# ---- the database ------------------------------------------------------------------------------------


def build_database(url: str, meetings: int) -> int:
    """Create the schema and one group with `meetings` meetings; return the group's id."""
    from config import DevelopmentConfig
    from portal import create_app
    from portal.extensions import db
    from portal.models.meetings import AgendaItem, Meeting, MeetingGroup

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        group = fresh_schema_with_group(name="PS pro rovné příležitosti Benchov", slug="ps-rp",
                                        kind="equal_opportunities")
        start = datetime(2026, 1, 6, 15, 0, tzinfo=UTC)
        for n in range(meetings):
            begins = start + timedelta(days=3 * n)
            meeting = Meeting(
                group_id=group.id, title=f"Jednání PS pro rovné příležitosti č. {n + 1}",
                description="Společné jednání o přechodech žáků mezi MŠ a ZŠ a o podpůrných opatřeních.",
                starts_at=begins, ends_at=begins + timedelta(hours=2), place="ZŠ Benchov, Školní 12",
                online_url="https://meet.example.cz/ps-rp", status="cancelled" if n % 25 == 0 else "planned",
                sequence=n % 3,
            )
            meeting.participants.append(MeetingGroup(group_id=group.id))
            for position, title in enumerate(("Zahájení a schválení programu", "Analýza selektivity ve škole",
                                              "Návrhy aktivit do akčního plánu", "Různé a závěr")):
                meeting.agenda.append(AgendaItem(position=position, title=title, presenter="Jana Nováková",
                                                 duration_minutes=15 + 5 * position))
            db.session.add(meeting)
        db.session.commit()
        group_id = group.id
        db.session.remove()
        db.engine.dispose()
    return group_id


def cold_render_in_process(url: str, group_id: int, runs: int) -> dict[str, float]:
    """Median milliseconds of the cold path, measured in this process without HTTP."""
    from config import DevelopmentConfig
    from portal import create_app
    from portal.analysis_portal.visibility import hidden_agenda_items
    from portal.calendar import feeds
    from portal.calendar.ical import calendar_for
    from portal.extensions import db

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, BASE_URL="http://127.0.0.1")
    timings: dict[str, list[float]] = {"fingerprint": [], "queries": [], "icalendar": [], "total": []}
    with app.test_request_context():
        feed = feeds.Feed(identity=("group", group_id), scope="public", name="PS", locale="cs",
                          group_ids=(group_id,))
        feeds.render(feed)  # imports, VTIMEZONE and first-use costs are not part of a render
        for _ in range(runs):
            db.session.expunge_all()
            t0 = time.perf_counter()
            feeds.fingerprint(feed)
            t1 = time.perf_counter()
            meetings = feeds.load_meetings(feed)
            hidden = hidden_agenda_items(meetings, scope=feed.analysis)  # as feeds.render does
            t2 = time.perf_counter()
            body = calendar_for(meetings, name=feed.name, hidden=hidden)
            t3 = time.perf_counter()
            for key, value in (("fingerprint", t1 - t0), ("queries", t2 - t1), ("icalendar", t3 - t2),
                               ("total", t3 - t0)):
                timings[key].append(value * 1000)
        size = len(body)
        db.session.remove()
        db.engine.dispose()
    result = {key: statistics.median(values) for key, values in timings.items()}
    result["bytes"] = size
    result["meetings"] = len(meetings)
    return result


# ---- the load generator ------------------------------------------------------------------------------


def _client(args) -> tuple[list[float], int]:
    """One client process: requests until `count` or `seconds` is reached; latencies in ms, errors."""
    port, path, headers, expected, count, seconds = args
    latencies: list[float] = []
    errors = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    deadline = time.monotonic() + seconds
    while len(latencies) < count and time.monotonic() < deadline:
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != expected:
                errors += 1
            if response.will_close:  # gunicorn's sync workers close after each response
                conn.close()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return latencies, errors


def load(pool, port: int, path: str, *, headers=None, expected=200, clients=4, count=5000,
         seconds=8.0) -> dict:
    """One measurement of a scenario: requests/second and the latencies, after a short warm-up in which
    every worker serves the route (and caches the feed)."""
    pool.map(_client, [(port, path, headers or {}, expected, 10, 30)] * clients)
    started = time.perf_counter()
    results = pool.map(_client, [(port, path, headers or {}, expected, count // clients, seconds)] * clients)
    elapsed = time.perf_counter() - started
    latencies = [x for part, _errors in results for x in part]
    return {"latencies": latencies, "errors": sum(e for _part, e in results), "rps": len(latencies) / elapsed}


def summarise(rounds: list[dict]) -> dict:
    """The median round's requests/second (the machine may be busy with other work now and then) and the
    latency percentiles over all rounds."""
    latencies = sorted(x for r in rounds for x in r["latencies"])
    return {
        "requests": len(latencies),
        "errors": sum(r["errors"] for r in rounds),
        "rps": statistics.median(r["rps"] for r in rounds),
        "median": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL of a throwaway database (emptied first)")
    parser.add_argument("--meetings", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=9.0, help="time limit per scenario (all rounds)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per scenario")
    parser.add_argument("--requests", type=int, default=20000, help="request limit per scenario")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client processes")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--runs", type=int, default=30, help="in-process cold renders to take the median of")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="calendar-bench-") as tmp:
        url = options.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        t0 = time.perf_counter()
        group_id = build_database(url, options.meetings)
        print(f"database: {url.split('@')[-1]} with {options.meetings} meetings "
              f"({time.perf_counter() - t0:.1f} s to create)")

        cold = cold_render_in_process(url, group_id, options.runs)
        print(f"\nin-process cold render of {cold['meetings']} meetings ({cold['bytes'] / 1024:.0f} KiB), "
              f"median of {options.runs}:")
        for key in ("fingerprint", "queries", "icalendar", "total"):
            print(f"  {key:<12} {cold[key]:7.1f} ms")

        port = free_port()
        # BENCH_MODE=1: the feed honours `?nocache=1` (the cold scenario).
        server = start_gunicorn("wsgi:app", port, options.workers, PORTAL_CONFIG="development",
                                DATABASE_URL=url, BENCH_MODE="1")
        try:
            feed = f"/calendar/groups/{group_id}.ics"
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("GET", feed)
            first = conn.getresponse()
            first.read()
            etag = first.getheader("ETag")
            conn.close()
            context = multiprocessing.get_context("fork")
            scenarios = [
                ("ceiling  /healthz", "/healthz", {}, 200),
                ("cold     feed ?nocache=1", feed + "?nocache=1", {}, 200),
                ("warm     feed (cached)", feed, {}, 200),
                ("304      If-None-Match", feed, {"If-None-Match": etag}, 304),
            ]
            measured: dict[str, list[dict]] = {name: [] for name, *_ in scenarios}
            with context.Pool(options.clients) as pool:
                # Rounds interleave the scenarios, so that a busy moment of the machine hits all of them.
                for _round in range(options.rounds):
                    for name, path, headers, expected in scenarios:
                        share = {"count": options.requests // options.rounds,
                                 "seconds": options.seconds / options.rounds}
                        measured[name].append(load(pool, port, path, headers=headers, expected=expected,
                                                   clients=options.clients, **share))
            rows = [(name, summarise(measured[name])) for name, *_ in scenarios]
        finally:
            stop(server)

    ceiling = rows[0][1]["rps"]
    print(f"\ngunicorn {options.workers} sync workers, {options.clients} client processes, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"{'scenario':<26}{'requests':>9}{'errors':>7}{'req/s':>9}{'median ms':>11}{'p95 ms':>9}"
          f"{'% ceiling':>11}")
    for name, row in rows:
        print(f"{name:<26}{row['requests']:>9}{row['errors']:>7}{row['rps']:>9.0f}{row['median']:>11.1f}"
              f"{row['p95']:>9.1f}{100 * row['rps'] / ceiling:>10.0f}%")
    checks = [
        ("304 >= 50 % of the ceiling", rows[3][1]["rps"] >= 0.5 * ceiling),
        ("warm >= 20 % of the ceiling", rows[2][1]["rps"] >= 0.2 * ceiling),
        ("cold render < 100 ms median (in-process)", cold["total"] < 100),
    ]
    print()
    for label, ok in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {label}")


if __name__ == "__main__":
    main()
