"""What the pages read about kept reports: a group page's box, the territory's overview, file names."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.groups import services as groups
from portal.i18n import date_filter
from portal.models import WorkingGroup
from portal.models.reports import ReportVersion, ReportVisibility
from portal.reports import keeping

VISIBILITY_LABELS = {
    ReportVisibility.COORDINATORS.value: _l("Coordinators only"),
    ReportVisibility.MEMBERS.value: _l("Published to the group's members"),
    ReportVisibility.PUBLIC.value: _l("Published to everyone"),
}
LANGUAGE_LABELS = {"cs": _l("Czech"), "en": _l("English")}


@dataclass(frozen=True)
class GroupBox:
    versions: list[ReportVersion]  # the latest readable versions, newest first (at most `limit`)
    more: bool  # there are more than those
    manages: bool


def group_box(user, group: WorkingGroup, viewer: groups.Viewer, limit: int = 3) -> GroupBox | None:
    """The group page's box of reports (one query): None when the user has nothing to see or do there."""
    rows = list(db.session.scalars(keeping.readable_versions_query(user, group, viewer).limit(limit + 1)))
    if not rows and not viewer.manages:
        return None
    return GroupBox(versions=rows[:limit], more=len(rows) > limit, manages=viewer.manages)


def overview(user) -> list[tuple[WorkingGroup, int, ReportVersion | None, bool]]:
    """The groups the user may see: (group, readable versions, the newest one, manages)."""
    today = clock.today()
    rows = []
    visible = groups.visible_groups(user, today)
    managed = {g.id for g in groups.managed_among(user, visible, today)}
    for group in visible:
        query = keeping.readable_versions_query(user, group)
        count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        if count or group.id in managed:
            rows.append((group, count, db.session.scalars(query.limit(1)).first(), group.id in managed))
    return rows


def period_label(start, end) -> str:
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    return _("%(start)s – %(end)s", start=date_filter(start), end=date_filter(end))


def download_name(version: ReportVersion, fmt: str) -> str:
    """E.g. ``vyrocni-zprava-2025-ps-rovne-prilezitosti-v2.pdf`` (a range: ``zprava-o-cinnosti-2025-03-01-
    2025-08-31-…``; an English version ends ``-en``)."""
    slug = version.group.slug or groups.slugify(version.group.name)
    if version.is_year:
        stem = f"vyrocni-zprava-{version.start.year}-{slug}-v{version.number}"
    else:
        period = f"{version.start.isoformat()}-{version.end.isoformat()}"
        stem = f"zprava-o-cinnosti-{period}-{slug}-v{version.number}"
    if version.language != "cs":
        stem += f"-{version.language}"
    return f"{stem}.{fmt}"
