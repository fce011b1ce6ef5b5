"""Typed links from flags to where the group acts on them: the database deletes a link with its target,
the small API (`portal.analysis_portal.links`), and the migration that moved the untyped links over."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.exc import IntegrityError

from config import TestingConfig
from portal import create_app
from portal.analysis_portal import links, services
from portal.extensions import db
from portal.meetings import services as meetings
from portal.models import AgendaItem, AnalysisFlag, FlagEvent, FlagLink, Meeting
from tests import test_analysis_portal_flags as analysis_tests
from tests.conftest import make_meeting
from tests.test_analysis_portal_fixtures import import_sample

# The analysis tests' fixtures (a territory and its coordinator).
coordinator = analysis_tests.coordinator
territory = analysis_tests.territory


def flags(n: int) -> list[AnalysisFlag]:
    return list(db.session.scalars(select(AnalysisFlag).order_by(AnalysisFlag.id).limit(n)))


def link_count() -> int:
    return db.session.scalar(select(func.count()).select_from(FlagLink))


def flag_on_agenda(territory, coordinator) -> tuple[AnalysisFlag, AgendaItem]:
    """A flag of the sample put on the agenda of a planned meeting (committed)."""
    import_sample(territory, years=("2025/26",))
    flag = flags(1)[0]
    item = services.put_on_agenda(flag, make_meeting(territory=territory), actor=coordinator)
    db.session.commit()
    return flag, item


# ---- the database deletes links with their targets ---------------------------------------------------


def test_deleting_an_agenda_item_deletes_its_link_and_a_new_item_shows_no_flag(territory, coordinator):
    flag, item = flag_on_agenda(territory, coordinator)
    assert link_count() == 1
    meetings.delete_agenda_item(item, actor=coordinator)
    db.session.commit()
    assert link_count() == 0
    # The next agenda item (SQLite reuses the id) in another meeting carries no flag.
    other = make_meeting(territory=territory)
    new = AgendaItem(meeting_id=other.id, position=1, title="Rozpočet")
    db.session.add(new)
    db.session.commit()
    assert links.flags_on_agenda(other, coordinator) == {}
    assert db.session.get(AnalysisFlag, flag.id).events[-1].link_id is None  # the history stays


def test_deleting_a_meeting_deletes_the_links_of_its_agenda(territory, coordinator):
    import_sample(territory, years=("2025/26",))
    meeting = make_meeting(territory=territory)
    for flag in flags(3):
        services.put_on_agenda(flag, meeting, actor=coordinator)
    db.session.commit()
    assert link_count() == 3
    # In SQL, not through the ORM: the database's ON DELETE CASCADE does it (meeting → items → links).
    db.session.execute(delete(Meeting).where(Meeting.id == meeting.id))
    db.session.commit()
    assert link_count() == 0 and db.session.scalar(select(func.count()).select_from(AgendaItem)) == 0


def test_deleting_a_flag_deletes_its_links_and_keeps_the_agenda_item(territory, coordinator):
    flag, item = flag_on_agenda(territory, coordinator)
    db.session.execute(delete(AnalysisFlag).where(AnalysisFlag.id == flag.id))
    db.session.commit()
    assert link_count() == 0 and db.session.get(AgendaItem, item.id) is not None


def test_a_link_needs_exactly_one_target(territory, coordinator):
    import_sample(territory, years=("2025/26",))
    db.session.add(FlagLink(flag_id=flags(1)[0].id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_link_to_a_missing_agenda_item_is_refused(territory):
    import_sample(territory, years=("2025/26",))
    db.session.add(FlagLink(flag_id=flags(1)[0].id, agenda_item_id=999_999))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# ---- the API -------------------------------------------------------------------------------------------


def test_link_and_list_what_a_target_is_linked_to(territory, coordinator, factories):
    import_sample(territory, years=("2025/26",))
    first, second = flags(2)
    meeting = make_meeting(territory=territory)
    item = AgendaItem(meeting_id=meeting.id, position=1, title="Analýza")
    other = AgendaItem(meeting_id=meeting.id, position=2, title="Různé")
    db.session.add_all([item, other])
    db.session.flush()
    link = links.link_flag(first, item, actor=coordinator)
    assert links.link_flag(first, item, actor=coordinator) is link  # linking twice keeps one link
    links.link_flag(second, item, actor=coordinator)
    db.session.commit()
    assert (link.target_kind, link.target, link.created_by_id) == ("agenda_item", item, coordinator.id)
    assert links.find_link(second, item) is not None and links.find_link(second, other) is None
    linked = links.flags_linked_to([item, other], coordinator)
    assert [f.id for f in linked[item.id]] == [first.id, second.id] and other.id not in linked
    assert links.flags_on_agenda(meeting, coordinator) == linked
    # People of another territory, and visitors, get nothing.
    stranger = factories.user("coordinator", territory=factories.territory("MAP ORP Jinde", "jinde"))
    assert links.flags_linked_to([item], stranger) == {} and links.flags_linked_to([item], None) == {}


def test_only_registered_kinds_can_be_targets(territory, coordinator):
    import_sample(territory, years=("2025/26",))
    with pytest.raises(TypeError):
        links.link_flag(flags(1)[0], coordinator, actor=coordinator)


# ---- the migration ---------------------------------------------------------------------------------------


def _scratch_database():
    """A database of its own for running migrations step by step: an SQLite file, or a fresh schema in the
    PostgreSQL test database (search_path points the migrations there). Yields its URL."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        schema = f"k1_mig_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        sep = "&" if "?" in url else "?"
        try:
            yield f"{url}{sep}options=-csearch_path%3D{schema}"
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    else:
        yield None


