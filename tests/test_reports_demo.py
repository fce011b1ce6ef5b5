"""THE end-to-end test of the annual report: the demo loaded, the demo coordinator creates last year's
report on the group's reports page (a background job), downloads the stored PDF and DOCX, and the figures
read back from them (pypdf, python-docx) are those of the portal's own read functions and the known demo
values: meetings held, attendance rate, members by category, verdicts, settlement counts, consultations."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from portal.consultations import reads as consultation_reads
from portal.extensions import db
from portal.groups import services as groups
from portal.groups.balance import CATEGORIES, CATEGORY_LABELS
from portal.meetings import attendance
from portal.meetings import reads as meeting_reads
from portal.models import User, WorkingGroup
from portal.models.meetings import MeetingStatus
from portal.models.reports import ReportVersion
from portal.proposals import assessment_reads
from portal.proposals import reads as proposal_reads
from portal.reports.sections._period import bounds
from portal.rounds import reads as round_reads
from portal.rounds.reads import Statistics
from tests.forms_helper import hidden_fields

# The demo follows the day it is loaded: load it on a fixed day so that last year's figures are known.
TODAY = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Europe/Prague"))
START, END = date(2025, 1, 1), date(2025, 12, 31)
DEMO_PASSWORD = "demo-heslo-pro-zpravu"

# Known demo values for 2025 (portal/groups/demo.py, portal/meetings/demo.py, loaded on TODAY).
MEMBERS_START, MEMBERS_END = 6, 12
MEMBERS_BY_CATEGORY_END = {"founder": 2, "director": 1, "teacher": 2, "youth_worker": 2, "counselling": 1,
                           "expert": 3, "parent": 1}
MEETINGS_HELD, MEETINGS_CANCELLED = 5, 1
MEMBERS_PRESENT, MEMBERS_EXPECTED = 41, 53  # 77,4 %
VERDICTS = {  # portal/proposals/demo.py, assessed last year
    "Kurz češtiny pro rodiče žáků s odlišným mateřským jazykem": "compliant",
    "Příměstský tábor pro děti ze sociálně znevýhodněného prostředí": "conditional",
    "Talentová třída s přijímacími zkouškami": "not_compliant",
}
VERDICT_WORDS = {"compliant": "V souladu", "conditional": "V souladu s podmínkami",
                 "not_compliant": "Není v souladu"}
# portal/rounds/demo.py: one closed round, every outcome, three rozpory (agreed, passed to ŘV, unresolved).
COMMENTS, FUNDAMENTAL, RECOMMENDATIONS = 7, 4, 3
OUTCOMES = {"akceptováno": (1, 0), "částečně akceptováno": (0, 1), "neakceptováno": (2, 0),
            "vysvětleno": (1, 1), "bere se na vědomí": (0, 1)}
OUTCOME_CODES = {"akceptováno": "accepted", "částečně akceptováno": "partly_accepted",
                 "neakceptováno": "not_accepted", "vysvětleno": "explained", "bere se na vědomí": "noted"}
DISPUTES, DISPUTES_AGREED, DISPUTES_STEERING, DISPUTES_UNRESOLVED = 3, 1, 1, 1
# portal/consultations/demo.py: last October's anonymous consultation by link, 16 respondents.
CONSULTATIONS = [("Co pomáhá dětem ve škole a co jim chybí", 16, True)]


def pdf_text(data: bytes) -> str:
    """The PDF's text with its line breaks and runs of spaces made single spaces."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def docx_tables(data: bytes) -> list[list[list[str]]]:
    return [[[cell.text.strip() for cell in row.cells] for row in table.rows]
            for table in docx.Document(io.BytesIO(data)).tables]


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def table_with(tables, header: list[str]) -> dict[str, list[str]]:
    """The DOCX table whose header row is `header`, as {first cell: the other cells}."""
    for table in tables:
        if table and table[0] == header:
            return {row[0]: row[1:] for row in table[1:]}
    raise AssertionError(f"no table with the header {header}")


