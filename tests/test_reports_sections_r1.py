"""The annual report's sections composition, meetings and cooperation: exact figures on factories and on the
demo data for last year."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.meetings import attendance
from portal.models import FundingOpinion, Membership, Proposal, SensitiveTrait
from portal.models.groups import TraitCode
from portal.models.meetings import Attendance
from portal.reports.collect import collect
from portal.reports.model import Chart, Items, Table, Text
from portal.reports.sections import Context
from portal.reports.sections import composition as composition_section
from portal.reports.sections import cooperation as cooperation_section
from portal.reports.sections import meetings as meetings_section
from tests.conftest import add_member, make_group, make_meeting

YEAR_START, YEAR_END = date(2025, 1, 1), date(2025, 12, 31)


def _figures(section) -> dict:
    return {block.key: block.value for block in section.blocks if hasattr(block, "key") and
            not isinstance(block, Chart)}


def _tables(section) -> dict[str, Table]:
    tables = {block.caption: block for block in section.blocks if isinstance(block, Table)}
    tables.update({block.table.caption: block.table for block in section.blocks if isinstance(block, Chart)})
    return tables


# ---- composition ------------------------------------------------------------------------------------------


def _composition_group(factories):
    territory = factories.territory()
    group = make_group(territory, name="PS pro rovné příležitosti")
    people = {}

    def member(key, category, joined_on, left_on=None):
        user = factories.user("member", territory=territory)
        people[key] = user
        return add_member(group, user, category=category, joined_on=joined_on, left_on=left_on)

    # On 1 January 2025: founder, director, teacher, youth worker, counselling, expert, parent (balanced
    # apart from the support-needs parent), and a second teacher.
    member("founder", "founder", date(2023, 1, 1))
    member("director", "director", date(2023, 1, 1))
    member("teacher", "teacher", date(2023, 1, 1))
    member("teacher2", "teacher", date(2024, 6, 1), left_on=date(2025, 4, 1))  # leaves in April
    member("youth", "youth_worker", date(2025, 1, 1))  # joins on the first day: already at the start
    member("counselling", "counselling", date(2024, 1, 1))
    member("expert", "expert", date(2024, 1, 1), left_on=date(2026, 1, 1))  # still a member on 31 Dec
    member("parent", "parent", date(2024, 1, 1))
    # During 2025: two parents and a teacher join; one of the parents leaves again.
    member("parent2", "parent", date(2025, 3, 1))
    member("parent3", "parent", date(2025, 5, 1), left_on=date(2025, 9, 30))
    member("teacher3", "teacher", date(2025, 12, 31))  # joins on the last day: in the end composition
    member("later", "director", date(2026, 1, 1))  # after the period: nowhere
    return group, people


def test_composition_counts_members_at_both_ends_and_the_joiners_and_leavers_between(app, factories):
    group, people = _composition_group(factories)
    section = composition_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    figures = _figures(section)
    assert figures["members_start"] == 8
    assert figures["members_end"] == 9
    assert figures["joined"] == 3  # parent2, parent3, teacher3 (youth joined on the first day)
    assert figures["left"] == 2  # teacher2, parent3 (the expert leaves on 1 January 2026)
    assert figures["members_start"] + figures["joined"] - figures["left"] == figures["members_end"]

    by_category = _tables(section)["Aktivní členové podle kategorie k 1. 1. 2025 a k 31. 12. 2025"]
    rows = {row[0]: row[1:] for row in by_category.rows}
    assert rows["pedagogický pracovník"] == [2, 2]
    assert rows["rodič"] == [1, 2]
    assert rows["Celkem"] == [8, 9]
    moves = {row[0]: row[1:] for row in _tables(section)["Příchody a odchody podle kategorie"].rows}
    assert moves["rodič"] == [2, 1]
    assert moves["pedagogický pracovník"] == [1, 1]
    assert moves["Celkem"] == [3, 2]


def test_composition_gives_the_balance_verdict_and_evenness_at_both_dates(app, factories):
    group, people = _composition_group(factories)
    section = composition_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    figures = _figures(section)
    # Nobody declared support needs: the support-needs rule fails on both dates.
    assert figures["balanced_start"] == "ne" and figures["balanced_end"] == "ne"
    # 8 members: 2 teachers, six categories with 1 → H = -(2/8 ln 2/8 + 6 · 1/8 ln 1/8), J = H / ln 7.
    assert figures["evenness_start"] == 0.98
    assert figures["support_needs_parents"] == "< 3"
    rules = {row[0]: row[1:] for row in _tables(section)["Pravidla vyváženosti skupiny"].rows}
    assert rules["Zastoupení rodičů dětí s potřebou podpůrných opatření"] == ["nesplněno", "nesplněno"]
    assert rules["Zastoupení všech kategorií"] == ["splněno", "splněno"]

    for key in ("parent", "parent2", "parent3"):
        db.session.add(SensitiveTrait(user_id=people[key].id, code=TraitCode.SUPPORT_NEEDS_PARENT.value,
                                      consent_text_version="2026-1", consent_text="souhlas"))
    db.session.commit()
    section = composition_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    figures = _figures(section)
    assert figures["balanced_start"] == "ano" and figures["balanced_end"] == "ano"
    # Two declared parents are active on 31 December (parent3 left): still shown as "< 3".
    assert figures["support_needs_parents"] == "< 3"


def test_composition_of_an_empty_group_says_so(app, factories):
    group = make_group(factories.territory())
    section = composition_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    assert section.blocks[0].text == "Skupina v období od 1. 1. 2025 do 31. 12. 2025 neměla žádné členy."
    assert _figures(section)["evenness_end"] is None


def test_composition_in_english(app, factories):
    group, _people = _composition_group(factories)
    report = collect(group, YEAR_START, YEAR_END, language="en")
    section = report.section("composition")
    assert section.title == "Composition and balance of the group"
    assert _figures(section)["balanced_end"] == "no"
    assert any(block.caption == "Joiners and leavers by category" for block in section.blocks
               if isinstance(block, Table))


# ---- meetings ---------------------------------------------------------------------------------------------

PRAGUE = ZoneInfo("Europe/Prague")
CLOCK = datetime(2026, 3, 1, 10, tzinfo=UTC)


def _prague(*args) -> datetime:
    return datetime(*args, tzinfo=PRAGUE).astimezone(UTC)


def _attend(meeting, present: dict, guests: int = 0):
    """Record the attendance of members (user → present) and of present guests."""
    for user, came in present.items():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        meeting.attendance.append(Attendance(user_id=user.id, name=user.name, category=membership.category,
                                             present=came))
    for n in range(guests):
        meeting.attendance.append(Attendance(name=f"Host {n}", category="expert", is_guest=True,
                                             present=True))
    db.session.commit()


def _meetings_world(factories):
    territory = factories.territory()
    group = make_group(territory, name="PS pro rovné příležitosti",
                       created_at=datetime(2024, 1, 1, tzinfo=UTC))
    users = []
    for category in ("teacher", "parent", "director", "expert"):
        user = factories.user("member", territory=territory)
        add_member(group, user, category=category, joined_on=date(2024, 1, 1))
        users.append(user)
    late = factories.user("member", territory=territory)
    add_member(group, late, category="counselling", joined_on=date(2025, 6, 1))
    a, b, c, d = users
    m1 = make_meeting(group, starts_at=_prague(2025, 2, 10, 16), status="held", title="Únorové jednání")
    _attend(m1, {a: True, b: True, c: False, d: True}, guests=1)
    make_meeting(group, starts_at=_prague(2025, 5, 12, 16), status="held", title="Květnové jednání")
    make_meeting(group, starts_at=_prague(2025, 6, 20, 16), status="cancelled", title="Červnové jednání",
                 cancel_reason="Nemoc předsedající.")
    m3 = make_meeting(group, starts_at=_prague(2025, 9, 15, 16), status="held", title="Zářijové jednání")
    _attend(m3, {a: True, b: True, c: True, d: False, late: True})
    make_meeting(group, starts_at=_prague(2025, 10, 1, 16), status="held", title="Uzavřené jednání",
                 public=False, place="Ředitelna")
    # The last evening of the year in Prague (already 22:30 UTC) and the first minutes of the next year.
    m5 = make_meeting(group, starts_at=_prague(2025, 12, 31, 23, 30), status="held", title="Silvestrovské")
    _attend(m5, {a: True, b: False, c: False, d: False, late: False})
    make_meeting(group, starts_at=_prague(2026, 1, 1, 0, 30), status="held", title="Novoroční")
    make_meeting(group, starts_at=_prague(2024, 11, 5, 16), status="held", title="Loňské jednání")
    return group, m1


def test_meetings_counts_held_and_cancelled_meetings_of_the_period_by_their_prague_day(app, factories):
    with time_machine.travel(CLOCK, tick=False):
        group, _m1 = _meetings_world(factories)
        section = meetings_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    figures = _figures(section)
    assert figures["meetings_held"] == 5  # the New Year's one belongs to 2026, last November's to 2024
    assert figures["meetings_cancelled"] == 1
    assert figures["meetings_planned"] == 0
    assert figures["meetings_target"] == 4 and figures["target_met"] == "ano"
    assert figures["meetings_rolling"] == 5 and figures["rolling_target"] == 4
    assert figures["rolling_met"] == "ano"
    rows = _tables(section)["Jednání skupiny"].rows
    assert [row[0] for row in rows] == ["10. 2. 2025", "12. 5. 2025", "20. 6. 2025", "15. 9. 2025",
                                        "1. 10. 2025", "31. 12. 2025"]
    assert rows[0] == ["10. 2. 2025", "Únorové jednání", "ZŠ Vzorov", "konané", 3, 4, 75.0, 1]
    assert rows[1][4:] == [None, None, None, 0]  # held, attendance not recorded
    assert rows[2][3] == "zrušené"
    # A meeting closed to the public keeps its date, not its title or place.
    assert rows[4][1:3] == ["Jednání neotevřené veřejnosti", ""]
    items = [block for block in section.blocks if isinstance(block, Items)][0].items
    assert items == ["20. 6. 2025 – Červnové jednání: Nemoc předsedající."]
    per_year = _tables(section)["Jednání podle let ve srovnání s cílem"].rows
    assert per_year == [["2024", 1, 4, 0, 0, "ne"], ["2025", 5, 4, 1, 0, "ano"]]


def test_attendance_rate_is_members_present_over_members_expected_at_recorded_meetings(app, factories):
    with time_machine.travel(CLOCK, tick=False):
        group, m1 = _meetings_world(factories)
        section = meetings_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    figures = _figures(section)
    # 3 of 4 in February, 4 of 5 in September, 1 of 5 on New Year's Eve; May's attendance is not recorded.
    assert figures["members_present"] == 8 and figures["members_expected"] == 14
    assert figures["attendance_rate"] == 57.1
    chart = next(b for b in section.blocks if isinstance(b, Chart) and b.key == "attendance")
    assert chart.labels == ["10. 2. 2025", "15. 9. 2025", "31. 12. 2025"]
    assert chart.series[0][1] == [75.0, 80.0, 20.0]
    assert chart.table.rows[1] == ["15. 9. 2025", 4, 5, 80.0]
    by_category = next(b for b in section.blocks
                       if isinstance(b, Chart) and b.key == "attendance_by_category")
    # Only the categories anybody came from, in the categories' order.
    assert by_category.table.header == ["Datum", "ředitel/ka školy", "pedagogický pracovník",
                                        "pracovník poradenského zařízení", "další odborník", "rodič",
                                        "Celkem", "z toho hosté"]
    # February: the teacher, the parent and the expert came, and a guest (category expert).
    assert by_category.table.rows[0] == ["10. 2. 2025", 0, 1, 0, 2, 1, 4, 1]
    assert [name for name, _values in by_category.series] == by_category.table.header[1:-2]
    # The meeting page shows the same rate (the same read function).
    assert attendance.member_rate(m1) == attendance.MemberRate(3, 4)


def test_meeting_page_shows_the_attendance_rate(app, client, factories):
    with time_machine.travel(CLOCK, tick=False):
        group, m1 = _meetings_world(factories)
    html = client.get(f"/meetings/{m1.id}").get_data(as_text=True)
    assert "Přítomní členové: 3 z 4 (75,0 %)." in html


def test_meetings_of_a_year_without_any_say_so(app, factories):
    with time_machine.travel(CLOCK, tick=False):
        group = make_group(factories.territory(), created_at=datetime(2024, 1, 1, tzinfo=UTC))
        section = meetings_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
        ranged = meetings_section.build(Context(group, date(2025, 3, 1), date(2025, 6, 30), "cs"))
    assert section.blocks[0].text == "V roce 2025 skupina nevedla žádné jednání."
    assert ranged.blocks[0].text == "Od 1. 3. 2025 do 30. 6. 2025 skupina nevedla žádné jednání."
    figures = _figures(section)
    assert figures["meetings_held"] == 0 and figures["attendance_rate"] is None
    assert figures["target_met"] == "ne"


# ---- cooperation ------------------------------------------------------------------------------------------


def test_cooperation_lists_joint_meetings_and_funding_opinions_of_the_period(app, factories):
    territory = factories.territory()
    group = make_group(territory, name="PS pro rovné příležitosti")
    financing = make_group(territory, name="PS pro financování", kind="financing")
    other = make_group(territory, name="PS pro čtenářskou gramotnost")
    make_meeting(group, starts_at=_prague(2025, 4, 1, 16), status="held", joint_with=(financing,),
                 title="Společné jednání o rozpočtu", kind="joint")
    make_meeting(financing, starts_at=_prague(2025, 8, 5, 16), status="held", joint_with=(group,),
                 title="Jednání PS pro financování s hosty", kind="joint")
    make_meeting(group, starts_at=_prague(2025, 11, 4, 16), status="cancelled", joint_with=(other,),
                 title="Zrušené společné jednání", kind="joint")
    make_meeting(group, starts_at=_prague(2025, 5, 6, 16), status="held", title="Řádné jednání")
    make_meeting(group, starts_at=_prague(2026, 2, 3, 16), status="held", joint_with=(other,), kind="joint")

    def proposal(title, requested_at):
        row = Proposal(territory_id=territory.id, group_id=group.id, title=title,
                       funding_group_id=financing.id, funding_requested_at=requested_at)
        db.session.add(row)
        db.session.flush()
        return row

    tutoring = proposal("Doučování", datetime(2025, 3, 1, 9, tzinfo=UTC))
    camp = proposal("Adaptační pobyt", datetime(2024, 12, 31, 23, 30, tzinfo=UTC))  # 1 January in Prague
    waiting = proposal("Letní škola", datetime(2025, 10, 1, 9, tzinfo=UTC))
    proposal("Loňský návrh", datetime(2024, 5, 1, 9, tzinfo=UTC))
    db.session.add_all([
        FundingOpinion(proposal_id=tutoring.id, group_id=financing.id, text="Doporučujeme z rozpočtu MAP.",
                       recorded_at=datetime(2025, 4, 1, 15, tzinfo=UTC)),
        FundingOpinion(proposal_id=camp.id, group_id=financing.id, text="Hradí obec.",
                       recorded_at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC)),  # 2026 in Prague
    ])
    db.session.commit()

    section = cooperation_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    figures = _figures(section)
    assert figures["joint_meetings"] == 2 and figures["partner_groups"] == 1
    assert figures["funding_requests"] == 3 and figures["funding_opinions"] == 1
    joint = _tables(section)["Společná jednání s jinými skupinami"].rows
    assert joint == [
        ["1. 4. 2025", "Společné jednání o rozpočtu", "PS pro rovné příležitosti", "PS pro financování",
         "konané"],
        ["5. 8. 2025", "Jednání PS pro financování s hosty", "PS pro financování", "PS pro financování",
         "konané"],
        ["4. 11. 2025", "Zrušené společné jednání", "PS pro rovné příležitosti",
         "PS pro čtenářskou gramotnost", "zrušené"],
    ]
    opinions = _tables(section)["Stanoviska k financování návrhů skupiny"].rows
    assert opinions == [["1. 4. 2025", "Doučování", "PS pro financování", "Doporučujeme z rozpočtu MAP."]]
    assert Text(f"Na stanovisko k financování dosud čekají: {waiting.title}.") in section.blocks


def test_cooperation_without_any_says_so(app, factories):
    group = make_group(factories.territory())
    section = cooperation_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    texts = [block.text for block in section.blocks if isinstance(block, Text)]
    assert texts == ["V roce 2025 skupina nevedla žádné společné jednání s jinou skupinou.",
                     "V roce 2025 nebylo k návrhům skupiny zaznamenáno žádné stanovisko k financování."]
    assert _figures(section)["joint_meetings"] == 0


# ---- the demo group's report for last year ---------------------------------------------------------------

DEMO_DAY = datetime(2026, 12, 3, 10, tzinfo=UTC)  # the demo's dates follow the day it is loaded


def demo_report(language: str = "cs"):
    """The demo loaded on DEMO_DAY and the equal-opportunities group's report for last year (2025)."""
    from portal.demo import seed_demo
    from portal.models import WorkingGroup

    with time_machine.travel(DEMO_DAY, tick=False):
        seed_demo("heslo-demo-123")
        db.session.commit()
        group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "rovne-prilezitosti"))
        return collect(group, YEAR_START, YEAR_END, language=language)


