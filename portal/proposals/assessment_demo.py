"""Demo assessments on the proposals demo's proposals (which runs first): one with a split assessment (two
assessors disagree on two criteria), one compliant with conditions, one not compliant.

A proposal already carrying a verdict (set by the proposals demo for an assessed or adopted one) gets
answers that fit it; the others under assessment or later get the missing cases. Idempotent: a proposal
that has an assessment is left alone.
"""

from __future__ import annotations

from sqlalchemy import select

from portal import clock
from portal.demo import DemoContext, demo_loader
from portal.extensions import db
from portal.groups import services as groups
from portal.models.assessments import Answer, AssessorReview, ProposalAssessment
from portal.models.base import utcnow
from portal.models.groups import Category
from portal.models.meetings import Meeting
from portal.models.proposals import Proposal, ProposalEvent, ProposalState, Verdict
from portal.proposals.assessment import current_criteria

ASSESSED_STATES = (ProposalState.UNDER_ASSESSMENT.value, ProposalState.ASSESSED.value,
                   ProposalState.ADOPTED.value)

# Answers different from "yes" per case: {criterion position: (answer, reason)}; the split case gives the
# second assessor's differing answers.
SPLIT = {5: ("partly", "Přechod na 2. stupeň usnadní jen žákům, kteří zůstávají na stejné škole."),
         6: ("no", "Rodiče ani OSPOD nejsou do přípravy aktivity zapojeni.")}
CONDITIONAL = {2: ("partly", "Poplatek za materiál 300 Kč by mohl některé rodiny odradit.")}
NOT_COMPLIANT = {1: ("no", "Do kurzu se vybírá podle výsledků přijímacího testu."),
                 3: ("no", "Vytváří samostatnou skupinu nadaných žáků mimo kmenové třídy.")}

VERDICT_TEXTS = {
    Verdict.COMPLIANT.value: ("Aktivita je otevřená všem dětem cílové skupiny; neshody hodnotitelů u "
                              "kritérií 5 a 6 skupina projednala a zapojení rodičů doplní.", None),
    Verdict.CONDITIONAL.value: ("Aktivita je v souladu, pokud se odstraní finanční bariéra.",
                                "Poplatek za materiál hradí škola z rozpočtu projektu.\n"
                                "Rodiče jsou o možnosti účasti informováni i přes OSPOD a NNO."),
    Verdict.NOT_COMPLIANT.value: ("Výběr podle testu a oddělená skupina odporují zásadě rovného přístupu.",
                                  None),
}


def _answers(review: AssessorReview, criteria, differing: dict) -> None:
    for criterion in criteria:
        value, reason = differing.get(criterion.position, ("yes", None))
        review.answers.append(Answer(criterion_id=criterion.id, value=value, reason=reason))


def _missing_verdict(proposal: Proposal, wanted: list[str], *, split_first: bool) -> str | None:
    """A verdict the demo still lacks, for a proposal without one: the first proposal still under
    assessment keeps its split assessment without a verdict (the group has yet to discuss it); an adopted
    proposal is never "not compliant"."""
    if split_first and proposal.state == ProposalState.UNDER_ASSESSMENT.value:
        return None
    for verdict in wanted:
        if verdict == Verdict.NOT_COMPLIANT.value and proposal.state == ProposalState.ADOPTED.value:
            continue
        return verdict
    return None


@demo_loader
def load_assessments(context: DemoContext) -> None:
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.territory_id == context.territory.id,
                               Proposal.state.in_(ASSESSED_STATES)).order_by(Proposal.id)).all()
    existing = set(db.session.scalars(select(ProposalAssessment.proposal_id)))
    todo = [p for p in proposals if p.id not in existing]
    if not todo:
        return
    coordinator = context.users["coordinator"]
    criteria = current_criteria(context.territory.id, actor=coordinator)
    wanted = [Verdict.CONDITIONAL.value, Verdict.NOT_COMPLIANT.value, Verdict.COMPLIANT.value]
    for verdict in {p.verdict for p in proposals if p.id in existing}:
        if verdict in wanted:
            wanted.remove(verdict)
    split_done = bool(existing)
    for proposal in todo:
        memberships = groups.active_members(proposal.group, clock.today())
        if len(memberships) < 2:
            continue
        # A parent representative among the assessors where the group has one.
        memberships.sort(key=lambda m: m.category != Category.PARENT.value)
        assessors = [m.user for m in memberships[:2]]
        verdict = proposal.verdict or _missing_verdict(proposal, wanted, split_first=not split_done)
        if verdict in wanted:
            wanted.remove(verdict)
        split = not split_done
        differing = {Verdict.CONDITIONAL.value: CONDITIONAL, Verdict.NOT_COMPLIANT.value: NOT_COMPLIANT}.get(
            verdict or "", {})
        assessment = ProposalAssessment(proposal_id=proposal.id, criteria_version=criteria)
        for number, user in enumerate(assessors):
            review = AssessorReview(assessor_id=user.id, submitted_at=utcnow(), saved_at=utcnow())
            # In the split case the second assessor differs from the first on the two SPLIT criteria.
            answers = {**differing, **SPLIT} if split and number == 1 else differing
            _answers(review, criteria.criteria, answers)
            assessment.reviews.append(review)
        split_done = split_done or split
        if verdict is not None:
            reasons, conditions = VERDICT_TEXTS[verdict]
            meeting = db.session.scalars(select(Meeting).where(Meeting.group_id == proposal.group_id)
                                         .order_by(Meeting.starts_at.desc()).limit(1)).first()
            assessment.verdict_reasons = reasons
            assessment.meeting_id = meeting.id if meeting else None
            assessment.verdict_at = utcnow()
            assessment.verdict_by_id = coordinator.id
            if proposal.verdict is None:
                proposal.verdict = verdict
                proposal.verdict_conditions = conditions
                proposal.events.append(ProposalEvent(kind="verdict", note=verdict, actor_id=coordinator.id))
            elif proposal.verdict == Verdict.CONDITIONAL.value and not proposal.verdict_conditions:
                proposal.verdict_conditions = conditions
        db.session.add(assessment)
    db.session.flush()
