"""Plan documents of a territory, their versions, and the text of each version split into sections and
paragraphs with stable anchors (DOMAIN.md, "Plan documents and comment rounds").

A version's text is imported once (from an upload or from Markdown written in the portal) into
``DocumentSection`` and ``DocumentParagraph`` rows. A paragraph's ``anchor`` is its identity across versions:
when a new version is imported its paragraphs are matched to the previous version's (unchanged, edited,
moved, new) and a matched paragraph keeps the old anchor, so comments on it carry over. A ``QuotedPassage``
is a piece of a paragraph someone pointed at; ``PassageLocation`` says where (and whether) it was re-found in
each later version.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.groups import WorkingGroup
from portal.models.jobs import Job
from portal.models.people import Territory, User


class DocumentKind(enum.StrEnum):
    ANALYTICAL = "analytical"  # Analytická část
    STRATEGIC_FRAMEWORK = "strategic_framework"  # Strategický rámec MAP
    ACTION_PLAN = "action_plan"  # (roční) Akční plán
    SCHOOL_CODE = "school_code"  # Kodex školy
    INVESTMENT_PRIORITIES = "investment_priorities"  # investiční priority
    OTHER = "other"


class VersionState(enum.StrEnum):
    DRAFT = "draft"
    IN_ROUND = "in_round"  # in a comment round (d2's rounds move it here)
    SETTLED = "settled"  # its comments are settled
    APPROVED = "approved"  # approved by the Řídicí výbor on `approved_on`


class SourceFormat(enum.StrEnum):
    DOCX = "docx"
    PDF = "pdf"
    MARKDOWN = "markdown"  # an uploaded .md file
    WRITTEN = "written"  # Markdown written in the portal


class ImportState(enum.StrEnum):
    PENDING = "pending"  # a background job is reading the file
    READY = "ready"
    FAILED = "failed"  # the job could not read it (`import_error` says why); nothing else was stored


class ParagraphKind(enum.StrEnum):
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE_ROW = "table_row"


class ParagraphChange(enum.StrEnum):
    """How a paragraph relates to the matched paragraph of the previous version."""

    UNCHANGED = "unchanged"
    EDITED = "edited"
    MOVED = "moved"  # same text, elsewhere
    MOVED_EDITED = "moved_edited"
    NEW = "new"


class Document(db.Model):
    """A plan document of a territory, owned by a working group."""

    __tablename__ = "document"
    __table_args__ = (Index("ix_document_territory_kind", "territory_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30), default=DocumentKind.OTHER.value)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    territory: Mapped[Territory] = relationship()
    group: Mapped[WorkingGroup] = relationship()
    created_by: Mapped[User | None] = relationship()
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentVersion.number",
        passive_deletes=True,
    )


class DocumentVersion(db.Model):
    """Version `number` (v1, v2, ...) of a document with its change note and state.

    ``version`` is the optimistic-locking column (portal.versioning); ``number`` is what people call v2.
    ``based_on_id`` is the version its paragraphs were matched against (the previous one).
    """

    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    change_note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=VersionState.DRAFT.value)
    # The day the Řídicí výbor approved it (state approved).
    approved_on: Mapped[date | None] = mapped_column(Date)
    source_format: Mapped[str] = mapped_column(String(20))
    # The Markdown of a version written in the portal (or uploaded as .md), to edit it again.
    markdown: Mapped[str | None] = mapped_column(Text)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("document_version.id", ondelete="SET NULL"))
    import_state: Mapped[str] = mapped_column(String(20), default=ImportState.READY.value)
    import_error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    paragraph_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    document: Mapped[Document] = relationship(back_populates="versions")
    based_on: Mapped[DocumentVersion | None] = relationship(remote_side=[id])
    job: Mapped[Job | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    file: Mapped[DocumentFile | None] = relationship(
        back_populates="document_version", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return f"v{self.number}"


class DocumentFile(db.Model):
    """The uploaded original, byte for byte, downloadable unchanged (kept apart so pages never load it)."""

    __tablename__ = "document_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("document_version.id", ondelete="CASCADE"), unique=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    document_version: Mapped[DocumentVersion] = relationship(back_populates="file")


class DocumentSection(db.Model):
    """A heading of a version: `number` as people cite it ("3.2"), `level` 1-6."""

    __tablename__ = "document_section"
    __table_args__ = (
        UniqueConstraint("version_id", "anchor"),
        Index("ix_document_section_version_position", "version_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id", ondelete="CASCADE"))
    position: Mapped[int]
    level: Mapped[int]
    number: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    anchor: Mapped[str] = mapped_column(String(40))


class DocumentParagraph(db.Model):
    """A paragraph, list item or table row of a version.

    `position` orders all paragraphs of the version; `number` counts within its section (odst. 4); the
    citation is "kap. {section.number}, odst. {number}". `html` is sanitised (nh3) and safe to render;
    `text` is its plain text, used for matching, quotes and comparison. `previous_id` is the matched
    paragraph of the previous version (`change` says how it changed); it is empty for new paragraphs.
    """

    __tablename__ = "document_paragraph"
    __table_args__ = (
        UniqueConstraint("version_id", "anchor"),
        Index("ix_document_paragraph_version_position", "version_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_section.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20), default=ParagraphKind.PARAGRAPH.value)
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    anchor: Mapped[str] = mapped_column(String(40))
    change: Mapped[str] = mapped_column(String(20), default=ParagraphChange.NEW.value)
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_paragraph.id", ondelete="SET NULL"), index=True
    )

    section: Mapped[DocumentSection | None] = relationship()
    previous: Mapped[DocumentParagraph | None] = relationship(remote_side=[id])


class QuotedPassage(db.Model):
    """A passage of a paragraph someone pointed at (a comment's quote): the text and where it was."""

    __tablename__ = "quoted_passage"

    id: Mapped[int] = mapped_column(primary_key=True)
    paragraph_id: Mapped[int] = mapped_column(
        ForeignKey("document_paragraph.id", ondelete="CASCADE"), index=True
    )
    quote: Mapped[str] = mapped_column(Text)
    start: Mapped[int]  # character offsets into the paragraph's `text`
    end: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    paragraph: Mapped[DocumentParagraph] = relationship()


class PassageLocation(db.Model):
    """Where a quoted passage was re-found in a later version (fuzzy matching on import).

    `found` false means "passage changed": the paragraph (if `paragraph_id` is set) no longer contains it.
    """

    __tablename__ = "passage_location"
    __table_args__ = (UniqueConstraint("passage_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    passage_id: Mapped[int] = mapped_column(ForeignKey("quoted_passage.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("document_version.id", ondelete="CASCADE"), index=True
    )
    paragraph_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_paragraph.id", ondelete="CASCADE"), index=True
    )
    found: Mapped[bool] = mapped_column(default=False)
    start: Mapped[int | None]
    end: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(Text)  # the passage as it reads in this version

    passage: Mapped[QuotedPassage] = relationship()
    paragraph: Mapped[DocumentParagraph | None] = relationship()
