"""Reads of plan documents shared by pages, exports and other areas (comment rounds): who may read, the
reading view of a version, paragraphs by anchor, passages in a version, the comparison of two versions.

Every function here makes a fixed number of queries, however long the document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from portal.documents import matching
from portal.extensions import db
from portal.groups.services import is_group_coordinator
from portal.models import Role, User
from portal.models.documents import (
    Document,
    DocumentFile,
    DocumentParagraph,
    DocumentSection,
    DocumentVersion,
    ImportState,
    PassageLocation,
    QuotedPassage,
)

#: Extra read rules for people who are not members of the territory (d2: parents and the public read a
#: version in a public comment round). Each is called with (user, version) and returns True to allow.
PUBLIC_VERSION_CHECKS: list[Callable[[User | None, DocumentVersion], bool]] = []


def is_territory_member(user: User | None, territory_id: int) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role in (Role.MEMBER, Role.COORDINATOR) and user.territory_id == territory_id


def can_read_document(user: User | None, document: Document) -> bool:
    return is_territory_member(user, document.territory_id)


def can_read_version(user: User | None, version: DocumentVersion) -> bool:
    if is_territory_member(user, version.document.territory_id):
        return True
    return any(check(user, version) for check in PUBLIC_VERSION_CHECKS)


def can_manage_document(user: User | None, document: Document, on: date | None = None) -> bool:
    return is_group_coordinator(user, document.group, on)


def documents_of(territory_id: int | None, *, page: int = 1, per_page: int = 30):
    """The territory's documents (all of them for None: administrators), newest first, with the number of
    versions; a Flask-SQLAlchemy pagination."""
    query = select(Document).order_by(Document.created_at.desc(), Document.id.desc())
    if territory_id is not None:
        query = query.where(Document.territory_id == territory_id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def version_counts(document_ids: list[int]) -> dict[int, int]:
    if not document_ids:
        return {}
    return dict(db.session.execute(
        select(DocumentVersion.document_id, func.count()).where(DocumentVersion.document_id.in_(document_ids))
        .group_by(DocumentVersion.document_id)
    ).all())


def latest_version(document: Document) -> DocumentVersion | None:
    """The newest version whose text is ready."""
    return db.session.scalar(
        select(DocumentVersion).where(DocumentVersion.document_id == document.id,
                                      DocumentVersion.import_state == ImportState.READY.value)
        .order_by(DocumentVersion.number.desc()).limit(1)
    )


def citation(paragraph: DocumentParagraph, section: DocumentSection | None = None) -> str:
    """How people cite the paragraph: "kap. 3.2, odst. 4" (odst. 4 before the first heading)."""
    section = section if section is not None else paragraph.section
    if section is None:
        return f"odst. {paragraph.number}"
    return f"kap. {section.number}, odst. {paragraph.number}"


def paragraph_by_anchor(version: DocumentVersion, anchor: str) -> DocumentParagraph | None:
    return db.session.scalar(
        select(DocumentParagraph).where(DocumentParagraph.version_id == version.id,
                                        DocumentParagraph.anchor == anchor)
    )


@dataclass(frozen=True)
class PassageView:
    """A quoted passage as it stands in a version: `found` false means "passage changed"."""

    passage: QuotedPassage
    paragraph_id: int | None
    found: bool
    start: int | None
    end: int | None
    text: str | None


def passage_in_version(passage: QuotedPassage, version: DocumentVersion) -> PassageView | None:
    """Where the passage is in `version`: its own version, a later version it was carried into, or None
    (a version older than the quote, or one imported before it)."""
    paragraph = passage.paragraph
    if paragraph.version_id == version.id:
        return PassageView(passage, paragraph.id, True, passage.start, passage.end, passage.quote)
    location = db.session.scalar(
        select(PassageLocation).where(PassageLocation.passage_id == passage.id,
                                      PassageLocation.version_id == version.id)
    )
    if location is None:
        return None
    return PassageView(passage, location.paragraph_id, location.found, location.start, location.end,
                       location.text)


@dataclass
class SectionView:
    section: DocumentSection | None
    paragraphs: list[DocumentParagraph] = field(default_factory=list)


@dataclass
class ReadingView:
    version: DocumentVersion
    document: Document
    sections: list[SectionView]
    versions: list[DocumentVersion]
    has_file: bool

    @property
    def paragraph_count(self) -> int:
        return sum(len(s.paragraphs) for s in self.sections)


def reading_view(version: DocumentVersion) -> ReadingView:
    """The version's sections and paragraphs in reading order (four queries whatever the length)."""
    sections = db.session.scalars(
        select(DocumentSection).where(DocumentSection.version_id == version.id)
        .order_by(DocumentSection.position)
    ).all()
    paragraphs = db.session.scalars(
        select(DocumentParagraph).where(DocumentParagraph.version_id == version.id)
        .order_by(DocumentParagraph.position)
    ).all()
    by_id = {s.id: SectionView(s) for s in sections}
    lead = SectionView(None)
    for p in paragraphs:
        (by_id[p.section_id] if p.section_id in by_id else lead).paragraphs.append(p)
    views = ([lead] if lead.paragraphs else []) + [by_id[s.id] for s in sections]
    versions = db.session.scalars(
        select(DocumentVersion).where(DocumentVersion.document_id == version.document_id)
        .order_by(DocumentVersion.number)
    ).all()
    has_file = db.session.scalar(
        select(DocumentFile.id).where(DocumentFile.version_id == version.id)) is not None
    return ReadingView(version, version.document, views, list(versions), has_file)