@pytest.fixture
def scratch_url(tmp_path):
    gen = _scratch_database()
    url = next(gen) or f"sqlite:///{tmp_path / 'migration.db'}"
    yield url
    gen.close()


def test_the_migration_moves_untyped_links_to_agenda_items(scratch_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=scratch_url)
    with app.app_context():
        try:
            upgrade(revision="0011_indexes")
            now = datetime.now(UTC)
            later = now + timedelta(days=5)
            rows = [
                ("INSERT INTO territory (id, name, slug, created_at) "
                 "VALUES (1, 'MAP ORP Vzorov', 'vzorov', :now)",
                 {}),
                ("INSERT INTO working_group (id, territory_id, name, slug, kind, created_at) "
                 "VALUES (1, 1, 'PS RP', 'ps-rp', 'equal_opportunities', :now)", {}),
                ("INSERT INTO meeting (id, uid, group_id, title, starts_at, ends_at, kind, status, "
                 "created_at, updated_at) "
                 "VALUES (1, 'u1', 1, 'Jednání', :later, :later, 'regular', 'planned', :now, :now)",
                 {}),
                ("INSERT INTO agenda_item (id, meeting_id, position, title) VALUES (7, 1, 1, 'Signál')", {}),
                ("INSERT INTO analysis_flag (id, territory_id, identity, rule, severity, state, "
                 "first_seen_year, last_seen_year, created_at, updated_at) "
                 "VALUES (1, 1, 'a|b', 'funding_gap', 'warning', 'discussed', '2025/26', '2025/26', "
                 ":now, :now)",
                 {}),
                # One link to an existing item, one whose item was deleted, one of an unknown kind.
                ("INSERT INTO analysis_flag_link (id, flag_id, target_type, target_id, created_at) VALUES "
                 "(1, 1, 'agenda_item', 7, :now), (2, 1, 'agenda_item', 99, :now), "
                 "(3, 1, 'nonsense', 7, :now)", {}),
                ("INSERT INTO analysis_flag_event (id, flag_id, kind, link_id, at) VALUES "
                 "(1, 1, 'agenda', 1, :now), (2, 1, 'agenda', 2, :now)", {}),
            ]
            with db.engine.begin() as conn:
                for sql, _params in rows:
                    conn.execute(text(sql), {"now": now, "later": later})
            upgrade(revision="0012_flag_links")
            with db.engine.connect() as conn:
                moved = conn.execute(text(
                    "SELECT id, flag_id, agenda_item_id FROM analysis_flag_link ORDER BY id")).all()
                events = conn.execute(text("SELECT id, link_id FROM analysis_flag_event ORDER BY id")).all()
            assert [tuple(r) for r in moved] == [(1, 1, 7)]
            assert [tuple(r) for r in events] == [(1, 1), (2, None)]
            # And the moved link now goes with its agenda item (the models are those of the head revision).
            upgrade()
            link = db.session.get(FlagLink, 1)
            assert link.agenda_item.title == "Signál"
            db.session.execute(delete(AgendaItem).where(AgendaItem.id == 7))
            db.session.commit()
            assert db.session.scalar(select(func.count()).select_from(FlagLink)) == 0
            assert db.session.get(FlagEvent, 1).link_id is None
        finally:
            db.session.remove()
            db.engine.dispose()


# ---- the workflow function the proposals area will call --------------------------------------------------


def test_a_response_links_the_flag_and_moves_it_to_addressed(territory, coordinator):
    import_sample(territory, years=("2025/26",))
    flag = flags(1)[0]
    meeting = make_meeting(territory=territory)
    # Proposals register their link kind when they arrive; an agenda item stands in as the target here.
    target = AgendaItem(meeting_id=meeting.id, position=1, title="Návrh aktivity")
    db.session.add(target)
    db.session.flush()
    with pytest.raises(TypeError):
        services.respond_with_proposal(flag, meeting, actor=coordinator)  # not a link target
    assert flag.state == "new" and link_count() == 0
    services.respond_with_proposal(flag, target, actor=coordinator)
    db.session.commit()
    assert flag.state == "addressed"
    assert [(e.from_state, e.to_state) for e in flag.events] == [
        ("new", "discussed"), ("discussed", "addressed")]
    assert {e.link_id for e in flag.events} == {links.find_link(flag, target).id}
    with pytest.raises(services.AnalysisError):
        services.respond_with_proposal(flag, target, actor=coordinator)
    services.change_state(flag, "closed", note="Vyřešeno.", actor=coordinator)
    with pytest.raises(services.AnalysisError):  # a closed flag is reopened first, with a note
        services.respond_with_proposal(flag, target, actor=coordinator)
    assert link_count() == 1