def test_demo_composition_last_year(app):
    section = demo_report().section("composition")
    figures = _figures(section)
    # 1 January 2025: coordinator (expert), chair (founder), ZŠ director, DDM (youth worker), the teacher who
    # left in 2026 and the former educator (youth worker). Joined in 2025: the deputy mayor (founder), the
    # member (teacher), PPP (counselling), OSPOD (expert), the parent and the former expert; nobody left.
    assert (figures["members_start"], figures["members_end"]) == (6, 12)
    assert (figures["joined"], figures["left"]) == (6, 0)
    assert (figures["balanced_start"], figures["balanced_end"]) == ("ne", "ne")
    assert (figures["evenness_start"], figures["evenness_end"]) == (0.8, 0.96)
    # The one parent who declared support needs joined in 2026: not among the members on 31 December.
    assert figures["support_needs_parents"] == "< 3"
    end = {row[0]: row[2] for row in _tables(section)[
        "Aktivní členové podle kategorie k 1. 1. 2025 a k 31. 12. 2025"].rows}
    assert end == {"zástupce zřizovatele": 2, "ředitel/ka školy": 1, "pedagogický pracovník": 2,
                   "pracovník s dětmi a mládeží": 2, "pracovník poradenského zařízení": 1,
                   "další odborník": 3, "rodič": 1, "Celkem": 12}
    rules = {row[0]: row[1:] for row in _tables(section)["Pravidla vyváženosti skupiny"].rows}
    assert rules["Zastoupení všech kategorií"] == ["nesplněno", "splněno"]
    assert rules["Zastoupení rodičů dětí s potřebou podpůrných opatření"] == ["nesplněno", "nesplněno"]


