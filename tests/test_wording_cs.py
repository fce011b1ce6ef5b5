"""Czech wording a coordinator stumbled on: each page rendered in Czech, the corrected text asserted."""

import re
from datetime import UTC, date, datetime, timedelta

from flask import render_template_string
from sqlalchemy import select

from portal import clock
from portal.extensions import db as _db
from portal.mailer import deliver_due
from portal.meetings import attendance, invitations
from portal.models import AnalysisFlag
from tests.conftest import add_member, csrf_token, make_group, make_meeting, make_user
from tests.forms_helper import hidden_fields
from tests.test_analysis_portal_fixtures import import_sample

CZECH_DATE = r"\d{1,2}\. \d{1,2}\. \d{4}"


def test_dashboard_names_the_rule_that_is_not_met_without_contradicting_itself(client, login_as, factories):
    coordinator = login_as("coordinator")
    group = make_group(coordinator.territory, created_at=datetime(2020, 1, 1, tzinfo=UTC))
    add_member(group, factories.user("member", territory=coordinator.territory), category="teacher")
    html = client.get("/").get_data(as_text=True)
    alerts = html.split('id="alerts-h"', 1)[1].split("</section>", 1)[0]
    assert "Pravidlo vyváženosti „Zastoupení všech kategorií“ není splněno." in alerts
    assert "Všechny kategorie jsou zastoupeny" not in html


def test_number_range_message_is_all_czech(client, login_as, factories):
    coordinator = login_as("member")
    group = make_group(coordinator.territory)
    add_member(group, coordinator, role="coordinator", category="expert")
    meeting = make_meeting(group)
    url = f"/meetings/{meeting.id}/agenda"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "title": "Zahájení",
                                      "presenter": "", "duration_minutes": "601", "notes": ""})
    html = response.get_data(as_text=True)
    assert "Zadejte číslo od 1 do 600." in html
    assert " and " not in html.split("<main", 1)[1]


def test_most_members_allowed_in_a_category_is_a_whole_number_of_people(client, login_as, factories):
    coordinator = login_as("member")
    group = make_group(coordinator.territory)
    add_member(group, coordinator, role="coordinator", category="expert")
    for category in ("teacher", "teacher", "director", "founder", "parent", "counselling", "youth_worker"):
        add_member(group, factories.user("member", territory=coordinator.territory), category=category)
    html = client.get(f"/groups/{group.id}").get_data(as_text=True)
    # 8 members, 2 × the equal share 8/7 = 2.29: two people may be in one category, not "2,3".
    assert "2 členové" in html
    assert "zaokrouhleno dolů na celé osoby" in html
    assert "2,3" not in html


def test_points_at_the_end_of_a_sentence_have_one_full_stop(client, login_as):
    member = login_as("member")
    import_sample(member.territory)
    html = client.get("/analysis/").get_data(as_text=True)
    assert "(25 p. b.)." in html
    assert "p. b.." not in html


def test_timeline_labels_the_chosen_day_apart_from_the_first_of_its_month(client, login_as):
    coordinator = login_as("member")
    group = make_group(coordinator.territory)
    add_member(group, coordinator, role="coordinator", category="expert", joined_on=date(2025, 1, 1))
    html = client.get(f"/groups/{group.id}?on=2026-12-02").get_data(as_text=True)
    timeline = html.split('id="timeline-h"', 1)[1]
    assert timeline.count(">12/26<") == 1
    assert ">2. 12.<" in timeline


