"""Services of the analysis in the portal: import, stored results, the flag workflow, agenda links.

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
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.analysis import (
    Dataset,
    Finding,
    Flag,
    RuleSet,
    School,
    SchoolClass,
    analyse,
    default_rules,
    group_flags,
)
from portal.analysis.config import RULE_ORDER
from portal.analysis.rules import pct
from portal.analysis_portal import links as flag_links
from portal.analysis_portal import messages
from portal.batching import IN_CHUNK, INSERT_CHUNK, chunked
from portal.extensions import db
from portal.meetings import services as meetings
from portal.models import (
    AgendaItem,
    AnalysisDataset,
    AnalysisFlag,
    AnalysisUpload,
    AnalysisUploadFile,
    ClassRecord,
    FlagEvent,
    FlagLink,
    FlagOccurrence,
    IndexRecord,
    Meeting,
    SchoolRecord,
    User,
    WorkingGroup,
)
from portal.models.analysis import FlagState
from portal.models.base import utcnow
from portal.models.meetings import MeetingStatus
from portal.versioning import check_version

#: Units (schools, classes) with fewer pupils show their shares but not their counts to non-coordinators.
SMALL_UNIT = 10
UPLOAD_TTL = timedelta(hours=2)
ALLOWED_EXTENSIONS = (".csv", ".xlsx")

SCHOOL_FIELDS = tuple(f.name for f in dataclasses.fields(School) if f.name != "row")
CLASS_FIELDS = tuple(f.name for f in dataclasses.fields(SchoolClass) if f.name != "row")
INDEX_FIELDS = ("dissimilarity", "isolation", "exposure", "correlation_ratio", "theil_h", "gini")

RULE_LABELS: dict[str, Any] = {
    "disadvantaged_spread_schools": _l("Difference in the share of disadvantaged pupils between schools"),
    "disadvantaged_spread_classes": _l("Difference in the share of disadvantaged pupils between classes"),
    "sen_share_territory": _l("Share of pupils with special educational needs in the territory"),
    "mild_id_share_territory": _l("Share of pupils with mild intellectual disability in the territory"),
    "sen_share_school": _l("Share of pupils with special educational needs in a school"),
    "mild_id_share_school": _l("Share of pupils with mild intellectual disability in a school"),
    "dropout_gap": _l("Dropouts and repeated grades above the territory"),
    "further_ed_gap": _l("Continuation to matura programmes below the territory"),
    "competence_gap": _l("National testing results below the reference"),
    "funding_gap": _l("Less funding per pupil with more disadvantaged pupils"),
    "disadvantaged_matura_gap": _l("Disadvantaged leavers continue to matura programmes less often"),
    "small_segregated_school": _l("Small school with a high share of disadvantaged pupils"),
    "high_disadvantage_school": _l("High share of disadvantaged pupils in a school"),
    "high_disadvantage_territory": _l("High share of disadvantaged pupils in the territory"),
    "gym_outflow_high": _l("High outflow to multi-year gymnasia"),
}

STATE_LABELS: dict[str, Any] = {
    FlagState.NEW.value: _l("new"),
    FlagState.DISCUSSED.value: _l("discussed"),
    FlagState.ADDRESSED.value: _l("addressed by a proposal"),
    FlagState.MONITORED.value: _l("monitored"),
    FlagState.CLOSED.value: _l("closed"),
}

SEVERITY_LABELS: dict[str, Any] = {"warning": _l("calls for a plan"), "info": _l("informational")}

TYPE_LABELS: dict[str, Any] = {
    "MS": _l("kindergarten (MŠ)"),
    "ZS": _l("primary school (ZŠ)"),
    "SS": _l("secondary school (SŠ)"),
    "GYM": _l("multi-year gymnasium"),
}

#: Allowed state changes. A flag is discussed (usually at a meeting), then addressed by a proposal, then
#: monitored; it can be closed from any open state, and a closed flag can be reopened as discussed.
#: Closing and reopening need a note (why); see :func:`change_state`.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    FlagState.NEW.value: (FlagState.DISCUSSED.value, FlagState.CLOSED.value),
    FlagState.DISCUSSED.value: (FlagState.ADDRESSED.value, FlagState.MONITORED.value, FlagState.CLOSED.value),
    FlagState.ADDRESSED.value: (FlagState.MONITORED.value, FlagState.DISCUSSED.value, FlagState.CLOSED.value),
    FlagState.MONITORED.value: (FlagState.ADDRESSED.value, FlagState.DISCUSSED.value, FlagState.CLOSED.value),
    FlagState.CLOSED.value: (FlagState.DISCUSSED.value,),
}


class AnalysisError(ValueError):
    """A user-facing refusal; the message is already translated."""


def rules_for(territory_id: int | None) -> RuleSet:
    """The territory's rules. The defaults for now; a settings page may store overrides later
    (``portal.analysis.rules_from_mapping``)."""
    return default_rules()


def in_territory(user: User, territory_id: int | None) -> bool:
    """Objects of a territory are for its people; portal administrators see every territory."""
    return user.is_admin or (territory_id is not None and user.territory_id == territory_id)


def sees_counts(user: User) -> bool:
    """Coordinators and administrators see the counts of small units; members see their shares only."""
    return user.is_coordinator


def count_visible(pupils: int | None, user: User) -> bool:
    return sees_counts(user) or (pupils is not None and pupils >= SMALL_UNIT)


#: Rules whose value and threshold are a difference of two shares (percentage points); the other rules'
#: values are shares or relative gaps (per cent).
POINTS_RULES = frozenset({
    "disadvantaged_spread_schools", "disadvantaged_spread_classes", "small_segregated_school",
})


def rule_label(rule: str) -> str:
    return str(RULE_LABELS.get(rule, rule))


def rule_source(rule: str, territory_id: int | None) -> str:
    config = rules_for(territory_id).rules.get(rule)
    return config.source if config else ""


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


# ---- reading the stored analysis ---------------------------------------------------------------------


def datasets(territory_id: int | None) -> list[AnalysisDataset]:
    return list(db.session.scalars(
        select(AnalysisDataset).where(AnalysisDataset.territory_id == territory_id)
        .options(joinedload(AnalysisDataset.imported_by)).order_by(AnalysisDataset.school_year)
    ))


@dataclass
class TypeSeries:
    """The indices of one school type (in one territory as named in the data) over the school years."""

    territory: str
    school_type: str
    by_year: dict[str, IndexRecord] = field(default_factory=dict)


@dataclass
class Overview:
    datasets: list[AnalysisDataset]
    year: str | None
    series: list[TypeSeries]
    totals: list[dict[str, Any]]
    schools: list[SchoolRecord]
    spread_flagged: set[str]
    flag_counts: dict[str, int]

    @property
    def years(self) -> list[str]:
        return [d.school_year for d in self.datasets]


def overview(territory_id: int | None, year: str | None = None) -> Overview:
    """The territory's indices per school type and year, totals per year, and the schools of one year."""
    stored = datasets(territory_id)
    years = [d.school_year for d in stored]
    if year not in years:
        year = years[-1] if years else None
    rows = db.session.scalars(
        select(IndexRecord).join(AnalysisDataset)
        .where(AnalysisDataset.territory_id == territory_id, IndexRecord.level == "schools")
    ).all()
    series: dict[tuple[str, str], TypeSeries] = {}
    totals: dict[str, dict[str, Any]] = {y: {"school_year": y, "pupils": 0, "disadvantaged": 0, "units": 0}
                                        for y in years}
    for row in rows:
        key = (row.territory or "", row.school_type or "")
        series.setdefault(key, TypeSeries(*key)).by_year[row.school_year] = row
        total = totals[row.school_year]
        total["pupils"] += row.pupils
        total["disadvantaged"] += row.disadvantaged
        total["units"] += row.units
    for total in totals.values():
        total["share"] = total["disadvantaged"] / total["pupils"] if total["pupils"] else None
    type_order = {t: n for n, t in enumerate(TYPE_LABELS)}
    ordered = sorted(series.values(), key=lambda s: (s.territory, type_order.get(s.school_type, 99)))
    schools: list[SchoolRecord] = []
    flagged: set[str] = set()
    counts: dict[str, int] = {}
    if year is not None:
        schools = list(db.session.scalars(
            select(SchoolRecord).join(AnalysisDataset)
            .where(AnalysisDataset.territory_id == territory_id, AnalysisDataset.school_year == year)
            .order_by(SchoolRecord.school_type, SchoolRecord.school_name)
        ))
        flagged = set(db.session.scalars(
            select(AnalysisFlag.school_id).join(FlagOccurrence)
            .where(AnalysisFlag.territory_id == territory_id, FlagOccurrence.school_year == year,
                   AnalysisFlag.rule == "disadvantaged_spread_schools")
        ))
        counts = dict(db.session.execute(
            select(AnalysisFlag.state, func.count()).join(FlagOccurrence)
            .where(AnalysisFlag.territory_id == territory_id, FlagOccurrence.school_year == year)
            .group_by(AnalysisFlag.state)
        ).all())
    return Overview(stored, year, ordered, [totals[y] for y in years], schools, flagged, counts)