def test_demo_meetings_last_year(app):
    section = demo_report().section("meetings")
    figures = _figures(section)
    assert figures["meetings_held"] == 5  # four regular ones and the joint one in October
    assert figures["meetings_cancelled"] == 1
    assert figures["meetings_target"] == 4 and figures["target_met"] == "ano"
    # The demo group's first recorded meeting is in February 2025: no full 12 months to judge yet.
    assert figures["meetings_rolling"] is None
    assert (figures["members_present"], figures["members_expected"]) == (41, 53)
    assert figures["attendance_rate"] == 77.4
    rows = _tables(section)["Jednání skupiny"].rows
    assert [(row[0], row[3], row[6]) for row in rows] == [
        ("18. 2. 2025", "konané", 75.0), ("20. 5. 2025", "konané", 80.0), ("3. 6. 2025", "zrušené", None),
        ("16. 9. 2025", "konané", 81.8), ("21. 10. 2025", "konané", 75.0), ("18. 11. 2025", "konané", 75.0)]


def test_demo_cooperation_last_year(app):
    section = demo_report().section("cooperation")
    figures = _figures(section)
    assert figures["joint_meetings"] == 1 and figures["partner_groups"] == 1
    assert figures["funding_requests"] == 2 and figures["funding_opinions"] == 2
    opinions = _tables(section)["Stanoviska k financování návrhů skupiny"].rows
    assert [row[:3] for row in opinions] == [
        ["21. 10. 2025", "Školní asistenti a mentoring ve třídách s vyšším podílem znevýhodněných žáků",
         "PS pro financování"],
        ["21. 10. 2025", "Doučování žáků ohrožených neúspěchem", "PS pro financování"]]