def test_dates_have_one_czech_format(app, db, factories):
    moment = datetime(2026, 12, 22, 13, 5, tzinfo=UTC)  # 14:05 in Prague
    with app.test_request_context("/"):
        text = render_template_string("{{ m|datetime('short') }}|{{ m|datetime }}|{{ d|date('short') }}|"
                                      "{{ d|date }}", m=moment, d=moment.date())
    assert text == "22. 12. 2026 14:05|22. 12. 2026 14:05|22. 12. 2026|22. 12. 2026"

    group = make_group(factories.territory())
    meeting = make_meeting(group, starts_at=datetime(2027, 3, 2, 14, 0, tzinfo=UTC))
    with app.test_request_context("/"):
        sheet = attendance.sheet_html(meeting)
    assert "2. 3. 2027, 15:00–17:00" in sheet
    assert "02. 03. 2027" not in sheet


def test_flag_page_explains_its_abbreviations_and_shows_shares_in_per_cent(client, login_as):
    coordinator = login_as("coordinator")
    import_sample(coordinator.territory)
    flag = _db.session.scalar(select(AnalysisFlag).where(AnalysisFlag.rule == "sen_share_school"))
    html = client.get(f"/analysis/flags/{flag.id}").get_data(as_text=True)
    assert "HHH: žáci ve vícenásobně znevýhodněném postavení" in html
    assert "„Příručka II.6“ a podobně: oddíl maďarské praktické příručky" in html
    table = html.split('id="occ-h"', 1)[1].split("</table>", 1)[0]
    assert re.search(r'class="num">\d+(,\d)? %</td>', table)
    assert not re.search(r'class="num">0,\d{3}</td>', table)

    spread = _db.session.scalar(
        select(AnalysisFlag).where(AnalysisFlag.rule == "disadvantaged_spread_classes"))
    table = client.get(f"/analysis/flags/{spread.id}").get_data(as_text=True).split('id="occ-h"', 1)[1]
    assert 'class="num">25 p. b.</td>' in table


def test_voluntary_information_is_not_under_security(client, login_as):
    login_as("member")
    html = client.get("/account/").get_data(as_text=True)
    security = html.split('id="security-h"', 1)[1].split("</section>", 1)[0]
    assert "Dobrovolné údaje" not in security
    assert "Dobrovolné údaje pro pracovní skupiny" in html


def test_invitation_into_a_group_names_the_group(client, login_as, factories, smtp):
    territory = factories.territory("MAP ORP Vzorov")
    coordinator = login_as("member", territory=territory)
    group = make_group(territory, name="PS pro rovné příležitosti Vzorov")
    add_member(group, coordinator, role="coordinator", category="expert")
    url = f"/groups/{group.id}/members/add"
    response = client.post(url, data={**hidden_fields(client, url, "once"), "email": "nova@test.example",
                                      "name": "Nová Členka", "organisation": "", "category": "teacher",
                                      "role": "member", "joined_on": clock.today().isoformat(),
                                      "locale": "cs"})
    assert response.status_code == 302
    [message] = smtp.messages
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "do pracovní skupiny „PS pro rovné příležitosti Vzorov“ (MAP ORP Vzorov)" in body


def test_invitation_to_the_portal_names_the_territory(client, login_as, factories, smtp):
    login_as("coordinator", territory=factories.territory("MAP ORP Vzorov"))
    url = "/people/invite"
    client.post(url, data={"email": "nova@test.example", "name": "", "role": "member", "locale": "cs",
                           "csrf_token": csrf_token(client, url)})
    [message] = smtp.messages
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "v území MAP ORP Vzorov" in body


def test_meeting_invitation_does_not_promise_one_click(smtp, factories):
    territory = factories.territory()
    group = make_group(territory)
    coordinator = make_user("coordinator", territory=territory)
    add_member(group, make_user("member", territory=territory))
    meeting = make_meeting(group, starts_at=datetime.now(UTC) + timedelta(days=20))
    invitations.send_invitations(meeting, actor=coordinator, guests=[])
    _db.session.commit()
    deliver_due()
    [message] = smtp.messages
    for kind in ("plain", "html"):
        body = message.get_body(preferencelist=(kind,)).get_content()
        assert "jedním kliknutím" not in body
        assert "na stránce, která se otevře, ji ještě potvrdíte" in body
