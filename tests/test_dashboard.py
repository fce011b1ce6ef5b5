"""The home page: a signed-in user's groups, meetings and tasks; a coordinator's warnings."""

from datetime import UTC, datetime, timedelta

from portal.models.meetings import MeetingInvitation, Task
from tests.conftest import add_member, make_group, make_meeting

CATEGORIES = ["founder", "director", "teacher", "youth_worker", "counselling", "expert", "parent"]


def test_anonymous_visitors_get_the_introduction(client):
    html = client.get("/").get_data(as_text=True)
    assert "Přihlásit se" in html and "Pracovní skupiny" in html
    assert "Nejbližší jednání" not in html


def test_member_sees_their_groups_meetings_reply_and_tasks(client, login_as, factories, db):
    member = login_as("member")
    group = make_group(member.territory, name="PS pro rovné příležitosti")
    add_member(group, member)
    meeting = make_meeting(group, title="Jarní jednání")
    make_meeting(group, title="Zrušené jednání", status="cancelled")
    db.session.add(MeetingInvitation(meeting_id=meeting.id, user_id=member.id, email=member.email,
                                     name=member.name, response="attending"))
    db.session.add(Task(meeting_id=meeting.id, title="Připravit podklady", owner_id=member.id))
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "PS pro rovné příležitosti" in html
    assert "Jarní jednání" in html and "zúčastníte se" in html
    assert "Zrušené jednání" not in html
    assert "Připravit podklady" in html
    assert "Vyžaduje vaši pozornost" not in html  # a member manages nothing


def test_member_without_groups_is_told_what_happens_next(client, login_as):
    login_as("member")
    html = client.get("/").get_data(as_text=True)
    assert "Zatím nejste členem žádné pracovní skupiny" in html


def test_coordinator_is_warned_about_cadence_and_balance(client, login_as, factories, db):
    coordinator = login_as("coordinator")
    group = make_group(coordinator.territory, name="PS pro rovné příležitosti",
                       created_at=datetime(2020, 1, 1, tzinfo=UTC))
    teacher = factories.user("member", territory=coordinator.territory)
    add_member(group, teacher, category="teacher")
    make_meeting(group, starts_at=datetime.now(UTC) + timedelta(days=3))
    html = client.get("/").get_data(as_text=True)
    assert "Vyžaduje vaši pozornost" in html
    alerts = html.split('id="alerts-h"', 1)[1].split("</section>", 1)[0]
    # The cadence warning names the year that falls short at the planned schedule.
    assert str(datetime.now(UTC).year) in alerts
    assert "Pravidlo vyváženosti „Zastoupení všech kategorií“ není splněno" in alerts


def test_balanced_group_with_enough_meetings_has_no_balance_alert(client, login_as, factories, db):
    coordinator = login_as("coordinator")
    group = make_group(coordinator.territory, meeting_target=1, created_at=datetime.now(UTC))
    group.required_support_parents = 0  # no parent has declared the trait in this test
    db.session.commit()
    for category in CATEGORIES:
        add_member(group, factories.user("member", territory=coordinator.territory), category=category)
    html = client.get("/").get_data(as_text=True)
    assert "Pravidlo vyváženosti není splněno" not in html


def test_dashboard_links_the_feeds_of_the_users_groups(client, login_as, db):
    member = login_as("member")
    group = make_group(member.territory)
    add_member(group, member)
    head = client.get("/").get_data(as_text=True).split("</head>", 1)[0]
    assert '<link rel="alternate" type="text/calendar"' in head
    assert f'href="/calendar/groups/{group.id}.ics"' in head