@dataclass
class ComparedParagraph:
    """One row of a comparison: `change` is unchanged/edited/moved/moved_edited/new/removed; `diff` the
    word-level differences (for edited ones); `taken_in` what the caller attached to the anchor (d2: the
    settled comments the change took in)."""

    change: str
    old: DocumentParagraph | None
    new: DocumentParagraph | None
    old_citation: str | None
    new_citation: str | None
    diff: list[tuple[int, str]]
    taken_in: list = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return (self.new or self.old).anchor


@dataclass
class Comparison:
    old: DocumentVersion
    new: DocumentVersion
    rows: list[ComparedParagraph]

    def count(self, change: str) -> int:
        return sum(1 for r in self.rows if r.change == change)


def _paragraphs_with_sections(version_id: int) -> list[tuple[DocumentParagraph, DocumentSection | None]]:
    sections = {s.id: s for s in db.session.scalars(
        select(DocumentSection).where(DocumentSection.version_id == version_id))}
    paragraphs = db.session.scalars(
        select(DocumentParagraph).where(DocumentParagraph.version_id == version_id)
        .order_by(DocumentParagraph.position)).all()
    return [(p, sections.get(p.section_id)) for p in paragraphs]


def compare_versions(old: DocumentVersion, new: DocumentVersion,
                     taken_in: dict[str, list] | None = None) -> Comparison:
    """Paragraph-by-paragraph comparison of two versions of a document, in the new version's order with
    removed paragraphs where they stood. Pairs follow the stored matching (anchors), so comparing v1 with
    v3 pairs paragraphs that kept their anchor. `taken_in` maps a paragraph anchor to items shown with the
    change (d2 passes the settled comments each change took in)."""
    taken_in = taken_in or {}
    old_rows = _paragraphs_with_sections(old.id)
    new_rows = _paragraphs_with_sections(new.id)
    old_by_anchor = {p.anchor: (p, s) for p, s in old_rows}
    new_anchors = {p.anchor for p, _ in new_rows}
    old_order = {p.anchor: i for i, (p, _) in enumerate(old_rows)}
    removed_after: dict[int, list] = {}
    # A removed paragraph is shown after the last surviving paragraph that preceded it in the old version.
    last_kept = -1
    new_index_of_anchor = {p.anchor: j for j, (p, _) in enumerate(new_rows)}
    for p, s in old_rows:
        if p.anchor in new_anchors:
            last_kept = new_index_of_anchor[p.anchor]
        else:
            removed_after.setdefault(last_kept, []).append((p, s))
    previous_kept_old = -1
    rows: list[ComparedParagraph] = []

    def removed_rows(index: int) -> None:
        for p, s in removed_after.get(index, []):
            rows.append(ComparedParagraph("removed", p, None, citation(p, s), None,
                                          [(-1, p.text)], list(taken_in.get(p.anchor, []))))

    removed_rows(-1)
    for j, (p, s) in enumerate(new_rows):
        match = old_by_anchor.get(p.anchor)
        if match is None:
            rows.append(ComparedParagraph("new", None, p, None, citation(p, s), [(1, p.text)],
                                          list(taken_in.get(p.anchor, []))))
        else:
            op, os_ = match
            same = matching.normalise(op.text) == matching.normalise(p.text)
            moved = old_order[p.anchor] < previous_kept_old
            previous_kept_old = max(previous_kept_old, old_order[p.anchor])
            change = ("moved" if same else "moved_edited") if moved else ("unchanged" if same else "edited")
            diff = [(0, p.text)] if same else matching.word_diff(op.text, p.text)
            rows.append(ComparedParagraph(change, op, p, citation(op, os_), citation(p, s), diff,
                                          list(taken_in.get(p.anchor, []))))
        removed_rows(j)
    return Comparison(old, new, rows)