@dataclass
class Comparison:
    """One measure of a school against the pooled value of its school type in the territory, per year."""

    label: Any
    by_year: dict[str, tuple[float | None, float | None]]


# (label, numerator, denominator) of the shares a school page compares with the territory.
SHARES: tuple[tuple[Any, str, str], ...] = (
    (_l("Disadvantaged pupils"), "disadvantaged", "pupils"),
    (_l("Pupils with special educational needs"), "sen", "pupils"),
    (_l("Pupils with mild intellectual disability"), "mild_id", "pupils"),
    (_l("Dropouts and repeated grades"), "dropouts", "pupils"),
    (_l("Leavers continuing to matura programmes"), "leavers_matura", "leavers"),
    (_l("Disadvantaged leavers continuing to matura programmes"), "disadvantaged_leavers_matura",
     "disadvantaged_leavers"),
    (_l("Outflow to multi-year gymnasia after grade 5"), "gym_outflow", "grade5_pupils"),
)


def _ratio(num: Any, den: Any) -> float | None:
    if num is None or not den:
        return None
    return num / den


@dataclass
class SchoolView:
    school_id: str
    records: list[SchoolRecord]
    record: SchoolRecord
    year: str
    comparisons: list[Comparison]
    grades: dict[int, list[ClassRecord]]
    flags: list[AnalysisFlag]
    class_indices: dict[str, IndexRecord]

    @property
    def years(self) -> list[str]:
        return [r.school_year for r in self.records]