def test_demo_loaders_stay_idempotent_with_last_years_meetings_and_opinions(app):
    from sqlalchemy import func

    from portal.demo import seed_demo
    from portal.models import Meeting

    def counts():
        return [db.session.scalar(select(func.count()).select_from(m)) for m in (Meeting, FundingOpinion)]

    demo_report()
    before = counts()
    with time_machine.travel(DEMO_DAY, tick=False):
        seed_demo("heslo-demo-123")
        db.session.commit()
    assert counts() == before
    assert before[1] == 2


def test_a_change_of_category_counts_as_leaving_one_and_joining_another(app, factories):
    from portal.groups import reads as group_reads

    group, people = _composition_group(factories)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == people["teacher"].id))
    membership.left_on = date(2025, 7, 1)
    db.session.add(Membership(group_id=group.id, user_id=people["teacher"].id, category="counselling",
                              joined_on=date(2025, 7, 1)))
    db.session.commit()
    changes = group_reads.membership_changes(group, YEAR_START, YEAR_END)
    assert changes.joined["counselling"] == 1 and changes.left["teacher"] == 2
    section = composition_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    figures = _figures(section)
    assert figures["members_end"] == 9  # the same people
    assert figures["members_start"] + figures["joined"] - figures["left"] == figures["members_end"]
