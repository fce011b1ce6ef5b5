"""The number of SQL statements of the busiest pages does not grow with the number of groups (no N+1)."""

from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import event

from tests.conftest import add_member, make_group, make_meeting


@contextmanager
def counted(db):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def dashboard_statements(client, db) -> int:
    client.get("/")  # first use: anything cached per process is in place
    with counted(db) as statements:
        assert client.get("/").status_code == 200
    return len(statements)


def add_groups(territory, people, how_many):
    for _ in range(how_many):
        group = make_group(territory, created_at=datetime(2020, 1, 1, tzinfo=UTC))
        for person, category in people:
            add_member(group, person, category=category)
        make_meeting(group)


def test_coordinators_dashboard_does_not_query_per_group(client, login_as, factories, db):
    coordinator = login_as("coordinator")
    teacher = factories.user("member", territory=coordinator.territory)
    add_groups(coordinator.territory, [(teacher, "teacher")], 1)
    one = dashboard_statements(client, db)
    add_groups(coordinator.territory, [(teacher, "teacher")], 3)
    assert dashboard_statements(client, db) == one


def test_members_dashboard_does_not_query_per_group(client, login_as, factories, db):
    member = login_as("member")
    add_groups(member.territory, [(member, "teacher")], 1)
    one = dashboard_statements(client, db)
    add_groups(member.territory, [(member, "teacher")], 3)
    assert dashboard_statements(client, db) == one


def test_open_tasks_of_a_person_are_found_through_an_index(db):
    # The dashboard asks for the signed-in person's open tasks on every visit (WHERE owner_id = ...).
    from sqlalchemy import inspect

    indexes = inspect(db.engine).get_indexes("task")
    assert any(index["column_names"][:1] == ["owner_id"] for index in indexes), indexes