def school_view(territory_id: int | None, school_id: str, year: str | None = None) -> SchoolView | None:
    """A school's data over the years, its shares against its type in the territory, classes, flags."""
    records = list(db.session.scalars(
        select(SchoolRecord).join(AnalysisDataset)
        .where(AnalysisDataset.territory_id == territory_id, SchoolRecord.school_id == school_id)
        .order_by(SchoolRecord.school_year)
    ))
    if not records:
        return None
    by_year = {r.school_year: r for r in records}
    if year not in by_year:
        year = records[-1].school_year
    record = by_year[year]
    peers = db.session.scalars(
        select(SchoolRecord).join(AnalysisDataset)
        .where(AnalysisDataset.territory_id == territory_id, SchoolRecord.school_type == record.school_type,
               SchoolRecord.school_year.in_(list(by_year)))
    ).all()
    pooled: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for peer in peers:
        mine = by_year[peer.school_year]
        if peer.territory != mine.territory:
            continue
        for _label, num, den in SHARES:
            a, b = getattr(peer, num), getattr(peer, den)
            if a is not None and b:
                pooled[(peer.school_year, num, den)][0] += a
                pooled[(peer.school_year, num, den)][1] += b
    comparisons = []
    for label, num, den in SHARES:
        values = {
            r.school_year: (_ratio(getattr(r, num), getattr(r, den)),
                            _ratio(*pooled[(r.school_year, num, den)]) if (r.school_year, num, den) in pooled
                            else None)
            for r in records
        }
        if any(v[0] is not None for v in values.values()):
            comparisons.append(Comparison(label, values))
    grades: dict[int, list[ClassRecord]] = defaultdict(list)
    for c in db.session.scalars(
        select(ClassRecord)
        .where(ClassRecord.dataset_id == record.dataset_id, ClassRecord.school_id == school_id)
        .order_by(ClassRecord.grade, ClassRecord.class_name)
    ):
        grades[c.grade].append(c)
    flags = list(db.session.scalars(
        select(AnalysisFlag)
        .where(AnalysisFlag.territory_id == territory_id, AnalysisFlag.school_id == school_id)
        .options(selectinload(AnalysisFlag.occurrences))
    ))
    flags.sort(key=lambda f: (RULE_ORDER.get(f.rule, 99), f.grade or 0, f.class_name or ""))
    class_indices = {
        row.school_year: row
        for row in db.session.scalars(
            select(IndexRecord).join(AnalysisDataset)
            .where(AnalysisDataset.territory_id == territory_id, IndexRecord.level == "classes",
                   IndexRecord.school_id == school_id)
        )
    }
    return SchoolView(school_id, records, record, year, comparisons, dict(grades), flags, class_indices)


