"""Issues 15 and 16: contact details in member lists, and the order of anonymised rows.

15: e-mails are shown to the group's coordinators, and to others only where the person chose to share them
(off by default, on their profile page). 16: the public list's "zástupce rodičů" rows must not be ordered by
the parents' names.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db as _db
from portal.models import User
from tests.conftest import csrf_token, make_meeting
from tests.test_groups_services import join, make_group

TODAY = clock.today()


@pytest.fixture
def scene(factories):
    group = make_group(factories.territory(), name="PS pro rovné příležitosti", slug="rp")
    here = group.territory
    people = {
        "teacher": factories.user("member", territory=here, name="Tereza Učitelová",
                                  email="tereza.osobni@seznam.example"),
        "viewer": factories.user("member", territory=here, name="Vojtěch Člen"),
        "parent": factories.user("parent", territory=here, name="Petra Rodičová",
                                 email="petra.rodicova@seznam.example"),
        "former": factories.user("member", territory=here, name="Bývalý Člen", email="byvaly@seznam.example"),
        "chair": factories.user("member", territory=here, name="Karel Předseda"),
    }
    join(group, people["teacher"], "teacher")
    join(group, people["viewer"], "director")
    join(group, people["parent"], "parent")
    join(group, people["chair"], "expert", role="chair")
    join(group, people["former"], "founder", joined_on=TODAY - timedelta(days=400),
         left_on=TODAY - timedelta(days=10))
    meeting = make_meeting(group, agenda=2)
    return {"group": group, "meeting": meeting, **people}


def _group_pages(client, scene) -> str:
    g, m = scene["group"].id, scene["meeting"].id
    pages = [f"/groups/{g}", f"/groups/{g}/members", f"/groups/{g}/members?state=former",
             f"/groups/{g}/meetings", f"/groups/{g}/meetings?when=past", f"/meetings/{m}", "/groups/",
             f"/calendar/groups/{g}.ics"]
    text = ""
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text += response.get_data(as_text=True)
    return text


OTHERS = ("teacher", "parent", "former")


@pytest.mark.parametrize("who", ["viewer", "parent"])
def test_members_and_parents_find_nobodys_email_on_the_group_pages(client, login_as, scene, who):
    login_as(scene[who])
    text = _group_pages(client, scene)
    for other in OTHERS:
        if other != who:
            assert scene[other].email not in text, other
    assert "Tereza Učitelová" in text  # the names stay


def test_an_email_shows_once_its_owner_chose_to_share_it(client, login_as, scene):
    login_as(scene["teacher"])
    page = client.get("/account/")
    html = page.get_data(as_text=True)
    assert 'name="share_contact"' in html and "checked" not in html.split('name="share_contact"')[1][:40]
    response = client.post("/account/", data={"csrf_token": csrf_token(client, "/account/"),
                                              "name": "Tereza Učitelová", "organisation": "",
                                              "locale": "cs", "share_contact": "y"})
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(User, scene["teacher"].id).share_contact is True
    for who in ("viewer", "parent"):
        login_as(scene[who])
        directory = client.get(f"/groups/{scene['group'].id}/members").get_data(as_text=True)
        assert scene["teacher"].email in directory
        assert scene["former"].email not in _group_pages(client, scene)


def test_a_former_member_who_shares_shows_in_the_former_list(client, login_as, scene):
    scene["former"].share_contact = True
    _db.session.commit()
    login_as(scene["viewer"])
    html = client.get(f"/groups/{scene['group'].id}/members?state=former").get_data(as_text=True)
    assert scene["former"].email in html


@pytest.mark.parametrize("who", ["chair", "coordinator"])
def test_the_groups_coordinators_see_every_email(client, login_as, factories, scene, who):
    here = scene["group"].territory
    login_as(scene["chair"] if who == "chair" else factories.user("coordinator", territory=here))
    g = scene["group"].id
    current = client.get(f"/groups/{g}/members").get_data(as_text=True)
    former = client.get(f"/groups/{g}/members?state=former").get_data(as_text=True)
    assert scene["teacher"].email in current and scene["parent"].email in current
    assert scene["former"].email in former
    assert scene["teacher"].email in client.get(f"/groups/{g}/members.csv").get_data(as_text=True)


def test_anonymous_visitors_never_see_an_email_even_a_shared_one(client, scene):
    scene["teacher"].share_contact = True
    _db.session.commit()
    assert "@" not in re.sub(r"<footer.*</footer>", "", client.get(
        f"/groups/{scene['group'].id}/members").get_data(as_text=True), flags=re.S)


# ---- 16: the public list does not order parents by name ----------------------------------------------


def _public_rows(client, group) -> str:
    html = client.get(f"/groups/{group.id}/members").get_data(as_text=True)
    return re.search(r"<tbody>(.*)</tbody>", html, re.S).group(1)


def test_anonymised_parent_rows_do_not_follow_the_parents_names(client, factories):
    group = make_group(factories.territory(), name="PS RP", slug="rp2")
    parents = []
    for name, role in (("Adam Rodič", "chair"), ("Zuzana Rodičová", "member"), ("Marie Rodičová", "member")):
        parent = factories.user("parent", territory=group.territory, name=name)
        join(group, parent, "parent", role=role)
        parents.append(parent)
    for name in ("Bohumil Učitel", "Yvona Ředitelová"):
        join(group, factories.user("member", territory=group.territory, name=name), "teacher")
    before = _public_rows(client, group)
    assert before.count("zástupce rodičů") == 3
    # Named rows come first, the anonymised ones after them.
    assert before.index("Yvona Ředitelová") < before.index("zástupce rodičů")
    # Reversing the parents' names (so any order by name flips) changes nothing a visitor sees.
    names = [p.name for p in parents]
    for parent, name in zip(parents, reversed(names), strict=True):
        parent.name = name
    _db.session.commit()
    assert _public_rows(client, group) == before
    for name in ("Adam", "Zuzana", "Marie"):
        parents[0].name = f"{name} Rodič"
        _db.session.commit()
        assert _public_rows(client, group) == before
