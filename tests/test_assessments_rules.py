"""The equal-access assessment's rules through its services: versioned criteria, assessors, draft privacy,
the verdict's refusals (issue 11, "The equal-access assessment")."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.models import AuditEvent
from portal.models.assessments import AssessorReview
from portal.models.proposals import Proposal, ProposalState
from portal.proposals import assessment as rules
from portal.proposals import assessment_reads as reads
from portal.proposals import workflow
from portal.proposals.assessment import AnswerData, AssessmentError, VerdictData
from portal.proposals.base import ProposalError
from portal.versioning import StaleEdit
from tests.conftest import add_member, make_group, make_meeting, make_territory, make_user


def make_proposal(group, author, state=ProposalState.UNDER_ASSESSMENT.value, title="Doučování na ZŠ Vzorov"):
    proposal = Proposal(territory_id=group.territory_id, group_id=group.id, author_id=author.id, title=title,
                        state=state)
    _db.session.add(proposal)
    _db.session.commit()
    return proposal


@pytest.fixture
def setting():
    territory = make_territory()
    group = make_group(territory)
    coordinator = make_user("member", territory=territory)
    add_member(group, coordinator, role="coordinator")
    teacher = make_user("member", territory=territory)
    add_member(group, teacher)
    parent = make_user("parent", territory=territory)
    add_member(group, parent, category="parent")
    author = make_user("member", territory=territory)
    add_member(group, author)
    proposal = make_proposal(group, author)
    return territory, group, coordinator, teacher, parent, author, proposal


def answer_all(review, proposal, value="yes", reason=None, *, submit=True, overrides=None):
    overrides = overrides or {}
    criteria = review.assessment.criteria_version.criteria
    data = [AnswerData(c.id, *overrides.get(c.position, (value, reason))) for c in criteria]
    rules.save_answers(review, proposal, data, seen_version=review.version, submit=submit,
                       actor=review.assessor)
    _db.session.commit()


def review_of(assessment, user) -> AssessorReview:
    return next(r for r in assessment.reviews if r.assessor_id == user.id)


def test_the_default_checklist_has_the_nine_criteria_in_czech(setting):
    territory = setting[0]
    version = rules.current_criteria(territory.id)
    assert version.number == 1
    assert len(version.criteria) == 9
    assert version.criteria[0].text.startswith("Otevřená každému dítěti cílové skupiny")


def test_editing_the_checklist_leaves_a_past_assessment_unchanged(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessment = rules.assign_assessors(proposal, [teacher.id], actor=coordinator)
    _db.session.commit()
    old_texts = [c.text for c in assessment.criteria_version.criteria]

    new = rules.edit_criteria(territory.id, ["Jediné nové kritérium", "Druhé kritérium"], seen_number=1,
                              actor=coordinator)
    _db.session.commit()
    assert new.number == 2

    _db.session.expire_all()
    again = reads.load(proposal)
    assert again.criteria_version.number == 1
    assert [c.text for c in again.criteria_version.criteria] == old_texts
    assert len(review_of(again, teacher).answers) == 9
    # A new assessment uses the new list.
    other = make_proposal(group, author, title="Jiný návrh")
    second = rules.assign_assessors(other, [teacher.id], actor=coordinator)
    assert [c.text for c in second.criteria_version.criteria] == ["Jediné nové kritérium", "Druhé kritérium"]


def test_a_checklist_edit_from_an_outdated_page_is_refused(setting):
    territory, coordinator = setting[0], setting[2]
    rules.edit_criteria(territory.id, ["A"], seen_number=1, actor=coordinator)
    _db.session.commit()
    with pytest.raises(StaleEdit):
        rules.edit_criteria(territory.id, ["B"], seen_number=1, actor=coordinator)
    _db.session.rollback()
    assert [c.text for c in rules.current_criteria(territory.id).criteria] == ["A"]


def test_a_too_long_criterion_is_refused_not_cut(setting):
    territory, coordinator = setting[0], setting[2]
    with pytest.raises(AssessmentError, match="501"):
        rules.edit_criteria(territory.id, ["x" * 501], seen_number=1, actor=coordinator)


def test_assessors_are_members_of_the_group_a_parent_included(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    stranger = make_user("member", territory=territory)
    with pytest.raises(AssessmentError, match="aktivními členy"):
        rules.assign_assessors(proposal, [teacher.id, stranger.id], actor=coordinator)
    _db.session.rollback()
    assessment = rules.assign_assessors(proposal, [teacher.id, parent.id], actor=coordinator)
    _db.session.commit()
    assert {r.assessor_id for r in assessment.reviews} == {teacher.id, parent.id}


def test_a_draft_is_private_to_its_assessor_until_submitted(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessment = rules.assign_assessors(proposal, [teacher.id, parent.id], actor=coordinator)
    _db.session.commit()
    answer_all(review_of(assessment, teacher), proposal, "no", "Výběr podle známek.", submit=False)

    columns, rows = reads.side_by_side(reads.load(proposal))
    assert columns == []  # nobody else sees the draft, the coordinator neither
    assert reads.own_review(reads.load(proposal), parent).answers[0].value is None

    answer_all(review_of(reads.load(proposal), teacher), proposal, "no", "Výběr podle známek.")
    columns, rows = reads.side_by_side(reads.load(proposal))
    assert [c.assessor_id for c in columns] == [teacher.id]
    assert rows[0].answers[0].reason == "Výběr podle známek."


def test_only_the_assessor_answers(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessment = rules.assign_assessors(proposal, [teacher.id], actor=coordinator)
    _db.session.commit()
    review = review_of(assessment, teacher)
    with pytest.raises(AssessmentError, match="jen jeho hodnotitel"):
        rules.save_answers(review, proposal, [], seen_version=review.version, submit=False, actor=coordinator)


def test_submitting_needs_every_answer_and_reasons_for_no_and_partly(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessment = rules.assign_assessors(proposal, [teacher.id], actor=coordinator)
    _db.session.commit()
    review = review_of(assessment, teacher)
    criteria = assessment.criteria_version.criteria
    partial = [AnswerData(c.id, "yes", None) for c in criteria[:-1]]
    with pytest.raises(AssessmentError, match="kritérium 9"):
        rules.save_answers(review, proposal, partial, seen_version=review.version, submit=True, actor=teacher)
    _db.session.rollback()
    partly = [AnswerData(c.id, "partly" if c.position == 2 else "yes", None) for c in criteria]
    with pytest.raises(AssessmentError, match="Kritérium 2"):
        rules.save_answers(review, proposal, partly, seen_version=review.version, submit=True, actor=teacher)
    _db.session.rollback()
    assert _db.session.get(AssessorReview, review.id).submitted_at is None


def test_a_stale_answer_save_is_refused(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessment = rules.assign_assessors(proposal, [teacher.id], actor=coordinator)
    _db.session.commit()
    review = review_of(assessment, teacher)
    seen = review.version
    answer_all(review, proposal, submit=False)
    with pytest.raises(StaleEdit):
        rules.save_answers(review, proposal, [], seen_version=seen, submit=False, actor=teacher)


def test_disagreements_are_marked_criterion_by_criterion(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessment = rules.assign_assessors(proposal, [teacher.id, parent.id], actor=coordinator)
    _db.session.commit()
    answer_all(review_of(assessment, teacher), proposal)
    answer_all(review_of(assessment, parent), proposal,
               overrides={2: ("no", "Doprava chybí."), 4: ("partly", "Jen část žáků.")})
    columns, rows = reads.side_by_side(reads.load(proposal))
    assert len(columns) == 2
    assert [row.criterion.position for row in rows if row.disagreement] == [2, 4]


def _verdict(proposal, actor, verdict="compliant", reasons="Splňuje všechna kritéria.", conditions=None,
             meeting_id=None):
    assessment = rules.assessment_of(proposal)
    return rules.record_verdict(proposal, VerdictData(verdict, reasons, conditions, meeting_id),
                                seen_version=assessment.version if assessment else 1, actor=actor)


def test_a_verdict_waits_for_a_submitted_assessment(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    with pytest.raises(AssessmentError, match="žádný hodnotitel neodeslal"):
        _verdict(proposal, coordinator)
    assessment = rules.assign_assessors(proposal, [teacher.id], actor=coordinator)
    _db.session.commit()
    answer_all(review_of(assessment, teacher), proposal, submit=False)
    with pytest.raises(AssessmentError, match="žádný hodnotitel neodeslal"):
        _verdict(proposal, coordinator)
    _db.session.rollback()
    assert _db.session.get(Proposal, proposal.id).verdict is None


def test_a_verdict_is_refused_while_a_no_has_no_reason(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessment = rules.assign_assessors(proposal, [teacher.id, parent.id], actor=coordinator)
    _db.session.commit()
    answer_all(review_of(assessment, teacher), proposal)
    # The parent's draft says "no" to criterion 3 without a reason yet.
    answer_all(review_of(assessment, parent), proposal, overrides={3: ("no", None)}, submit=False)
    with pytest.raises(AssessmentError, match="Kritérium 3 má odpověď „ne“ bez zdůvodnění"):
        _verdict(proposal, coordinator)
    _db.session.rollback()
    assert _db.session.get(Proposal, proposal.id).verdict is None


def test_a_verdict_needs_reasons_and_conditions_when_conditional(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessment = rules.assign_assessors(proposal, [teacher.id], actor=coordinator)
    _db.session.commit()
    answer_all(review_of(assessment, teacher), proposal)
    with pytest.raises(AssessmentError, match="Uveďte zdůvodnění"):
        _verdict(proposal, coordinator, reasons="  ")
    _db.session.rollback()
    with pytest.raises(AssessmentError, match="uveďte podmínky"):
        _verdict(proposal, coordinator, verdict="conditional", conditions="")
    _db.session.rollback()
    assert _db.session.get(Proposal, proposal.id).verdict is None


def test_a_withdrawn_proposal_is_not_assessed(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessment = rules.assign_assessors(proposal, [teacher.id], actor=coordinator)
    _db.session.commit()
    answer_all(review_of(assessment, teacher), proposal)
    proposal.state = ProposalState.WITHDRAWN.value
    _db.session.commit()
    for attempt in (lambda: _verdict(proposal, coordinator),
                    lambda: rules.assign_assessors(proposal, [parent.id], actor=coordinator)):
        with pytest.raises(AssessmentError, match="stažen"):
            attempt()
        _db.session.rollback()
    assert _db.session.get(Proposal, proposal.id).verdict is None
    assert len(reads.load(proposal).reviews) == 1


def test_the_verdict_is_stored_on_the_proposal_and_opens_the_assessed_transition(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    meeting = make_meeting(group)
    assessment = rules.assign_assessors(proposal, [teacher.id], actor=coordinator)
    _db.session.commit()
    answer_all(review_of(assessment, teacher), proposal)
    with pytest.raises(ProposalError):
        workflow.transition(proposal, ProposalState.ASSESSED.value, actor=coordinator)
    _db.session.rollback()

    _verdict(proposal, coordinator, verdict="conditional", reasons="Doprava musí být zajištěna.",
             conditions="Zajistit dopravu\nBez poplatků", meeting_id=meeting.id)
    _db.session.commit()
    proposal = _db.session.get(Proposal, proposal.id)
    assert proposal.verdict == "conditional"
    assert proposal.verdict_conditions == "Zajistit dopravu\nBez poplatků"
    assert rules.verdict_of(proposal) == "conditional"
    assert reads.load(proposal).meeting_id == meeting.id
    assert _db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "assessment.verdict")) == 1
    workflow.transition(proposal, ProposalState.ASSESSED.value, actor=coordinator)
    _db.session.commit()
    assert proposal.state == ProposalState.ASSESSED.value


def test_a_meeting_of_another_group_is_refused(setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    other = make_meeting(make_group(territory))
    assessment = rules.assign_assessors(proposal, [teacher.id], actor=coordinator)
    _db.session.commit()
    answer_all(review_of(assessment, teacher), proposal)
    with pytest.raises(AssessmentError, match="Vyberte jednání skupiny"):
        _verdict(proposal, coordinator, meeting_id=other.id)
