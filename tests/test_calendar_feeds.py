"""Group and private iCalendar feeds: content that round-trips, visibility, secrets, ETag/304, caching."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import event

from portal.calendar import feeds
from portal.calendar.feeds import feed_cache
from portal.extensions import db as _db
from tests.conftest import FULL_ADDRESS, add_member, csrf_token, make_group, make_meeting

PRAGUE = ZoneInfo("Europe/Prague")


@pytest.fixture(autouse=True)
def empty_cache():
    feed_cache.clear()
    yield
    feed_cache.clear()


def parse(response) -> Calendar:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def by_uid(calendar: Calendar) -> dict:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def setting(db, factories):
    territory = factories.territory()
    group = make_group(territory, name="PS pro rovné příležitosti")
    summer = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)  # 17:00 in Prague (CEST)
    winter = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)  # 16:30 in Prague (CET)
    public = make_meeting(group, starts_at=summer, title="Jednání o přechodech MŠ/ZŠ", sequence=2,
                          online_url="https://meet.example/ps", agenda=3, place=FULL_ADDRESS)
    private = make_meeting(group, starts_at=winter, title="Interní jednání", public=False, agenda=3,
                           place=FULL_ADDRESS)
    cancelled = make_meeting(group, starts_at=summer + timedelta(days=30), title="Zrušené jednání",
                             status="cancelled", sequence=3, cancel_reason="Nemoc", agenda=3,
                             place=FULL_ADDRESS)
    return group, public, private, cancelled


def test_group_feed_round_trips_with_uid_sequence_prague_times_and_the_cancelled_meeting(client, setting):
    group, public, private, cancelled = setting
    calendar = parse(client.get(f"/calendar/groups/{group.id}.ics"))
    assert calendar["VERSION"] == "2.0"
    assert calendar["METHOD"] == "PUBLISH"
    assert "PRODID" in calendar
    assert calendar["X-WR-CALNAME"] == "PS pro rovné příležitosti"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Prague"]

    events = by_uid(calendar)
    assert set(events) == {public.uid, cancelled.uid}  # anonymous: public meetings only
    vevent = events[public.uid]
    assert int(vevent["SEQUENCE"]) == 2
    assert vevent["DTSTART"].params["TZID"] == "Europe/Prague"
    start = vevent.decoded("DTSTART")
    assert start == public.starts_at and start.utcoffset() == timedelta(hours=2)
    assert (start.hour, start.minute) == (17, 0)
    assert vevent.decoded("DTEND") == public.ends_at
    assert str(vevent["SUMMARY"]) == "Jednání o přechodech MŠ/ZŠ"
    assert str(vevent["LOCATION"]) == "ZŠ Vzorov, Školní 1, https://meet.example/ps"
    description = str(vevent["DESCRIPTION"])
    assert "1. Bod programu 1 (Jana Nováková, 20 min)" in description
    assert "2. Bod programu 2\n" in description
    assert f"http://portal.test/meetings/{public.id}" in description
    assert str(vevent["URL"]).startswith("http://portal.test/meetings/")
    assert str(vevent["ORGANIZER"]).startswith("mailto:")
    assert vevent["ORGANIZER"].params["CN"] == group.name
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert "DTSTAMP" in vevent and "LAST-MODIFIED" in vevent

    gone = events[cancelled.uid]
    assert str(gone["STATUS"]) == "CANCELLED"
    assert int(gone["SEQUENCE"]) == 3


def test_winter_times_use_the_winter_offset(client, login_as, setting):
    group, _public, private, _cancelled = setting
    member = login_as("member")
    add_member(group, member)
    vevent = by_uid(parse(client.get(f"/calendar/groups/{group.id}.ics")))[private.uid]
    start = vevent.decoded("DTSTART")
    assert start.utcoffset() == timedelta(hours=1) and (start.hour, start.minute) == (16, 30)


def test_members_see_every_meeting_of_their_group(client, login_as, setting):
    group, public, private, cancelled = setting
    member = login_as("member")
    add_member(group, member)
    events = by_uid(parse(client.get(f"/calendar/groups/{group.id}.ics")))
    assert set(events) == {public.uid, private.uid, cancelled.uid}
    assert str(events[private.uid]["CLASS"]) == "PRIVATE"


def test_outsiders_and_former_members_see_public_meetings_only(client, login_as, setting):
    group, public, private, cancelled = setting
    former = login_as("member")
    add_member(group, former, joined_on=date(2020, 1, 1), left_on=date(2021, 1, 1))
    assert private.uid not in by_uid(parse(client.get(f"/calendar/groups/{group.id}.ics")))


def test_a_non_public_group_feed_is_404_for_outsiders(client, login_as, factories):
    group = make_group(factories.territory(), public=False)
    make_meeting(group, agenda=3, place=FULL_ADDRESS)
    assert client.get(f"/calendar/groups/{group.id}.ics").status_code == 404
    login_as("member")
    assert client.get(f"/calendar/groups/{group.id}.ics").status_code == 404
    assert client.get("/calendar/groups/999999.ics").status_code == 404


def test_a_joint_meeting_appears_in_every_participating_group(client, factories):
    territory = factories.territory()
    ours, financing = make_group(territory), make_group(territory, name="PS pro financování")
    joint = make_meeting(ours, joint_with=(financing,), kind="joint", agenda=3, place=FULL_ADDRESS)
    assert joint.uid in by_uid(parse(client.get(f"/calendar/groups/{financing.id}.ics")))


def test_etag_and_if_none_match_answer_304_until_a_meeting_changes(client, setting):
    group, public, _private, _cancelled = setting
    url = f"/calendar/groups/{group.id}.ics"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag

    public.title = "Nový název"
    public.updated_at = datetime.now(UTC) + timedelta(seconds=5)
    _db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Nový název" in changed.get_data(as_text=True)


def test_if_modified_since_answers_304(client, setting):
    group, *_ = setting
    url = f"/calendar/groups/{group.id}.ics"
    last_modified = client.get(url).headers["Last-Modified"]
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200


def test_the_anonymous_and_the_member_feed_have_different_etags(client, login_as, setting):
    group, *_ = setting
    url = f"/calendar/groups/{group.id}.ics"
    anonymous = client.get(url).headers["ETag"]
    member = login_as("member")
    add_member(group, member)
    response = client.get(url, headers={"If-None-Match": anonymous})
    assert response.status_code == 200 and response.headers["ETag"] != anonymous


def test_an_unchanged_feed_is_served_from_the_cache(client, setting, monkeypatch):
    group, public, *_ = setting
    renders = []
    original = feeds.render
    monkeypatch.setattr(feeds, "render", lambda feed: renders.append(feed) or original(feed))
    url = f"/calendar/groups/{group.id}.ics"
    first = client.get(url).data
    assert client.get(url).data == first
    assert len(renders) == 1
    public.place = "Radnice"
    public.updated_at = datetime.now(UTC) + timedelta(seconds=5)
    _db.session.commit()
    assert b"Radnice" in client.get(url).data
    assert len(renders) == 2


def test_the_feed_cache_is_bounded():
    cache = feeds.FeedCache(max_entries=2, max_bytes=10)
    cache.put(("a",), "1", b"aaaa")
    cache.put(("b",), "1", b"bbbb")
    assert cache.get(("a",), "1") == b"aaaa"  # now most recently used
    cache.put(("c",), "1", b"cccc")  # over 10 bytes: the least recently used ("b") goes
    assert cache.get(("b",), "1") is None and cache.get(("a",), "1") == b"aaaa"
    assert cache.get(("a",), "2") is None  # another ETag is a miss
    cache.put(("d",), "1", b"x" * 11)  # larger than the whole cache: not kept
    assert cache.get(("d",), "1") is None


# ---- the private feed --------------------------------------------------------------------------------


def test_private_feed_covers_all_meetings_of_the_users_active_groups(client, login_as, factories):
    territory = factories.territory()
    ours, financing, left, foreign = (make_group(territory) for _ in range(4))
    user = login_as("member")
    add_member(ours, user)
    add_member(financing, user, category="expert")
    add_member(left, user, left_on=date(2021, 1, 1))
    full = {"agenda": 3, "place": FULL_ADDRESS}
    mine = [make_meeting(ours, public=False, **full), make_meeting(financing, **full),
            make_meeting(foreign, joint_with=(ours,), status="cancelled", **full)]
    not_mine = [make_meeting(left, **full), make_meeting(foreign, **full)]

    page = client.get("/account/calendar").get_data(as_text=True)
    _db.session.refresh(user)
    secret = user.calendar_secret
    assert secret and f"http://portal.test/calendar/private/{secret}.ics" in page
    assert f"webcal://portal.test/calendar/private/{secret}.ics" in page

    client.post("/sign-out", data={})  # calendar apps fetch without a session
    anonymous = client.application.test_client()
    calendar = parse(anonymous.get(f"/calendar/private/{secret}.ics"))
    uids = set(by_uid(calendar))
    assert uids == {m.uid for m in mine}
    assert not uids & {m.uid for m in not_mine}
    assert "My meetings" in str(calendar["X-WR-CALNAME"]) or "Moje" in str(calendar["X-WR-CALNAME"])


def test_private_feed_answers_304_and_404_for_unknown_secrets(client, login_as, factories):
    group = make_group(factories.territory())
    user = login_as("member")
    add_member(group, user)
    make_meeting(group, agenda=3, place=FULL_ADDRESS)
    client.get("/account/calendar")
    _db.session.refresh(user)
    url = f"/calendar/private/{user.calendar_secret}.ics"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/calendar/private/not-the-secret.ics").status_code == 404
    assert client.get("/calendar/private/" + "x" * 100 + ".ics").status_code == 404


def test_resetting_the_secret_kills_the_old_url(client, login_as, factories):
    group = make_group(factories.territory())
    user = login_as("member")
    add_member(group, user)
    client.get("/account/calendar")
    _db.session.refresh(user)
    old = user.calendar_secret
    assert client.get(f"/calendar/private/{old}.ics").status_code == 200

    confirm = client.get("/account/calendar/reset")
    assert confirm.status_code == 200
    _db.session.refresh(user)
    assert user.calendar_secret == old  # the GET only asks
    token = csrf_token(client, "/account/calendar/reset")
    response = client.post("/account/calendar/reset", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/calendar")
    _db.session.refresh(user)
    assert user.calendar_secret and user.calendar_secret != old
    assert client.get(f"/calendar/private/{old}.ics").status_code == 404
    assert client.get(f"/calendar/private/{user.calendar_secret}.ics").status_code == 200


def test_a_deactivated_users_private_feed_is_404(client, factories):
    user = factories.user("member", calendar_secret="s" * 32, active=False)
    assert user.calendar_secret
    assert client.get(f"/calendar/private/{'s' * 32}.ics").status_code == 404


# ---- a constant number of queries --------------------------------------------------------------------


def _count_queries(client, url, headers=None) -> tuple[int, object]:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url, headers=headers or {})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements), response


def _bulk_meetings(group, n: int) -> None:
    start = datetime(2026, 1, 5, 15, tzinfo=UTC)
    for i in range(n):
        make_meeting(group, starts_at=start + timedelta(days=i), commit=False, agenda=4,
                     status="cancelled" if i % 50 == 0 else "planned", place=FULL_ADDRESS)
    _db.session.commit()


def test_a_feed_costs_the_same_number_of_queries_for_5_and_500_meetings(client, factories):
    territory = factories.territory()
    small, large = make_group(territory), make_group(territory)
    _bulk_meetings(small, 5)
    _bulk_meetings(large, 500)
    few, response = _count_queries(client, f"/calendar/groups/{small.id}.ics")
    assert len(by_uid(parse(response))) == 5
    many, response = _count_queries(client, f"/calendar/groups/{large.id}.ics")
    assert len(by_uid(parse(response))) == 500
    assert few == many, (few, many)
    assert many <= 6

    # Warm: the cached bytes, after the fingerprint only; 304: the same small queries and nothing else.
    warm, response = _count_queries(client, f"/calendar/groups/{large.id}.ics")
    assert response.status_code == 200 and warm < many
    not_modified, response = _count_queries(client, f"/calendar/groups/{large.id}.ics",
                                            {"If-None-Match": response.headers["ETag"]})
    assert response.status_code == 304 and not_modified == 1
