"""Demo data of the proposals area: proposals of the equal-opportunities group in every state; the adopted
one responds to the demo signal and has milestones, one of them late. The assessment area adds the
assessments (a split one, one compliant with conditions, one not compliant) to these proposals.

Last year's work (for the annual report of last year): three proposals submitted and assessed last year
(compliant and adopted, compliant with conditions, not compliant), the adopted one responding to a signal
of the territory, with milestones due last year (one met, one missed) and one due this year. Their history
is dated last year."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal import clock
from portal.analysis_portal.demo import DEMO_FLAG_RULE
from portal.demo import DemoContext, demo_loader
from portal.extensions import db
from portal.models import AnalysisFlag, FlagEvent, FlagLink, Proposal, User, WorkingGroup
from portal.models.proposals import ProposalEvent, ProposalState, Verdict
from portal.proposals import services, workflow

S = ProposalState

BASE = {"kind": "school", "target_group": "žáci ZŠ v ORP Vzorov", "organisations": "ZŠ Vzorov, Komenského 12",
        "transition": "none", "klima": ["K", "I"], "expected_cost": "80 000", "funding_source": "OP JAK",
        "indicators": "Zapojení žáci; žáci; 0; 2026=40, 2027=80\nZapojené školy; školy; 1; 2026=3, 2027=5"}

#: title → (state it ends in, the steps to get there, extra fields, the verdict recorded for it)
DEMO = [
    ("Čtenářský klub pro žáky 3. ročníků", S.DRAFT, [], {"klima": ["A"]}, None),
    ("Adaptační kurz před přechodem na 2. stupeň", S.SUBMITTED, ["submitted"],
     {"transition": "zs_stages", "klima": ["I", "A"], "expected_cost": "120 000"}, None),
    ("Doučování žáků ohrožených neúspěchem", S.UNDER_ASSESSMENT, ["submitted", "under_assessment"],
     {"target_group": "žáci ohrožení školním neúspěchem", "expected_cost": "250 000"}, None),
    ("Letní škola pro budoucí prvňáčky", S.ASSESSED, ["submitted", "under_assessment", "assessed"],
     {"transition": "ms_zs", "expected_cost": "60 000"}, Verdict.CONDITIONAL),
    ("Přijímací testy nanečisto pro víceletá gymnázia", S.ASSESSED,
     ["submitted", "under_assessment", "assessed"],
     {"transition": "zs_gym", "klima": ["K"], "expected_cost": "30 000"}, Verdict.NOT_COMPLIANT),
    ("Kroužek robotiky s poplatkem", S.RETURNED, ["submitted", "returned"],
     {"kind": "cooperation", "klima": ["A"]}, None),
    ("Výjezdní seminář pro ředitele", S.WITHDRAWN, ["submitted", "withdrawn"], {"klima": ["L"]}, None),
    ("Školní asistenti a mentoring ve třídách s vyšším podílem znevýhodněných žáků", S.ADOPTED,
     ["submitted", "under_assessment", "assessed", "adopted"],
     {"klima": ["I", "M"], "expected_cost": "480 000", "funding_source": "OP JAK, rozpočet obce"},
     Verdict.COMPLIANT),
]
RETURN_REASON = ("Kroužek vybírá poplatek, který může být pro některé rodiny bariérou. "
                 "Doplňte, jak ho prominout.")
WITHDRAW_REASON = "Seminář zajistí krajský projekt."


def _cast(ctx: DemoContext) -> tuple[WorkingGroup, User, User] | None:
    """The demo equal-opportunities group, its coordinator, and who proposes (the demo member where they
    may, else the coordinator); None before the groups demo has run."""
    group = db.session.scalar(select(WorkingGroup).where(
        WorkingGroup.territory_id == ctx.territory.id, WorkingGroup.slug == "rovne-prilezitosti"))
    coordinator = ctx.users.get("coordinator")
    if group is None or coordinator is None:
        return None
    author = db.session.scalar(select(User).where(User.email == "clen@demo.example"))
    if author is None or not services.may_propose(author, group):
        author = coordinator
    return group, coordinator, author


@demo_loader
def load_proposals(ctx: DemoContext) -> None:
    cast = _cast(ctx)
    if cast is None:
        return
    group, coordinator, author = cast
    existing = set(db.session.scalars(select(Proposal.title).where(Proposal.group_id == group.id)))
    for title, _state, steps, extra, verdict in DEMO:
        if title in existing:
            continue
        proposal = services.create_proposal(group, {**BASE, **extra, "title": title,
                                                    "description": f"{title}: popis aktivity pro ukázku."},
                                            actor=author)
        if proposal.state == S.DRAFT and steps and steps[-1] == "adopted":
            _signal(ctx, proposal, author)
        for step in steps:
            if step == "assessed":
                # The assessment area records the verdict from the assessors' answers.
                proposal.verdict = verdict.value if verdict else None
                if verdict == Verdict.CONDITIONAL:
                    proposal.verdict_conditions = "Doprava dětí z odlehlých obcí zajištěna obcí."
            actor = author if step in ("submitted", "withdrawn") else coordinator
            reason = RETURN_REASON if step == "returned" else WITHDRAW_REASON if step == "withdrawn" else None
            workflow.transition(proposal, step, actor=actor, reason=reason)
        if proposal.state == S.ADOPTED:
            _milestones(proposal, coordinator)


def _signal(ctx: DemoContext, proposal: Proposal, author: User) -> None:
    # Another signal of the demo rule than the one the analysis demo put on a meeting's agenda.
    flag = db.session.scalar(
        select(AnalysisFlag).where(AnalysisFlag.territory_id == ctx.territory.id,
                                   AnalysisFlag.rule == DEMO_FLAG_RULE, AnalysisFlag.state == "new",
                                   AnalysisFlag.id.not_in(select(FlagLink.flag_id)))
        .order_by(AnalysisFlag.identity))
    if flag is not None:
        services.link_signal(proposal, flag, actor=author)


def _milestones(proposal: Proposal, coordinator: User) -> None:
    today = clock.today()
    services.set_plan_years(proposal, today.year - 1, today.year + 1, actor=coordinator)
    for title, due, target, reached in (
        ("Výběr a zaškolení asistentů", today - timedelta(days=120), "4", "4"),
        ("Mentoring v prvních pěti třídách", today - timedelta(days=20), "5", None),  # late
        ("Vyhodnocení docházky a výsledků", today + timedelta(days=150), "90", None),
    ):
        if due.year not in (today.year - 1, today.year, today.year + 1):
            due = today
        services.add_milestone(proposal, {"title": title, "due_on": due, "target_value": target,
                                          "reached_value": reached, "responsible": "MAS Vzorovsko"},
                               actor=coordinator)


# ---- last year ---------------------------------------------------------------------------------------

#: title → (steps, extra fields, verdict, the month and day of each step last year)
LAST_YEAR = [
    ("Kurz češtiny pro rodiče žáků s odlišným mateřským jazykem",
     ["submitted", "under_assessment", "assessed", "adopted"],
     {"kind": "cooperation", "target_group": "rodiče žáků s odlišným mateřským jazykem", "klima": ["I"],
      "expected_cost": "90 000"}, Verdict.COMPLIANT, [(2, 10), (3, 2), (4, 15), (5, 20)]),
    ("Příměstský tábor pro děti ze sociálně znevýhodněného prostředí",
     ["submitted", "under_assessment", "assessed"],
     {"target_group": "děti ze sociálně znevýhodněného prostředí", "klima": ["I", "A"],
      "expected_cost": "150 000"}, Verdict.CONDITIONAL, [(3, 5), (4, 1), (5, 20)]),
    ("Talentová třída s přijímacími zkouškami", ["submitted", "under_assessment", "assessed"],
     {"transition": "zs_stages", "klima": ["K"], "expected_cost": "40 000"}, Verdict.NOT_COMPLIANT,
     [(8, 25), (9, 10), (9, 16)]),
]
LAST_YEAR_CONDITIONS = ("Tábor bez poplatku pro rodiny v hmotné nouzi.\n"
                        "Svoz dětí z Horního Vzorova zajistí obec.")
#: The signal the adopted one responds to (a rule the other demos leave alone).
LAST_YEAR_SIGNAL_RULE = "further_ed_gap"
PRAGUE = ZoneInfo("Europe/Prague")


def last_year_at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime.combine(date(year, month, day), time(hour), tzinfo=PRAGUE).astimezone(UTC)


@demo_loader
def load_last_year_proposals(ctx: DemoContext) -> None:
    cast = _cast(ctx)
    if cast is None:
        return
    group, coordinator, author = cast
    year = clock.today().year - 1
    existing = set(db.session.scalars(select(Proposal.title).where(Proposal.group_id == group.id)))
    for title, steps, extra, verdict, days in LAST_YEAR:
        if title in existing:
            continue
        proposal = services.create_proposal(group, {**BASE, **extra, "title": title,
                                                    "description": f"{title}: popis aktivity pro ukázku."},
                                            actor=author)
        flag = None
        if steps[-1] == "adopted":
            flag = _last_year_signal(ctx)
            if flag is not None:
                services.link_signal(proposal, flag, actor=author)
        for step in steps:
            if step == "assessed":
                proposal.verdict = verdict.value
                if verdict == Verdict.CONDITIONAL:
                    proposal.verdict_conditions = LAST_YEAR_CONDITIONS
                proposal.events.append(ProposalEvent(kind="verdict", note=verdict.value,
                                                     actor_id=coordinator.id))
            workflow.transition(proposal, step, actor=author if step == "submitted" else coordinator)
        db.session.flush()
        # Date the history last year: created a week before it was submitted, each step on its day.
        created = last_year_at(year, *days[0]) - timedelta(days=7)
        proposal.created_at = created
        moments = iter([last_year_at(year, *d) for d in days])
        moment = created
        for event in sorted(proposal.events, key=lambda e: e.id):
            if event.kind == "state":
                moment = next(moments)
            event.at = moment
        proposal.submitted_at = last_year_at(year, *days[0])
        if proposal.state == S.ADOPTED:
            proposal.adopted_at = last_year_at(year, *days[-1])
            _last_year_milestones(proposal, coordinator, year)
        if flag is not None:
            flag.created_at = last_year_at(year, 1, 20)  # recorded with last year's first data import
            for event in flag.events:  # discussed and addressed when the proposal was adopted
                event.at = last_year_at(year, *days[-1])
            if flag.state == "addressed":
                from portal.analysis_portal import workflow as flag_workflow

                event = flag_workflow.change_state(flag, "monitored", note=None, actor=coordinator)
                event.at = last_year_at(year, 11, 25)
    db.session.flush()


def _last_year_signal(ctx: DemoContext) -> AnalysisFlag | None:
    return db.session.scalar(
        select(AnalysisFlag).where(AnalysisFlag.territory_id == ctx.territory.id,
                                   AnalysisFlag.rule == LAST_YEAR_SIGNAL_RULE, AnalysisFlag.state == "new",
                                   AnalysisFlag.id.not_in(select(FlagLink.flag_id)),
                                   AnalysisFlag.id.not_in(select(FlagEvent.flag_id)))
        .order_by(AnalysisFlag.first_seen_year, AnalysisFlag.identity).limit(1))


def _last_year_milestones(proposal: Proposal, coordinator: User, year: int) -> None:
    services.set_plan_years(proposal, year, year + 1, actor=coordinator)
    for title, due, target, reached in (
        ("Kurz zahájen ve dvou školách", date(year, 9, 30), "2", "2"),  # met
        ("Kurz absolvuje 30 rodičů", date(year, 12, 15), "30", "18"),  # missed
        ("Kurz rozšířen do dalších tří škol", date(year + 1, 9, 30), "5", None),
    ):
        services.add_milestone(proposal, {"title": title, "due_on": due, "target_value": target,
                                          "reached_value": reached, "responsible": "MAS Vzorovsko"},
                               actor=coordinator)
    for event in proposal.events:
        if event.kind == "milestone":
            event.at = proposal.adopted_at + timedelta(days=3)
