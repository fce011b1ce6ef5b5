"""Benchmark of the annual report's renderers (HTML, PDF, DOCX) on a big year.

Run:  .venv/bin/python bench/report_render_bench.py [--members 300] [--meetings 12] [--extra-rows 360]

In a throwaway SQLite database: a group with `--members` memberships (a tenth of them ending during the
year, a third joining during it), `--meetings` held meetings with the attendance of every expected member
(every fourth one joint with the financing group). It collects the report for the year (the sections this
installation has) and adds `--extra-rows` table rows and a stacked chart as stand-ins for the sections of
other areas (proposals, settlement statistics), then renders each format and prints the time and the
process's peak memory (ru_maxrss). The whole-report benchmark on the real data of every area lives beside
it (the report feature's own bench); this one isolates the renderers.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--meetings", type=int, default=12)
    parser.add_argument("--extra-rows", type=int, default=360)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from config import TestingConfig
    from portal import create_app
    from portal.extensions import db

    folder = tempfile.mkdtemp(prefix="report-bench-")
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/bench.db")
    with app.app_context():
        upgrade()
        group = _data(db, args.members, args.meetings)
        from portal.reports import render
        from portal.reports.collect import collect
        from portal.reports.model import Chart, Section, Table

        started = time.perf_counter()
        report = collect(group, date(2025, 1, 1), date(2025, 12, 31))
        print(f"collect: {time.perf_counter() - started:.2f} s")
        half = args.extra_rows // 6
        report.sections.append(Section("bench", "Stand-ins for the other areas", [
            Table("Návrhy", ["Návrh", "Verdikt", "Podmínky", "Milník"],
                  [[f"Návrh aktivity č. {i}: doučování a adaptační pobyty", "v souladu s podmínkami",
                    "Doprava dětí zajištěna obcí.", "splněno"] for i in range(half)]),
            Table("Připomínky", ["Č.", "Typ", "Výsledek", "Text"],
                  [[str(i), "zásadní" if i % 5 == 0 else "doporučující", "akceptováno",
                    "Připomínka k odstavci o spádových školách."] for i in range(args.extra_rows - half)]),
            Chart("settlement", "Vypořádání připomínek", "stacked", ["1. kolo", "2. kolo", "3. kolo"],
                  [("akceptováno", [500.0, 300.0, 200.0]), ("neakceptováno", [200.0, 100.0, 50.0])],
                  Table("Vypořádání připomínek", ["Kolo", "akceptováno", "neakceptováno"],
                        [["1. kolo", 500, 200], ["2. kolo", 300, 100], ["3. kolo", 200, 50]])),
        ]))
        for fmt in ("html", "pdf", "docx"):
            started, cpu = time.perf_counter(), time.process_time()
            body = render.render(report, fmt)
            # CPU time too: on a shared machine the wall time also counts other processes' turns.
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"{fmt}: {wall:.2f} s wall, {cpu:.2f} s CPU, {len(body) // 1024} KiB")
    print(f"peak memory (RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")


def _data(db, members: int, meetings: int):
    from portal.accounts.services import get_or_create_territory
    from portal.groups.balance import CATEGORIES
    from portal.meetings.attendance import expected_people
    from portal.models import Membership, User, WorkingGroup
    from portal.models.meetings import Attendance, Meeting, MeetingGroup

    territory = get_or_create_territory("MAP ORP Benchmark", "benchmark")
    group = WorkingGroup(territory_id=territory.id, name="PS pro rovné příležitosti", slug="ps-rp",
                         kind="equal_opportunities", created_at=datetime(2020, 1, 1, tzinfo=UTC))
    financing = WorkingGroup(territory_id=territory.id, name="PS pro financování", slug="ps-fin",
                             kind="financing")
    db.session.add_all([group, financing])
    db.session.flush()
    users = [User(email=f"clen{i}@bench.example", name=f"Člen Číslo {i:03d}", role="member",
                  territory_id=territory.id) for i in range(members)]
    db.session.add_all(users)
    db.session.flush()
    for i, user in enumerate(users):
        joined = date(2024, 1, 1) if i < members * 2 // 3 else date(2025, 1 + i % 12, 1)
        left = date(2025, 1 + i % 12, 15) if i % 10 == 0 else None
        db.session.add(Membership(group_id=group.id, user_id=user.id, category=CATEGORIES[i % 7],
                                  joined_on=joined, left_on=left if left is None or left > joined else None))
    db.session.flush()
    for number in range(meetings):
        start = datetime(2025, 1 + number % 12, 10 + number // 12, 14, tzinfo=UTC)
        meeting = Meeting(group_id=group.id, title=f"{number + 1}. jednání PS", starts_at=start,
                          ends_at=start + timedelta(hours=2), place="ZŠ Vzorov, Školní 1", status="held")
        meeting.participants.append(MeetingGroup(group_id=group.id))
        if number % 4 == 0:
            meeting.participants.append(MeetingGroup(group_id=financing.id))
        db.session.add(meeting)
        db.session.flush()
        for n, line in enumerate(expected_people(meeting)):
            meeting.attendance.append(Attendance(user_id=line.user_id, name=line.name, category=line.category,
                                                 present=n % 3 != 0))
    db.session.commit()
    return group


if __name__ == "__main__":
    main()