# ---- the flags list ------------------------------------------------------------------------------------


@dataclass
class FlagFilters:
    rule: str = ""
    severity: str = ""
    year: str = ""
    school: str = ""
    state: str = ""

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v}


@dataclass
class ListedFinding:
    """A finding for the list: the grouped finding and the stored flags with the occurrence shown."""

    finding: Finding | None
    items: list[tuple[AnalysisFlag, FlagOccurrence | None]]
    message: str

    @property
    def grouped(self) -> bool:
        return len(self.items) > 1

    @property
    def first(self) -> AnalysisFlag:
        return self.items[0][0]


def _as_flag(row: AnalysisFlag, occ: FlagOccurrence) -> Flag:
    return Flag(
        rule=row.rule, severity=row.severity, school_year=occ.school_year, territory=row.territory_label,
        school_type=row.school_type, school_id=row.school_id, grade=row.grade, class_name=row.class_name,
        value=occ.value, threshold=occ.threshold, message="", school_name=occ.school_name,
        unit_label=occ.unit_label, unit_share=occ.unit_share, counterpart_id=occ.counterpart_id,
        counterpart_label=occ.counterpart_label, counterpart_share=occ.counterpart_share,
    )


def visible_message(row: AnalysisFlag, occ: FlagOccurrence | None, user: User) -> str:
    """The analysis module's message, or — for a unit under 10 pupils and a viewer who may not see its
    counts — a wording with the share only (some messages quote pupil counts)."""
    if occ is None:
        return _("This signal is not in the stored data any more (its school year was replaced).")
    if count_visible(occ.unit_pupils, user) or occ.unit_pupils is None:
        return messages.render(occ.message_id, occ.params)
    share = pct(occ.unit_share) if occ.unit_share is not None else "—"
    return _("%(rule)s: %(unit)s, share %(share)s. A signal to look into.", rule=rule_label(row.rule),
             unit=occ.unit_label or flag_subject(row), share=share)


Row = tuple[AnalysisFlag, FlagOccurrence | None]


def flag_rows(territory_id: int | None, filters: FlagFilters) -> list[Row]:
    """The territory's flags matching ``filters``, each with its occurrence in the chosen year (or latest)."""
    stmt = select(AnalysisFlag, FlagOccurrence).where(AnalysisFlag.territory_id == territory_id)
    if filters.year:
        stmt = stmt.join(FlagOccurrence, (FlagOccurrence.flag_id == AnalysisFlag.id)
                         & (FlagOccurrence.school_year == filters.year))
    else:
        stmt = stmt.outerjoin(FlagOccurrence, (FlagOccurrence.flag_id == AnalysisFlag.id)
                              & (FlagOccurrence.school_year == AnalysisFlag.last_seen_year))
    if filters.rule:
        stmt = stmt.where(AnalysisFlag.rule == filters.rule)
    if filters.severity:
        stmt = stmt.where(AnalysisFlag.severity == filters.severity)
    if filters.school:
        stmt = stmt.where(AnalysisFlag.school_id == filters.school)
    if filters.state:
        stmt = stmt.where(AnalysisFlag.state == filters.state)
    rows = [(row, occ) for row, occ in db.session.execute(stmt).all()]
    rows.sort(key=lambda pair: (
        RULE_ORDER.get(pair[0].rule, 99), pair[0].school_type or "", pair[0].school_id or "",
        pair[0].grade or 0, pair[0].class_name or "",
    ))
    # The newest school year first (a stable sort keeps the catalogue order within a year).
    rows.sort(key=lambda pair: pair[1].school_year if pair[1] else pair[0].last_seen_year, reverse=True)
    return rows


def findings(rows: list[Row], user: User) -> list[ListedFinding]:
    """Group pair flags of one scope into one finding (``group_flags``); other flags stay single."""
    present = [(row, occ) for row, occ in rows if occ is not None]
    by_key = {(row.identity, occ.school_year): (row, occ) for row, occ in present}
    listed = []
    for finding in group_flags(_as_flag(row, occ) for row, occ in present):
        items = [by_key[(f.identity, f.school_year)] for f in finding.flags]
        if len(items) == 1:
            message = visible_message(items[0][0], items[0][1], user)
        else:
            message = messages.render_group(finding.rule, finding.flags)  # shares only, no counts
        listed.append(ListedFinding(finding, items, message))
    for row, occ in rows:
        if occ is None:
            listed.append(ListedFinding(None, [(row, None)], visible_message(row, None, user)))
    return listed


