"""Keeping annual activity reports: the coordinator's draft texts, and stored frozen versions.

A `ReportDraft` holds what the coordinator writes before generating (foreword and notes) for one group and
one period. A `ReportVersion` is one generation, stored frozen: the report's canonical JSON, its digest,
and the HTML, PDF and DOCX (and the fragment the version page shows) rendered at once, so that each
download is the very file made that day. Nothing of a stored version is ever rendered again or changed,
except who may read it (`visibility`) and who published it when. The current data is compared with it
through `ReportCheck` (the latest digest of the same period, computed in a background job, see
`portal.reports.keeping`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.groups import WorkingGroup
from portal.models.people import User


class ReportVisibility(enum.StrEnum):
    """Who may read a stored version, from the narrowest."""

    COORDINATORS = "coordinators"  # the group's coordinators and the administrators only
    MEMBERS = "members"  # published to the group's members
    PUBLIC = "public"  # published to everyone, parents and visitors included


class ReportDraft(db.Model):
    """The foreword and notes of a group's report for a period, written before generating."""

    __tablename__ = "report_draft"
    __table_args__ = (
        UniqueConstraint("group_id", "start", "end"),
        CheckConstraint('"end" >= start', name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    foreword: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Optimistic locking (portal.versioning): two tabs editing the texts, the second save is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    group: Mapped[WorkingGroup] = relationship()


class ReportVersion(db.Model):
    """One generated report, frozen: numbered 1, 2… per group, period and language."""

    __tablename__ = "report_version"
    __table_args__ = (
        UniqueConstraint("group_id", "start", "end", "language", "number"),
        CheckConstraint('"end" >= start', name="period_order"),
        CheckConstraint("visibility IN ('coordinators', 'members', 'public')", name="visibility_known"),
        Index("ix_report_version_group_period", "group_id", "start", "end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(5))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(400))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # The author's name as it was, so the record stays readable after the account is gone.
    author_name: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the report's data without the foreword and notes (what `data changed since` compares)...
    data_digest: Mapped[str] = mapped_column(String(64))
    # ...and of the whole stored JSON (foreword and notes included).
    report_digest: Mapped[str] = mapped_column(String(64))
    # How long gathering the data took, in milliseconds (for the record and the benchmark).
    collect_ms: Mapped[int] = mapped_column(default=0, server_default="0")
    data_json: Mapped[str] = mapped_column(Text, deferred=True)
    html: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # The same report as a fragment of a portal page (the version page shows it), rendered with the files.
    fragment: Mapped[str] = mapped_column(Text, deferred=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    docx: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    visibility: Mapped[str] = mapped_column(String(20), default=ReportVisibility.COORDINATORS.value,
                                            server_default=ReportVisibility.COORDINATORS.value)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"), index=True)
    # Optimistic locking of the visibility (the only thing that changes).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    group: Mapped[WorkingGroup] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def is_year(self) -> bool:
        return (self.start.month, self.start.day) == (1, 1) and self.end == date(self.start.year, 12, 31)


class ReportCheck(db.Model):
    """The digest of a period's current data (without foreword and notes), as last computed by a job.

    Pages compare it with their versions' `data_digest` to say "the data changed since this version"
    without gathering a whole report inside a web request."""

    __tablename__ = "report_check"
    __table_args__ = (UniqueConstraint("group_id", "start", "end", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(5))
    data_digest: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"), index=True)
