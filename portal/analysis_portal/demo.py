"""Demo analysis of MAP ORP Vzorov: the sample data's three school years (2023/24–2025/26), and one flag
put on a planned demo meeting's agenda and marked "discussed" (when the meetings demo has created a meeting).

Last year's work (for the annual report of last year): three signals recorded last year (the first data
import); one was put on the agenda of last year's second meeting, discussed there and closed in September,
one was not dealt with; the proposals demo has a proposal of last year respond to a third one.

The sample files are a copy of the analysis module's sample, kept in this package so that the demo does not
depend on anything outside it. Idempotent: years already stored and flags already on an agenda are left alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal import clock
from portal.analysis import read_path
from portal.analysis_portal import services, workflow
from portal.demo import DemoContext, demo_loader
from portal.extensions import db
from portal.models import (
    AgendaItem,
    AnalysisDataset,
    AnalysisFlag,
    FlagEvent,
    FlagLink,
    Meeting,
    WorkingGroup,
)
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


#: Last year's signals: the rule of the one discussed and closed, of the one left new.
LAST_YEAR_CLOSED_RULE = "sen_share_school"
LAST_YEAR_NEW_RULE = "dropout_gap"
CLOSING_NOTE = ("Škola doložila, že podíl odpovídá spádovému obvodu a poradenským doporučením; "
                "PS bude data sledovat v dalších letech.")
PRAGUE = ZoneInfo("Europe/Prague")


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime.combine(date(year, month, day), time(hour), tzinfo=PRAGUE).astimezone(UTC)


def _untouched(ctx: DemoContext, rule: str) -> AnalysisFlag | None:
    return db.session.scalar(
        select(AnalysisFlag).where(AnalysisFlag.territory_id == ctx.territory.id, AnalysisFlag.rule == rule,
                                   AnalysisFlag.state == FlagState.NEW.value,
                                   AnalysisFlag.id.not_in(select(FlagLink.flag_id)),
                                   AnalysisFlag.id.not_in(select(FlagEvent.flag_id)))
        .order_by(AnalysisFlag.first_seen_year, AnalysisFlag.identity).limit(1))


@demo_loader
def load_last_year_signals(ctx: DemoContext) -> None:
    year = clock.today().year - 1
    coordinator = ctx.users.get("coordinator")
    done = db.session.scalar(select(AnalysisFlag.id).where(
        AnalysisFlag.territory_id == ctx.territory.id, AnalysisFlag.rule == LAST_YEAR_CLOSED_RULE,
        AnalysisFlag.created_at < _at(year + 1, 1, 1)).limit(1))
    group = db.session.scalar(select(WorkingGroup).where(
        WorkingGroup.territory_id == ctx.territory.id, WorkingGroup.slug == "rovne-prilezitosti"))
    if done is not None or coordinator is None or group is None:
        return
    meeting = db.session.scalar(
        select(Meeting).where(Meeting.group_id == group.id, Meeting.starts_at >= _at(year, 5, 1),
                              Meeting.starts_at < _at(year, 6, 1)).order_by(Meeting.starts_at).limit(1))
    closed, untouched = _untouched(ctx, LAST_YEAR_CLOSED_RULE), _untouched(ctx, LAST_YEAR_NEW_RULE)
    if meeting is None or closed is None or untouched is None:
        return
    untouched.created_at = _at(year, 1, 20)
    closed.created_at = _at(year, 1, 20)
    # On the agenda of last year's May meeting (held: added as a row, like the meeting itself).
    item = AgendaItem(meeting_id=meeting.id, position=len(meeting.agenda) + 1,
                      title=workflow.agenda_title(closed),
                      presenter="Zuzana Poradková", duration_minutes=15)
    db.session.add(item)
    db.session.flush()
    link = FlagLink(flag_id=closed.id, agenda_item_id=item.id, created_by_id=coordinator.id,
                    created_at=_at(year, 5, 2))
    db.session.add(link)
    db.session.flush()
    db.session.add(FlagEvent(flag_id=closed.id, kind="agenda", link_id=link.id, actor_id=coordinator.id,
                             at=_at(year, 5, 2)))
    discussed = services.change_state(closed, FlagState.DISCUSSED.value, note=None, actor=coordinator,
                                      link=link)
    discussed.at = meeting.ends_at
    closing = services.change_state(closed, FlagState.CLOSED.value, note=CLOSING_NOTE, actor=coordinator)
    closing.at = _at(year, 9, 22)
    db.session.flush()
