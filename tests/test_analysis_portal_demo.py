"""The demo analysis: three school years of the sample, one flag on a demo meeting's agenda; idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.demo import seed_demo
from portal.extensions import db
from portal.models import AgendaItem, AnalysisDataset, AnalysisFlag, FlagLink, SchoolRecord


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_imports_the_sample_and_puts_a_flag_on_a_demo_meeting_once(app):
    context = seed_demo("heslo-demo-123")
    db.session.commit()
    years = db.session.scalars(
        select(AnalysisDataset.school_year).order_by(AnalysisDataset.school_year)).all()
    assert years == ["2023/24", "2024/25", "2025/26"]
    link = db.session.scalar(select(FlagLink).where(FlagLink.agenda_item_id.is_not(None)))
    assert link is not None, "the meetings demo should provide a planned meeting"
    flag = db.session.get(AnalysisFlag, link.flag_id)
    item = db.session.get(AgendaItem, link.agenda_item_id)
    assert flag.state == "discussed" and flag.territory_id == context.territory.id
    assert item.title.startswith("Signál k prověření")
    assert item.meeting.group.territory_id == context.territory.id
    before = (count(AnalysisDataset), count(SchoolRecord), count(AnalysisFlag), count(FlagLink),
              count(AgendaItem))
    seed_demo("heslo-demo-123")
    db.session.commit()
    assert (count(AnalysisDataset), count(SchoolRecord), count(AnalysisFlag), count(FlagLink),
            count(AgendaItem)) == before