def flag_schools(territory_id: int | None) -> list[tuple[str, str]]:
    """(school_id, name) of the schools that have flags, for the filter."""
    rows = db.session.execute(
        select(AnalysisFlag.school_id, func.max(AnalysisFlag.school_name))
        .where(AnalysisFlag.territory_id == territory_id, AnalysisFlag.school_id.is_not(None))
        .group_by(AnalysisFlag.school_id)
    ).all()
    return sorted(((sid, name or sid) for sid, name in rows), key=lambda r: r[1])


class ListPage:
    """A page of an in-memory list, shaped like Flask-SQLAlchemy's pagination (for the `pagination` macro)."""

    def __init__(self, items: list, page: int, per_page: int):
        self.total = len(items)
        self.per_page = per_page
        self.pages = max(1, math.ceil(self.total / per_page))
        self.page = min(max(page, 1), self.pages)
        start = (self.page - 1) * per_page
        self.items = items[start:start + per_page]

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1 if self.page > 1 else None)
    next_num = property(lambda self: self.page + 1 if self.page < self.pages else None)

    def iter_pages(self, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2):
        last = 0
        for num in range(1, self.pages + 1):
            if (num <= left_edge or self.page - left_current <= num <= self.page + right_current
                    or num > self.pages - right_edge):
                if last + 1 != num:
                    yield None
                yield num
                last = num


# ---- one flag -------------------------------------------------------------------------------------------


def flag_subject(flag: AnalysisFlag) -> str:
    """What the flag is about, e.g. "ZŠ Vzorov, Sídliště Jih, class 6.B" or the territory."""
    if flag.class_name:
        return _("%(school)s, class %(class_name)s", school=flag.school_name or flag.school_id,
                 class_name=flag.class_name)
    if flag.school_id:
        return flag.school_name or flag.school_id
    return flag.territory_label or ""


def flag_title(flag: AnalysisFlag) -> str:
    return f"{rule_label(flag.rule)}: {flag_subject(flag)}"


def agenda_title(flag: AnalysisFlag) -> str:
    """The agenda item's title, in Czech whatever the coordinator's language (the agenda is shared)."""
    with force_locale("cs"):
        return f"Signál k prověření: {flag_title(flag)}"[:300]


@dataclass
class Where:
    """A resolved link: what the flag is attached to, with its meeting for agenda items."""

    link: FlagLink
    agenda_item: AgendaItem | None = None
    meeting: Meeting | None = None


def resolve_links(links: list[FlagLink]) -> dict[int, Where]:
    """Each link with its agenda item and meeting (loaded with the flag by :func:`load_flag`)."""
    return {link.id: Where(link, link.agenda_item, link.agenda_item.meeting if link.agenda_item else None)
            for link in links}


def load_flag(flag_id: int) -> AnalysisFlag | None:
    return db.session.scalar(
        select(AnalysisFlag).where(AnalysisFlag.id == flag_id).options(
            selectinload(AnalysisFlag.occurrences),
            selectinload(AnalysisFlag.events).joinedload(FlagEvent.actor),
            selectinload(AnalysisFlag.links).joinedload(FlagLink.agenda_item).joinedload(AgendaItem.meeting),
        )
    )


def allowed_states(flag: AnalysisFlag) -> tuple[str, ...]:
    return TRANSITIONS.get(flag.state, ())


def note_required(from_state: str, to_state: str) -> bool:
    return to_state == FlagState.CLOSED or from_state == FlagState.CLOSED


def change_state(flag: AnalysisFlag, to_state: str, *, note: str | None, actor: User,
                 link: FlagLink | None = None, seen_version: int | None = None) -> FlagEvent:
    """Move a flag to another state (see TRANSITIONS); closing and reopening need a note.

    ``link`` says where it was handled (one of the flag's links, e.g. the agenda item that discussed it).
    ``seen_version``: the flag's version on the user's page; an outdated one raises
    ``portal.versioning.StaleEdit`` (someone else moved the flag meanwhile).
    """
    if seen_version is not None:
        check_version(flag, seen_version)
    note = (note or "").strip() or None
    if to_state not in allowed_states(flag):
        raise AnalysisError(_("A flag in the state “%(old)s” cannot move to “%(new)s”.",
                              old=STATE_LABELS.get(flag.state, flag.state),
                              new=STATE_LABELS.get(to_state, to_state)))
    if note_required(flag.state, to_state) and not note:
        raise AnalysisError(_("Say why in a note: closing or reopening a flag needs one."))
    if link is not None and link.flag_id != flag.id:
        raise AnalysisError(_("Choose where it was handled from the flag's own links."))
    event = FlagEvent(flag_id=flag.id, kind="state", from_state=flag.state, to_state=to_state, note=note,
                      link_id=link.id if link else None, actor_id=actor.id)
    db.session.add(event)
    old = flag.state
    flag.state = to_state
    flag.updated_at = utcnow()
    audit.record("analysis.flag_state", flag, actor=actor, territory_id=flag.territory_id,
                 summary=f"{old} → {to_state}", from_state=old, to_state=to_state)
    db.session.flush()
    return event


