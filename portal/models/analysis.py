"""Imported school data of a territory, the stored analysis, and the flags the group works with.

Only aggregate counts per school site and per class are stored (SPEC section 1, "Privacy"): the input has no
pupil-level data and nothing else is kept. A territory holds one dataset per school year; re-importing a year
replaces that dataset (its school, class and index rows and its flag occurrences go with it).

Flags (``AnalysisFlag``) are keyed by ``identity`` (the analysis module's :attr:`Flag.identity`, which leaves
the school year out): when the same problem recurs in the next year's data it is the same flag, with its
state and history; each year it appears in is a ``FlagOccurrence``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
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
from portal.models.meetings import AgendaItem
from portal.models.people import Territory, User

if TYPE_CHECKING:  # the proposals module imports documents, groups...; no cycle at run time
    from portal.models.proposals import Proposal


class FlagState(enum.StrEnum):
    """new → discussed → addressed (by a proposal) → monitored / closed; see services.TRANSITIONS."""

    NEW = "new"
    DISCUSSED = "discussed"
    ADDRESSED = "addressed"
    MONITORED = "monitored"
    CLOSED = "closed"


class AnalysisUpload(db.Model):
    """An upload waiting for confirmation: its files, then (once the check job validated them) the parsed
    rows as JSON, kept server-side until ``expires_at`` (never round-tripped through the browser)."""

    __tablename__ = "analysis_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(500))
    # {"schools": [{column: value}], "classes": [...], "has_classes": bool}
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    uploaded_by: Mapped[User] = relationship()
    files: Mapped[list[AnalysisUploadFile]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="AnalysisUploadFile.id"
    )


class AnalysisUploadFile(db.Model):
    """An uploaded file as received, kept in the database so a worker on any machine can read it; the
    check job parses it into ``AnalysisUpload.payload`` (empty until then)."""

    __tablename__ = "analysis_upload_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("analysis_upload.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class AnalysisDataset(db.Model):
    """One school year of a territory's data, as imported (one upload may create several)."""

    __tablename__ = "analysis_dataset"
    __table_args__ = (UniqueConstraint("territory_id", "school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"), index=True)
    school_year: Mapped[str] = mapped_column(String(7), index=True)
    source: Mapped[str] = mapped_column(String(500))
    has_classes: Mapped[bool] = mapped_column(default=False, server_default="0")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The checks the rules could not make for this year (missing inputs), as the analysis module reports them.
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    territory: Mapped[Territory] = relationship()
    imported_by: Mapped[User | None] = relationship()
    schools: Mapped[list[SchoolRecord]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan", passive_deletes=True
    )
    classes: Mapped[list[ClassRecord]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan", passive_deletes=True
    )
    indices: Mapped[list[IndexRecord]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan", passive_deletes=True
    )
    occurrences: Mapped[list[FlagOccurrence]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan", passive_deletes=True
    )


