"""Issue 19: what a person may not know exists answers 404, like a missing object, on GET and POST alike;
403 stays where the person can see the object (e.g. a member of the group who is not its coordinator)."""

from __future__ import annotations

import pytest

from portal.extensions import db as _db
from portal.models import Meeting
from tests.conftest import add_member, csrf_token, make_group, make_meeting

MISSING = 999_999


@pytest.fixture
def hidden(factories):
    """A non-public group of one territory with a members-only meeting, and an outsider of another one."""
    here = factories.territory("MAP ORP Tady", "tady")
    group = make_group(here, public=False, name="PS uzavřená")
    meeting = make_meeting(group, public=False, agenda=1)
    target = add_member(group, factories.user("member", territory=here))
    outsider = factories.user("member", territory=factories.territory("MAP ORP Jinde", "jinde"))
    return {"group": group, "meeting": meeting, "target": target, "outsider": outsider}


GROUP_GETS = ["/groups/{g}/edit", "/groups/{g}/members/add", "/groups/{g}/members.csv",
              "/groups/{g}/members/{m}/edit", "/groups/{g}/members/{m}/end", "/groups/{g}/meetings/new",
              "/groups/{g}/meetings/series"]
MEETING_GETS = ["/meetings/{x}/invitations", "/meetings/{x}/invitations/send"]
POSTS = ["/meetings/{x}/reply", "/meetings/{x}/invitations/guests", "/meetings/{x}/invitations/send",
         "/groups/{g}/edit", "/groups/{g}/members/add", "/groups/{g}/meetings/new"]


def _urls(patterns, g, m, x):
    return [p.format(g=g, m=m, x=x) for p in patterns]


def test_an_outsider_gets_404_for_hidden_objects_as_for_missing_ones(client, login_as, hidden):
    login_as(hidden["outsider"])
    token = csrf_token(client, "/account/")
    g, m, x = hidden["group"].id, hidden["target"].id, hidden["meeting"].id
    for ids in ((g, m, x), (MISSING, MISSING, MISSING)):
        for url in _urls(GROUP_GETS + MEETING_GETS, *ids):
            assert client.get(url).status_code == 404, url
        for url in _urls(POSTS, *ids):
            # With a valid form or a half-valid one (no answer): the answer does not depend on it.
            assert client.post(url, data={"csrf_token": token, "answer": "attending"}).status_code == 404, url
            assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    # Nothing was recorded for the hidden meeting.
    _db.session.expire_all()
    assert _db.session.get(Meeting, x).invitations == []


def test_a_public_meeting_of_a_hidden_group_is_hidden_too(client, login_as, factories, hidden):
    meeting = make_meeting(hidden["group"], public=True, title="Jednání uzavřené skupiny")
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    login_as(hidden["outsider"])
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    token = csrf_token(client, "/account/")
    assert client.post(f"/meetings/{meeting.id}/reply", data={"csrf_token": token}).status_code == 404


def test_a_member_who_is_not_a_coordinator_still_gets_403(client, login_as, hidden):
    login_as(hidden["target"].user)
    g, m, x = hidden["group"].id, hidden["target"].id, hidden["meeting"].id
    for url in _urls(GROUP_GETS + MEETING_GETS, g, m, x):
        assert client.get(url).status_code == 403, url


def test_replying_to_a_visible_meeting_one_may_not_attend_stays_403(client, login_as, factories):
    here = factories.territory("MAP ORP Tady", "tady")
    meeting = make_meeting(make_group(here, public=True), public=True)
    login_as(factories.user("member", territory=here))
    token = csrf_token(client, f"/meetings/{meeting.id}")
    response = client.post(f"/meetings/{meeting.id}/reply", data={"csrf_token": token, "answer": "attending"})
    assert response.status_code == 403
