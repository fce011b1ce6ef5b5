"""Group pages: who may see and do what, forms, confirmation, export, demo, a constant number of queries."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from portal import clock
from portal.extensions import db as _db
from portal.models import Membership, User
from tests.forms_helper import hidden_fields
from tests.test_groups_services import join, make_group

TODAY = clock.today()


@pytest.fixture
def group(factories):
    return make_group(factories.territory(), name="PS pro rovné příležitosti", slug="rp",
                      description="Skupina pro rovné příležitosti.")


def test_anonymous_sees_public_page_and_directory_without_emails_or_parent_names(client, group, factories):
    teacher = factories.user("member", territory=group.territory, name="Tereza Učitelová")
    parent = factories.user("parent", territory=group.territory, name="Petr Rodičovský")
    join(group, teacher, "teacher", organisation="ZŠ Testov")
    join(group, parent, "parent", organisation="SRPŠ Testov")
    page = client.get(f"/groups/{group.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Skupina pro rovné příležitosti." in html and "style=" not in html and "<script" not in html
    directory = client.get(f"/groups/{group.id}/members").get_data(as_text=True)
    assert "Tereza Učitelová" in directory and "ZŠ Testov" in directory
    assert "Petr Rodičovský" not in directory and "SRPŠ Testov" not in directory
    assert "zástupce rodičů" in directory
    assert "@test.example" not in directory


def test_members_of_the_group_see_the_full_directory(client, login_as, group, factories):
    member = factories.user("member", territory=group.territory)
    parent = factories.user("parent", territory=group.territory, name="Petr Rodičovský")
    join(group, member)
    join(group, parent, "parent")
    login_as(member)
    html = client.get(f"/groups/{group.id}/members").get_data(as_text=True)
    # Names, but e-mails only of those who chose to share them (issue 15, tests/test_privacy_directory.py).
    assert "Petr Rodičovský" in html and parent.email not in html
    assert "/end" not in html  # but no management actions


def test_non_public_group_is_hidden_from_outsiders(client, login_as, factories):
    group = make_group(factories.territory(), public=False, name="Uzavřená", slug="uzavrena")
    assert client.get(f"/groups/{group.id}").status_code == 404
    assert "Uzavřená" not in client.get("/groups/").get_data(as_text=True)
    outsider = login_as("member", territory=group.territory)
    assert client.get(f"/groups/{group.id}/members").status_code == 404
    join(group, outsider)
    assert client.get(f"/groups/{group.id}").status_code == 200
    assert "Uzavřená" in client.get("/groups/").get_data(as_text=True)


MANAGE = ["/groups/{g}/edit", "/groups/{g}/members/add", "/groups/{g}/members.csv",
          "/groups/{g}/members/{m}/edit", "/groups/{g}/members/{m}/end"]


@pytest.mark.parametrize("who, allowed", [
    ("admin", True), ("coordinator_here", True), ("coordinator_elsewhere", False), ("chair", True),
    ("group_coordinator", True), ("plain_member", False), ("member_elsewhere", False), ("parent", False),
    ("guest", False),
])
def test_managing_a_group_needs_a_coordinator_of_this_group(client, login_as, group, factories, who, allowed):
    target = join(group, factories.user("member", territory=group.territory))
    here, elsewhere = group.territory, factories.territory("Jinde")
    users = {
        "admin": lambda: factories.user("admin"),
        "coordinator_here": lambda: factories.user("coordinator", territory=here),
        "coordinator_elsewhere": lambda: factories.user("coordinator", territory=elsewhere),
        "chair": lambda: join(group, factories.user("member", territory=here), role="chair").user,
        "group_coordinator": lambda: join(group, factories.user("member", territory=here),
                                          role="coordinator").user,
        "plain_member": lambda: join(group, factories.user("member", territory=here)).user,
        "member_elsewhere": lambda: factories.user("member", territory=elsewhere),
        "parent": lambda: join(group, factories.user("parent", territory=here), "parent",
                               role="coordinator").user,
        "guest": lambda: factories.user("guest", territory=here),
    }
    login_as(users[who]())
    for pattern in MANAGE:
        response = client.get(pattern.format(g=group.id, m=target.id))
        assert (response.status_code == 200) is allowed, (who, pattern, response.status_code)
        if not allowed:
            assert response.status_code == 403
    if who != "admin":  # creating groups is for portal coordinators and administrators only
        assert client.get("/groups/new").status_code == (200 if who == "coordinator_here" or
                                                         who == "coordinator_elsewhere" else 403)


def test_create_group_keeps_input_and_explains_errors(client, login_as, factories):
    login_as("coordinator")
    hidden = hidden_fields(client, "/groups/new", "once")
    response = client.post("/groups/new", data={
        **hidden, "name": "", "purpose": "Účel, který se nesmí ztratit", "kind": "financing",
        "parent_id": "0", "meeting_target": "4", "min_per_category": "1", "max_share_multiple": "9",
        "required_support_parents": "1",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Účel, který se nesmí ztratit" in html and "Opravte prosím označená pole" in html
    response = client.post("/groups/new", data={
        **hidden, "name": "PS pro financování", "kind": "financing", "parent_id": "0",
        "meeting_target": "4", "min_per_category": "1", "max_share_multiple": "2",
        "required_support_parents": "1", "public": "y",
    })
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200


def test_ending_a_membership_asks_first(client, login_as, group, factories):
    login_as("coordinator", territory=group.territory)
    member = join(group, factories.user("member", territory=group.territory, name="Odcházející"))
    url = f"/groups/{group.id}/members/{member.id}/end"
    page = client.get(url)
    assert "Odcházející" in page.get_data(as_text=True)
    assert _db.session.get(Membership, member.id).left_on is None
    response = client.post(url, data={**hidden_fields(client, url, "version"), "left_on": "nesmysl"})
    assert response.status_code == 200 and "nesmysl" in response.get_data(as_text=True)
    response = client.post(url, data={**hidden_fields(client, url, "version"), "left_on": TODAY.isoformat()})
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Membership, member.id).left_on == TODAY


def test_add_member_form_keeps_values_on_error(client, login_as, group):
    login_as("coordinator", territory=group.territory)
    url = f"/groups/{group.id}/members/add"
    response = client.post(url, data={**hidden_fields(client, url, "once"), "email": "nekdo@test.example",
                                      "organisation": "Moje organizace", "category": "", "role": "member",
                                      "joined_on": TODAY.isoformat(), "locale": "cs"})
    html = response.get_data(as_text=True)
    assert "Moje organizace" in html and "nekdo@test.example" in html and "kategorii" in html


def test_export_neutralises_formulas(client, login_as, group, factories):
    login_as("coordinator", territory=group.territory)
    join(group, factories.user("member", territory=group.territory, name="=HYPERLINK(\"http://x\")"),
         organisation="+420 Škola")
    csv_text = client.get(f"/groups/{group.id}/members.csv").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'+420 Škola" in csv_text
    from openpyxl import load_workbook

    response = client.get(f"/groups/{group.id}/members.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\")" in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert client.get(f"/groups/{group.id}/members.pdf").status_code == 404


def test_demo_group_page_and_warning_when_a_category_empties(app, client, login_as):
    from portal.demo import seed_demo

    seed_demo("demo-heslo-123")
    seed_demo("demo-heslo-123")  # idempotent
    _db.session.commit()
    from portal.models import WorkingGroup

    groups = _db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.name)).all()
    assert [g.kind for g in groups] == ["financing", "equal_opportunities"]
    group = groups[1]
    assert len(_db.session.scalars(select(Membership).where(Membership.group_id == group.id)).all()) == 17
    html = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "splňuje všechna pravidla" in html and "banner-warning" not in html
    assert "&lt; 3" in html  # one parent declared support needs
    koordinator = _db.session.scalar(select(User).where(User.email == "koordinator@demo.example"))
    login_as(koordinator)
    counselling = _db.session.scalar(select(Membership).where(
        Membership.group_id == group.id, Membership.category == "counselling", Membership.left_on.is_(None)))
    url = f"/groups/{group.id}/members/{counselling.id}/end"
    client.post(url, data={**hidden_fields(client, url, "version"), "left_on": TODAY.isoformat()})
    html = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "banner-warning" in html
    assert "Přidejte 1 člena v kategorii „pracovník poradenského zařízení“" in html


def _bulk_group(factories, size: int):
    """A group with `size` current members and five years of history (as many former members again)."""
    territory = factories.territory(f"Území {size}")
    group = make_group(territory, name=f"Velká {size}", slug=f"velka-{size}")
    categories = ["founder", "director", "teacher", "youth_worker", "counselling", "expert", "parent"]
    users = [User(email=f"u{size}-{i}@test.example", name=f"Člen {i}", role="member",
                  territory_id=territory.id) for i in range(size * 2)]
    _db.session.add_all(users)
    _db.session.flush()
    start = TODAY - timedelta(days=5 * 365)
    for i, user in enumerate(users):
        joined = start + timedelta(days=(i * 7) % 1500)
        left = None if i < size else joined + timedelta(days=200)
        _db.session.add(Membership(group_id=group.id, user_id=user.id, category=categories[i % 7],
                                   joined_on=joined, left_on=left))
    _db.session.commit()
    return group


def _count_queries(client, url):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_group_page_queries_do_not_grow_with_members(client, login_as, factories):
    small, large = _bulk_group(factories, 10), _bulk_group(factories, 300)
    login_as("admin")
    small_count, _ = _count_queries(client, f"/groups/{small.id}")
    large_count, html = _count_queries(client, f"/groups/{large.id}")
    assert small_count == large_count, (small_count, large_count)
    assert small_count <= 12
    assert re.search(r"<td class=\"num\">300</td>", html)
    dir_small, _ = _count_queries(client, f"/groups/{small.id}/members")
    dir_large, _ = _count_queries(client, f"/groups/{large.id}/members")
    assert dir_small == dir_large


def test_group_page_links_its_calendar_feed_in_the_head(client, group):
    html = client.get(f"/groups/{group.id}").get_data(as_text=True)
    head = html.split("</head>", 1)[0]
    assert '<link rel="alternate" type="text/calendar"' in head
    assert f'href="/calendar/groups/{group.id}.ics"' in head
