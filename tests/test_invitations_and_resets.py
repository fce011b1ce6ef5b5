"""Invitations and password resets, with the e-mail delivered to a real SMTP server."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.models import Invitation, OutboxMessage, PasswordResetToken, User
from portal.models.base import utcnow
from tests.conftest import csrf_token


def link_in(message, path: str) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"http://portal\.test(" + re.escape(path) + r"[^\s]+)", body)
    assert match, body
    return match.group(1)


def invite(client, email, role="member", locale="cs"):
    token = csrf_token(client, "/people/invite")
    return client.post("/people/invite", data={"email": email, "name": "", "role": role, "locale": locale,
                                               "csrf_token": token})


def test_coordinator_invites_and_the_person_creates_an_account(app, client, login_as, smtp, db):
    login_as("coordinator")
    response = invite(client, "Nova@Test.example")
    assert response.status_code == 302
    [message] = smtp.messages
    assert message["To"] == "nova@test.example"
    assert message["Subject"] == "Pozvánka do portálu pracovní skupiny pro rovné příležitosti"
    path = link_in(message, "/invitation/")

    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    token = csrf_token(visitor, path)
    response = visitor.post(path, data={"name": "Nová Členka", "organisation": "ZŠ Testov",
                                        "password": "dlouhe-heslo-1", "confirm": "dlouhe-heslo-1",
                                        "csrf_token": token})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nova@test.example"))
    assert user.role == "member" and user.name == "Nová Členka"
    assert visitor.get("/account/").status_code == 200

    # The link works once.
    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "již byla použita" in again.get_data(as_text=True)


def test_invitation_to_an_existing_address_is_refused_and_nothing_is_sent(
    client, login_as, factories, smtp, db
):
    factories.user("member", email="uz@test.example")
    login_as("coordinator")
    response = invite(client, "uz@test.example")
    assert response.status_code == 200
    assert "Účet s touto e-mailovou adresou již existuje." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert smtp.messages == []


def test_coordinator_cannot_invite_an_administrator(client, login_as, db):
    login_as("coordinator")
    response = invite(client, "sef@test.example", role="admin")
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_expired_invitation_is_refused(app, client, login_as, smtp, db):
    login_as("coordinator")
    invite(client, "pozde@test.example")
    path = link_in(smtp.messages[0], "/invitation/")
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert "vypršela" in response.get_data(as_text=True)


def test_tampered_invitation_link_is_refused(client):
    response = client.get("/invitation/not-a-real-token")
    assert response.status_code == 410


def test_english_invitation(client, login_as, smtp):
    login_as("coordinator")
    invite(client, "en@test.example", locale="en")
    assert smtp.messages[0]["Subject"] == "Invitation to the equal opportunities working group portal"


def request_reset(client, email):
    token = csrf_token(client, "/password/forgot")
    return client.post("/password/forgot", data={"email": email, "csrf_token": token})


def test_password_reset_by_e_mail_link(app, client, factories, smtp, db):
    user = factories.user("member", email="zapomnel@test.example")
    response = request_reset(client, "zapomnel@test.example")
    assert response.status_code == 302
    path = link_in(smtp.messages[0], "/password/reset/")

    token = csrf_token(client, path)
    response = client.post(path, data={"password": "uplne-nove-heslo", "confirm": "uplne-nove-heslo",
                                       "csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(user)
    from portal.accounts.passwords import verify_password

    assert verify_password(user.password_hash, "uplne-nove-heslo")

    # Used once, the link is dead.
    reused = client.get(path, follow_redirects=True)
    assert "neplatný, vypršel nebo již byl použit" in reused.get_data(as_text=True)


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, smtp, db):
    response = request_reset(client, "nikdo@test.example")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pokud k této adrese existuje účet" in page
    assert smtp.messages == []
    assert db.session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0


def test_expired_reset_link_is_refused(client, factories, smtp, db):
    factories.user("member", email="stary@test.example")
    request_reset(client, "stary@test.example")
    path = link_in(smtp.messages[0], "/password/reset/")
    reset = db.session.scalar(select(PasswordResetToken))
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert "neplatný, vypršel nebo již byl použit" in page


def test_only_token_hashes_are_stored(client, factories, smtp, db):
    factories.user("member", email="hash@test.example")
    request_reset(client, "hash@test.example")
    path = link_in(smtp.messages[0], "/password/reset/")
    token = path.rsplit("/", 1)[1]
    stored = db.session.scalar(select(PasswordResetToken))
    assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_a_coordinator_withdraws_a_pending_invitation_after_confirming(app, client, login_as, smtp, db):
    login_as("coordinator")
    invite(client, "omyl@test.example")
    path = link_in(smtp.messages[0], "/invitation/")
    invitation = db.session.scalar(select(Invitation))
    listing = client.get("/people/").get_data(as_text=True)
    assert "omyl@test.example" in listing and f"/people/invitations/{invitation.id}/revoke" in listing

    confirm = client.get(f"/people/invitations/{invitation.id}/revoke")
    assert "Odvolat pozvánku pro omyl@test.example?" in confirm.get_data(as_text=True)
    db.session.refresh(invitation)
    assert invitation.revoked_at is None  # nothing happens without the confirming POST

    token = csrf_token(client, f"/people/invitations/{invitation.id}/revoke")
    client.post(f"/people/invitations/{invitation.id}/revoke", data={"csrf_token": token})
    db.session.refresh(invitation)
    assert invitation.revoked_at is not None
    assert app.test_client().get(path).status_code == 410
    listing = client.get("/people/").get_data(as_text=True)
    assert "byla odvolána" in listing  # the confirmation message
    assert f"/people/invitations/{invitation.id}/revoke" not in listing


def test_pending_invitations_of_another_territory_are_neither_listed_nor_revocable(
    client, login_as, factories, db
):
    from portal.accounts.services import invite as send_invite

    elsewhere = factories.user("coordinator", territory=factories.territory("MAP ORP Jinde"))
    issued = send_invite("cizi@test.example", role="member", name=None, actor=elsewhere)
    db.session.commit()
    login_as("coordinator")
    assert "cizi@test.example" not in client.get("/people/").get_data(as_text=True)
    assert client.get(f"/people/invitations/{issued.invitation.id}/revoke").status_code == 404
