"""Services of the analysis in the portal: the import. The rest has its own module, re-exported here for
the pages: ``base`` (refusals, who sees what, labels), ``reads`` (what pages and exports show), ``workflow``
(the flag states), ``links`` (flags linked to agenda items and, later, proposals and reports), ``messages``
(flag messages in the reader's language).

Everything is per territory. Services take the acting user explicitly (``actor=``), change the database,
record an audit event and only ``flush()``; refusals raise :class:`AnalysisError` with a translated message.

Import (two steps, nothing kept in the browser, the work in background jobs: see ``imports``): the check job
validates the files and keeps the parsed rows server-side in an ``AnalysisUpload`` with an expiry; the import
job calls :func:`confirm_upload`, which
stores each school year as its own ``AnalysisDataset``, replacing a stored year only when told to, and
recomputes that year's indices and flags with the territory's rules (the defaults for now).

Flags are signals to look into ("signál k prověření"), never findings of segregation or discrimination.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.analysis import (
    Dataset,
    Flag,
    School,
    SchoolClass,
    analyse,
)
from portal.analysis_portal.base import (  # noqa: F401 (the names the pages and tests use from here)
    INDEX_FIELDS,
    POINTS_RULES,
    RULE_LABELS,
    SEVERITY_LABELS,
    SMALL_UNIT,
    STATE_LABELS,
    TYPE_LABELS,
    AnalysisError,
    count_visible,
    flag_subject,
    flag_title,
    in_territory,
    rule_label,
    rule_source,
    rules_for,
    sees_counts,
)
from portal.analysis_portal.reads import (  # noqa: F401 (the reads: lists, pages, exports)
    SHARES,
    Comparison,
    FlagFilters,
    ListedFinding,
    ListPage,
    Overview,
    Row,
    SchoolView,
    TypeSeries,
    Where,
    datasets,
    findings,
    flag_rows,
    flag_schools,
    flags_export,
    indices_export,
    load_flag,
    overview,
    resolve_links,
    school_view,
    visible_message,
)
from portal.analysis_portal.workflow import (  # noqa: F401 (the flag workflow)
    TRANSITIONS,
    agenda_title,
    allowed_states,
    change_state,
    note_required,
    planned_meetings,
    put_on_agenda,
    respond_with_proposal,
)
from portal.batching import IN_CHUNK, INSERT_CHUNK, chunked
from portal.extensions import db
from portal.models import (
    AnalysisDataset,
    AnalysisFlag,
    AnalysisUpload,
    AnalysisUploadFile,
    ClassRecord,
    FlagEvent,
    FlagLink,
    FlagOccurrence,
    IndexRecord,
    SchoolRecord,
    User,
)
from portal.models.analysis import FlagState
from portal.models.base import utcnow

UPLOAD_TTL = timedelta(hours=2)
ALLOWED_EXTENSIONS = (".csv", ".xlsx")

SCHOOL_FIELDS = tuple(f.name for f in dataclasses.fields(School) if f.name != "row")
CLASS_FIELDS = tuple(f.name for f in dataclasses.fields(SchoolClass) if f.name != "row")

# ---- import -------------------------------------------------------------------------------------------


def _row(obj: Any, names: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def clear_expired_uploads() -> None:
    expired = select(AnalysisUpload.id).where(AnalysisUpload.expires_at < utcnow()).scalar_subquery()
    # Files first: SQLite does not enforce the foreign key's ON DELETE CASCADE here.
    db.session.execute(delete(AnalysisUploadFile).where(AnalysisUploadFile.upload_id.in_(expired)))
    db.session.execute(delete(AnalysisUpload).where(AnalysisUpload.id.in_(expired)))


def pending_upload(upload_id: int, actor: User) -> AnalysisUpload | None:
    """The actor's own, unexpired upload (anybody else's, or an expired one, does not exist for them)."""
    upload = db.session.get(AnalysisUpload, upload_id)
    if upload is None or upload.uploaded_by_id != actor.id or upload.expires_at < utcnow():
        return None
    return upload


def replaced_years(upload: AnalysisUpload) -> list[str]:
    """The school years of the upload that are already stored for its territory (confirming replaces them)."""
    years = sorted({row["school_year"] for row in upload.payload.get("schools", ())})
    return sorted(db.session.scalars(select(AnalysisDataset.school_year).where(
        AnalysisDataset.territory_id == upload.territory_id, AnalysisDataset.school_year.in_(years))))


def _payload_dataset(payload: dict[str, Any]) -> Dataset:
    return Dataset(
        schools=[School(**row) for row in payload["schools"]],
        classes=[SchoolClass(**row) for row in payload["classes"]],
        has_classes=bool(payload["has_classes"]),
    )


@dataclass
class YearPreview:
    """What confirming an upload will store for one school year, and what it replaces."""

    school_year: str
    schools: list[School]
    classes_by_school: dict[str, int]
    territories: list[str]
    types: dict[str, int]
    replaces: AnalysisDataset | None = None
    replaced_schools: int = 0
    replaced_classes: int = 0
    #: A schools-only upload over a year with classes: the stored classes kept (sites still in the data)
    #: and those removed with their sites.
    kept_classes: int = 0
    dropped_classes: int = 0

    @property
    def classes(self) -> int:
        return sum(self.classes_by_school.values())

    @property
    def pupils(self) -> int:
        return sum(s.pupils for s in self.schools)

    @property
    def disadvantaged(self) -> int:
        return sum(s.disadvantaged for s in self.schools)


def preview(upload: AnalysisUpload) -> list[YearPreview]:
    """Per school year: the schools and class counts to be stored, and the stored dataset it would replace."""
    dataset = _payload_dataset(upload.payload)
    years: dict[str, YearPreview] = {}
    for s in dataset.schools:
        year = years.setdefault(s.school_year, YearPreview(s.school_year, [], {}, [], {}))
        year.schools.append(s)
        year.classes_by_school.setdefault(s.school_id, 0)
        if s.territory not in year.territories:
            year.territories.append(s.territory)
        year.types[s.school_type] = year.types.get(s.school_type, 0) + 1
    for c in dataset.classes:
        years[c.school_year].classes_by_school[c.school_id] += 1
    existing = {
        d.school_year: d
        for d in db.session.scalars(
            select(AnalysisDataset)
            .where(AnalysisDataset.territory_id == upload.territory_id,
                   AnalysisDataset.school_year.in_(list(years)))
            .options(joinedload(AnalysisDataset.imported_by))
        )
    }
    counts = _dataset_counts([d.id for d in existing.values()])
    for year in years.values():
        old = existing.get(year.school_year)
        if old is not None:
            year.replaces = old
            year.replaced_schools, year.replaced_classes = counts.get(old.id, (0, 0))
            if not dataset.has_classes and old.has_classes:
                per_site = dict(db.session.execute(
                    select(ClassRecord.school_id, func.count()).where(ClassRecord.dataset_id == old.id)
                    .group_by(ClassRecord.school_id)).all())
                for school_id, n in per_site.items():
                    if school_id in year.classes_by_school:
                        year.classes_by_school[school_id] = n
                        year.kept_classes += n
                    else:
                        year.dropped_classes += n
    return [years[y] for y in sorted(years)]


def _dataset_counts(dataset_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not dataset_ids:
        return {}
    schools = dict(db.session.execute(
        select(SchoolRecord.dataset_id, func.count()).where(SchoolRecord.dataset_id.in_(dataset_ids))
        .group_by(SchoolRecord.dataset_id)
    ).all())
    classes = dict(db.session.execute(
        select(ClassRecord.dataset_id, func.count()).where(ClassRecord.dataset_id.in_(dataset_ids))
        .group_by(ClassRecord.dataset_id)
    ).all())
    return {i: (schools.get(i, 0), classes.get(i, 0)) for i in dataset_ids}


def confirm_upload(upload: AnalysisUpload, *, actor: User, replace: bool,
                   on_progress: Any = None) -> list[AnalysisDataset]:
    """Store every school year of the upload; refuse to replace stored years unless ``replace`` is set.

    ``on_progress(percent, step)`` hears how far it got (the import job reports it to the progress page).
    """
    report = on_progress or (lambda _percent, _step: None)
    if upload.expires_at < utcnow():
        raise AnalysisError(_("This upload has expired. Please upload the files again."))
    replaced = replaced_years(upload)
    if replaced and not replace:
        raise AnalysisError(_("Confirm that the stored data of %(years)s should be replaced.",
                              years=", ".join(replaced)))
    dataset = _payload_dataset(upload.payload)
    years = sorted({s.school_year for s in dataset.schools})
    stored = []
    for n, year in enumerate(years):
        share = 90 / len(years)
        steps = {"analysing": 5 + n * share, "storing": 5 + (n + 0.4) * share, "flags": 5 + (n + 0.7) * share}
        stored.append(import_year(
            upload.territory_id,
            year,
            [s for s in dataset.schools if s.school_year == year],
            [c for c in dataset.classes if c.school_year == year],
            has_classes=dataset.has_classes,
            source=upload.source,
            actor=actor,
            on_progress=lambda step, steps=steps: report(int(steps[step]), step),
        ))
    db.session.delete(upload)
    db.session.flush()
    report(98, "saving")
    return stored


def _delete_dataset(dataset: AnalysisDataset) -> list[int]:
    """Remove a stored year with its rows; returns the ids of the flags that had an occurrence in it."""
    flag_ids = list(db.session.scalars(
        select(FlagOccurrence.flag_id).where(FlagOccurrence.dataset_id == dataset.id)
    ))
    for model in (FlagOccurrence, IndexRecord, ClassRecord, SchoolRecord):
        db.session.execute(delete(model).where(model.dataset_id == dataset.id))
    db.session.expire(dataset)
    db.session.delete(dataset)
    db.session.flush()
    return flag_ids


def stored_classes(dataset_id: int, school_ids: Iterable[str] | None = None) -> list[SchoolClass]:
    """The classes stored for a year (optionally only of the given sites), as the analysis reads them."""
    rows = db.session.execute(
        select(*(getattr(ClassRecord, name) for name in CLASS_FIELDS))
        .where(ClassRecord.dataset_id == dataset_id)
    ).all()
    wanted = set(school_ids) if school_ids is not None else None
    return [SchoolClass(**dict(zip(CLASS_FIELDS, row, strict=True))) for row in rows
            if wanted is None or row.school_id in wanted]


def _insert(model: Any, rows: Iterable[dict[str, Any]]) -> None:
    """Bulk insert in chunks (Core executemany: one compiled statement, the rows sent in a pipeline)."""
    stmt = insert(model.__table__)
    for chunk in chunked(rows, INSERT_CHUNK):
        db.session.execute(stmt, chunk)


def import_year(
    territory_id: int,
    school_year: str,
    schools: list[School],
    classes: list[SchoolClass],
    *,
    has_classes: bool,
    source: str,
    actor: User | None,
    on_progress: Any = None,
) -> AnalysisDataset:
    """Store one school year (replacing a stored one), its indices and its flags (matched by identity).

    A schools-only upload (``has_classes`` false) keeps the classes stored for that year, for the sites
    that are still in the data: a schools file says nothing about classes, so it must not erase them.
    """
    report = on_progress or (lambda _step: None)
    old = db.session.scalar(select(AnalysisDataset).where(
        AnalysisDataset.territory_id == territory_id, AnalysisDataset.school_year == school_year))
    if old is not None and not has_classes and old.has_classes:
        classes = stored_classes(old.id, (s.school_id for s in schools))
        has_classes = True
    replaced = old is not None
    touched: list[int] = _delete_dataset(old) if old is not None else []
    dataset = AnalysisDataset(territory_id=territory_id, school_year=school_year, source=source[:500],
                              has_classes=has_classes, imported_by_id=actor.id if actor else None)
    db.session.add(dataset)
    db.session.flush()

    report("analysing")
    data = Dataset(schools=schools, classes=classes, has_classes=has_classes)
    result = analyse(data, rules_for(territory_id))
    dataset.skipped = [skip.to_dict() for skip in result.skipped]
    report("storing")
    _insert(SchoolRecord, ({"dataset_id": dataset.id, **_row(s, SCHOOL_FIELDS)} for s in schools))
    _insert(ClassRecord, ({"dataset_id": dataset.id, **_row(c, CLASS_FIELDS)} for c in classes))
    _insert(IndexRecord, (
        {"dataset_id": dataset.id, "level": row.level, "school_year": row.school_year,
         "territory": row.territory, "school_type": row.school_type, "school_id": row.school_id,
         "units": row.values.units, "pupils": row.values.pupils, "disadvantaged": row.values.disadvantaged,
         "share": row.values.share, **{name: getattr(row.values, name) for name in INDEX_FIELDS}}
        for row in result.indices
    ))
    report("flags")
    found = _sync_flags(territory_id, dataset, result.flags, schools, classes, actor)
    _tidy_flags(set(touched) - found)
    audit.record("analysis.imported", dataset, actor=actor, territory_id=territory_id,
                 summary=f"{school_year}: {len(schools)} / {len(classes)}", school_year=school_year,
                 schools=len(schools), classes=len(classes), flags=len(result.flags),
                 replaced=replaced)
    db.session.flush()
    return dataset


def _sync_flags(territory_id: int, dataset: AnalysisDataset, flags: list[Flag], schools: list[School],
                classes: list[SchoolClass], actor: User | None) -> set[int]:
    """Create or update the territory's flags from one year's result; returns the ids of the flags found.

    Written in bulk: chunked queries for the known flags and the new flags' ids, chunked inserts for new
    flags, events and occurrences.
    """
    year = dataset.school_year
    by_identity: dict[str, Flag] = {}
    for f in flags:
        by_identity.setdefault(f.identity, f)
    known: dict[str, AnalysisFlag] = {}
    for chunk in chunked(by_identity, IN_CHUNK):
        for row in db.session.scalars(select(AnalysisFlag).where(
                AnalysisFlag.territory_id == territory_id, AnalysisFlag.identity.in_(chunk))):
            known[row.identity] = row
    now = utcnow()
    new_rows = [
        {"territory_id": territory_id, "identity": identity, "rule": f.rule, "severity": f.severity,
         "territory_label": f.territory, "school_type": f.school_type, "school_id": f.school_id,
         "grade": f.grade, "class_name": f.class_name, "state": FlagState.NEW.value,
         "first_seen_year": year, "last_seen_year": year, "school_name": f.school_name,
         "created_at": now, "updated_at": now}
        for identity, f in by_identity.items() if identity not in known
    ]
    ids: dict[str, int] = {identity: row.id for identity, row in known.items()}
    # Plain executemany, then the new ids in chunks: faster than INSERT ... RETURNING of huge statements.
    _insert(AnalysisFlag, new_rows)
    for chunk in chunked((row["identity"] for row in new_rows), IN_CHUNK):
        ids.update((identity, flag_id) for flag_id, identity in db.session.execute(
            select(AnalysisFlag.id, AnalysisFlag.identity).where(
                AnalysisFlag.territory_id == territory_id, AnalysisFlag.identity.in_(chunk))))
    events = []
    for identity, row in known.items():
        f = by_identity[identity]
        if year > row.last_seen_year and row.state == FlagState.CLOSED:
            # The group closed it, yet the newer data show it again: it needs the group's attention anew.
            events.append({"flag_id": row.id, "kind": "recurred", "school_year": year, "actor_id": None,
                           "from_state": row.state, "to_state": FlagState.NEW.value, "at": now})
            row.state = FlagState.NEW.value
        elif year > row.last_seen_year and row.state == FlagState.MONITORED:
            # Monitoring expects it to show up again: keep the state, note the year in the history.
            events.append({"flag_id": row.id, "kind": "recurred", "school_year": year, "actor_id": None,
                           "at": now})
        row.first_seen_year = min(row.first_seen_year, year)
        if year >= row.last_seen_year:
            row.last_seen_year = year
            row.severity = f.severity
            row.school_name = f.school_name or row.school_name
    _insert(FlagEvent, events)
    school_pupils = {s.school_id: s.pupils for s in schools}
    class_pupils = {(c.school_id, c.class_name): c.pupils for c in classes}
    occurrences = []
    for identity, f in by_identity.items():
        if f.class_name is not None:
            pupils = class_pupils.get((f.school_id, f.class_name))
        elif f.school_id is not None:
            pupils = school_pupils.get(f.school_id)
        else:
            pupils = None
        occurrences.append({
            "flag_id": ids[identity], "dataset_id": dataset.id, "school_year": year, "value": f.value,
            "threshold": f.threshold, "message_id": f.message_id, "params": finite(f.params),
            "school_name": f.school_name,
            "unit_label": f.unit_label, "unit_share": f.unit_share, "unit_pupils": pupils,
            "counterpart_id": f.counterpart_id, "counterpart_label": f.counterpart_label,
            "counterpart_share": f.counterpart_share,
        })
    _insert(FlagOccurrence, occurrences)
    db.session.flush()
    return set(ids.values())


def finite(params: dict[str, Any]) -> dict[str, Any]:
    """A message's values as JSON can hold them: a number that is not finite (never expected) is refused
    rather than stored as something JSON cannot read back."""
    for name, value in params.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"The value {name} of a flag message is not a finite number: {value}")
    return params


def _tidy_flags(flag_ids: Iterable[int]) -> None:
    """Flags whose occurrence went with a replaced year: recompute the years they were seen; drop the ones
    that are in no data any more and were never worked on (no history, no links)."""
    for chunk in chunked(flag_ids, IN_CHUNK):
        years: dict[int, list[str]] = defaultdict(list)
        for flag_id, year in db.session.execute(
                select(FlagOccurrence.flag_id, FlagOccurrence.school_year)
                .where(FlagOccurrence.flag_id.in_(chunk))):
            years[flag_id].append(year)
        worked_on = set(db.session.scalars(select(FlagEvent.flag_id).where(FlagEvent.flag_id.in_(chunk))))
        worked_on |= set(db.session.scalars(select(FlagLink.flag_id).where(FlagLink.flag_id.in_(chunk))))
        gone = []
        for row in db.session.scalars(select(AnalysisFlag).where(AnalysisFlag.id.in_(chunk))):
            seen = sorted(years.get(row.id, ()))
            if seen:
                row.first_seen_year, row.last_seen_year = seen[0], seen[-1]
            elif row.state == FlagState.NEW and row.id not in worked_on:
                gone.append(row.id)
        if gone:
            db.session.execute(delete(AnalysisFlag).where(AnalysisFlag.id.in_(gone)),
                               execution_options={"synchronize_session": False})
    db.session.flush()


