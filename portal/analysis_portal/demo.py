"""Demo analysis of MAP ORP Vzorov: the sample data's three school years (2023/24–2025/26), and one flag
put on a planned demo meeting's agenda and marked "discussed" (when the meetings demo has created a meeting).

The sample files are a copy of the analysis module's sample, kept in this package so that the demo does not
depend on anything outside it. Idempotent: years already stored and flags already on an agenda are left alone.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from portal.analysis import read_path
from portal.analysis_portal import services
from portal.demo import DemoContext, demo_loader
from portal.extensions import db
from portal.models import AnalysisDataset, AnalysisFlag, FlagLink
from portal.models.analysis import FlagState

SAMPLE = Path(__file__).resolve().parent / "sample"
DEMO_FLAG_RULE = "disadvantaged_spread_classes"


@demo_loader
def load_analysis(ctx: DemoContext) -> None:
    coordinator = ctx.users.get("coordinator")
    stored = set(db.session.scalars(
        select(AnalysisDataset.school_year).where(AnalysisDataset.territory_id == ctx.territory.id)))
    dataset = read_path(SAMPLE)
    for year in sorted({s.school_year for s in dataset.schools} - stored):
        services.import_year(
            ctx.territory.id, year,
            [s for s in dataset.schools if s.school_year == year],
            [c for c in dataset.classes if c.school_year == year],
            has_classes=dataset.has_classes, source=dataset.source, actor=coordinator,
        )
    _demo_agenda(ctx)


def _demo_agenda(ctx: DemoContext) -> None:
    linked = db.session.scalar(
        select(FlagLink.id).join(AnalysisFlag).where(AnalysisFlag.territory_id == ctx.territory.id))
    if linked is not None:
        return
    meetings = services.planned_meetings(ctx.territory.id)
    flag = db.session.scalar(
        select(AnalysisFlag)
        .where(AnalysisFlag.territory_id == ctx.territory.id, AnalysisFlag.rule == DEMO_FLAG_RULE)
        .order_by(AnalysisFlag.identity)
    )
    coordinator = ctx.users.get("coordinator")
    if not meetings or flag is None or coordinator is None:
        return
    item = services.put_on_agenda(flag, meetings[0], actor=coordinator)
    if flag.state == FlagState.NEW:
        link = db.session.scalar(
            select(FlagLink).where(FlagLink.agenda_item_id == item.id, FlagLink.flag_id == flag.id))
        services.change_state(flag, FlagState.DISCUSSED.value, actor=coordinator, link=link,
                              note="Zařazeno na jednání PS; škola připraví podklady "
                                   "k rozdělení žáků do tříd.")
