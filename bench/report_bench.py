"""Benchmark of the annual activity report: a big group-year gathered and rendered to every format.

Run:  .venv/bin/python bench/report_bench.py [--repeat 3]
      DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/report_bench.py
      (the PostgreSQL database is EMPTIED first: give it a throwaway one)

It builds, with bulk inserts, a scratch database (SQLite in a temporary folder by default) holding one
group-year of the equal-opportunities group: 300 member-years (memberships active during the year, some
joining and leaving in it, across the seven categories), 12 held meetings with attendance sheets, 60
proposals with verdicts and milestones, a plan document with two comment rounds and 2,000 settled comments,
and 10 consultations with 40 responses each. Then it times, in the app (warm: after one untimed run):

1. `collect` (every section's read functions) — the median of `--repeat` runs;
2. `render` of the collected report to HTML, PDF and DOCX — the median of `--repeat` runs each;
3. `keeping.generate` (collect + the three renders + storing the version), once;

and reports the peak Python memory of each step (tracemalloc) and the process's peak RSS (ru_maxrss).
Aim: the PDF under 5 seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

from _common import ROOT, fresh_schema_with_group

sys.path.insert(0, str(ROOT))

YEAR = 2025
CATEGORIES = ["founder", "director", "teacher", "youth_worker", "counselling", "expert", "parent"]


def _insert(model, rows: list[dict]) -> None:
    from sqlalchemy import insert

    from portal.extensions import db

    for start in range(0, len(rows), 1000):
        db.session.execute(insert(model), rows[start : start + 1000])


def _ids(model, **where) -> list[int]:
    from sqlalchemy import select

    from portal.extensions import db

    query = select(model.id)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return list(db.session.scalars(query.order_by(model.id)))


def build(
    members: int = 300, meetings: int = 12, proposals: int = 60, comments: int = 2000, consultations: int = 10
) -> int:
    """The group-year (see the module's docstring); returns the group's id."""
    from portal.extensions import db
    from portal.models import User
    from portal.models.consultations import Consultation, ConsultationAnswer, ConsultationResponse
    from portal.models.consultations import Question as ConsultationQuestion
    from portal.models.consultations import QuestionOption as ConsultationOption
    from portal.models.documents import Document, DocumentParagraph, DocumentSection, DocumentVersion
    from portal.models.groups import Membership, WorkingGroup
    from portal.models.meetings import Attendance, Meeting, MeetingGroup
    from portal.models.proposals import Milestone, Proposal
    from portal.models.rounds import Comment, CommentRound, RoundGroup, Settlement

    group = fresh_schema_with_group(
        name="PS pro rovné příležitosti Benchov", slug="ps-rp", kind="equal_opportunities", public=True
    )
    financing = WorkingGroup(
        territory_id=group.territory_id, name="PS pro financování Benchov", slug="ps-fin", kind="financing"
    )
    db.session.add(financing)
    db.session.flush()
    now = datetime(YEAR + 1, 2, 1, tzinfo=UTC)

    # People and their memberships: most for the whole year, a tenth joining and a tenth leaving in it.
    _insert(
        User,
        [
            dict(
                email=f"clen{n}@benchov.example",
                name=f"Člen Benchov {n}",
                role="member",
                territory_id=group.territory_id,
                locale="cs",
                active=True,
                session_version=0,
                share_contact=False,
                created_at=now,
            )
            for n in range(members)
        ],
    )
    user_ids = _ids(User)
    rows = []
    for n, user_id in enumerate(user_ids):
        joined = date(YEAR, 1 + n % 11, 1) if n % 10 == 1 else date(YEAR - 2, 9, 1)
        left = date(YEAR, 2 + n % 10, 15) if n % 10 == 2 else None
        rows.append(
            dict(
                group_id=group.id,
                user_id=user_id,
                category=CATEGORIES[n % len(CATEGORIES)],
                organisation=f"ZŠ Benchov {n % 25}",
                role="coordinator" if n == 0 else "member",
                joined_on=joined,
                left_on=left,
                created_at=now,
                version=1,
            )
        )
    _insert(Membership, rows)

    # Held meetings, monthly but August, with attendance sheets (four in five present).
    months = [m for m in range(1, 13) if m != 8][:meetings] + [12] * max(0, meetings - 11)
    _insert(
        Meeting,
        [
            dict(
                uid=f"bench-{n}@benchov",
                group_id=group.id,
                title=f"Jednání PS č. {n + 1}",
                starts_at=datetime(YEAR, month, 10 + n % 5, 13, 0, tzinfo=UTC),
                ends_at=datetime(YEAR, month, 10 + n % 5, 15, 0, tzinfo=UTC),
                timezone="Europe/Prague",
                place="ZŠ Benchov, Školní 12",
                kind="joint" if n % 6 == 0 else "regular",
                public=True,
                status="held",
                sequence=0,
                reminder_days=2,
                created_at=now,
                updated_at=now,
                version=1,
            )
            for n, month in enumerate(months)
        ],
    )
    meeting_ids = _ids(Meeting)
    _insert(
        MeetingGroup,
        [dict(meeting_id=m, group_id=group.id) for m in meeting_ids]
        + [dict(meeting_id=m, group_id=financing.id) for n, m in enumerate(meeting_ids) if n % 6 == 0],
    )
    attendance = []
    for n, meeting_id in enumerate(meeting_ids):
        for k, user_id in enumerate(user_ids):
            attendance.append(
                dict(
                    meeting_id=meeting_id,
                    user_id=user_id,
                    name=f"Člen Benchov {k}",
                    organisation=f"ZŠ Benchov {k % 25}",
                    category=CATEGORIES[k % 7],
                    is_guest=False,
                    present=(k + n) % 5 != 0,
                )
            )
    _insert(Attendance, attendance)

    # Proposals with verdicts (compliant, with conditions, not compliant) and two milestones each.
    verdicts = ["compliant", "conditional", "not_compliant", None]
    _insert(
        Proposal,
        [
            dict(
                territory_id=group.territory_id,
                group_id=group.id,
                author_id=user_ids[n % 40],
                title=f"Návrh aktivity {n + 1}: doučování a přechody MŠ/ZŠ",
                description="Aktivita pro žáky ohrožené školním neúspěchem.",
                kind="school",
                target_group="žáci 1. stupně",
                transition="ms_zs",
                klima="KIA",
                expected_cost=120000 + n * 1000,
                funding_source="OP JAK",
                state="assessed" if verdicts[n % 4] else "submitted",
                verdict=verdicts[n % 4],
                verdict_conditions="Doprava zajištěna pro všechny žáky." if n % 4 == 1 else None,
                plan_year_from=YEAR,
                plan_year_to=YEAR + 1,
                submitted_at=datetime(YEAR, 1 + n % 12, 5, tzinfo=UTC),
                created_at=datetime(YEAR, 1 + n % 12, 1, tzinfo=UTC),
                updated_at=datetime(YEAR, 1 + n % 12, 5, tzinfo=UTC),
                version=1,
            )
            for n in range(proposals)
        ],
    )
    proposal_ids = _ids(Proposal)
    _insert(
        Milestone,
        [
            dict(
                proposal_id=p,
                title=f"Milník {k + 1}",
                due_on=date(YEAR, 6 + 5 * k, 30),
                target_value=10,
                reached_value=(None if (n + k) % 3 == 0 else 8 + (n + k) % 4),
                created_at=now,
                version=1,
            )
            for n, p in enumerate(proposal_ids)
            for k in range(2)
        ],
    )

    # A plan document (100 paragraphs), two closed rounds, comments settled, some fundamental disputes.
    document = Document(
        territory_id=group.territory_id,
        group_id=group.id,
        kind="strategic_framework",
        title="Strategický rámec MAP Benchov",
    )
    db.session.add(document)
    db.session.flush()
    version = DocumentVersion(
        document_id=document.id,
        number=1,
        source_format="written",
        state="draft",
        import_state="ready",
        paragraph_count=100,
    )
    db.session.add(version)
    db.session.flush()
    section = DocumentSection(
        version_id=version.id, position=0, level=1, number="1", title="Cíle", anchor="bench-s1"
    )
    db.session.add(section)
    db.session.flush()
    _insert(
        DocumentParagraph,
        [
            dict(
                version_id=version.id,
                section_id=section.id,
                position=i,
                number=i + 1,
                kind="paragraph",
                html=f"<p>Odstavec {i + 1}</p>",
                text=f"Odstavec {i + 1}",
                anchor=f"bench-p{i}",
            )
            for i in range(100)
        ],
    )
    paragraph_ids = _ids(DocumentParagraph)
    rounds = []
    for k in range(2):
        round_ = CommentRound(
            version_id=version.id,
            title=f"Připomínky, kolo {k + 1}",
            opens_at=datetime(YEAR, 3 + 4 * k, 1, tzinfo=UTC),
            closes_at=datetime(YEAR, 4 + 4 * k, 1, tzinfo=UTC),
            public=k == 1,
        )
        round_.groups = [RoundGroup(group_id=group.id)]
        db.session.add(round_)
        rounds.append(round_)
    db.session.flush()
    outcomes = ["accepted", "partly_accepted", "not_accepted", "explained", "noted"]
    _insert(
        Comment,
        [
            dict(
                round_id=rounds[n % 2].id,
                paragraph_id=paragraph_ids[n % 100],
                kind="fundamental" if n % 4 == 0 else "recommendation",
                text=f"Připomínka {n + 1}: doplnit spolupráci se školskými poradenskými zařízeními "
                "a s rodiči dětí s potřebou podpůrných opatření.",
                author_id=user_ids[n % members],
                organisation=f"ZŠ Benchov {n % 25}",
                created_at=datetime(YEAR, 3 + 4 * (n % 2), 2, tzinfo=UTC),
                updated_at=datetime(YEAR, 3 + 4 * (n % 2), 2, tzinfo=UTC),
                version=1,
            )
            for n in range(comments)
        ],
    )
    comment_ids = _ids(Comment)
    settlements = []
    for n, comment_id in enumerate(comment_ids):
        outcome = outcomes[n % 5]
        dispute = n % 4 == 0 and outcome != "accepted"
        settlements.append(
            dict(
                comment_id=comment_id,
                outcome=outcome,
                accepted=outcome == "accepted",
                reason=None if outcome == "accepted" else "Vysvětleno na jednání.",
                settled_by_id=user_ids[0],
                settled_at=datetime(YEAR, 4 + 4 * (n % 2), 10, tzinfo=UTC),
                resolution=("agreed" if n % 3 else "steering_committee") if dispute else None,
                resolved_by_id=user_ids[0] if dispute else None,
                resolved_at=datetime(YEAR, 5 + 4 * (n % 2), 1, tzinfo=UTC) if dispute else None,
                version=1,
            )
        )
    _insert(Settlement, settlements)

    # Consultations: a choice, a scale and a free-text question, 40 responses each.
    for k in range(consultations):
        consultation = Consultation(
            group_id=group.id,
            title=f"Konzultace s rodiči {k + 1}: přechod do 1. třídy",
            opens_at=datetime(YEAR, 1 + k, 1, tzinfo=UTC),
            closes_at=datetime(YEAR, 1 + k, 20, tzinfo=UTC),
            audience="public" if k % 2 else "invited",
            anonymous=k % 2 == 1,
            link_key=f"bench-{k}",
            created_at=datetime(YEAR, 1 + k, 1, tzinfo=UTC),
        )
        db.session.add(consultation)
        db.session.flush()
        choice = ConsultationQuestion(
            consultation_id=consultation.id, position=0, kind="single", text="Jak se dítě dostává do školy?"
        )
        scale = ConsultationQuestion(
            consultation_id=consultation.id,
            position=1,
            kind="scale",
            text="Jak jste spokojeni s informacemi od školy?",
        )
        free = ConsultationQuestion(
            consultation_id=consultation.id, position=2, kind="text", text="Co by vám pomohlo?"
        )
        db.session.add_all([choice, scale, free])
        db.session.flush()
        options = [
            ConsultationOption(question_id=choice.id, position=i, label=label)
            for i, label in enumerate(["pěšky", "autobusem", "autem"])
        ]
        db.session.add_all(options)
        db.session.flush()
        responses = []
        for r in range(40):
            responses.append(
                ConsultationResponse(
                    consultation_id=consultation.id,
                    user_id=None if consultation.anonymous else user_ids[r],
                    submitted_at=datetime(YEAR, 1 + k, 2 + r % 15, tzinfo=UTC),
                    updated_at=datetime(YEAR, 1 + k, 2 + r % 15, tzinfo=UTC),
                )
            )
        db.session.add_all(responses)
        db.session.flush()
        answers = []
        for r, response in enumerate(responses):
            answers += [
                dict(response_id=response.id, question_id=choice.id, option_id=options[r % 3].id),
                dict(response_id=response.id, question_id=scale.id, scale_value=1 + r % 5),
                dict(response_id=response.id, question_id=free.id, text="Více informací předem."),
            ]
        _insert(ConsultationAnswer, answers)
    db.session.commit()
    return group.id


def _measure(step, repeat: int, *, before=None):
    """Run `step` `repeat` times: (wall seconds, CPU seconds, the last result, peak traced MiB). The machine
    may be shared, so the CPU time of the process is reported beside the wall time. Tracing memory slows
    Python down: the peak comes from one more run of its own."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        if before:
            before()
        began, cpu = time.perf_counter(), time.process_time()
        result = step()
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
    if before:
        before()
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return walls, cpus, result, peak


def _summary(walls: list[float], cpus: list[float]) -> str:
    return (
        f"median {statistics.median(walls):.2f} s wall (min {min(walls):.2f}, max {max(walls):.2f}), "
        f"{statistics.median(cpus):.2f} s CPU"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of collect and of each render")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'report-bench.db'}"
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)

    from config import DevelopmentConfig
    from portal import create_app
    from portal.extensions import db
    from portal.models import WorkingGroup
    from portal.reports import keeping
    from portal.reports.collect import collect
    from portal.reports.render import render

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, JOBS_LOCAL_THREAD=False)
    with app.app_context():
        began = time.perf_counter()
        group_id = build()
        print(
            f"database: {db.engine.dialect.name}; built the group-year in {time.perf_counter() - began:.1f} s"
        )
        group = db.session.get(WorkingGroup, group_id)
        start, end = date(YEAR, 1, 1), date(YEAR, 12, 31)

        collect(group, start, end)  # warm-up (imports, templates, fonts)
        walls, cpus, report, peak = _measure(
            lambda: collect(group, start, end), args.repeat, before=db.session.expire_all
        )
        available = [s.key for s in report.sections if s.available]
        unavailable = [s.key for s in report.sections if not s.available]
        print(f"sections available: {', '.join(available)} (unavailable: {', '.join(unavailable) or 'none'})")
        for key in (
            "members_end",
            "meetings_held",
            "attendance_rate",
            "proposals_count",
            "comments_total",
            "consultations_count",
        ):
            figure = next((s.figure(key) for s in report.sections if s.figure(key) is not None), None)
            if figure is not None:
                print(f"  {key} = {figure.value}")
        print(f"collect: {_summary(walls, cpus)} over {args.repeat} runs; peak Python memory {peak:.1f} MiB")
        for fmt in keeping.FORMATS:
            render(report, fmt)  # warm-up
            walls, cpus, data, peak = _measure(lambda fmt=fmt: render(report, fmt), args.repeat)
            print(
                f"render {fmt}: {_summary(walls, cpus)}; {len(data) / 1024:.0f} KiB; "
                f"peak Python memory {peak:.1f} MiB"
            )
        began, cpu = time.perf_counter(), time.process_time()
        version = keeping.generate(group, start, end, "cs", foreword="Úvod", notes=None, author=None)
        db.session.commit()
        print(
            "generate + store (collect, HTML, PDF, DOCX, page fragment): "
            f"{time.perf_counter() - began:.2f} s "
            f"wall, {time.process_time() - cpu:.2f} s CPU; collect alone {version.collect_ms / 1000:.2f} s"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