def figures(tables) -> dict[str, str]:
    """Every figure of the report (the "Ukazatel | Hodnota" tables), label → value."""
    found = {}
    for table in tables:
        if table and table[0] == ["Ukazatel", "Hodnota"]:
            found.update({row[0]: row[1] for row in table[1:]})
    return found


@pytest.fixture(scope="module")
def demo_report(app):
    """The demo loaded on TODAY, and last year's report created through the pages by the demo coordinator:
    (group, stored version, PDF bytes and DOCX bytes as downloaded)."""
    from portal.demo import seed_demo
    from tests.conftest import signed_in_somewhere

    with app.app_context(), time_machine.travel(TODAY, tick=False):
        seed_demo(DEMO_PASSWORD)
        db.session.commit()
        group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "rovne-prilezitosti"))
        coordinator = db.session.scalar(select(User).where(User.email == "koordinator@demo.example"))
        signed_in_somewhere(coordinator)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = coordinator.get_id()
        page = f"/groups/{group.id}/reports"
        assert "Zpráva za období 2025" in client.get(page).get_data(as_text=True)  # last year by default
        action = f"/groups/{group.id}/reports/generate?year=2025"
        fields = hidden_fields(client, page + "?year=2025", needs="once", action=action)
        job_page = client.post(action, data={**fields, "language": "cs"}).headers["Location"]
        version_page = client.get(job_page)
        assert version_page.status_code == 303, version_page.get_data(as_text=True)
        # The demo already holds version 1 (portal/reports/demo.py): the coordinator's is the newest.
        version = db.session.scalar(select(ReportVersion).order_by(ReportVersion.id.desc()).limit(1))
        assert version.number == 2 and version.author_id == coordinator.id
        pdf = client.get(f"/reports/{version.id}/file.pdf")
        docx_file = client.get(f"/reports/{version.id}/file.docx")
        assert pdf.status_code == docx_file.status_code == 200
        assert "vyrocni-zprava-2025-rovne-prilezitosti-v2.pdf" in pdf.headers["Content-Disposition"]
        result = dict(pdf=pdf.data, docx=docx_file.data, stored=(version.pdf, version.docx),
                      title=version.title, page=client.get(f"/reports/{version.id}").get_data(as_text=True),
                      reads=portal_reads(group))
        db.session.remove()
    # The `db` fixture empties the tables after each test: what the tests compare is kept here.
    return result


def portal_reads(group: WorkingGroup) -> dict:
    """The figures as the portal's own read functions give them (the ones the pages use)."""
    meetings = meeting_reads.meetings_between(group, START, END)
    held = [m for m in meetings if m.status == MeetingStatus.HELD]
    zone = ZoneInfo("Europe/Prague")
    start_at, end_at = bounds(START, END)
    rates = {m.id: attendance.member_rate(m) for m in held}
    return dict(
        held=len(held),
        cancelled=sum(1 for m in meetings if m.status == MeetingStatus.CANCELLED),
        rate=attendance.overall_rate(list(rates.values())),
        meetings=[(m.starts_at.astimezone(zone).date(), m.title, rates[m.id]) for m in held],
        at_start=groups.composition(group, START, months=1).assessment.counts,
        at_end=groups.composition(group, END, months=1).assessment.counts,
        verdicts={p.title: (assessment_reads.verdict_before(p, end_at), p.verdict_conditions)
                  for p in proposal_reads.proposals_between(group.id, start_at, end_at, START, END)},
        consultations=[(c.title, c.respondents, c.anonymous)
                       for c in consultation_reads.summaries(group.id, START, END)],
        settlements=sum(round_reads.settlement_statistics(
            [r.id for r in round_reads.rounds_between(group, start_at, end_at)]).values(), Statistics()),
    )


