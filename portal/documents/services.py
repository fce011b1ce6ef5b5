"""Writes of plan documents: documents, versions (upload or written Markdown), their import into sections and
paragraphs with stable anchors, version states, quoted passages.

Services take the acting user (`actor=`), validate, write and only flush; the request commits. Refusals
raise :class:`DocumentError` carrying a translated message. Uploads are checked at once (type by content,
size, encryption, damage) so a refused file stores nothing; big files are converted in a background job
(`documents.import`) while the version waits in import state "pending".
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select

from portal import audit, jobs
from portal.documents import matching, parsing
from portal.extensions import db
from portal.groups.services import is_group_coordinator
from portal.models import User, WorkingGroup
from portal.models.documents import (
    Document,
    DocumentFile,
    DocumentKind,
    DocumentParagraph,
    DocumentSection,
    DocumentVersion,
    ImportState,
    ParagraphChange,
    PassageLocation,
    QuotedPassage,
    SourceFormat,
    VersionState,
)
from portal.versioning import check_version

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
CHANGE_NOTE_MAX = 2000
MARKDOWN_MAX = 500_000
QUOTE_MAX = 2000
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: Conversion work above this runs in a background job. Measured (bench/documents_bench.py, 2 cores): a
#: 100-page DOCX has 548 kB of document.xml and takes 1.9 s to import, so about 250 kB is one second.
#: The work of a DOCX is its uncompressed document.xml (the ZIP size says little: the template alone is
#: 36 kB), of Markdown its size, of a PDF 20 kB per page (a dense page takes about 0.08 s).
DEFAULT_SYNC_BYTES = 250_000
PDF_PAGE_WORK = 20_000

jobs.register("documents.import", "portal.documents.services:import_version_job")


class DocumentError(ValueError):
    """A refused change; `message` is translated for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_error_message(code: str) -> str:
    """The user's message for a parsing.ParseError code."""
    messages = {
        "empty": _("The file is empty. Nothing was stored."),
        "too_large": _("The file is larger than %(mb)s MB. Nothing was stored.",
                       mb=max_bytes() // (1024 * 1024)),
        "unsupported": _("The file is not a DOCX, PDF or Markdown document (the type is recognised by its "
                         "content, not by its name). Nothing was stored."),
        "encrypted": _("The file is protected by a password (encrypted). Save it without a password and "
                       "upload it again. Nothing was stored."),
        "broken": _("The file is damaged and cannot be read. Nothing was stored."),
        "no_text": _("The file contains no text that could be read (a scanned document?). Nothing was "
                     "stored."),
    }
    return messages.get(code, messages["broken"])


def max_bytes() -> int:
    return int(current_app.config.get("DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def sync_bytes() -> int:
    return int(current_app.config.get("DOCUMENT_SYNC_BYTES", DEFAULT_SYNC_BYTES))


def _check_manager(document_or_group, actor: User) -> None:
    group = document_or_group.group if isinstance(document_or_group, Document) else document_or_group
    if not is_group_coordinator(actor, group):
        raise DocumentError(_("Only coordinators of the owner group may change its documents."))


def _check_text(value: str | None, limit: int, label: str, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise DocumentError(_("%(field)s is required.", field=label))
    if len(value) > limit:
        raise DocumentError(_("%(field)s is longer than %(limit)s characters.", field=label, limit=limit))
    return value or None


# ---- documents ----------------------------------------------------------------------------------------


def create_document(group: WorkingGroup, data: dict, *, actor: User) -> Document:
    """A new plan document owned by `group` (its coordinators and admins only)."""
    _check_manager(group, actor)
    kind = data.get("kind") or DocumentKind.OTHER.value
    if kind not in {k.value for k in DocumentKind}:
        raise DocumentError(_("Unknown kind of document."))
    document = Document(
        territory_id=group.territory_id, group_id=group.id, kind=kind,
        title=_check_text(data.get("title"), TITLE_MAX, _("Title"), required=True),
        description=_check_text(data.get("description"), DESCRIPTION_MAX, _("Description")),
        created_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    audit.record("document.create", document, actor=actor, territory_id=document.territory_id)
    return document


def update_document(document: Document, data: dict, *, actor: User, seen_version: int | None) -> None:
    _check_manager(document, actor)
    check_version(document, seen_version)
    kind = data.get("kind") or document.kind
    if kind not in {k.value for k in DocumentKind}:
        raise DocumentError(_("Unknown kind of document."))
    document.kind = kind
    document.title = _check_text(data.get("title"), TITLE_MAX, _("Title"), required=True)
    document.description = _check_text(data.get("description"), DESCRIPTION_MAX, _("Description"))
    db.session.flush()
    audit.record("document.update", document, actor=actor, territory_id=document.territory_id)


# ---- versions -----------------------------------------------------------------------------------------


def latest_ready_version(document: Document) -> DocumentVersion | None:
    return db.session.scalar(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document.id,
               DocumentVersion.import_state == ImportState.READY.value)
        .order_by(DocumentVersion.number.desc()).limit(1)
    )


def _new_version(document: Document, source_format: str, change_note: str | None, actor: User,
                 markdown: str | None = None) -> DocumentVersion:
    last = db.session.scalar(
        select(DocumentVersion.number).where(DocumentVersion.document_id == document.id)
        .order_by(DocumentVersion.number.desc()).limit(1)
    )
    pending = db.session.scalar(
        select(DocumentVersion.id).where(DocumentVersion.document_id == document.id,
                                         DocumentVersion.import_state == ImportState.PENDING.value).limit(1)
    )
    if pending is not None:
        raise DocumentError(_("The previous version is still being imported; wait until it is ready."))
    based_on = latest_ready_version(document)
    version = DocumentVersion(
        document_id=document.id, number=(last or 0) + 1, source_format=source_format,
        change_note=_check_text(change_note, CHANGE_NOTE_MAX, _("Change note")), markdown=markdown,
        based_on_id=based_on.id if based_on else None, state=VersionState.DRAFT.value,
        import_state=ImportState.READY.value, created_by_id=actor.id,
    )
    db.session.add(version)
    db.session.flush()
    return version


def upload_version(document: Document, *, filename: str, data: bytes, change_note: str | None,
                   actor: User) -> DocumentVersion:
    """A new version from an uploaded DOCX, PDF or Markdown file (recognised by content).

    Small files are read at once; bigger ones are checked at once (type, size, encryption) and converted in
    a background job. A refused file raises DocumentError and stores nothing.
    """
    _check_manager(document, actor)
    try:
        if len(data) > max_bytes():
            raise parsing.ParseError("too_large")
        fmt = parsing.detect_format(data)
        pages = _check_pdf(data) if fmt == parsing.PDF else 0
        background = _work(fmt, data, pages) > sync_bytes()
        parsed = None if background else parsing.parse(data, max_bytes=max_bytes())
    except parsing.ParseError as exc:
        raise DocumentError(parse_error_message(exc.code)) from None
    markdown = data.decode("utf-8") if fmt == parsing.MARKDOWN else None
    version = _new_version(document, {parsing.DOCX: SourceFormat.DOCX, parsing.PDF: SourceFormat.PDF,
                                      parsing.MARKDOWN: SourceFormat.MARKDOWN}[fmt].value,
                           change_note, actor, markdown=markdown)
    version.file = DocumentFile(
        filename=_safe_filename(filename, fmt), content_type=parsing.CONTENT_TYPES[fmt], size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), data=data,
    )
    db.session.flush()
    if background:
        version.import_state = ImportState.PENDING.value
        version.job = jobs.enqueue("documents.import", {"version_id": version.id, "document_id": document.id},
                                   actor=actor)
        db.session.flush()
    else:
        store_blocks(version, parsed.blocks)
    audit.record("document.version.create", version, actor=actor, territory_id=document.territory_id)
    return version


def _work(fmt: str, data: bytes, pages: int) -> int:
    """How much converting the file takes, in the unit of DEFAULT_SYNC_BYTES."""
    if fmt == parsing.PDF:
        return pages * PDF_PAGE_WORK
    if fmt == parsing.DOCX:
        import io
        import zipfile

        try:
            return zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").file_size
        except (zipfile.BadZipFile, KeyError) as exc:
            raise parsing.ParseError("broken", str(exc)) from None
    return len(data)


def _check_pdf(data: bytes) -> int:
    """Encryption and damage are told at once, before anything is stored (the conversion may wait);
    returns the number of pages."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise parsing.ParseError("encrypted")
        return len(reader.pages)
    except parsing.ParseError:
        raise
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise parsing.ParseError("broken", str(exc)) from None


def _safe_filename(filename: str, fmt: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = re.sub(r"[\x00-\x1f]", "", name)[:200] or "dokument"
    if "." not in name:
        name = f"{name}.{parsing.EXTENSIONS[fmt]}"
    return name


def write_version(document: Document, *, markdown: str, change_note: str | None,
                  actor: User) -> DocumentVersion:
    """A new version written in the portal, in Markdown."""
    _check_manager(document, actor)
    markdown = (markdown or "").strip()
    if not markdown:
        raise DocumentError(_("The text is empty."))
    if len(markdown) > MARKDOWN_MAX:
        raise DocumentError(_("The text is longer than %(limit)s characters.", limit=MARKDOWN_MAX))
    blocks = parsing.markdown_blocks(markdown)
    if not any(b.kind != "heading" for b in blocks):
        raise DocumentError(_("The text has no paragraphs."))
    version = _new_version(document, SourceFormat.WRITTEN.value, change_note, actor, markdown=markdown)
    store_blocks(version, blocks)
    audit.record("document.version.create", version, actor=actor, territory_id=document.territory_id)
    return version


def update_version(version: DocumentVersion, *, change_note: str | None, state: str | None = None,
                   approved_on: date | None = None, actor: User, seen_version: int | None) -> bool:
    """Save a version's change note and (when it differs) its state; True when something changed."""
    _check_manager(version.document, actor)
    check_version(version, seen_version)
    note = _check_text(change_note, CHANGE_NOTE_MAX, _("Change note"))
    changed = note != version.change_note
    if state and (state != version.state or (state == VersionState.APPROVED.value
                                              and approved_on != version.approved_on)):
        if state != version.state:
            set_version_state(version, state, seen_version=version.version, approved_on=approved_on,
                              actor=actor)
        else:
            if approved_on is None:
                raise DocumentError(_("Give the date the steering committee approved the version."))
            version.approved_on = approved_on
        changed = True
    version.change_note = note
    db.session.flush()
    return changed


#: Which state may follow which (d2's rounds move drafts into a round and out of it).
TRANSITIONS = {
    VersionState.DRAFT.value: {VersionState.IN_ROUND.value, VersionState.APPROVED.value},
    VersionState.IN_ROUND.value: {VersionState.SETTLED.value, VersionState.DRAFT.value},
    VersionState.SETTLED.value: {VersionState.APPROVED.value, VersionState.IN_ROUND.value},
    VersionState.APPROVED.value: {VersionState.SETTLED.value},
}


def set_version_state(version: DocumentVersion, state: str, *, seen_version: int | None, actor: User,
                      approved_on: date | None = None) -> None:
    """Move a version to another state; approval (by the Řídicí výbor) needs its date."""
    _check_manager(version.document, actor)
    check_version(version, seen_version)
    if version.import_state != ImportState.READY.value:
        raise DocumentError(_("The version is not imported yet."))
    if state not in TRANSITIONS.get(version.state, set()):
        raise DocumentError(_("This change of state is not possible."))
    if state == VersionState.APPROVED.value:
        if approved_on is None:
            raise DocumentError(_("Give the date the steering committee approved the version."))
        version.approved_on = approved_on
    else:
        version.approved_on = None
    version.state = state
    db.session.flush()
    audit.record("document.version.state", version, actor=actor, territory_id=version.document.territory_id)


def delete_draft_version(version: DocumentVersion, *, actor: User, seen_version: int | None) -> None:
    """Delete a draft version (only the latest, so numbering and matching stay continuous)."""
    document = version.document
    _check_manager(document, actor)
    check_version(version, seen_version)
    if version.state != VersionState.DRAFT.value:
        raise DocumentError(_("Only a draft version can be deleted."))
    newer = db.session.scalar(select(DocumentVersion.id).where(
        DocumentVersion.document_id == document.id, DocumentVersion.number > version.number).limit(1))
    if newer is not None:
        raise DocumentError(_("Only the latest version can be deleted."))
    audit.record("document.version.delete", version, actor=actor, territory_id=document.territory_id)
    # Explicit deletes: SQLite does not enforce the ON DELETE CASCADE of the foreign keys.
    paragraph_ids = select(DocumentParagraph.id).where(DocumentParagraph.version_id == version.id)
    passage_ids = select(QuotedPassage.id).where(QuotedPassage.paragraph_id.in_(paragraph_ids))
    db.session.execute(delete(PassageLocation).where(
        (PassageLocation.version_id == version.id) | PassageLocation.passage_id.in_(passage_ids)))
    db.session.execute(delete(QuotedPassage).where(QuotedPassage.paragraph_id.in_(paragraph_ids)))
    db.session.execute(delete(DocumentParagraph).where(DocumentParagraph.version_id == version.id))
    db.session.execute(delete(DocumentSection).where(DocumentSection.version_id == version.id))
    db.session.delete(version)
    db.session.flush()


# ---- import: sections, paragraphs, anchors, matching ------------------------------------------------------

_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S")


def _anchor(prefix: str, used: set[str]) -> str:
    while True:
        anchor = f"{prefix}-{secrets.token_hex(4)}"
        if anchor not in used:
            used.add(anchor)
            return anchor


def structure(blocks: list[parsing.Block]) -> tuple[list[dict], list[dict]]:
    """Sections (numbered as cited: "3.2", from the heading's own number when it has one) and paragraphs
    (numbered within their section: odst. 1, 2, ...). Returns plain dicts; `section` is an index."""
    levels = sorted({b.level for b in blocks if b.kind == "heading"})
    rank = {level: i + 1 for i, level in enumerate(levels)}
    counters: list[int] = []
    sections: list[dict] = []
    paragraphs: list[dict] = []
    current: int | None = None
    count = 0
    for block in blocks:
        if block.kind == "heading":
            level = rank[block.level]
            own = _NUMBERED.match(block.text)
            if own:
                counters = [int(n) for n in own.group(1).split(".")]
            else:
                counters = (counters + [0] * level)[:level]
                counters[level - 1] += 1
                counters = [c or 1 for c in counters]
            sections.append({"position": len(sections), "level": level,
                             "number": ".".join(str(c) for c in counters)[:40], "title": block.text})
            current = len(sections) - 1
            count = 0
            continue
        count += 1
        paragraphs.append({"section": current, "position": len(paragraphs), "number": count,
                           "kind": block.kind, "html": block.html, "text": block.text})
    return sections, paragraphs


def store_blocks(version: DocumentVersion, blocks: list[parsing.Block]) -> None:
    """Store the version's sections and paragraphs, matched to the previous version (anchors carried over),
    and re-find the previous version's quoted passages in it."""
    sections, paragraphs = structure(blocks)
    previous = db.session.get(DocumentVersion, version.based_on_id) if version.based_on_id else None
    old_paras = db.session.execute(
        select(DocumentParagraph.id, DocumentParagraph.anchor, DocumentParagraph.text)
        .where(DocumentParagraph.version_id == previous.id).order_by(DocumentParagraph.position)
    ).all() if previous else []
    old_sections = db.session.execute(
        select(DocumentSection.title, DocumentSection.anchor).where(DocumentSection.version_id == previous.id)
    ).all() if previous else []

    used: set[str] = set()
    section_anchor_by_title: dict[str, list[str]] = {}
    for title, anchor in old_sections:
        section_anchor_by_title.setdefault(matching.normalise(title), []).append(anchor)
    section_rows = []
    for s in sections:
        carried = section_anchor_by_title.get(matching.normalise(s["title"]))
        anchor = carried.pop(0) if carried else _anchor("s", used)
        used.add(anchor)
        section_rows.append(DocumentSection(version_id=version.id, position=s["position"], level=s["level"],
                                            number=s["number"], title=s["title"], anchor=anchor))
    db.session.add_all(section_rows)
    db.session.flush()

    pairs = {p.new: p for p in matching.match_paragraphs([r.text for r in old_paras],
                                                         [p["text"] for p in paragraphs])}
    rows = []
    for j, p in enumerate(paragraphs):
        pair = pairs.get(j)
        if pair is not None:
            old = old_paras[pair.old]
            anchor, previous_id, change = old.anchor, old.id, pair.change
            used.add(anchor)
        else:
            anchor, previous_id, change = None, None, ParagraphChange.NEW.value
        rows.append({"version_id": version.id,
                     "section_id": section_rows[p["section"]].id if p["section"] is not None else None,
                     "position": p["position"], "number": p["number"], "kind": p["kind"],
                     "html": p["html"], "text": p["text"], "anchor": anchor, "change": change,
                     "previous_id": previous_id})
    for row in rows:
        if row["anchor"] is None:
            row["anchor"] = _anchor("p", used)
    if rows:
        db.session.execute(insert(DocumentParagraph), rows)
    version.paragraph_count = len(rows)
    version.import_state = ImportState.READY.value
    version.import_error = None
    db.session.flush()
    if previous is not None:
        _carry_passages(previous, version)


def _carry_passages(previous: DocumentVersion, version: DocumentVersion) -> None:
    """Re-find in `version` every passage quoted in `previous` (or carried into it)."""
    old_text = dict(db.session.execute(
        select(DocumentParagraph.id, DocumentParagraph.text)
        .where(DocumentParagraph.version_id == previous.id)
    ).all())
    successor = {prev: (pid, text) for pid, prev, text in db.session.execute(
        select(DocumentParagraph.id, DocumentParagraph.previous_id, DocumentParagraph.text)
        .where(DocumentParagraph.version_id == version.id, DocumentParagraph.previous_id.is_not(None))
    ).all()}
    # (passage, paragraph id in previous, start there)
    sources: dict[int, tuple[QuotedPassage, int, int | None]] = {}
    for passage in db.session.scalars(
        select(QuotedPassage).where(QuotedPassage.paragraph_id.in_(old_text.keys()))
    ):
        sources[passage.id] = (passage, passage.paragraph_id, passage.start)
    for location, passage in db.session.execute(
        select(PassageLocation, QuotedPassage)
        .join(QuotedPassage, PassageLocation.passage_id == QuotedPassage.id)
        .where(PassageLocation.version_id == previous.id, PassageLocation.paragraph_id.is_not(None))
    ).all():
        sources.setdefault(passage.id, (passage, location.paragraph_id, location.start))
    rows = []
    for passage, old_pid, start in sources.values():
        follow = successor.get(old_pid)
        if follow is None:
            rows.append({"passage_id": passage.id, "version_id": version.id, "paragraph_id": None,
                         "found": False, "start": None, "end": None, "text": None})
            continue
        new_pid, new_text = follow
        found = matching.refind_quote(old_text[old_pid], passage.quote, new_text, start)
        rows.append({"passage_id": passage.id, "version_id": version.id, "paragraph_id": new_pid,
                     "found": found.found, "start": found.start, "end": found.end, "text": found.text})
    if rows:
        db.session.execute(insert(PassageLocation), rows)
        db.session.flush()


def quote_passage(paragraph: DocumentParagraph, quote: str, *, start: int | None = None) -> QuotedPassage:
    """Record a passage of a paragraph (a comment's quote); it must be in the paragraph's text."""
    quote = (quote or "").strip()
    if not quote:
        raise DocumentError(_("The quoted passage is empty."))
    if len(quote) > QUOTE_MAX:
        raise DocumentError(_("The quoted passage is longer than %(limit)s characters.", limit=QUOTE_MAX))
    if start is None or paragraph.text[start:start + len(quote)] != quote:
        start = paragraph.text.find(quote)
    if start < 0:
        raise DocumentError(_("The quoted passage is not in the paragraph; copy it from the text."))
    passage = QuotedPassage(paragraph_id=paragraph.id, quote=quote, start=start, end=start + len(quote))
    db.session.add(passage)
    db.session.flush()
    return passage


# ---- background import -----------------------------------------------------------------------------------


def import_version_job(job_id: int, payload: dict) -> dict:
    """Job `documents.import`: convert the stored original of a pending version. A file that cannot be
    read removes the pending version (nothing stays stored) and the job says why."""
    from portal.jobs import Rejected, app_context, progress

    with app_context():
        version = db.session.get(DocumentVersion, payload["version_id"])
        if version is None or version.import_state != ImportState.PENDING.value:
            raise Rejected({"gone": True})
        document_id = version.document_id
        progress(job_id, 10, "reading")
        try:
            parsed = parsing.parse(version.file.data, max_bytes=max_bytes())
        except parsing.ParseError as exc:
            code = exc.code
            db.session.delete(version)
            db.session.commit()
            raise Rejected({"error_code": code, "document_id": document_id}) from None
        progress(job_id, 60, "storing")
        store_blocks(version, parsed.blocks)
        db.session.commit()
        return {"version_id": version.id, "document_id": document_id, "paragraphs": version.paragraph_count}
