"""Demo data of the proposals area: proposals of the equal-opportunities group in every state; the adopted
one responds to the demo signal and has milestones, one of them late. The assessment area adds the
assessments (a split one, one compliant with conditions, one not compliant) to these proposals."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.analysis_portal.demo import DEMO_FLAG_RULE
from portal.demo import DemoContext, demo_loader
from portal.extensions import db
from portal.models import AnalysisFlag, FlagLink, Proposal, User, WorkingGroup
from portal.models.proposals import ProposalState, Verdict
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


@demo_loader
def load_proposals(ctx: DemoContext) -> None:
    group = db.session.scalar(select(WorkingGroup).where(
        WorkingGroup.territory_id == ctx.territory.id, WorkingGroup.slug == "rovne-prilezitosti"))
    coordinator = ctx.users.get("coordinator")
    if group is None or coordinator is None:
        return
    author = db.session.scalar(select(User).where(User.email == "clen@demo.example"))
    if author is None or not services.may_propose(author, group):
        author = coordinator
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
