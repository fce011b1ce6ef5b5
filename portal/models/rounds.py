"""Comment rounds on a plan document's version, comments (*připomínky*) and their settlement (*vypořádání*).

See DOMAIN.md, "Plan documents and comment rounds". A round's state is derived from the clock and its
open/close times (portal.rounds.services.state), never from a job having run. The `*_notified_at` columns
only record which e-mails went out, so `flask rounds notify` sends nothing twice.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.documents import DocumentParagraph, DocumentVersion, QuotedPassage
from portal.models.groups import WorkingGroup
from portal.models.people import User


class CommentKind(enum.StrEnum):
    FUNDAMENTAL = "fundamental"  # zásadní: unaccepted, it is a rozpor
    RECOMMENDATION = "recommendation"  # doporučující


class Outcome(enum.StrEnum):
    """The default settlement outcomes, in display order."""

    ACCEPTED = "accepted"  # akceptováno
    PARTLY_ACCEPTED = "partly_accepted"  # částečně akceptováno
    NOT_ACCEPTED = "not_accepted"  # neakceptováno
    EXPLAINED = "explained"  # vysvětleno
    NOTED = "noted"  # bere se na vědomí


class DisputeResolution(enum.StrEnum):
    AGREED = "agreed"  # agreed after discussion
    STEERING_COMMITTEE = "steering_committee"  # passed to the Řídicí výbor


class CommentRound(db.Model):
    """A round (*kolo připomínek*) on one version of a document, open between two moments."""

    __tablename__ = "comment_round"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        Index("ix_comment_round_times", "opens_at", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Veřejné připomínkování: parent accounts of the territory take part besides the chosen groups.
    public: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Do participants see each other's comments while the round is open?
    comments_visible: Mapped[bool] = mapped_column(default=True, server_default="1")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opening_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closing_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcomes_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    document_version: Mapped[DocumentVersion] = relationship()
    created_by: Mapped[User | None] = relationship()
    groups: Mapped[list[RoundGroup]] = relationship(back_populates="round", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<CommentRound {self.id}>"


class RoundGroup(db.Model):
    """A working group whose members take part in the round."""

    __tablename__ = "comment_round_group"
    __table_args__ = (UniqueConstraint("round_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("comment_round.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"), index=True)

    round: Mapped[CommentRound] = relationship(back_populates="groups")
    group: Mapped[WorkingGroup] = relationship()


class Comment(db.Model):
    """A comment (*připomínka*) on a paragraph, or on a quoted passage in it; a reply has a parent."""

    __tablename__ = "round_comment"
    __table_args__ = (
        Index("ix_round_comment_round_paragraph", "round_id", "paragraph_id"),
        CheckConstraint("parent_id IS NOT NULL OR kind IS NOT NULL", name="top_level_has_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("comment_round.id", ondelete="CASCADE"))
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("document_paragraph.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("round_comment.id", ondelete="CASCADE"), index=True
    )
    # The passage of the paragraph the comment is about (None: the whole paragraph).
    passage_id: Mapped[int | None] = mapped_column(ForeignKey("quoted_passage.id", ondelete="SET NULL"))
    kind: Mapped[str | None] = mapped_column(String(20))  # CommentKind; None for replies
    text: Mapped[str] = mapped_column(Text)
    proposed_wording: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # The organisation the author speaks for (as they gave it for this comment).
    organisation: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    round: Mapped[CommentRound] = relationship()
    paragraph: Mapped[DocumentParagraph] = relationship()
    passage: Mapped[QuotedPassage | None] = relationship()
    author: Mapped[User | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
    settlement: Mapped[Settlement | None] = relationship(back_populates="comment", uselist=False)

    @property
    def is_fundamental(self) -> bool:
        return self.kind == CommentKind.FUNDAMENTAL

    def __repr__(self) -> str:
        return f"<Comment {self.id} round {self.round_id}>"


class Settlement(db.Model):
    """How a comment was settled (*vypořádání*): outcome, reason, who and when; and, for a *rozpor* (an
    unaccepted fundamental comment), how the dispute was resolved."""

    __tablename__ = "comment_settlement"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("round_comment.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(30))  # an Outcome or a territory's own outcome code
    # Whether the outcome counts as accepted (no reason needed; a fundamental comment is then no rozpor).
    accepted: Mapped[bool] = mapped_column(default=False, server_default="0")
    reason: Mapped[str | None] = mapped_column(Text)
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    settled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolution: Mapped[str | None] = mapped_column(String(30))  # DisputeResolution
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    comment: Mapped[Comment] = relationship(back_populates="settlement")
    settled_by: Mapped[User | None] = relationship(foreign_keys=[settled_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


class SettlementOutcome(db.Model):
    """A territory's own list of settlement outcomes. Without rows the territory uses the defaults
    (`Outcome`); a row with a default code and no label changes only its order or hides it."""

    __tablename__ = "settlement_outcome"
    __table_args__ = (UniqueConstraint("territory_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(30))
    label: Mapped[str | None] = mapped_column(String(100))  # None: the default outcome's translated label
    accepted: Mapped[bool] = mapped_column(default=False, server_default="0")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    active: Mapped[bool] = mapped_column(default=True, server_default="1")


class RoundAgendaLink(db.Model):
    """A comment round put on a meeting's agenda (the agenda item was made for it)."""

    __tablename__ = "round_agenda_link"
    __table_args__ = (UniqueConstraint("round_id", "agenda_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("comment_round.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    round: Mapped[CommentRound] = relationship()
