"""Parent accounts (made by a sign-in link, no password): a coherent home and profile, never asked for a
password, and deleting one's own account with the answers staying, anonymised."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models import AuditEvent, LinkPurpose, LoginSession, OneTimeLink, User
from portal.models.consultations import ConsultationInvitee, ConsultationResponse
from tests.conftest import csrf_token
from tests.consultations_factories import add_response, invite, make_consultation


def make_parent(factories, **fields):
    parent = factories.user("parent", **fields)
    parent.password_hash = None  # as the sign-in link creates it
    from portal.extensions import db

    db.session.commit()
    return parent


def test_a_parent_without_a_password_is_never_asked_for_one(client, login_as, factories, db):
    parent = login_as(make_parent(factories))
    profile = client.get("/account/").get_data(as_text=True)
    assert "/account/password" not in profile
    assert "nemá heslo" in profile
    response = client.get("/account/password")
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    # Neither does the password sign-in work for such an account (there is nothing to match).
    other = client.application.test_client()
    token = csrf_token(other, "/sign-in")
    response = other.post("/sign-in", data={"email": parent.email, "password": "jakekoli-heslo",
                                            "csrf_token": token})
    assert response.status_code == 200 and "heslo není správné" in response.get_data(as_text=True)


def test_a_parent_changes_the_name_taken_from_the_address_and_the_language(client, login_as, factories, db):
    parent = login_as(make_parent(factories, name="rodic.novak"))
    page = client.get("/account/").get_data(as_text=True)
    assert "Smazat můj účet" in page
    token = csrf_token(client, "/account/")
    response = client.post("/account/", data={"name": "Jana Nováková", "organisation": "", "locale": "en",
                                              "csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(parent)
    assert parent.name == "Jana Nováková" and parent.locale == "en"
    assert "Your profile" in client.get("/account/").get_data(as_text=True)


def test_members_keep_their_full_profile_and_cannot_use_the_parent_delete(client, login_as, db):
    login_as("member")
    page = client.get("/account/").get_data(as_text=True)
    assert "/account/password" in page and "/account/delete" not in page
    assert client.get("/account/delete").status_code == 404


def test_a_parent_home_speaks_of_consultations_and_public_rounds(client, login_as, factories, db):
    from tests.conftest import make_group
    from tests.rounds_factories import make_round, make_version

    territory = factories.territory()
    group = make_group(territory)
    make_round(make_version(group), [group], public=True, title="Veřejné připomínky k akčnímu plánu")
    login_as(make_parent(factories, territory=territory))
    page = client.get("/").get_data(as_text=True)
    assert "účastníte konzultací pracovní skupiny a veřejného připomínkování" in page
    assert "Veřejné připomínky k akčnímu plánu" in page  # the open public round to comment on
    assert "Nejbližší jednání" not in page  # no meetings box for a parent outside the groups


def test_a_parent_deletes_the_account_after_confirming_and_the_answers_stay(app, client, login_as, factories,
                                                                            db):
    consultation = make_consultation(audience="invited")
    parent = login_as(make_parent(factories, email="smazat@example.cz"))
    invite(consultation, parent.email, parent)
    response_row = add_response(consultation, user=parent)
    from datetime import timedelta

    from portal.accounts import tokens

    tokens.issue(LinkPurpose.SIGN_IN, valid=timedelta(minutes=30), user_id=parent.id, email=parent.email)
    db.session.commit()
    parent_id = parent.id

    confirm = client.get("/account/delete")
    assert confirm.status_code == 200 and "Smazat účet?" in confirm.get_data(as_text=True)
    assert db.session.get(User, parent_id) is not None  # nothing happens without the confirming POST

    token = csrf_token(client, "/account/delete")
    response = client.post("/account/delete", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.expire_all()
    assert db.session.get(User, parent_id) is None
    kept = db.session.get(ConsultationResponse, response_row.id)
    assert kept is not None and kept.user_id is None and len(kept.answers) == 4
    assert db.session.scalar(select(ConsultationInvitee.user_id)) is None
    assert db.session.scalar(select(func.count()).select_from(OneTimeLink)) == 0
    assert db.session.scalar(select(func.count()).select_from(LoginSession)
                             .where(LoginSession.user_id == parent_id)) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deleted"))
    assert event.object_id == parent_id and "@" not in repr(event.details)
    # Signed out: the account page asks to sign in.
    assert client.get("/account/").status_code == 302


def test_a_parent_who_is_a_group_member_cannot_delete_the_account_and_loses_nothing(client, login_as,
                                                                                    factories, db):
    from tests.conftest import add_member, make_group

    parent = login_as(make_parent(factories))
    add_member(make_group(factories.territory()), parent, category="parent")
    token = csrf_token(client, "/account/delete")
    response = client.post("/account/delete", data={"csrf_token": token}, follow_redirects=True)
    assert "Požádejte jejího koordinátora" in response.get_data(as_text=True)
    assert db.session.get(User, parent.id) is not None
