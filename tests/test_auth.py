"""Signing in and out, rate limits, sessions."""

from sqlalchemy import select

from portal.models import AuditEvent
from tests.conftest import csrf_token


def sign_in(client, email, password, **extra):
    token = csrf_token(client)
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token, **extra})


def test_sign_in_with_the_right_password(client, factories, db):
    user = factories.user("member", email="Marie@Test.example")
    response = sign_in(client, "  marie@test.EXAMPLE ", "heslo-pro-test")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    db.session.refresh(user)
    assert user.last_login_at is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.signed_in"))


def test_wrong_password_and_unknown_address_get_the_same_answer(client, factories):
    factories.user("member", email="marie@test.example")
    wrong = sign_in(client, "marie@test.example", "spatne-heslo").get_data(as_text=True)
    unknown = sign_in(client, "nikdo@test.example", "spatne-heslo").get_data(as_text=True)
    message = "E-mail nebo heslo není správné."
    assert message in wrong and message in unknown
    assert client.get("/account/").status_code == 302


def test_deactivated_account_cannot_sign_in(client, factories):
    factories.user("member", email="pryc@test.example", active=False)
    response = sign_in(client, "pryc@test.example", "heslo-pro-test")
    assert response.status_code == 200
    assert "E-mail nebo heslo není správné." in response.get_data(as_text=True)


def test_password_hash_is_argon2(factories):
    user = factories.user("member")
    assert user.password_hash.startswith("$argon2id$")


def test_failed_sign_ins_are_limited_per_account(client, factories):
    factories.user("member", email="cil@test.example")
    for _ in range(5):
        assert sign_in(client, "cil@test.example", "spatne").status_code == 200
    response = sign_in(client, "cil@test.example", "heslo-pro-test")
    assert response.status_code == 429
    assert "Příliš mnoho pokusů" in response.get_data(as_text=True)
    # Another account from the same address is not locked by this one's failures.
    factories.user("member", email="jiny@test.example")
    assert sign_in(client, "jiny@test.example", "heslo-pro-test").status_code == 302


def test_failed_sign_ins_are_limited_per_ip(app, client, factories):
    for n in range(20):
        sign_in(client, f"nikdo{n}@test.example", "spatne")
    assert sign_in(client, "nikdo-dalsi@test.example", "spatne").status_code == 429


def test_successful_sign_ins_do_not_count(client, factories):
    factories.user("member", email="casto@test.example")
    for _ in range(7):
        assert sign_in(client, "casto@test.example", "heslo-pro-test").status_code == 302
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account/")})


def test_sign_out_needs_post_and_ends_the_session(client, login_as):
    login_as("member")
    assert client.get("/sign-out").status_code == 405
    token = csrf_token(client, "/account/")
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/account/").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client, factories):
    factories.user("member", email="m@test.example")
    token = csrf_token(client)
    response = client.post(
        "/sign-in?next=https://evil.example/", data={"email": "m@test.example", "password": "heslo-pro-test",
                                                     "csrf_token": token}
    )
    assert response.headers["Location"] == "/"


def test_next_parameter_returns_to_the_page_asked_for(client, factories):
    factories.user("member", email="m@test.example")
    token = csrf_token(client)
    response = client.post(
        "/sign-in?next=/account/", data={"email": "m@test.example", "password": "heslo-pro-test",
                                         "csrf_token": token}
    )
    assert response.headers["Location"] == "/account/"


def test_changing_the_password_signs_out_other_sessions(app, client, factories):
    user = factories.user("member", email="dve@test.example")
    other = app.test_client()
    sign_in(other, "dve@test.example", "heslo-pro-test")
    sign_in(client, "dve@test.example", "heslo-pro-test")
    token = csrf_token(client, "/account/password")
    response = client.post("/account/password", data={
        "current": "heslo-pro-test", "password": "nove-dlouhe-heslo", "confirm": "nove-dlouhe-heslo",
        "csrf_token": token,
    })
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200  # this session goes on
    assert other.get("/account/").status_code == 302  # the other one is signed out
    assert user.id


def test_change_password_with_a_wrong_current_password_changes_nothing(client, factories, db):
    user = factories.user("member", email="x@test.example")
    old_hash = user.password_hash
    sign_in(client, "x@test.example", "heslo-pro-test")
    token = csrf_token(client, "/account/password")
    response = client.post("/account/password", data={
        "current": "spatne", "password": "nove-dlouhe-heslo", "confirm": "nove-dlouhe-heslo",
        "csrf_token": token,
    })
    assert response.status_code == 200
    assert "Současné heslo není správné." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash
