"""What the assessment pages, the printable page and the DOCX share: who sees what of a proposal's
assessment, and the submitted answers side by side with the disagreements marked.

Visibility (issue 11): a draft review is its assessor's alone; submitted reviews and the verdict are shown to
the group's members and those who manage the group; the proposal's author sees the published verdict with
its reasons and conditions.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import clock
from portal.extensions import db
from portal.groups import services as groups
from portal.models.assessments import Answer, AssessorReview, CriteriaVersion, Criterion, ProposalAssessment
from portal.models.people import User
from portal.models.proposals import Proposal, Verdict
from portal.proposals import base


@dataclass(frozen=True)
class AssessmentViewer:
    manages: bool  # assigns assessors, records the verdict
    sees_reviews: bool  # the submitted answers side by side
    sees_verdict: bool


def viewer_of(user: User, proposal: Proposal) -> AssessmentViewer | None:
    """How the user sees the proposal's assessment; None when not at all."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not base.can_see(user, proposal):
        return None
    manages = base.can_manage(user, proposal)
    member = manages or groups.membership_of(user, proposal.group, clock.today()) is not None
    author = proposal.author_id == user.id
    if not (member or author):
        return None
    return AssessmentViewer(manages=manages, sees_reviews=member, sees_verdict=True)


def load(proposal: Proposal) -> ProposalAssessment | None:
    """The proposal's assessment with its criteria, reviews, assessors and answers (a fixed number of
    queries)."""
    return db.session.scalars(
        select(ProposalAssessment).where(ProposalAssessment.proposal_id == proposal.id).options(
            selectinload(ProposalAssessment.criteria_version).selectinload(CriteriaVersion.criteria),
            selectinload(ProposalAssessment.reviews).selectinload(AssessorReview.assessor),
            selectinload(ProposalAssessment.reviews).selectinload(AssessorReview.answers),
            selectinload(ProposalAssessment.verdict_by),
        )).first()


def own_review(assessment: ProposalAssessment | None, user: User) -> AssessorReview | None:
    if assessment is None:
        return None
    return next((r for r in assessment.reviews if r.assessor_id == user.id), None)


@dataclass
class Row:
    criterion: Criterion
    answers: list[Answer | None]  # one per submitted review, in the columns' order
    disagreement: bool


def submitted(assessment: ProposalAssessment | None) -> list[AssessorReview]:
    if assessment is None:
        return []
    return [r for r in assessment.reviews if r.submitted_at is not None]


def side_by_side(assessment: ProposalAssessment | None) -> tuple[list[AssessorReview], list[Row]]:
    """The submitted reviews (columns) and one row per criterion; a row is a disagreement when its
    answers (of those who answered) differ."""
    columns = submitted(assessment)
    if assessment is None:
        return columns, []
    rows = []
    for criterion in assessment.criteria_version.criteria:
        answers = [next((a for a in r.answers if a.criterion_id == criterion.id), None) for r in columns]
        values = {a.value for a in answers if a is not None and a.value is not None}
        rows.append(Row(criterion=criterion, answers=answers, disagreement=len(values) > 1))
    return columns, rows


def answers_in_order(review: AssessorReview) -> list[tuple[Criterion, Answer]]:
    """The review's answers by the criteria's order."""
    by_criterion = {a.criterion_id: a for a in review.answers}
    return [(c, by_criterion[c.id]) for c in review.assessment.criteria_version.criteria
            if c.id in by_criterion]


def assessment_document(proposal: Proposal, viewer: AssessmentViewer):
    """The assessment of one proposal as a printable document (page, DOCX), in Czech: the answers side by
    side with the disagreements named (for those who see the reviews), then the verdict with its reasons,
    conditions and meeting. A proposal without a verdict is marked as a draft."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from portal import exports
    from portal.blueprints.proposals.forms import VERDICT_LABELS
    from portal.proposals.assessment import ANSWER_LABELS

    record = load(proposal)
    with force_locale("cs"):
        details = [(_("Proposal"), proposal.title), (_("Working group"), proposal.group.name)]
        if record is not None:
            details.append((_("Criteria version"), str(record.criteria_version.number)))
        details.append((_("Verdict"), str(VERDICT_LABELS[proposal.verdict]) if proposal.verdict
                        else _("not recorded yet")))
        blocks: list = []
        columns, rows = side_by_side(record) if viewer.sees_reviews else ([], [])
        if viewer.sees_reviews:
            blocks.append(exports.Heading(_("Assessors' answers")))
            if columns:
                table_rows = []
                for row in rows:
                    cells = []
                    for answer in row.answers:
                        if answer is None or answer.value is None:
                            cells.append("—")
                        else:
                            text = str(ANSWER_LABELS[answer.value])
                            cells.append(f"{text}: {answer.reason}" if answer.reason else text)
                    table_rows.append([f"{row.criterion.position}. {row.criterion.text}", *cells,
                                       _("disagreement") if row.disagreement else _("agreement")])
                blocks.append(exports.Table(
                    header=[_("Criterion"), *[r.assessor.name for r in columns], _("Agreement")],
                    rows=table_rows, widths=[5, *[4] * len(columns), 2]))
            else:
                blocks.append(exports.Paragraph(_("No assessor has submitted an assessment yet.")))
        blocks.append(exports.Heading(_("Verdict of the group")))
        if proposal.verdict:
            blocks.append(exports.Paragraph(str(VERDICT_LABELS[proposal.verdict]), bold=True))
            if record is not None and record.verdict_reasons:
                blocks.append(exports.Paragraph(record.verdict_reasons))
            if proposal.verdict_conditions:
                blocks.append(exports.Heading(_("Conditions"), level=3))
                blocks.append(exports.BulletList(
                    [line.strip() for line in proposal.verdict_conditions.splitlines() if line.strip()]))
            if record is not None and record.meeting_id:
                from portal.models.meetings import Meeting

                meeting = db.session.get(Meeting, record.meeting_id)
                blocks.append(exports.Paragraph(_("Recorded in the minutes of the meeting %(title)s of "
                                                  "%(day)s.", title=meeting.title,
                                                  day=meeting.starts_at.date().isoformat())))
        else:
            blocks.append(exports.Paragraph(_("The group has not recorded its verdict yet.")))
        return exports.Document(
            title=_("Assessment of compliance with equal access to education"), details=details,
            blocks=blocks, landscape=len(columns) > 2, mark=None if proposal.verdict else _("DRAFT"))


def verdict_before(proposal: Proposal, moment) -> str | None:
    """The group's verdict as it stood just before `moment` (an instant): the annual report's verdict at the
    end of its period. Each recorded verdict is a "verdict" history event carrying its value, so a verdict
    changed after the period does not rewrite the period's report; a verdict without such history (set
    before the history kept it) counts from the move to "assessed", or as recorded when that is missing too.
    Only a recorded verdict is final: the pages show the same one."""
    if not proposal.verdict:
        return None
    values = {v.value for v in Verdict}
    recorded = [e for e in proposal.events if e.kind == "verdict" and e.note in values]
    if recorded:
        before = [e for e in recorded if e.at < moment]
        return max(before, key=lambda e: (e.at, e.id)).note if before else None
    assessed = [e.at for e in proposal.events if e.kind == "state" and e.to_state == "assessed"]
    if assessed and min(assessed) >= moment:
        return None
    return proposal.verdict
