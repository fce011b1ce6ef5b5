"""Gather a group's annual report for a period: every section, in the language asked for."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _

from portal.i18n import date_filter
from portal.models import WorkingGroup
from portal.reports.model import Report
from portal.reports.sections import Context, build_all


def collect(group: WorkingGroup, start: date, end: date, *, language: str = "cs",
            foreword: str | None = None, notes: str | None = None) -> Report:
    """The report of `group` for `start`–`end` (both included), its texts in `language` ("cs" or "en")."""
    if end < start:
        raise ValueError("the period ends before it starts")
    with force_locale(language):
        if start.month == 1 and start.day == 1 and end == date(start.year, 12, 31):
            title = _("Annual activity report %(year)s: %(group)s", year=start.year, group=group.name)
        else:
            title = _("Activity report %(start)s – %(end)s: %(group)s", start=date_filter(start),
                      end=date_filter(end), group=group.name)
        sections = build_all(Context(group=group, start=start, end=end, language=language))
    return Report(
        group_id=group.id, group_name=group.name,
        territory_name=group.territory.name if group.territory else None,
        start=start, end=end, language=language, title=title,
        foreword=(foreword or "").strip() or None, notes=(notes or "").strip() or None,
        sections=sections,
    )