def test_the_stored_files_are_the_downloaded_ones(demo_report):
    assert demo_report["stored"] == (demo_report["pdf"], demo_report["docx"])
    assert demo_report["title"] == "Výroční zpráva o činnosti 2025: PS pro rovné příležitosti"
    text = pdf_text(demo_report["pdf"])
    assert "Výroční zpráva o činnosti 2025: PS pro rovné příležitosti" in text
    assert "MAP ORP Vzorov" in text and "1. 1. 2025 – 31. 12. 2025" in text
    # Every section is there, in order; none is silently left out.
    headings = ["Složení a vyváženost skupiny", "Jednání", "Témata, usnesení a úkoly",
                "Návrhy aktivit a posouzení souladu se zásadou rovného přístupu",
                "Připomínková řízení k dokumentům MAP", "Konzultace s rodiči", "Signály z analýzy území",
                "Spolupráce s dalšími skupinami"]
    positions = [text.find(heading) for heading in headings]
    assert -1 not in positions and positions == sorted(positions), dict(zip(headings, positions, strict=True))
    word = docx_text(demo_report["docx"])
    assert all(heading in word for heading in headings)
    # The version page shows the same report.
    assert "Konaná jednání" in demo_report["page"] and "77,4" in demo_report["page"]


def test_meetings_held_and_the_attendance_rate(demo_report):
    reads = demo_report["reads"]
    held, cancelled, rate = reads["held"], reads["cancelled"], reads["rate"]
    # The portal's read functions give the known demo values...
    assert (held, cancelled) == (MEETINGS_HELD, MEETINGS_CANCELLED)
    assert (rate.present, rate.expected) == (MEMBERS_PRESENT, MEMBERS_EXPECTED)
    percent = f"{round(100 * rate.present / rate.expected, 1)}".replace(".", ",")
    assert percent == "77,4"
    # ...and the PDF and the DOCX say the same.
    text = pdf_text(demo_report["pdf"])
    assert f"Konaná jednání {held} " in text and f"Zrušená jednání {cancelled} " in text
    assert f"Účast členů na konaných jednáních {percent} %" in text
    assert f"Přítomní členové (všechna konaná jednání dohromady) {rate.present} " in text
    assert f"Očekávaní členové (všechna konaná jednání dohromady) {rate.expected} " in text
    found = figures(docx_tables(demo_report["docx"]))
    assert found["Konaná jednání"] == str(MEETINGS_HELD)
    assert found["Zrušená jednání"] == str(MEETINGS_CANCELLED)
    assert found["Účast členů na konaných jednáních"] == f"{percent} %"
    # Each held meeting's own rate, as its page shows it, is in the meetings table.
    header = ["Datum", "Jednání", "Místo", "Stav", "Přítomní členové", "Očekávaní členové", "Účast (%)",
              "Hosté"]
    rows = table_with(docx_tables(demo_report["docx"]), header)
    for local, title, member_rate in reads["meetings"]:
        row = rows[f"{local.day}. {local.month}. {local.year}"]
        assert row[0] == title and row[2] == "konané"
        assert row[3:5] == [str(member_rate.present), str(member_rate.expected)]
    assert [row[2] for row in rows.values()].count("zrušené") == MEETINGS_CANCELLED


def test_members_by_category(demo_report):
    at_start, at_end = demo_report["reads"]["at_start"], demo_report["reads"]["at_end"]
    assert sum(at_start.values()) == MEMBERS_START and sum(at_end.values()) == MEMBERS_END
    assert {c: at_end.get(c, 0) for c in CATEGORIES} == MEMBERS_BY_CATEGORY_END
    text = pdf_text(demo_report["pdf"])
    rows = table_with(docx_tables(demo_report["docx"]), ["Kategorie", "1. 1. 2025", "31. 12. 2025"])
    for category in CATEGORIES:
        label = str(CATEGORY_LABELS[category])
        numbers = [str(at_start.get(category, 0)), str(at_end.get(category, 0))]
        assert rows[label] == numbers, category
        assert re.search(rf"{re.escape(label)} {numbers[0]} {numbers[1]}\b", text), category
    assert rows["Celkem"] == [str(MEMBERS_START), str(MEMBERS_END)]
    found = figures(docx_tables(demo_report["docx"]))
    assert found["Členové k 1. 1. 2025"] == str(MEMBERS_START)
    assert found["Členové k 31. 12. 2025"] == str(MEMBERS_END)
    # Sensitive traits only as the aggregate rule allows; no contact details anywhere.
    assert found["Rodiče dětí s potřebou podpůrných opatření"] == "< 3"
    assert "@demo.example" not in text and "@demo.example" not in docx_text(demo_report["docx"])


