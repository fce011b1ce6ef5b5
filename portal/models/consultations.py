"""Consultations (*konzultace*) in which parents take part, their questionnaires and answers.

See DOMAIN.md, "Consultations with parents". A consultation's state (draft, open, closed) comes from the
clock and its open/close times (portal.consultations.services.state), never from a job having run.

Anonymity: in an anonymous consultation a response never holds a user id. A signed-in person finds their
own anonymous response again through `owner_hash`, a keyed hash of (consultation, user) that no page or
export shows; `browser_hash` and `ip_hash` (one answer per browser, rate limits) are cleared once the
consultation has closed (`flask consultations purge`).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.groups import WorkingGroup
from portal.models.people import User


class Audience(enum.StrEnum):
    INVITED = "invited"  # only the invited people (signed in by their one-time link)
    LINK = "link"  # anyone who has the consultation's link
    PUBLIC = "public"  # listed on the group's public page


class QuestionKind(enum.StrEnum):
    SINGLE = "single"  # one option
    MULTIPLE = "multiple"  # any number of options
    SCALE = "scale"  # 1–5
    TEXT = "text"  # free text


SCALE_VALUES = (1, 2, 3, 4, 5)


class Consultation(db.Model):
    """A consultation of a working group: an introduction, a short questionnaire, open between two moments."""

    __tablename__ = "consultation"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        Index("ix_consultation_times", "opens_at", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Plain-language introduction shown to parents (plain text, paragraphs separated by blank lines).
    introduction: Mapped[str | None] = mapped_column(Text)
    # What the consultation is about, optionally: a document version or a proposal.
    document_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_version.id", ondelete="SET NULL"), index=True
    )
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="SET NULL"), index=True
    )
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    audience: Mapped[str] = mapped_column(String(20), default=Audience.INVITED.value)
    # Anonymous results: no page or export ties an answer to a person. Fixed once answers exist.
    anonymous: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Whether people without any account may answer (anonymously) through the link or public page.
    allow_without_account: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The random part of the "anyone with the link" address.
    link_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Set, by a conditional UPDATE, when the first answer is stored: the questionnaire cannot change after.
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the browser and address hashes of anonymous answers were cleared after the close.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    group: Mapped[WorkingGroup] = relationship()
    created_by: Mapped[User | None] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="Question.position"
    )

    def __repr__(self) -> str:
        return f"<Consultation {self.id}>"


class Question(db.Model):
    """One question of a consultation's questionnaire."""

    __tablename__ = "consultation_question"
    __table_args__ = (Index("ix_consultation_question_position", "consultation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20))  # QuestionKind
    text: Mapped[str] = mapped_column(String(500))
    # A short plain-language hint under the question.
    help: Mapped[str | None] = mapped_column(String(500))
    required: Mapped[bool] = mapped_column(default=False, server_default="0")

    consultation: Mapped[Consultation] = relationship(back_populates="questions")
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="QuestionOption.position"
    )


class QuestionOption(db.Model):
    """An option of a single- or multiple-choice question."""

    __tablename__ = "consultation_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_question.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(200))

    question: Mapped[Question] = relationship(back_populates="options")


class ConsultationInvitee(db.Model):
    """An address invited to a consultation; unique per consultation, so a pasted list sends nothing twice."""

    __tablename__ = "consultation_invitee"
    __table_args__ = (UniqueConstraint("consultation_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class ConsultationResponse(db.Model):
    """One person's (or one browser's) answers to a consultation.

    Named consultations: `user_id` is set. Anonymous ones: `user_id` is always NULL; `owner_hash` lets a
    signed-in person find their own response; `browser_hash`/`ip_hash` are cleared after the close. The
    unique constraints make a double submit store one response."""

    __tablename__ = "consultation_response"
    __table_args__ = (
        UniqueConstraint("consultation_id", "user_id", name="uq_consultation_response_user"),
        UniqueConstraint("consultation_id", "owner_hash", name="uq_consultation_response_owner"),
        UniqueConstraint("consultation_id", "browser_hash", name="uq_consultation_response_browser"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    owner_hash: Mapped[str | None] = mapped_column(String(64))
    browser_hash: Mapped[str | None] = mapped_column(String(64))
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    consultation: Mapped[Consultation] = relationship()
    user: Mapped[User | None] = relationship()
    answers: Mapped[list[ConsultationAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class ConsultationAnswer(db.Model):
    """One answer to one question: a chosen option (one row per option of a multiple choice), a scale value
    or a free text."""

    __tablename__ = "consultation_answer"
    __table_args__ = (
        CheckConstraint("scale_value IS NULL OR (scale_value >= 1 AND scale_value <= 5)",
                        name="scale_1_to_5"),
        Index("ix_consultation_answer_question_option", "question_id", "option_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("consultation_response.id", ondelete="CASCADE"),
                                             index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_question.id", ondelete="CASCADE"))
    option_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_option.id", ondelete="CASCADE"))
    scale_value: Mapped[int | None] = mapped_column()
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[ConsultationResponse] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
    option: Mapped[QuestionOption | None] = relationship()
    tags: Mapped[list[AnswerTag]] = relationship(back_populates="answer", cascade="all, delete-orphan")


class AnswerTag(db.Model):
    """A coordinator's tag on a free-text answer (e.g. "doprava", "družina")."""

    __tablename__ = "consultation_answer_tag"
    __table_args__ = (UniqueConstraint("answer_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("consultation_answer.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(60))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    answer: Mapped[ConsultationAnswer] = relationship(back_populates="tags")
