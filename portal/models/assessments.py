"""The equal-access assessment of proposals (DOMAIN.md, "Proposals and equal access").

* `CriteriaVersion`: one version of a territory's checklist; editing the list makes a new version with its
  own `Criterion` rows, so an assessment made with an older version keeps its criteria word for word.
* `ProposalAssessment`: a proposal's assessment: the criteria version it uses, the assessors' answers
  (`AssessorReview`, one per assessor, private to its assessor until submitted, with an `Answer` per
  criterion) and the group's verdict: its value and conditions on the proposal, its reasons and the meeting
  whose minutes record it here.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.people import User


class AnswerValue(enum.StrEnum):
    YES = "yes"  # ano
    PARTLY = "partly"  # částečně
    NO = "no"  # ne
    NOT_APPLICABLE = "not_applicable"  # netýká se


# Answers that need a reason (the issue: required for "ne" and "částečně").
ANSWERS_NEEDING_REASON = frozenset({AnswerValue.NO.value, AnswerValue.PARTLY.value})


class CriteriaVersion(db.Model):
    """One version of a territory's assessment checklist (numbered 1, 2, … per territory)."""

    __tablename__ = "criteria_version"
    __table_args__ = (UniqueConstraint("territory_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="criteria_version", order_by="Criterion.position", cascade="all, delete-orphan")


class Criterion(db.Model):
    __tablename__ = "criterion"
    __table_args__ = (UniqueConstraint("criteria_version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criteria_version_id: Mapped[int] = mapped_column(
        ForeignKey("criteria_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(String(500))

    criteria_version: Mapped[CriteriaVersion] = relationship(back_populates="criteria")


class ProposalAssessment(db.Model):
    """The assessment of one proposal: its criteria version, assessors and the group's verdict."""

    __tablename__ = "proposal_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), unique=True)
    criteria_version_id: Mapped[int] = mapped_column(ForeignKey("criteria_version.id"), index=True)
    # The verdict itself and its conditions are kept on the proposal (`Proposal.verdict`,
    # `verdict_conditions`) for lists and exports; its reasons, meeting, author and time here.
    verdict_reasons: Mapped[str | None] = mapped_column(Text)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"))
    verdict_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verdict_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Optimistic locking of the verdict (portal.versioning).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    criteria_version: Mapped[CriteriaVersion] = relationship()
    reviews: Mapped[list[AssessorReview]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="AssessorReview.id")
    verdict_by: Mapped[User | None] = relationship(foreign_keys=[verdict_by_id])


class AssessorReview(db.Model):
    """One assessor's answers; private to the assessor until `submitted_at` is set."""

    __tablename__ = "assessor_review"
    __table_args__ = (UniqueConstraint("assessment_id", "assessor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("proposal_assessment.id", ondelete="CASCADE"),
                                               index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set on every save, so that a save that only changes answers still raises the version.
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    assessment: Mapped[ProposalAssessment] = relationship(back_populates="reviews")
    assessor: Mapped[User] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="review", cascade="all, delete-orphan")


class Answer(db.Model):
    __tablename__ = "assessment_answer"
    __table_args__ = (UniqueConstraint("review_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("assessor_review.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id", ondelete="CASCADE"))
    value: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)

    review: Mapped[AssessorReview] = relationship(back_populates="answers")
    criterion: Mapped[Criterion] = relationship()