def test_verdicts(demo_report):
    verdicts = demo_report["reads"]["verdicts"]
    assert {title: verdict for title, (verdict, _c) in verdicts.items()} == VERDICTS
    tables = docx_tables(demo_report["docx"])
    found = figures(tables)
    text = pdf_text(demo_report["pdf"])
    assert found["Projednávané návrhy aktivit"] == str(len(VERDICTS))
    for code, word in VERDICT_WORDS.items():
        count = sum(1 for verdict, _c in verdicts.values() if verdict == code)
        assert count == 1 and found[word] == str(count)
        assert f"{word} {count} " in text
    assert found["Bez závěru na konci období"] == "0"
    rows = table_with(tables, ["Aktivita", "Stav na konci období", "Závěr", "Podmínky"])
    for title, (verdict, conditions) in verdicts.items():
        assert rows[title][1] == VERDICT_WORDS[verdict], title
        if verdict == "conditional":  # the conditions stated with the verdict
            assert all(line.strip().rstrip(".") in rows[title][2] for line in conditions.splitlines()
                       if line.strip())
        assert " ".join(title.split()[:3]) in text


def test_settlement_counts(demo_report):
    stats = demo_report["reads"]["settlements"]
    assert (stats.total, stats.fundamental, stats.recommendation) == (COMMENTS, FUNDAMENTAL, RECOMMENDATIONS)
    assert (stats.disputes, stats.disputes_agreed, stats.disputes_steering) == (
        DISPUTES, DISPUTES_AGREED, DISPUTES_STEERING)
    assert {label: tuple(stats.outcomes[code]) for label, code in OUTCOME_CODES.items()} == OUTCOMES
    tables = docx_tables(demo_report["docx"])
    found = figures(tables)
    text = pdf_text(demo_report["pdf"])
    expected = {"Připomínky": COMMENTS, "Zásadní připomínky": FUNDAMENTAL,
                "Doporučující připomínky": RECOMMENDATIONS,
                "Rozpory (neakceptované zásadní připomínky)": DISPUTES,
                "Rozpory dohodnuté po projednání": DISPUTES_AGREED,
                "Rozpory předané Řídicímu výboru": DISPUTES_STEERING,
                "Nevyřešené rozpory": DISPUTES_UNRESOLVED}
    for label, value in expected.items():
        assert found[label] == str(value), label
        assert f"{label} {value} " in text, label
    by_outcome = table_with(tables, ["Vypořádání", "zásadní", "doporučující", "Celkem"])
    for label, (fundamental, recommendation) in OUTCOMES.items():
        assert by_outcome[label] == [str(fundamental), str(recommendation), str(fundamental + recommendation)]
        assert f"{label} {fundamental} {recommendation} {fundamental + recommendation}" in text
    assert by_outcome["Celkem"] == [str(FUNDAMENTAL), str(RECOMMENDATIONS), str(COMMENTS)]


def test_consultations_and_participation(demo_report):
    assert demo_report["reads"]["consultations"] == CONSULTATIONS
    found = figures(docx_tables(demo_report["docx"]))
    text = pdf_text(demo_report["pdf"])
    assert found["Konzultace"] == str(len(CONSULTATIONS))
    assert found["Respondenti všech konzultací"] == str(sum(c[1] for c in CONSULTATIONS))
    for title, respondents, _anonymous in CONSULTATIONS:
        assert f"{title} (1. 10. 2025 – 31. 10. 2025), počet respondentů: {respondents}." in text
    # Free-text answers never reach the report (they may name people): only their number.
    assert "zpráva je neuvádí" in text
