"""The report's sections, in the order the report presents them.

Each section lives in `portal/reports/sections/<key>.py` and exposes `build(ctx: Context) -> Section`,
reading its figures through the areas' read functions (the ones the pages use). A section whose module is
not part of this installation is reported as unavailable, with a sentence saying so, never left out.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.models import WorkingGroup
from portal.reports.model import Section

ORDER = (
    "composition",  # members by category at the start and end, joiners and leavers, balance, Pielou's J
    "meetings",  # meetings held against the target, dates, places, attendance by category
    "minutes",  # topics and resolutions from approved minutes, tasks done and open
    "proposals",  # proposals, equal-access verdicts and conditions, milestones met, late and missed
    "rounds",  # comment rounds and their settlement statistics
    "consultations",  # consultations, participation and results
    "signals",  # analysis signals of the territory and what was done about them, indices over the years
    "cooperation",  # joint meetings with other groups, funding opinions
)


#: Each section's heading; the section modules use these too.
TITLES = {
    "composition": _l("Composition and balance of the group"),
    "meetings": _l("Meetings"),
    "minutes": _l("Topics, resolutions and tasks"),
    "proposals": _l("Proposed activities and their equal-access assessment"),
    "rounds": _l("Comment rounds on plan documents"),
    "consultations": _l("Consultations with parents"),
    "signals": _l("Signals from the analysis of the territory"),
    "cooperation": _l("Cooperation with other groups"),
}


@dataclass(frozen=True)
class Context:
    group: WorkingGroup
    start: date  # first day of the period, included
    end: date  # last day of the period, included
    language: str


def _unavailable(key: str) -> Section:
    return Section(key=key, title=str(TITLES[key]), available=False,
                   note=_("This part of the report is not available in this installation of the portal."))


def build_all(ctx: Context) -> list[Section]:
    sections = []
    for key in ORDER:
        name = f"{__name__}.{key}"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            sections.append(_unavailable(key))
            continue
        sections.append(module.build(ctx))
    return sections