def planned_meetings(territory_id: int | None) -> list[Meeting]:
    """Planned, upcoming meetings of the territory's working groups (where a flag can go on the agenda)."""
    return list(db.session.scalars(
        select(Meeting).join(WorkingGroup, Meeting.group_id == WorkingGroup.id)
        .where(WorkingGroup.territory_id == territory_id, Meeting.status == MeetingStatus.PLANNED.value,
               Meeting.starts_at >= utcnow())
        .options(joinedload(Meeting.group)).order_by(Meeting.starts_at)
    ))


def put_on_agenda(flag: AnalysisFlag, meeting: Meeting, *, actor: User) -> AgendaItem:
    """Add the flag as the last agenda item of a planned meeting of the territory's groups.

    The flag keeps its state (the coordinator moves it explicitly after the meeting); the history records
    the placement with a link to the agenda item.
    """
    if meeting.id not in {m.id for m in planned_meetings(flag.territory_id)}:
        raise AnalysisError(_("Choose a planned meeting of one of the territory's groups."))
    already = db.session.scalar(
        select(FlagLink.id).join(AgendaItem, AgendaItem.id == FlagLink.agenda_item_id)
        .where(FlagLink.flag_id == flag.id, AgendaItem.meeting_id == meeting.id)
    )
    if already is not None:
        raise AnalysisError(_("This flag is already on the agenda of that meeting."))
    occurrence = flag.occurrences[-1] if flag.occurrences else None
    try:
        # The meetings service puts it last, marks the meeting changed (feeds) and audits the agenda change.
        with force_locale("cs"):  # the agenda is shared: in Czech, like its title
            notes = messages.render(occurrence.message_id, occurrence.params) if occurrence else None
        data = meetings.AgendaData(title=agenda_title(flag), notes=notes)
        item = meetings.add_agenda_item(meeting, data, actor=actor)
    except meetings.MeetingError as error:
        raise AnalysisError(str(error)) from error
    link = flag_links.link_flag(flag, item, actor=actor)
    db.session.add(FlagEvent(flag_id=flag.id, kind="agenda", link_id=link.id, actor_id=actor.id))
    audit.record("analysis.flag_on_agenda", flag, actor=actor, territory_id=flag.territory_id,
                 summary=meeting.title, meeting_id=meeting.id, agenda_item_id=item.id)
    db.session.flush()
    return item


# ---- exports --------------------------------------------------------------------------------------------


def flags_export(rows: list[Row]) -> tuple[list[str], list[list[Any]]]:
    header = [_("Identity"), _("Rule"), _("Severity"), _("State"), _("School year"), _("Territory"),
              _("School type"), _("School ID"), _("School"), _("Grade"), _("Class"), _("Value"),
              _("Threshold"),
              _("Finding"), _("First seen"), _("Last seen")]
    body = []
    for row, occ in rows:
        body.append([
            row.identity, row.rule, row.severity, row.state, occ.school_year if occ else "",
            row.territory_label,
            row.school_type, row.school_id, row.school_name, row.grade, row.class_name,
            round(occ.value, 6) if occ else None, occ.threshold if occ else None,
            messages.render(occ.message_id, occ.params) if occ else "",
            row.first_seen_year, row.last_seen_year,
        ])
    return header, body


def indices_export(territory_id: int | None) -> tuple[list[str], list[list[Any]]]:
    header = ["level", "school_year", "territory", "school_type", "school_id", "units", "pupils",
              "disadvantaged", "share", *INDEX_FIELDS]
    rows = db.session.scalars(
        select(IndexRecord).join(AnalysisDataset).where(AnalysisDataset.territory_id == territory_id)
        .order_by(IndexRecord.school_year, IndexRecord.level.desc(), IndexRecord.school_type,
                  IndexRecord.school_id)
    )
    body = [[getattr(r, name) for name in header] for r in rows]
    return header, body
