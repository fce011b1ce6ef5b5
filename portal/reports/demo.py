"""Demo data: last year's activity report of the demo equal-opportunities group (PS pro rovné příležitosti),
stored as version 1 in Czech and published to the group's members, so that a newcomer opening *Zprávy* sees
a report at once (and the coordinator sees how versions, publishing and "data changed since" work).

It is made by the same service as a coordinator's report (`keeping.generate`, then `keeping.publish`), with
a foreword and notes kept as the group's draft for that year. Idempotent: when the group already has any
version of last year's report (in any language), nothing is made or changed.
"""

from __future__ import annotations

from importlib import import_module

from sqlalchemy import select

from portal.demo import DEMO_MODULES, DemoContext, demo_loader
from portal.extensions import db
from portal.groups import demo as groups_demo
from portal.models import Role, WorkingGroup
from portal.models.reports import ReportVersion, ReportVisibility
from portal.reports import keeping

# The report is gathered from what every other area's demo made: their loaders register on import, so
# importing them here keeps ours the last one, whoever imports this module first.
for _name in DEMO_MODULES:
    if _name != __name__:
        import_module(_name)

DEMO_GROUP_SLUG = groups_demo.GROUPS[0]["slug"]
FOREWORD = (
    "Skupina se v loňském roce sešla pětkrát a poprvé se ptala přímo rodičů, co jejich dětem ve škole "
    "pomáhá a co chybí. Děkujeme všem, kdo přišli a kdo odpověděli."
)
NOTES = (
    "Zpráva byla projednána na prvním jednání skupiny v novém roce a předána Řídicímu výboru MAP."
)


@demo_loader
def demo_report(context: DemoContext) -> None:
    group = db.session.scalar(select(WorkingGroup).where(
        WorkingGroup.territory_id == context.territory.id, WorkingGroup.slug == DEMO_GROUP_SLUG))
    if group is None:
        return
    start, end = keeping.year_period(keeping.default_year())
    exists = db.session.scalar(select(ReportVersion.id).where(
        ReportVersion.group_id == group.id, ReportVersion.start == start, ReportVersion.end == end).limit(1))
    if exists is not None:
        return
    # Read everything the other loaders made from the database, not from objects loaded before they
    # changed it (a proposal's funding opinions, added by a later loader, would otherwise be missed).
    db.session.flush()
    db.session.expire_all()
    coordinator = context.users[Role.COORDINATOR.value]
    draft = keeping.draft_of(group, start, end)
    if draft is None:
        draft = keeping.save_draft(group, start, end, foreword=FOREWORD, notes=NOTES, seen_version=0,
                                   actor=coordinator)
    version = keeping.generate(group, start, end, "cs", foreword=draft.foreword, notes=draft.notes,
                               author=coordinator)
    keeping.publish(version, ReportVisibility.MEMBERS.value, actor=coordinator, seen_version=version.version)
