"""One clock for routes and services: the portal's day is Prague's, whatever the server's zone.

Just after midnight in Prague the server (UTC) still has yesterday; a chair whose role starts today must
pass both the page's check and the service's. The real clock is moved with time-machine."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.groups import services as groups
from portal.models.groups import Membership
from tests.conftest import add_member, make_group, make_user
from tests.forms_helper import hidden_fields

PRAGUE = ZoneInfo("Europe/Prague")
DAY = date(2027, 3, 10)
# Given in UTC: a ZoneInfo destination would make time-machine set the process's zone to Prague too, and
# the server's clock (UTC here, as in production containers) is what the test must keep apart.
BEFORE_MIDNIGHT = datetime(2027, 3, 9, 23, 30, tzinfo=PRAGUE).astimezone(UTC)  # 22:30 UTC on the 9th
AFTER_MIDNIGHT = datetime(2027, 3, 10, 0, 30, tzinfo=PRAGUE).astimezone(UTC)  # 23:30 UTC, still the 9th


@pytest.mark.parametrize("moment, day", [(BEFORE_MIDNIGHT, date(2027, 3, 9)), (AFTER_MIDNIGHT, DAY)])
def test_today_is_pragues_date_not_the_servers(app, moment, day):
    with time_machine.travel(moment, tick=False):
        assert datetime.now(UTC).date() == date(2027, 3, 9)
        assert clock.today() == day
        assert clock.now().utcoffset().total_seconds() == 3600  # CET in March before the change


def _chair_from(day: date, client, login_as, factories):
    territory = factories.territory()
    chair = login_as("member", territory=territory)
    group = make_group(territory)
    add_member(group, chair, role="chair", category="expert", joined_on=day)
    newcomer = make_user("member", territory=territory, email="nova.clenka@test.example")
    return chair, group, newcomer


def _add(client, group, email: str):
    url = f"/groups/{group.id}/members/add"
    return client.post(url, data={**hidden_fields(client, url, "once"), "email": email, "name": "",
                                  "organisation": "", "category": "teacher", "role": "member",
                                  "joined_on": DAY.isoformat(), "locale": "cs"})


def test_at_half_past_midnight_a_chair_from_today_adds_a_member(client, login_as, factories):
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        chair, group, newcomer = _chair_from(DAY, client, login_as, factories)
        # The service decides on the same day as the page, without being told the date.
        assert groups.is_group_coordinator(chair, group)
        response = _add(client, group, newcomer.email)
        assert response.status_code == 302
        membership = db.session.scalar(
            select(Membership).where(Membership.group_id == group.id, Membership.user_id == newcomer.id))
        assert membership is not None and membership.joined_on == DAY


def test_at_half_past_eleven_the_chair_from_tomorrow_may_not_yet(client, login_as, factories):
    with time_machine.travel(BEFORE_MIDNIGHT, tick=False):
        chair, group, newcomer = _chair_from(DAY, client, login_as, factories)
        assert not groups.is_group_coordinator(chair, group)
        assert client.get(f"/groups/{group.id}/members/add").status_code == 403
        assert groups.membership_of(newcomer, group, DAY) is None


def test_the_add_member_form_offers_pragues_today(client, login_as, factories):
    with time_machine.travel(AFTER_MIDNIGHT, tick=False):
        _chair, group, _newcomer = _chair_from(date(2027, 3, 1), client, login_as, factories)
        html = client.get(f"/groups/{group.id}/members/add").get_data(as_text=True)
        assert f'value="{DAY.isoformat()}"' in html
