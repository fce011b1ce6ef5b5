"""The equal-access assessment of a proposal (DOMAIN.md, "Proposals and equal access"; issue 11).

Rules:
* The checklist is a territory's, versioned: `edit_criteria` makes a new `CriteriaVersion`; an assessment
  keeps the version it started with, so editing the list never changes a past assessment.
* Coordinators of the proposal's group assign assessors among the group's active members (a parent
  representative included). Each assessor answers every criterion (ano / částečně / ne / netýká se); "ne"
  and "částečně" need a reason. A review is private to its assessor until submitted.
* The group's verdict (v souladu / v souladu s podmínkami / není v souladu) needs reasons, conditions when
  conditional, at least one submitted review and a reason for every "ne" of any assessor; a withdrawn
  proposal is not assessed.

Services take `actor=`, raise `AssessmentError` with a translated message for a refusal and only flush.
`verdict_of(proposal)` is the hook of the proposals workflow: the assessed transition requires a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import audit, clock
from portal.extensions import db
from portal.groups import services as groups
from portal.models.assessments import (
    ANSWERS_NEEDING_REASON,
    Answer,
    AnswerValue,
    AssessorReview,
    CriteriaVersion,
    Criterion,
    ProposalAssessment,
)
from portal.models.base import utcnow
from portal.models.meetings import Meeting
from portal.models.people import User
from portal.models.proposals import Proposal, ProposalEvent, ProposalState, Verdict
from portal.versioning import StaleEdit, check_version

MAX_CRITERION = 500
MAX_CRITERIA = 30
MAX_REASON = 2000
MAX_VERDICT_TEXT = 5000

# The nine default criteria of DOMAIN.md; stored in Czech (the territory's own list from then on).
DEFAULT_CRITERIA = (
    _l("Open to every child of the target group, without selection by tests, grades, fees or residence."),
    _l("Costs, place, time and transport are no barrier (fees waived, transport arranged where needed)."),
    _l("Does not create or deepen selective classes, streams or schools."),
    _l("Reaches pupils at risk of school failure and pupils with support needs at least in proportion to "
       "their share."),
    _l("Eases transitions (MŠ/ZŠ, 1st/2nd stage, ZŠ/SŠ, ZŠ/gymnasium) without selecting out."),
    _l("Involves parents and, where relevant, social and health services, NGOs, OSPOD."),
    _l("Responds to an identified problem (an analysis flag or a described cause)."),
    _l("Funding and sustainability agreed with PS pro financování."),
    _l("Has measurable indicators and yearly milestones."),
)

ANSWER_LABELS = {
    AnswerValue.YES.value: _l("yes"),
    AnswerValue.PARTLY.value: _l("partly"),
    AnswerValue.NO.value: _l("no"),
    AnswerValue.NOT_APPLICABLE.value: _l("not applicable"),
}


class AssessmentError(ValueError):
    """A refused assessment step; the message is translated, `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# ---- the checklist ---------------------------------------------------------------------------------


def latest_criteria(territory_id: int) -> CriteriaVersion | None:
    return db.session.scalars(
        select(CriteriaVersion).where(CriteriaVersion.territory_id == territory_id)
        .order_by(CriteriaVersion.number.desc()).limit(1)).first()


def current_criteria(territory_id: int, *, actor: User | None = None) -> CriteriaVersion:
    """The territory's checklist now; the first use makes version 1 from the nine default criteria."""
    version = latest_criteria(territory_id)
    if version is None:
        with force_locale("cs"):
            texts = [str(text) for text in DEFAULT_CRITERIA]
        version = _new_version(territory_id, 1, texts, actor)
    return version


def _new_version(territory_id: int, number: int, texts: list[str], actor: User | None) -> CriteriaVersion:
    version = CriteriaVersion(territory_id=territory_id, number=number,
                              created_by_id=actor.id if actor is not None else None)
    version.criteria = [Criterion(position=i, text=text) for i, text in enumerate(texts, start=1)]
    db.session.add(version)
    db.session.flush()
    return version


def check_criteria(texts: list[str]) -> list[str]:
    """The criteria's texts, trimmed, without empty ones; refused when none, too many or too long."""
    cleaned = [text.strip() for text in texts if text and text.strip()]
    if not cleaned:
        raise AssessmentError(_("The checklist needs at least one criterion."), "criteria")
    if len(cleaned) > MAX_CRITERIA:
        raise AssessmentError(_("The checklist may have at most %(limit)s criteria; it has %(count)s.",
                                limit=MAX_CRITERIA, count=len(cleaned)), "criteria")
    for position, text in enumerate(cleaned, start=1):
        if len(text) > MAX_CRITERION:
            raise AssessmentError(_("Criterion %(position)s has %(length)s characters; at most %(limit)s are "
                                    "allowed.", position=position, length=len(text), limit=MAX_CRITERION),
                                  "criteria")
    return cleaned


def edit_criteria(territory_id: int, texts: list[str], *, seen_number: int | None,
                  actor: User) -> CriteriaVersion:
    """A new version of the territory's checklist (past assessments keep theirs). `seen_number` is the
    version the editor saw: a save from an outdated page is refused (StaleEdit)."""
    current = current_criteria(territory_id, actor=actor)
    check_version(_Numbered(current.number), seen_number)
    cleaned = check_criteria(texts)
    if cleaned == [c.text for c in current.criteria]:
        return current
    version = _new_version(territory_id, current.number + 1, cleaned, actor)
    audit.record("assessment.criteria_edited", version, actor=actor, territory_id=territory_id,
                 number=version.number, count=len(cleaned))
    return version


@dataclass
class _Numbered:
    """The checklist's version number seen as the record version `check_version` compares."""

    version: int


# ---- the assessment --------------------------------------------------------------------------------


def _refuse_withdrawn(proposal: Proposal) -> None:
    if proposal.state == ProposalState.WITHDRAWN.value:
        raise AssessmentError(_("The proposal has been withdrawn; it is not assessed."))


def _require_under_assessment(proposal: Proposal) -> None:
    _refuse_withdrawn(proposal)
    if proposal.state != ProposalState.UNDER_ASSESSMENT.value:
        raise AssessmentError(_("The proposal is not under assessment; a coordinator starts the assessment "
                                "first."))


def assessment_of(proposal) -> ProposalAssessment | None:
    return db.session.scalars(
        select(ProposalAssessment).where(ProposalAssessment.proposal_id == proposal.id)).first()


def eligible_assessors(proposal) -> list[User]:
    """The group's active members (a parent representative included), by name."""
    return [m.user for m in groups.active_members(proposal.group, clock.today())]


def assign_assessors(proposal, user_ids: list[int], *, actor: User) -> ProposalAssessment:
    """Make the proposal's assessment (with the territory's current checklist) if it has none, and add
    reviews for the chosen members who are not assessors yet."""
    _require_under_assessment(proposal)
    eligible = {user.id: user for user in eligible_assessors(proposal)}
    chosen = list(dict.fromkeys(user_ids))
    if not chosen:
        raise AssessmentError(_("Choose at least one assessor."), "assessors")
    strangers = [uid for uid in chosen if uid not in eligible]
    if strangers:
        raise AssessmentError(_("Assessors must be active members of the proposal's group."), "assessors")
    assessment = assessment_of(proposal)
    if proposal.verdict is not None:
        raise AssessmentError(_("The verdict has been recorded; no assessors can be added."))
    if assessment is None:
        criteria = current_criteria(proposal.group.territory_id, actor=actor)
        assessment = ProposalAssessment(proposal_id=proposal.id, criteria_version=criteria)
        db.session.add(assessment)
        db.session.flush()
    present = {review.assessor_id for review in assessment.reviews}
    added = []
    for uid in chosen:
        if uid in present:
            continue
        review = AssessorReview(assessor_id=uid)
        review.answers = [Answer(criterion_id=c.id) for c in assessment.criteria_version.criteria]
        assessment.reviews.append(review)
        added.append(uid)
    db.session.flush()
    if added:
        audit.record("assessment.assessors_assigned", assessment, actor=actor,
                     territory_id=proposal.group.territory_id, proposal_id=proposal.id, assessors=added)
    return assessment


@dataclass
class AnswerData:
    criterion_id: int
    value: str | None
    reason: str | None


def save_answers(review: AssessorReview, proposal, answers: list[AnswerData], *, seen_version: int | None,
                 submit: bool, actor: User) -> None:
    """The assessor's answers saved (a draft), or submitted when `submit`: then every criterion needs an
    answer and "ne"/"částečně" a reason. Only the assessor answers; not after the verdict."""
    _require_under_assessment(proposal)
    if review.assessor_id != actor.id:
        raise AssessmentError(_("Only the assessor may answer this assessment."))
    if proposal.verdict is not None:
        raise AssessmentError(_("The verdict has been recorded; the answers can no longer be changed."))
    check_version(review, seen_version)
    by_criterion = {answer.criterion_id: answer for answer in review.answers}
    positions = {c.id: c.position for c in review.assessment.criteria_version.criteria}
    for data in answers:
        answer = by_criterion.get(data.criterion_id)
        if answer is None:
            raise AssessmentError(_("The form does not match the assessment; open it again."))
        value = data.value or None
        if value is not None and value not in ANSWER_LABELS:
            raise AssessmentError(_("Choose one of the offered answers."), f"criterion-{data.criterion_id}")
        reason = (data.reason or "").strip() or None
        if reason is not None and len(reason) > MAX_REASON:
            raise AssessmentError(_("The reason for criterion %(position)s has %(length)s characters; at "
                                    "most %(limit)s are allowed.", position=positions[data.criterion_id],
                                    length=len(reason), limit=MAX_REASON),
                                  f"criterion-{data.criterion_id}")
        answer.value, answer.reason = value, reason
    if submit:
        for answer in sorted(review.answers, key=lambda a: positions[a.criterion_id]):
            if answer.value is None:
                raise AssessmentError(_("Answer criterion %(position)s before submitting.",
                                        position=positions[answer.criterion_id]))
            if answer.value in ANSWERS_NEEDING_REASON and not answer.reason:
                raise AssessmentError(_("Criterion %(position)s is answered “%(answer)s”: give the reason "
                                        "before submitting.", position=positions[answer.criterion_id],
                                        answer=ANSWER_LABELS[answer.value]))
        review.submitted_at = utcnow()
    review.saved_at = utcnow()  # an UPDATE of the review row: its version rises
    db.session.flush()
    audit.record("assessment.submitted" if submit else "assessment.answers_saved", review, actor=actor,
                 territory_id=proposal.group.territory_id, proposal_id=proposal.id)


@dataclass
class VerdictData:
    verdict: str | None
    reasons: str | None
    conditions: str | None
    meeting_id: int | None


def meetings_for_verdict(proposal) -> list[Meeting]:
    """The group's meetings (latest first) whose minutes may record the verdict."""
    return list(db.session.scalars(
        select(Meeting).where(Meeting.group_id == proposal.group.id).order_by(Meeting.starts_at.desc())
        .limit(50)))


def record_verdict(proposal: Proposal, data: VerdictData, *, seen_version: int | None,
                   actor: User) -> ProposalAssessment:
    """The group's verdict, refused (nothing changed) for a withdrawn proposal, without a submitted review,
    while any assessor's "ne" has no reason, without reasons, or conditional without conditions."""
    _refuse_withdrawn(proposal)
    assessment = assessment_of(proposal)
    if assessment is None or not any(r.submitted_at for r in assessment.reviews):
        raise AssessmentError(_("No assessor has submitted an assessment yet; the verdict waits for at "
                                "least one."))
    check_version(assessment, seen_version)
    positions = {c.id: c.position for c in assessment.criteria_version.criteria}
    missing = sorted({positions[a.criterion_id] for r in assessment.reviews for a in r.answers
                      if a.value == AnswerValue.NO.value and not a.reason})
    if missing:
        raise AssessmentError(_("Criterion %(positions)s is answered “no” without a reason; the assessor "
                                "must give the reason before the verdict.",
                                positions=", ".join(str(p) for p in missing)))
    if data.verdict not in {v.value for v in Verdict}:
        raise AssessmentError(_("Choose the verdict."), "verdict")
    reasons = (data.reasons or "").strip()
    conditions = (data.conditions or "").strip()
    if not reasons:
        raise AssessmentError(_("State the reasons for the verdict."), "reasons")
    if data.verdict == Verdict.CONDITIONAL.value and not conditions:
        raise AssessmentError(_("List the conditions of a verdict “compliant with conditions”."),
                              "conditions")
    if data.verdict != Verdict.CONDITIONAL.value:
        conditions = ""
    for text, name in ((reasons, "reasons"), (conditions, "conditions")):
        if len(text) > MAX_VERDICT_TEXT:
            raise AssessmentError(_("At most %(limit)s characters are allowed; the text has %(length)s.",
                                    limit=MAX_VERDICT_TEXT, length=len(text)), name)
    meeting = None
    if data.meeting_id:
        meeting = db.session.get(Meeting, data.meeting_id)
        if meeting is None or meeting.group_id != proposal.group.id:
            raise AssessmentError(_("Choose a meeting of the proposal's group."), "meeting_id")
    proposal.verdict = data.verdict
    proposal.verdict_conditions = conditions or None
    assessment.verdict_reasons = reasons
    assessment.meeting_id = meeting.id if meeting else None
    assessment.verdict_at = utcnow()
    assessment.verdict_by_id = actor.id
    proposal.events.append(ProposalEvent(kind="verdict", note=data.verdict, actor_id=actor.id))
    db.session.flush()
    audit.record("assessment.verdict", assessment, actor=actor, territory_id=proposal.group.territory_id,
                 proposal_id=proposal.id, verdict=data.verdict, meeting_id=assessment.meeting_id)
    return assessment


def verdict_of(proposal: Proposal) -> str | None:
    """The hook of the proposals workflow: the recorded verdict (a `Verdict` value) or None."""
    return proposal.verdict


def submitted_count(assessment: ProposalAssessment) -> int:
    return db.session.scalar(select(func.count()).select_from(AssessorReview).where(
        AssessorReview.assessment_id == assessment.id, AssessorReview.submitted_at.is_not(None)))


__all__ = ["StaleEdit", "AssessmentError", "verdict_of"]
