"""The annual report's sections minutes, proposals, rounds, consultations and signals: exact figures on
factories (periods, edges, privacy) and on the demo data for last year."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from portal import clock
from portal.demo import seed_demo
from portal.extensions import db
from portal.models import AgendaItem, AnalysisFlag, FlagEvent, FlagLink, WorkingGroup
from portal.models.consultations import Consultation
from portal.models.meetings import MeetingStatus, Minutes, MinutesVersion, Resolution, Task
from portal.models.proposals import Proposal, ProposalEvent
from portal.models.rounds import CommentRound, RoundGroup
from portal.proposals import services as proposal_services
from portal.proposals import workflow
from portal.reports.collect import collect
from portal.reports.model import Chart, Figure, Items, Section, Table, Text
from portal.rounds import services as round_services
from tests.conftest import make_group, make_meeting, make_territory
from tests.consultations_factories import add_response, invite, make_consultation
from tests.proposals_helpers import PROPOSAL_DATA, world
from tests.rounds_factories import paragraphs_of, round_people

PRAGUE = ZoneInfo("Europe/Prague")
YEAR = 2025
START, END = date(YEAR, 1, 1), date(YEAR, 12, 31)
ROUND_KEYS = ("rounds_count", "comments_total", "comments_fundamental", "comments_recommendation",
              "comments_unsettled", "disputes", "disputes_agreed", "disputes_steering_committee",
              "disputes_unresolved")


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A Prague wall-clock time as a UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=PRAGUE).astimezone(UTC)


def section(group: WorkingGroup, key: str, start: date = START, end: date = END) -> Section:
    return collect(group, start, end, language="en").section(key)


def figures(sec: Section) -> dict:
    return {b.key: b.value for b in sec.blocks if isinstance(b, Figure)}


def texts(sec: Section) -> list[str]:
    return [b.text for b in sec.blocks if isinstance(b, Text)]


def table(sec: Section, caption: str) -> Table:
    return next(b for b in sec.blocks if isinstance(b, Table) and b.caption == caption)


def chart(sec: Section, key: str) -> Chart:
    return next(b for b in sec.blocks if isinstance(b, Chart) and b.key == key)


def everything(sec: Section) -> str:
    """All the section says, to check what it must never say."""
    from portal.reports.model import Report

    return Report(0, "", None, START, END, "en", "", None, None, [sec]).to_json()


# ---- minutes -------------------------------------------------------------------------------------------


def _minutes(meeting, *, approved: bool = True) -> None:
    meeting.minutes = Minutes(status="approved" if approved else "draft",
                              approved_version=1 if approved else None)
    meeting.minutes.versions.append(MinutesVersion(version=1, body="Zápis."))


def test_minutes_counts_approved_minutes_of_the_period_and_tasks_open_at_its_end(app):
    territory = make_territory()
    group = make_group(territory)
    held = make_meeting(group, starts_at=at(date(YEAR, 3, 10), 16), status=MeetingStatus.HELD.value,
                        agenda=2, commit=False)
    _minutes(held)
    held.resolutions += [Resolution(number=1, text="PS schvaluje plán činnosti."),
                         Resolution(number=2, text="PS doporučuje aktivitu k zařazení.")]
    held.tasks += [
        Task(title="Rozeslat zápis", due_on=date(YEAR, 3, 17), done_at=at(date(YEAR, 3, 15))),
        Task(title="Připravit podklady", owner_name="Jana Nováková", due_on=date(YEAR, 12, 1),
             done_at=at(date(YEAR + 1, 1, 10))),  # done after the period: open at its end, overdue
        Task(title="Oslovit školy", due_on=date(YEAR + 1, 2, 1)),  # open, not yet due
        Task(title="Bez termínu", done_at=at(date(YEAR, 12, 31), 23, 30)),  # done on the last evening
    ]
    # An agenda item made from a signal: the report's readers see the neutral wording only.
    flag = AnalysisFlag(territory_id=territory.id, identity="t|1", rule="sen_share_school",
                        severity="warning", school_id="600001", school_name="ZŠ Tajná",
                        first_seen_year="2024/25", last_seen_year="2024/25")
    signal_item = AgendaItem(position=5, title="Signál k prověření: ZŠ Tajná")
    held.agenda.append(signal_item)
    db.session.add(flag)
    db.session.flush()
    db.session.add(FlagLink(flag_id=flag.id, agenda_item_id=signal_item.id))
    # Not counted: draft minutes, the year before, the first minute of the next year (Prague time).
    draft = make_meeting(group, starts_at=at(date(YEAR, 6, 2)), status=MeetingStatus.HELD.value, commit=False)
    _minutes(draft, approved=False)
    draft.resolutions.append(Resolution(number=1, text="Návrh usnesení."))
    before = make_meeting(group, starts_at=at(date(YEAR - 1, 12, 31), 23, 30),
                          status=MeetingStatus.HELD.value, commit=False)
    _minutes(before)
    after = make_meeting(group, starts_at=at(date(YEAR + 1, 1, 1), 0, 30), status=MeetingStatus.HELD.value,
                         commit=False)
    _minutes(after)
    after.resolutions.append(Resolution(number=1, text="Příští rok."))
    db.session.commit()

    sec = section(group, "minutes")
    assert figures(sec) == {"meetings_with_minutes": 1, "topics_count": 3, "resolutions_count": 2,
                            "tasks_total": 4, "tasks_done": 2, "tasks_open": 2, "tasks_overdue": 1}
    topics = table(sec, "Topics of the meetings")
    assert topics.rows == [["Mar 10, 2025", held.title,
                            "Bod programu 1; Bod programu 2; item on the territory analysis"]]
    assert "ZŠ Tajná" not in everything(sec) and "Jana Nováková" not in everything(sec)
    tasks = table(sec, "Tasks from the meetings")
    states = {row[0]: row[3] for row in tasks.rows}
    assert states["Připravit podklady"] == "open, overdue"
    assert states["Oslovit školy"] == "open"
    assert states["Rozeslat zápis"].startswith("done on ") and states["Bez termínu"].startswith("done on ")
    resolutions = table(sec, "Resolutions")
    assert [row[2:] for row in resolutions.rows] == [[1, "PS schvaluje plán činnosti."],
                                                     [2, "PS doporučuje aktivitu k zařazení."]]


def test_minutes_without_approved_minutes_say_so(app):
    group = make_group(make_territory())
    sec = section(group, "minutes")
    assert sec.available and figures(sec) == {}
    assert texts(sec) == ["In 2025 the group approved no minutes of its meetings."]
    sec = section(group, "minutes", date(YEAR, 3, 1), date(YEAR, 6, 30))
    assert texts(sec)[0].startswith("Between ") and "the group approved no minutes" in texts(sec)[0]


# ---- proposals -----------------------------------------------------------------------------------------


def _moved(proposal: Proposal, steps: list[str], w, *, verdict: str | None = None,
           conditions: str | None = None) -> None:
    for step in steps:
        if step == "assessed":
            proposal.verdict = verdict
            proposal.verdict_conditions = conditions
        workflow.transition(proposal, step, actor=w.author if step == "submitted" else w.coordinator)
    db.session.commit()


def test_proposals_verdicts_at_the_period_end_and_milestones_due_in_it(app):
    w = world()
    with time_machine.travel(at(date(YEAR - 1, 11, 5)), tick=False):
        old = proposal_services.create_proposal(w.group, {**PROPOSAL_DATA, "title": "Loňský návrh"},
                                                actor=w.author)
        _moved(old, ["submitted"], w)  # nothing happens to it in the period: not listed
        reworked = proposal_services.create_proposal(w.group, {**PROPOSAL_DATA, "title": "Přepracovaný"},
                                                     actor=w.author)
        _moved(reworked, ["submitted"], w)
        workflow.transition(reworked, "returned", actor=w.coordinator, reason="Doplňte rozpočet.")
        db.session.commit()
    with time_machine.travel(at(date(YEAR, 5, 5)), tick=False):  # reworked in the period...
        proposal_services.update_proposal(reworked, {**PROPOSAL_DATA, "title": "Přepracovaný",
                                                     "expected_cost": "99 000"},
                                          actor=w.author, seen_version=reworked.version)
        db.session.commit()
    with time_machine.travel(at(date(YEAR + 1, 2, 1)), tick=False):  # ...and submitted again only later
        _moved(reworked, ["submitted"], w)
    with time_machine.travel(at(date(YEAR, 2, 3)), tick=False):
        adopted = proposal_services.create_proposal(w.group, {**PROPOSAL_DATA, "title": "Asistenti"},
                                                    actor=w.author)
        conditional = proposal_services.create_proposal(w.group, {**PROPOSAL_DATA, "title": "Tábor"},
                                                        actor=w.author)
        late = proposal_services.create_proposal(w.group, {**PROPOSAL_DATA, "title": "Kurz"}, actor=w.author)
        proposal_services.create_proposal(w.group, {**PROPOSAL_DATA, "title": "Koncept"}, actor=w.author)
        _moved(adopted, ["submitted", "under_assessment", "assessed", "adopted"], w, verdict="compliant")
        _moved(conditional, ["submitted", "under_assessment", "assessed"], w, verdict="conditional",
               conditions="Bez poplatku.\nDoprava zajištěna.")
        _moved(late, ["submitted", "under_assessment"], w)
        proposal_services.set_plan_years(adopted, YEAR, YEAR + 1, actor=w.coordinator)
        for title, due, target, reached in (("Met", date(YEAR, 6, 30), "10", "12"),
                                            ("Late", date(YEAR, 12, 31), "5", None),
                                            ("Missed", date(YEAR, 11, 30), "8", "3"),
                                            ("Next year", date(YEAR + 1, 1, 1), "9", None)):
            proposal_services.add_milestone(adopted, {"title": title, "due_on": due, "target_value": target,
                                                      "reached_value": reached}, actor=w.coordinator)
        db.session.commit()
        changed = proposal_services.create_proposal(w.group, {**PROPOSAL_DATA, "title": "Změněný"},
                                                    actor=w.author)
        _moved(changed, ["submitted", "under_assessment"], w)
        changed.events.append(ProposalEvent(kind="verdict", note="not_compliant", actor_id=w.coordinator.id))
        _moved(changed, ["assessed"], w, verdict="not_compliant")
    with time_machine.travel(at(date(YEAR + 1, 1, 15)), tick=False):
        _moved(late, ["assessed"], w, verdict="not_compliant")  # recorded after the period
        # The verdict changed after the period: the period's report keeps the one of its time.
        changed.verdict = "compliant"
        changed.events.append(ProposalEvent(kind="verdict", note="compliant", actor_id=w.coordinator.id))
        db.session.commit()

    sec = section(w.group, "proposals")
    assert figures(sec) == {
        "proposals_count": 5, "verdicts_compliant": 1, "verdicts_conditional": 1, "verdicts_not_compliant": 1,
        "verdicts_pending": 2, "milestones_due": 3, "milestones_met": 1, "milestones_late": 1,
        "milestones_missed": 1}
    rows = table(sec, "Proposed activities and their equal-access verdicts").rows
    assert rows == [
        ["Přepracovaný", "Returned for rework", "not recorded yet", "—"],  # first submitted the year before
        ["Asistenti", "Adopted into the action plan", "Compliant", "—"],
        ["Tábor", "Assessed", "Compliant with conditions", "Bez poplatku. Doprava zajištěna."],
        ["Kurz", "Under assessment", "not recorded yet", "—"],  # its state and verdict at the period's end
        ["Změněný", "Assessed", "Not compliant", "—"],
    ]
    milestones = table(sec, "Milestones due in the period").rows
    assert [(r[1], r[5]) for r in milestones] == [("Met", "met"), ("Missed", "missed"), ("Late", "late")]
    bars = chart(sec, "milestones_by_state")
    assert bars.series[0][1] == [1.0, 1.0, 1.0]
    assert bars.table.rows == [["met", 1], ["late", 1], ["missed", 1]]
    assert "Alena Autorová" not in everything(sec)
    # The year after: the late proposal's verdict counts, the milestone of that year is not due yet.
    after = figures(section(w.group, "proposals", date(YEAR + 1, 1, 1), date(YEAR + 1, 1, 31)))
    assert after["verdicts_not_compliant"] == 1 and after["verdicts_compliant"] == 2
    assert after["milestones_due"] == 1
    assert after["milestones_late"] == 1  # due 1 January, judged the day after the period


def test_proposals_none_in_the_period(app):
    w = world()
    assert texts(section(w.group, "proposals")) == ["In 2025 the group dealt with no proposed activities."]


# ---- rounds --------------------------------------------------------------------------------------------


def test_rounds_settlement_statistics_and_the_round_page(app, factories, client, login_as):
    people = round_people(factories)
    group, chair, member, version = people["group"], people["chair"], people["member"], people["version"]
    paragraphs = paragraphs_of(version)
    opens, closes = at(date(YEAR, 3, 1), 9), at(date(YEAR, 3, 21), 9)
    round_ = CommentRound(version_id=version.id, title="Připomínky ke strategii", opens_at=opens,
                          closes_at=closes)
    round_.groups = [RoundGroup(group_id=group.id)]
    db.session.add(round_)
    db.session.commit()
    # (kind, outcome, dispute resolution)
    plan = [("fundamental", "accepted", None), ("fundamental", "not_accepted", "agreed"),
            ("fundamental", "explained", "steering_committee"), ("fundamental", "not_accepted", None),
            ("fundamental", None, None), ("recommendation", "partly_accepted", None),
            ("recommendation", "noted", None), ("recommendation", None, None)]
    made = []
    for n, (kind, _outcome, _resolution) in enumerate(plan):
        made.append(round_services.add_comment(
            round_, paragraphs[n % len(paragraphs)],
            round_services.CommentData(kind=kind, text=f"Připomínka {n + 1}"), actor=member,
            at=opens + timedelta(days=1)))
    withdrawn = round_services.add_comment(round_, paragraphs[0], round_services.CommentData(
        kind="fundamental", text="Stažená"), actor=member, at=opens + timedelta(days=2))
    withdrawn.withdrawn_at = opens + timedelta(days=3)
    db.session.commit()
    for comment, (_kind, outcome, resolution) in zip(made, plan, strict=True):
        if outcome is None:
            continue
        round_services.settle(comment, outcome, "Zdůvodnění.", actor=chair, seen_version=0,
                              at=closes + timedelta(days=3))
        db.session.commit()
        if resolution:
            round_services.resolve_dispute(comment, resolution, "Poznámka.", actor=chair,
                                           seen_version=comment.settlement.version,
                                           at=closes + timedelta(days=9))
            db.session.commit()
    # A round of the year before is left out.
    db.session.add(CommentRound(version_id=version.id, title="Loňské kolo", opens_at=at(date(YEAR - 1, 3, 1)),
                                closes_at=at(date(YEAR - 1, 3, 20))))
    db.session.commit()

    sec = section(group, "rounds")
    got = figures(sec)
    assert {k: got[k] for k in ROUND_KEYS} == {
        "rounds_count": 1, "comments_total": 8, "comments_fundamental": 5, "comments_recommendation": 3,
        "comments_unsettled": 2, "disputes": 3, "disputes_agreed": 1, "disputes_steering_committee": 1,
        "disputes_unresolved": 1}
    assert {k: v for k, v in got.items() if k.startswith("outcome_")} == {
        "outcome_accepted": 1, "outcome_partly_accepted": 1, "outcome_not_accepted": 2,
        "outcome_explained": 1, "outcome_noted": 1}
    bars = chart(sec, "comments_by_outcome")
    assert bars.kind == "stacked"
    assert bars.labels == ["accepted", "partly accepted", "not accepted", "explained", "noted",
                           "not settled yet"]
    assert bars.series == [("fundamental", [1.0, 0.0, 2.0, 1.0, 0.0, 1.0]),
                           ("recommendation", [0.0, 1.0, 0.0, 0.0, 1.0, 1.0])]
    assert bars.table.rows[-1] == ["Total", 5, 3, 8]
    assert table(sec, "How the disputes ended").rows == [["agreed after discussion", 1],
                                                         ["passed to the Steering Committee", 1],
                                                         ["unresolved", 1]]
    assert "Připomínka 1" not in everything(sec) and "Petr Člen" not in everything(sec)

    # The round page shows the same statistics (one read function).
    chair.locale = "en"
    db.session.commit()
    login_as(chair)
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert ("Disputes: 3, of which agreed after discussion 1, passed to the Steering Committee 1, "
            "unresolved 1.") in page
    assert "Comments by type and outcome" in page


def test_rounds_none_in_the_period(app, factories):
    group = round_people(factories)["group"]
    assert texts(section(group, "rounds")) == ["In 2025 the group held no comment round on its documents."]


# ---- consultations -------------------------------------------------------------------------------------


def test_consultations_with_participation_small_counts_and_no_free_texts(app):
    group = make_group(make_territory())
    consultation = make_consultation(group, title="Jak se daří?", opens_at=at(date(YEAR, 4, 1)),
                                     closes_at=at(date(YEAR, 4, 30)), anonymous=True)
    for n in range(5):
        invite(consultation, f"rodic{n}@test.example")
    for single, scale in ((0, 4), (0, 5), (0, 3), (1, 4)):
        add_response(consultation, single=single, scale=scale, text="Moje dcera Anička potřebuje doučování.")
    make_consultation(group, title="Loňská", opens_at=at(date(YEAR - 1, 4, 1)),
                      closes_at=at(date(YEAR - 1, 5, 1)))

    sec = section(group, "consultations")
    assert figures(sec) == {"consultations_count": 1, "consultations_respondents": 4}
    overview = table(sec, "Consultations in the period")
    assert overview.rows[0][0] == "Jak se daří?" and overview.rows[0][2:] == [
        "anyone with the link", "anonymous", 4, 5]
    single = table(sec, "1. Chodí vaše dítě do spádové školy? (answered by 4)")
    assert single.rows == [["Ano", "3"], ["Ne", "< 3"], ["Nevím", "< 3"]]
    scale = table(sec, "3. Jak jste spokojeni se školou? (1 = vůbec, 5 = velmi) (answered by 4)")
    # Answers 4, 5, 3, 4: every scale value has fewer than 3, so the mean (which with the total would give
    # them away) is not in the report either.
    assert [row[0] for row in scale.rows] == ["1", "2", "3", "4", "5"]
    assert {row[1] for row in scale.rows} == {"< 3"}
    written = [b for b in sec.blocks if isinstance(b, Items)]
    assert written and "written answers: 4 (not reproduced" in written[0].items[0]
    assert "Anička" not in everything(sec)


def test_consultations_none_in_the_period(app):
    group = make_group(make_territory())
    assert texts(section(group, "consultations")) == ["In 2025 the group held no consultation."]


# ---- signals -------------------------------------------------------------------------------------------


def _flag(territory, n: int, created: datetime, **fields) -> AnalysisFlag:
    values = dict(territory_id=territory.id, identity=f"t|{n}", rule="sen_share_school", severity="warning",
                  school_id=f"60000{n}", school_name=f"ZŠ Signálová {n}", first_seen_year="2024/25",
                  last_seen_year="2024/25", created_at=created)
    values.update(fields)
    flag = AnalysisFlag(**values)
    db.session.add(flag)
    db.session.flush()
    return flag


def _event(flag: AnalysisFlag, to_state: str | None, when: datetime, kind: str = "state", **fields) -> None:
    db.session.add(FlagEvent(flag_id=flag.id, kind=kind, from_state=flag.state, to_state=to_state, at=when,
                             **fields))
    if to_state:
        flag.state = to_state


def test_signals_states_at_the_period_end_and_what_was_done(app):
    w = world()
    territory = w.territory
    fresh = _flag(territory, 1, at(date(YEAR, 2, 1)))
    answered = _flag(territory, 2, at(date(YEAR - 1, 5, 1)), rule="disadvantaged_spread_classes",
                     class_name="6.B")
    closed = _flag(territory, 3, at(date(YEAR - 1, 5, 1)))
    _flag(territory, 4, at(date(YEAR + 1, 1, 5)))  # recorded after the period
    _flag(territory, 5, at(date(YEAR - 1, 5, 1)), rule="sen_share_territory", school_id=None,
          school_name=None, territory_label="ORP Návrhov")
    proposal = proposal_services.create_proposal(w.group, {**PROPOSAL_DATA, "title": "Asistenti do tříd"},
                                                 actor=w.author)
    workflow.transition(proposal, "submitted", actor=w.author)
    db.session.add(FlagLink(flag_id=answered.id, proposal_id=proposal.id))
    _event(answered, "discussed", at(date(YEAR, 3, 1)))
    _event(answered, "addressed", at(date(YEAR, 4, 1)))
    _event(closed, "discussed", at(date(YEAR - 1, 9, 1)))
    _event(closed, "closed", at(date(YEAR, 10, 1)), note="ZŠ Signálová 3 vysvětlila rozdíl.")
    _event(fresh, "discussed", at(date(YEAR + 1, 1, 20)))  # after the period
    db.session.commit()

    sec = section(w.group, "signals")
    assert figures(sec) == {
        "signals_new": 1, "signals_discussed": 1, "signals_on_agenda": 0, "signals_addressed": 1,
        "signals_monitored": 0, "signals_closed": 1, "signals_at_end": 4, "signals_state_new": 2,
        "signals_state_discussed": 0, "signals_state_addressed": 1, "signals_state_monitored": 0,
        "signals_state_closed": 1}
    done = table(sec, "What the group did about the signals").rows
    assert [(r[1], r[3], r[4]) for r in done] == [
        ("a class of a school", "Asistenti do tříd", "addressed by a proposal"),
        ("a school", "—", "closed"),
    ]
    assert done[0][2] == "discussed on Mar 1, 2025; addressed by a proposal on Apr 1, 2025"
    assert done[1][2] == "closed on Oct 1, 2025"
    bars = chart(sec, "signals_by_state")
    assert bars.series[0][1] == [2.0, 0.0, 1.0, 0.0, 1.0]
    assert table(sec, "New signals by kind").rows == [
        ["Share of pupils with special educational needs in a school", 0, 1, 0, 1]]
    said = everything(sec)
    assert "Signálová" not in said and "6.B" not in said  # no school, no class named, no notes
    assert "the indices" in " ".join(texts(sec))  # no school year stored: it says so


# ---- the demo data, last year ----------------------------------------------------------------------------


def _demo_group() -> WorkingGroup:
    return db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "rovne-prilezitosti"))


def test_demo_report_of_last_year(app):
    seed_demo("heslo-demo-123")
    db.session.commit()
    group = _demo_group()
    year = clock.today().year - 1
    start, end = date(year, 1, 1), date(year, 12, 31)
    report = collect(group, start, end, language="en")

    minutes = report.section("minutes")
    # Four regular meetings and the joint one with PS pro financování (October), each with 4 agenda items,
    # 2 resolutions and 2 tasks; the May meeting also discussed a signal; the November one set a task done
    # only in January.
    assert figures(minutes) == {"meetings_with_minutes": 5, "topics_count": 21, "resolutions_count": 10,
                                "tasks_total": 11, "tasks_done": 10, "tasks_open": 1, "tasks_overdue": 1}
    assert "item on the territory analysis" in table(minutes, "Topics of the meetings").rows[1][2]
    assert "Signál k prověření" not in everything(minutes)

    proposals = report.section("proposals")
    assert figures(proposals) == {
        "proposals_count": 3, "verdicts_compliant": 1, "verdicts_conditional": 1, "verdicts_not_compliant": 1,
        "verdicts_pending": 0, "milestones_due": 2, "milestones_met": 1, "milestones_late": 0,
        "milestones_missed": 1}

    rounds = report.section("rounds")
    got = figures(rounds)
    assert {k: got[k] for k in ROUND_KEYS} == {
        "rounds_count": 1, "comments_total": 7, "comments_fundamental": 4, "comments_recommendation": 3,
        "comments_unsettled": 0, "disputes": 3, "disputes_agreed": 1, "disputes_steering_committee": 1,
        "disputes_unresolved": 1}

    consultations = report.section("consultations")
    held = db.session.scalars(select(Consultation).where(
        Consultation.group_id == group.id, Consultation.opens_at < at(end + timedelta(days=1), 0),
        Consultation.closes_at > at(start, 0))).all()
    if held:  # the consultations area's demo (if it has last year's consultations)
        assert figures(consultations)["consultations_count"] == len(held)
    else:
        assert texts(consultations) == [f"In {year} the group held no consultation."]

    signals = report.section("signals")
    assert figures(signals) == {
        "signals_new": 3, "signals_discussed": 2, "signals_on_agenda": 1, "signals_addressed": 1,
        "signals_monitored": 1, "signals_closed": 1, "signals_at_end": 3, "signals_state_new": 1,
        "signals_state_discussed": 0, "signals_state_addressed": 0, "signals_state_monitored": 1,
        "signals_state_closed": 1}
    trend = chart(signals, "indices_trend")
    assert trend.kind == "line" and trend.labels == [y for y in ("2023/24", "2024/25", "2025/26")
                                                     if int(y[:4]) <= year]
    assert len(trend.table.rows) == 2 * len(trend.labels)  # MŠ and ZŠ each year

    # Loading the demo again changes nothing in last year's report.
    seed_demo("heslo-demo-123")
    db.session.commit()
    again = collect(group, start, end, language="en")
    assert again.digest() == report.digest()


def test_demo_report_of_last_year_in_czech_formats_dates_and_decimals(app):
    seed_demo("heslo-demo-123")
    db.session.commit()
    year = clock.today().year - 1
    report = collect(_demo_group(), date(year, 1, 1), date(year, 12, 31))
    rounds = report.section("rounds")
    opened = next(b for b in rounds.blocks if isinstance(b, Table)).rows[0][2]
    assert opened == f"3. 3. {year} – 24. 3. {year}"
    trend = chart(report.section("signals"), "indices_trend")
    assert all("," in row[3] for row in trend.table.rows)  # decimal comma
    milestones = [b for b in report.section("proposals").blocks if isinstance(b, Table)][1]
    assert [row[2] for row in milestones.rows] == [f"30. 9. {year}", f"15. 12. {year}"]
