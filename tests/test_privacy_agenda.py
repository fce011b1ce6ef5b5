"""Issue 14: a signal put on a meeting's agenda shows only to those who may see the territory's analysis.

Everybody else (anonymous visitors, parents, guests, people of another territory) sees the neutral
"bod k analýze území" without school names or figures: on the meeting page, in the "add to calendar" links,
in iCalendar feeds and downloads, and in e-mailed invitations.
"""

from __future__ import annotations

import re

import pytest

from portal.analysis_portal import services
from portal.extensions import db
from portal.mailer import deliver_due
from portal.meetings import invitations
from portal.models import AgendaItem, AnalysisFlag, Membership
from portal.models.base import utcnow
from tests.conftest import make_meeting
from tests.test_analysis_portal_fixtures import import_sample

NEUTRAL = "bod k analýze území"


@pytest.fixture
def scene(factories):
    territory = factories.territory("MAP ORP Vzorov", "vzorov")
    import_sample(territory, years=("2025/26",))
    coordinator = factories.user("coordinator", territory=territory)
    flag = db.session.scalars(
        db.select(AnalysisFlag).where(AnalysisFlag.school_name.is_not(None)).order_by(AnalysisFlag.id)
    ).first()
    meeting = make_meeting(territory=territory, title="Jednání PS v dubnu")
    db.session.add(AgendaItem(meeting_id=meeting.id, position=1, title="Zahájení"))
    db.session.commit()
    item = services.put_on_agenda(flag, meeting, actor=coordinator)
    db.session.commit()
    parent = factories.user("parent", territory=territory, name="Petra Rodičová")
    member = factories.user("member", territory=territory, name="Marek Člen")
    for person, category in ((parent, "parent"), (member, "teacher")):
        db.session.add(Membership(group_id=meeting.group_id, user_id=person.id, category=category,
                                  joined_on=utcnow().date().replace(year=2020)))
    db.session.commit()
    return {"territory": territory, "flag": flag, "meeting": meeting, "item": item, "parent": parent,
            "member": member, "coordinator": coordinator}


def _secrets(scene) -> list[str]:
    """What must not reach people who may not see the analysis: the school, the figures, the item's text."""
    flag, item = scene["flag"], scene["item"]
    found = [flag.school_name, item.title, "Signál k prověření"]
    found += re.findall(r"\d+(?:[.,]\d+)?\s?%", item.notes or "")
    assert item.notes and found[-1] != "Signál k prověření", "the sample flag should carry a share"
    return found


def _unfold(ics: str) -> str:
    """iCalendar text as a reader sees it: folded lines joined, escapes removed."""
    text = ics.replace("\r\n ", "").replace("\r\n\t", "")
    return text.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n").replace("\\\\", "\\")


def _assert_hidden(text: str, scene) -> None:
    assert NEUTRAL in text
    for secret in _secrets(scene):
        assert secret not in text, secret


def test_anonymous_visitors_see_a_neutral_item_on_the_meeting_page(client, scene):
    html = client.get(f"/meetings/{scene['meeting'].id}").get_data(as_text=True)
    _assert_hidden(html, scene)
    assert "Zahájení" in html  # ordinary items stay as they are


def test_parents_see_a_neutral_item_on_the_meeting_page(client, login_as, scene):
    login_as(scene["parent"])
    html = client.get(f"/meetings/{scene['meeting'].id}").get_data(as_text=True)
    _assert_hidden(html, scene)


def test_coordinators_and_members_of_the_territory_see_the_signal(client, login_as, scene):
    for person in (scene["coordinator"], scene["member"]):
        login_as(person)
        html = client.get(f"/meetings/{scene['meeting'].id}").get_data(as_text=True)
        assert scene["flag"].school_name in html and NEUTRAL not in html


def test_members_of_another_territory_see_a_neutral_item(client, login_as, factories, scene):
    login_as(factories.user("coordinator", territory=factories.territory("MAP ORP Jinde", "jinde")))
    html = client.get(f"/meetings/{scene['meeting'].id}").get_data(as_text=True)
    _assert_hidden(html, scene)


def test_the_public_group_feed_carries_no_analysis(client, scene):
    response = client.get(f"/calendar/groups/{scene['meeting'].group_id}.ics")
    assert response.status_code == 200
    _assert_hidden(_unfold(response.get_data(as_text=True)), scene)


def test_a_parents_feeds_and_download_carry_no_analysis(client, login_as, scene):
    parent = login_as(scene["parent"])
    group_feed = client.get(f"/calendar/groups/{scene['meeting'].group_id}.ics").get_data(as_text=True)
    _assert_hidden(_unfold(group_feed), scene)
    download = client.get(f"/meetings/{scene['meeting'].id}.ics").get_data(as_text=True)
    _assert_hidden(_unfold(download), scene)
    client.get("/account/calendar")  # creates the private feed's secret
    db.session.refresh(parent)
    private = client.get(f"/calendar/private/{parent.calendar_secret}.ics").get_data(as_text=True)
    _assert_hidden(_unfold(private), scene)


def test_the_coordinators_feed_carries_the_signal_and_is_not_shared_with_parents(client, login_as, scene):
    # The member's copy is rendered (and cached) first: the parent must not get it from the cache.
    login_as(scene["member"])
    url = f"/calendar/groups/{scene['meeting'].group_id}.ics"
    member_feed = _unfold(client.get(url).get_data(as_text=True))
    assert scene["flag"].school_name in member_feed and NEUTRAL not in member_feed
    login_as(scene["parent"])
    _assert_hidden(_unfold(client.get(f"/calendar/groups/{scene['meeting'].group_id}.ics")
                           .get_data(as_text=True)), scene)


def test_add_to_calendar_links_carry_no_analysis_for_visitors(client, scene):
    from urllib.parse import unquote_plus

    html = client.get(f"/meetings/{scene['meeting'].id}").get_data(as_text=True)
    links = [unquote_plus(href.replace("&amp;", "&")) for href in re.findall(r'href="(https://[^"]+)"', html)
             if "calendar.google.com" in href or "outlook.live.com" in href]
    assert len(links) == 2
    for link in links:
        _assert_hidden(link, scene)


def test_invitation_emails_show_the_signal_only_to_those_who_may_see_the_analysis(smtp, scene):
    invitations.send_invitations(scene["meeting"], actor=scene["coordinator"],
                                 guests=[{"name": "Host Hostový", "email": "host@jinde.example"}])
    db.session.commit()
    deliver_due()
    for address in (scene["parent"].email, "host@jinde.example"):
        (message,) = smtp.box.to(address)
        for part in message.walk():
            if part.get_content_maintype() == "multipart":
                continue
            _assert_hidden(_unfold(part.get_content() if isinstance(part.get_content(), str)
                                   else part.get_content().decode()), scene)
    (message,) = smtp.box.to(scene["member"].email)
    assert scene["flag"].school_name in message.get_body(("plain",)).get_content()
