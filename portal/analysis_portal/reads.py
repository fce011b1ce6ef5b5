"""The reads of the analysis area: what its pages, exports and (soon) the annual report show.

Stored datasets and the territory overview, a school's page, the flag list with its filters and grouping,
one flag with its links, and the export rows. Queries live here so a figure is computed once and shown the
same everywhere; templates get the data. (The flags linked to agenda items: ``links.flags_on_agenda``.)
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.analysis import (
    Finding,
    Flag,
    group_flags,
)
from portal.analysis.config import RULE_ORDER
from portal.analysis.rules import pct
from portal.analysis_portal import messages
from portal.analysis_portal.base import (
    INDEX_FIELDS,
    TYPE_LABELS,
    count_visible,
    flag_subject,
    rule_label,
)
from portal.extensions import db
from portal.models import (
    AgendaItem,
    AnalysisDataset,
    AnalysisFlag,
    ClassRecord,
    FlagEvent,
    FlagLink,
    FlagOccurrence,
    IndexRecord,
    Meeting,
    SchoolRecord,
    User,
)

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
            selectinload(AnalysisFlag.links).joinedload(FlagLink.proposal),
        )
    )


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


# ---- a period's work on the territory's flags (the annual report) ---------------------------------------


def state_before(flag: AnalysisFlag, moment: Any) -> str | None:
    """The flag's state just before `moment` (an instant), from its history: the last change of state
    before it, "new" when none; None when the flag did not exist yet."""
    if flag.created_at >= moment:
        return None
    changes = [e for e in flag.events if e.to_state and e.at < moment]
    return max(changes, key=lambda e: (e.at, e.id)).to_state if changes else "new"


@dataclass
class FlagInPeriod:
    flag: AnalysisFlag
    new: bool  # recorded in the period (its data imported then)
    state_at_end: str
    events: list[FlagEvent]  # its history in the period: state changes, agenda placements, recurrences
    proposals: list[Any]  # the proposals responding to it (drafts left out)


@dataclass
class FlagsInPeriod:
    flags: list[FlagInPeriod]  # flags new in the period or with history in it
    states_at_end: dict[str, int]  # every flag existing at the period's end, by state


def flags_between(territory_id: int | None, start_at: Any, end_at: Any) -> FlagsInPeriod:
    """What happened to the territory's flags in [start_at, end_at): the flags recorded in it or with
    history in it (with the proposals responding to them), and every flag's state at the end (a fixed number
    of queries)."""
    from portal.models.proposals import Proposal, ProposalState

    flags = list(db.session.scalars(
        select(AnalysisFlag)
        .where(AnalysisFlag.territory_id == territory_id, AnalysisFlag.created_at < end_at)
        .options(selectinload(AnalysisFlag.events)).order_by(AnalysisFlag.rule, AnalysisFlag.id)
    ))
    responding: dict[int, list[Any]] = defaultdict(list)
    if flags:
        for flag_id, proposal in db.session.execute(
            select(FlagLink.flag_id, Proposal).join(Proposal, Proposal.id == FlagLink.proposal_id)
            .where(FlagLink.flag_id.in_(
                       select(AnalysisFlag.id).where(AnalysisFlag.territory_id == territory_id)),
                   Proposal.state != ProposalState.DRAFT.value)
            .order_by(FlagLink.id)
        ):
            responding[flag_id].append(proposal)
    states: dict[str, int] = defaultdict(int)
    listed = []
    for flag in flags:
        state = state_before(flag, end_at) or "new"
        states[state] += 1
        events = [e for e in flag.events if start_at <= e.at < end_at]
        new = flag.created_at >= start_at
        if new or events:
            listed.append(FlagInPeriod(flag, new, state, events, responding.get(flag.id, [])))
    return FlagsInPeriod(listed, dict(states))


def index_trend(territory_id: int | None) -> list[TypeSeries]:
    """The segregation indices per school type over the stored school years (the overview page's series)."""
    return overview(territory_id).series
