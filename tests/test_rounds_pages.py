"""Comment round pages through the test client: creating a round, reading with counts and commenting inline
(without JavaScript), replies, the settlement conflict, access for every role, and the query count of a
400-paragraph text with 2,000 comments."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.rounds import Comment, CommentRound
from tests.forms_helper import hidden_fields
from tests.rounds_factories import (
    close,
    comment,
    make_round,
    make_version,
    paragraphs_of,
    round_people,
)
from tests.test_page_queries import counted


@pytest.fixture
def people(factories):
    return round_people(factories)


def test_coordinator_creates_a_round_once(client, login_as, people):
    login_as(people["chair"])
    url = f"/versions/{people['version'].id}/rounds/new"
    fields = hidden_fields(client, url, needs="once")
    data = {
        **fields,
        "title": "Připomínky k v1",
        "opens_local": "2030-03-02T09:00",
        "closes_local": "2030-03-20T16:00",
        "group_ids": str(people["group"].id),
        "comments_visible": "y",
        "instructions": "Pište k odstavcům.",
    }
    first = client.post(url, data=data)
    assert first.status_code == 302
    again = client.post(url, data=data)  # the same form sent twice creates one round
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(select(func.count(CommentRound.id))) == 1
    page = client.get(first.headers["Location"])
    assert page.status_code == 200 and "Připomínky k v1" in page.get_data(as_text=True)


def test_round_form_refuses_a_close_before_the_opening(client, login_as, people):
    login_as(people["chair"])
    url = f"/versions/{people['version'].id}/rounds/new"
    fields = hidden_fields(client, url, needs="once")
    response = client.post(
        url,
        data={
            **fields,
            "title": "X",
            "opens_local": "2030-03-20T09:00",
            "closes_local": "2030-03-02T16:00",
            "group_ids": str(people["group"].id),
        },
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(CommentRound.id))) == 0


def test_participant_comments_inline_without_javascript(client, login_as, people):
    round_ = make_round(people["version"], [people["group"]])
    paragraph = paragraphs_of(people["version"])[1]
    login_as(people["member"])
    text_url = f"/rounds/{round_.id}/text"
    page = client.get(text_url).get_data(as_text=True)
    assert f'href="/rounds/{round_.id}/text?paragraph={paragraph.anchor}#{paragraph.anchor}"' in page
    opened = client.get(f"{text_url}?paragraph={paragraph.anchor}").get_data(as_text=True)
    form_at = opened.index('id="comment-form"')
    assert (
        opened.index(f'id="{paragraph.anchor}"')
        < form_at
        < opened.index(f'id="{paragraphs_of(people["version"])[2].anchor}"')
    )  # the form sits under the chosen paragraph
    fields = hidden_fields(client, f"{text_url}?paragraph={paragraph.anchor}", needs="once")
    response = client.post(
        f"/rounds/{round_.id}/comments/new",
        data={
            **fields,
            "kind": "fundamental",
            "text": "Doplnit pedagogicko-psychologickou poradnu.",
            "quote": "rovném přístupu",
            "organisation": "ZŠ Vzorov",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/rounds/{round_.id}/text#{paragraph.anchor}")
    made = db.session.scalar(select(Comment))
    assert (made.author_id, made.paragraph_id, made.passage.quote) == (
        people["member"].id,
        paragraph.id,
        "rovném přístupu",
    )
    after = client.get(text_url).get_data(as_text=True)
    assert f"/rounds/{round_.id}?paragraph={paragraph.anchor}" in after  # the paragraph shows its count


def test_comment_outside_the_window_is_refused_with_a_message(client, login_as, people):
    round_ = make_round(people["version"], [people["group"]])
    paragraph = paragraphs_of(people["version"])[0]
    login_as(people["member"])
    fields = hidden_fields(
        client, f"/rounds/{round_.id}/comments/new?paragraph={paragraph.anchor}", needs="once"
    )
    close(round_)
    response = client.post(
        f"/rounds/{round_.id}/comments/new", data={**fields, "kind": "recommendation", "text": "Pozdě."}
    )
    assert response.status_code == 422
    assert "uzavřeno" in response.get_data(as_text=True) or "closed" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_reply_and_withdraw_through_the_pages(client, login_as, people):
    round_ = make_round(people["version"], [people["group"]])
    made = comment(round_, paragraphs_of(people["version"])[0], people["member"])
    login_as(people["chair"])
    fields = hidden_fields(client, f"/rounds/{round_.id}", needs="once", action=f"/comments/{made.id}/reply")
    assert (
        client.post(f"/comments/{made.id}/reply", data={**fields, "text": "Zapracujeme."}).status_code == 302
    )
    assert db.session.scalar(select(func.count(Comment.id)).where(Comment.parent_id == made.id)) == 1
    assert client.get(f"/comments/{made.id}/withdraw").status_code == 403  # not the author
    login_as(people["member"])
    fields = hidden_fields(client, f"/comments/{made.id}/withdraw")
    assert client.post(f"/comments/{made.id}/withdraw", data=fields).status_code == 302
    db.session.refresh(made)
    assert made.withdrawn_at is not None


def test_two_coordinators_settling_at_once(client, app, login_as, factories, people):
    round_ = make_round(people["version"], [people["group"]])
    made = comment(round_, paragraphs_of(people["version"])[0], people["member"])
    close(round_)
    coordinator = factories.user("coordinator", territory=people["territory"])
    url = f"/comments/{made.id}/settle"
    login_as(people["chair"])
    first_form = hidden_fields(client, url, needs="version")
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = coordinator.get_id()
    second_form = hidden_fields(other, url, needs="version")
    assert first_form["version"] == second_form["version"] == "0"
    won = client.post(url, data={**first_form, "outcome": "explained", "reason": "Vysvětleno na jednání PS."})
    assert won.status_code == 302
    lost = other.post(url, data={**second_form, "outcome": "not_accepted", "reason": "Můj pečlivý text."})
    assert lost.status_code == 409
    page = lost.get_data(as_text=True)
    assert "Můj pečlivý text." in page  # nothing the loser typed is lost
    assert "Vysvětleno na jednání PS." in page  # and the winner's text is shown
    db.session.expire_all()
    assert made.settlement.reason == "Vysvětleno na jednání PS."


@pytest.mark.parametrize(
    "role, sees, manages",
    [
        (None, "sign-in", False),
        ("guest", 404, False),
        ("parent", 404, False),
        ("outsider", 404, False),
        ("member", 200, False),
        ("chair", 200, True),
        ("coordinator", 200, True),
        ("other_coordinator", 404, False),
        ("admin", 200, True),
    ],
)
def test_access_for_every_role(client, login_as, factories, people, role, sees, manages):
    round_ = make_round(people["version"], [people["group"]])
    made = comment(round_, paragraphs_of(people["version"])[0], people["member"])
    users = {
        "guest": lambda: factories.user("guest", territory=people["territory"]),
        "parent": lambda: factories.user("parent", territory=people["territory"]),
        "outsider": lambda: factories.user("member", territory=people["territory"]),
        "member": lambda: people["member"],
        "chair": lambda: people["chair"],
        "coordinator": lambda: factories.user("coordinator", territory=people["territory"]),
        "other_coordinator": lambda: factories.user(
            "coordinator", territory=factories.territory("MAP Jinde")
        ),
        "admin": lambda: factories.user("admin", territory=people["territory"]),
    }
    if role:
        login_as(users[role]())
    pages = [f"/rounds/{round_.id}", f"/rounds/{round_.id}/text", f"/rounds/{round_.id}/settlement.csv"]
    for url in pages:
        response = client.get(url)
        if sees == "sign-in":
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
        elif url.endswith(".csv") and sees == 200 and not manages:
            assert response.status_code == 403, url  # participants get the table after the close
        else:
            assert response.status_code == sees, (url, response.status_code)
    managing = [
        f"/rounds/{round_.id}/edit",
        f"/comments/{made.id}/settle",
        f"/rounds/{round_.id}/outcomes-mail",
    ]
    for url in managing:
        response = client.get(url)
        if role is None:
            assert response.status_code == 302
        elif role in ("guest", "parent"):
            assert response.status_code == 403  # the rule itself: members and up
        elif manages:
            assert response.status_code == 200, (url, response.status_code)
        else:
            assert response.status_code in (403, 404), (url, response.status_code)
            assert response.status_code == (403 if sees == 200 else 404), url


def test_parent_takes_part_in_a_public_round(client, login_as, factories, people):
    round_ = make_round(people["version"], [people["group"]], public=True)
    login_as(factories.user("parent", territory=people["territory"]))
    assert client.get(f"/rounds/{round_.id}/text").status_code == 200
    assert 'class="comment-link"' in client.get(f"/rounds/{round_.id}/text").get_data(as_text=True)


def _fill(version, round_, authors, comments: int):
    paragraphs = paragraphs_of(version)
    now = datetime.now(UTC)
    db.session.add_all(
        [
            Comment(
                round_id=round_.id,
                paragraph_id=paragraphs[i % len(paragraphs)].id,
                kind="fundamental" if i % 3 else "recommendation",
                text=f"Připomínka {i}",
                author_id=authors[i % len(authors)].id,
                created_at=now,
            )
            for i in range(comments)
        ]
    )
    db.session.commit()


def _statements(client, url) -> int:
    client.get(url)
    with counted(db) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_reading_page_makes_a_constant_number_of_queries(client, login_as, factories, people):
    """The text of 400 paragraphs with 2,000 comments: as many statements as 20 paragraphs with 10."""
    small = make_version(people["group"], paragraphs=20, per_section=5)
    small_round = make_round(small, [people["group"]])
    _fill(small, small_round, [people["member"], people["chair"]], 10)
    big = make_version(people["group"], paragraphs=400, per_section=20)
    big_round = make_round(big, [people["group"]])
    _fill(big, big_round, [people["member"], people["chair"]], 2000)
    login_as(people["member"])
    assert _statements(client, f"/rounds/{small_round.id}/text") == _statements(
        client, f"/rounds/{big_round.id}/text"
    )
    page = client.get(f"/rounds/{big_round.id}/text").get_data(as_text=True)
    assert len(re.findall(r'class="paragraph kind-', page)) == 400
    assert _statements(client, f"/rounds/{small_round.id}") == _statements(client, f"/rounds/{big_round.id}")


def test_group_page_dashboard_and_document_page_show_rounds(app, client, login_as, people):
    open_round = make_round(
        people["version"], [people["group"]], closes=timedelta(days=3, hours=1), title="Otevřené kolo"
    )
    settled = make_round(people["version"], [people["group"]], title="Kolo k vypořádání")
    comment(settled, paragraphs_of(people["version"])[0], people["member"])
    close(settled)
    login_as(people["member"])
    dashboard = client.get("/").get_data(as_text=True)
    assert "Otevřené kolo" in dashboard and "3 dny" in dashboard  # days left for a participant
    assert "Kolo k vypořádání" not in dashboard  # a member does not settle
    group_page = client.get(f"/groups/{people['group'].id}").get_data(as_text=True)
    assert "Otevřené kolo" in group_page and "Kolo k vypořádání" in group_page
    anonymous = app.test_client()
    assert "Otevřené kolo" not in anonymous.get(f"/groups/{people['group'].id}").get_data(as_text=True)
    login_as(people["chair"])
    dashboard = client.get("/").get_data(as_text=True)
    assert "Kolo k vypořádání" in dashboard and "0 z 1 vypořádáno, nevyřešené rozpory: 0" in dashboard
    document_page = client.get(f"/documents/{people['version'].document_id}").get_data(as_text=True)
    assert (
        f"/versions/{people['version'].id}/rounds/new" in document_page and "Otevřené kolo" in document_page
    )
    assert open_round.id


def test_parent_reads_the_version_of_a_public_round(client, login_as, factories, people):
    parent = login_as(factories.user("parent", territory=people["territory"]))
    url = f"/documents/versions/{people['version'].id}"
    assert client.get(url).status_code == 404
    make_round(people["version"], [people["group"]], public=True)
    assert client.get(url).status_code == 200
    assert parent.role == "parent"


def test_comparison_lists_the_settled_comments_a_change_took_in(client, login_as, app):
    from portal.models.rounds import CommentRound as Round

    app.test_cli_runner().invoke(args=["demo", "--password", "demo-heslo-123"])
    settled = next(r for r in db.session.scalars(select(Round).order_by(Round.opens_at))
                   if r.document_version.document.kind == "strategic_framework")
    v1 = settled.document_version
    v2 = v1.document.versions[1]
    from portal.models import User

    login_as(db.session.scalar(select(User).where(User.email == "koordinator@demo.example")))
    page = client.get(f"/documents/versions/{v2.id}/compare").get_data(as_text=True)
    assert "Cíl nemá termín" in page and "akceptováno" in page  # accepted, taken in
    assert "Požadujeme, aby MAP financoval" not in page  # not accepted: not taken in


def test_round_page_filters_by_paragraph(client, login_as, people):
    round_ = make_round(people["version"], [people["group"]])
    first, second = paragraphs_of(people["version"])[:2]
    comment(round_, first, people["member"], text="K prvnímu odstavci.")
    comment(round_, second, people["member"], text="Ke druhému odstavci.")
    login_as(people["member"])
    page = client.get(f"/rounds/{round_.id}?paragraph={second.anchor}").get_data(as_text=True)
    assert "Ke druhému odstavci." in page and "K prvnímu odstavci." not in page


def test_round_on_a_meeting_agenda(client, login_as, people):
    from tests.conftest import make_meeting

    round_ = make_round(people["version"], [people["group"]], title="Kolo k projednání")
    meeting = make_meeting(people["group"])
    login_as(people["chair"])
    url = f"/rounds/{round_.id}/agenda"
    fields = hidden_fields(client, url)
    response = client.post(url, data={**fields, "meeting_id": str(meeting.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/meetings/{meeting.id}")
    again = client.post(url, data={**fields, "meeting_id": str(meeting.id)})
    assert again.status_code == 200  # refused: already on that agenda
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/rounds/{round_.id}"' in page and "Kolo k projednání" in page
    login_as(people["member"])
    assert client.get(url).status_code == 403


def test_round_edit_from_an_outdated_page_is_refused(client, login_as, people):
    round_ = make_round(
        people["version"], [people["group"]], opens=timedelta(days=1), closes=timedelta(days=9)
    )
    login_as(people["chair"])
    url = f"/rounds/{round_.id}/edit"
    fields = hidden_fields(client, url, needs="version")
    base = {
        "opens_local": "2031-03-02T09:00",
        "closes_local": "2031-03-20T16:00",
        "group_ids": str(people["group"].id),
    }
    assert client.post(url, data={**fields, **base, "title": "První úprava"}).status_code == 302
    stale = client.post(url, data={**fields, **base, "title": "Druhá úprava"})
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert "Druhá úprava" in page and "První úprava" in page
    db.session.expire_all()
    assert round_.title == "První úprava"


def test_territory_outcomes_page(client, login_as, people, factories):
    login_as(factories.user("coordinator", territory=people["territory"]))
    fields = hidden_fields(client, "/rounds/outcomes", needs="once")
    assert client.post("/rounds/outcomes", data={**fields, "label": "Zapracováno jinak"}).status_code == 302
    page = client.get("/rounds/outcomes").get_data(as_text=True)
    assert "Zapracováno jinak" in page and "bere se na vědomí" in page
    toggle = hidden_fields(client, "/rounds/outcomes", action="/rounds/outcomes/noted/toggle")
    assert client.post("/rounds/outcomes/noted/toggle", data={**toggle, "active": "0"}).status_code == 302
    from portal.rounds import services

    assert "noted" not in [c.code for c in services.outcomes_for(people["territory"].id)]