class SchoolRecord(db.Model):
    """A row of the ``schools`` table (SPEC section 1): one school site in one school year."""

    __tablename__ = "analysis_school"
    __table_args__ = (UniqueConstraint("dataset_id", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("analysis_dataset.id", ondelete="CASCADE"), index=True)
    school_year: Mapped[str] = mapped_column(String(7))
    # The territory as named in the data (an ORP, a settlement or an association of settlements).
    territory: Mapped[str] = mapped_column(String(200))
    school_id: Mapped[str] = mapped_column(String(40), index=True)
    school_name: Mapped[str] = mapped_column(String(300))
    school_type: Mapped[str] = mapped_column(String(5))
    pupils: Mapped[int]
    disadvantaged: Mapped[int]
    sen: Mapped[int | None]
    mild_id: Mapped[int | None]
    dropouts: Mapped[int | None]
    leavers: Mapped[int | None]
    leavers_matura: Mapped[int | None]
    disadvantaged_leavers: Mapped[int | None]
    disadvantaged_leavers_matura: Mapped[int | None]
    competence_score: Mapped[float | None] = mapped_column(Float)
    funding_per_pupil: Mapped[float | None] = mapped_column(Float)
    grade5_pupils: Mapped[int | None]
    gym_outflow: Mapped[int | None]

    dataset: Mapped[AnalysisDataset] = relationship(back_populates="schools")

    @property
    def share(self) -> float | None:
        return self.disadvantaged / self.pupils if self.pupils else None


class ClassRecord(db.Model):
    """A row of the ``classes`` table: one class of a school site in one school year."""

    __tablename__ = "analysis_class"
    __table_args__ = (
        UniqueConstraint("dataset_id", "school_id", "class_name"),
        Index("ix_analysis_class_school", "dataset_id", "school_id", "grade"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("analysis_dataset.id", ondelete="CASCADE"))
    school_year: Mapped[str] = mapped_column(String(7))
    school_id: Mapped[str] = mapped_column(String(40))
    grade: Mapped[int]
    class_name: Mapped[str] = mapped_column(String(60))
    pupils: Mapped[int]
    disadvantaged: Mapped[int]
    stream: Mapped[str | None] = mapped_column(String(200))

    dataset: Mapped[AnalysisDataset] = relationship(back_populates="classes")

    @property
    def share(self) -> float | None:
        return self.disadvantaged / self.pupils if self.pupils else None


class IndexRecord(db.Model):
    """Segregation indices of one set of units (SPEC section 3), recomputed whenever a year is imported.

    ``level`` "schools": the sites of one school type in the territory (``school_id`` empty); "classes": the
    classes of one site (``school_id`` set). ``None`` where an index is undefined.
    """

    __tablename__ = "analysis_index"
    __table_args__ = (Index("ix_analysis_index_dataset_level", "dataset_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("analysis_dataset.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(10))
    school_year: Mapped[str] = mapped_column(String(7))
    territory: Mapped[str | None] = mapped_column(String(200))
    school_type: Mapped[str | None] = mapped_column(String(5))
    school_id: Mapped[str | None] = mapped_column(String(40))
    units: Mapped[int]
    pupils: Mapped[int]
    disadvantaged: Mapped[int]
    share: Mapped[float | None] = mapped_column(Float)
    dissimilarity: Mapped[float | None] = mapped_column(Float)
    isolation: Mapped[float | None] = mapped_column(Float)
    exposure: Mapped[float | None] = mapped_column(Float)
    correlation_ratio: Mapped[float | None] = mapped_column(Float)
    theil_h: Mapped[float | None] = mapped_column(Float)
    gini: Mapped[float | None] = mapped_column(Float)

    dataset: Mapped[AnalysisDataset] = relationship(back_populates="indices")


class AnalysisFlag(db.Model):
    """A signal to look into, across school years: one row per ``identity`` in a territory."""

    __tablename__ = "analysis_flag"
    __table_args__ = (
        UniqueConstraint("territory_id", "identity"),
        Index("ix_analysis_flag_territory_state", "territory_id", "state"),
        Index("ix_analysis_flag_territory_school", "territory_id", "school_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    identity: Mapped[str] = mapped_column(String(400), index=True)
    rule: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(10))
    # The territory as named in the data; the site and class keys are empty for territory-level flags.
    territory_label: Mapped[str | None] = mapped_column(String(200))
    school_type: Mapped[str | None] = mapped_column(String(5))
    school_id: Mapped[str | None] = mapped_column(String(40))
    school_name: Mapped[str | None] = mapped_column(String(300))
    grade: Mapped[int | None]
    class_name: Mapped[str | None] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(20), default=FlagState.NEW.value, server_default="new")
    first_seen_year: Mapped[str] = mapped_column(String(7))
    last_seen_year: Mapped[str] = mapped_column(String(7), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Optimistic locking of the workflow state (portal.versioning).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    territory: Mapped[Territory] = relationship()
    occurrences: Mapped[list[FlagOccurrence]] = relationship(
        back_populates="flag", cascade="all, delete-orphan", passive_deletes=True,
        order_by="FlagOccurrence.school_year",
    )
    events: Mapped[list[FlagEvent]] = relationship(
        back_populates="flag", cascade="all, delete-orphan", passive_deletes=True, order_by="FlagEvent.id"
    )
    links: Mapped[list[FlagLink]] = relationship(
        back_populates="flag", cascade="all, delete-orphan", passive_deletes=True, order_by="FlagLink.id"
    )


class FlagOccurrence(db.Model):
    """A flag as found in one school year's data: value, threshold, and its message (a message id with
    values)."""

    __tablename__ = "analysis_flag_occurrence"
    __table_args__ = (
        UniqueConstraint("flag_id", "school_year"),
        Index("ix_analysis_flag_occurrence_year", "school_year", "flag_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("analysis_flag.id", ondelete="CASCADE"))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("analysis_dataset.id", ondelete="CASCADE"), index=True)
    school_year: Mapped[str] = mapped_column(String(7))
    value: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    # The message as facts, rendered in the reader's language by portal.analysis_portal.messages: the
    # sentence's id (usually the rule id) and its values (finite numbers and names; JSON).
    message_id: Mapped[str] = mapped_column(String(60), default="", server_default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # For grouping pair flags into one finding and for the privacy rule (counts of units under 10 pupils).
    school_name: Mapped[str | None] = mapped_column(String(300))
    unit_label: Mapped[str | None] = mapped_column(String(300))
    unit_share: Mapped[float | None] = mapped_column(Float)
    unit_pupils: Mapped[int | None]
    counterpart_id: Mapped[str | None] = mapped_column(String(60))
    counterpart_label: Mapped[str | None] = mapped_column(String(300))
    counterpart_share: Mapped[float | None] = mapped_column(Float)

    flag: Mapped[AnalysisFlag] = relationship(back_populates="occurrences")
    dataset: Mapped[AnalysisDataset] = relationship(back_populates="occurrences")


#: The kinds of thing a flag can be linked to, each with its own foreign-key column on ``FlagLink``
#: (proposals, comment rounds and reports add theirs here and in a migration as they arrive).
LINK_TARGETS: dict[str, str] = {"agenda_item": "agenda_item_id", "proposal": "proposal_id"}


def _exactly_one(columns: list[str]) -> str:
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns) + " = 1"


class FlagLink(db.Model):
    """Where the group acts on a flag: one nullable foreign key per kind of target, exactly one of them set.

    Indico's ``LinkMixin`` idea: a real foreign key with ``ON DELETE CASCADE`` per target, so deleting the
    target deletes the link (an untyped ``(target_type, target_id)`` pair pointed at whatever reused the id).
    Use ``portal.analysis_portal.links`` rather than these columns.
    """

    __tablename__ = "analysis_flag_link"
    __table_args__ = (
        UniqueConstraint("flag_id", "agenda_item_id", name="uq_analysis_flag_link_flag_agenda_item"),
        UniqueConstraint("flag_id", "proposal_id", name="uq_analysis_flag_link_flag_proposal"),
        CheckConstraint(_exactly_one(list(LINK_TARGETS.values())), name="exactly_one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("analysis_flag.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    flag: Mapped[AnalysisFlag] = relationship(back_populates="links")
    agenda_item: Mapped[AgendaItem | None] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def target_kind(self) -> str:
        return next(kind for kind, column in LINK_TARGETS.items() if getattr(self, column) is not None)

    @property
    def target(self) -> Any:
        return getattr(self, self.target_kind)


class FlagEvent(db.Model):
    """The history of a flag: state changes (with a note), agenda placements, recurrences.

    ``link_id`` says where it was handled (e.g. the agenda item of the meeting that discussed it).
    """

    __tablename__ = "analysis_flag_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("analysis_flag.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "state", "agenda", "recurred"
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    # For "recurred": the school year whose data showed the flag again.
    school_year: Mapped[str | None] = mapped_column(String(7))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_flag_link.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    flag: Mapped[AnalysisFlag] = relationship(back_populates="events")
    link: Mapped[FlagLink | None] = relationship()
    actor: Mapped[User | None] = relationship()
