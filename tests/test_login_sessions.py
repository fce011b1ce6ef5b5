"""Signing out ends the session on the server: a copied session or remember-me cookie stops working."""

from sqlalchemy import event

from portal.extensions import db as _db
from tests.conftest import csrf_token


def sign_in(client, email, password="heslo-pro-test", **extra):
    token = csrf_token(client)
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token, **extra})


def sign_out(client):
    return client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account/")})


def copy_cookie(source, target, name):
    cookie = source.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    target.set_cookie(name, cookie.value)


def test_a_session_cookie_copied_before_sign_out_no_longer_works(app, client, factories):
    factories.user("member", email="odchazi@test.example")
    assert sign_in(client, "odchazi@test.example").status_code == 302
    thief = app.test_client()
    copy_cookie(client, thief, "session")
    assert thief.get("/account/").status_code == 200
    assert sign_out(client).status_code == 302
    assert thief.get("/account/").status_code == 302


def test_a_remember_me_cookie_no_longer_signs_in_after_sign_out(app, client, factories):
    factories.user("member", email="pamatuj@test.example")
    assert sign_in(client, "pamatuj@test.example", remember="y").status_code == 302
    # A browser restarted later: only the remember-me cookie is left.
    later = app.test_client()
    copy_cookie(client, later, "remember_token")
    assert later.get("/account/").status_code == 200
    assert sign_out(client).status_code == 302
    after = app.test_client()
    after.set_cookie("remember_token", later.get_cookie("remember_token").value)
    assert after.get("/account/").status_code == 302


def test_signing_out_one_browser_keeps_the_others_signed_in(app, client, factories):
    factories.user("member", email="dva-prohlizece@test.example")
    other = app.test_client()
    sign_in(client, "dva-prohlizece@test.example")
    sign_in(other, "dva-prohlizece@test.example")
    sign_out(client)
    assert client.get("/account/").status_code == 302
    assert other.get("/account/").status_code == 200


def test_changing_the_password_ends_remember_me_cookies_elsewhere(app, client, factories):
    factories.user("member", email="heslo@test.example")
    laptop = app.test_client()
    sign_in(laptop, "heslo@test.example", remember="y")
    restarted = app.test_client()
    copy_cookie(laptop, restarted, "remember_token")
    sign_in(client, "heslo@test.example")
    token = csrf_token(client, "/account/password")
    response = client.post("/account/password", data={
        "current": "heslo-pro-test", "password": "nove-dlouhe-heslo", "confirm": "nove-dlouhe-heslo",
        "csrf_token": token,
    })
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    assert restarted.get("/account/").status_code == 302
    # Signing out after the change still ends this session on the server.
    copy = app.test_client()
    copy_cookie(client, copy, "session")
    sign_out(client)
    assert copy.get("/account/").status_code == 302


def test_the_user_and_the_session_are_loaded_in_one_query(app, client, factories):
    factories.user("member", email="dotaz@test.example")
    sign_in(client, "dotaz@test.example")
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement.replace('"', ""))  # PostgreSQL quotes "user", SQLite does not

    with app.app_context():
        engine = _db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/account/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    touching_sessions = [s for s in statements if "login_session" in s]
    assert len(touching_sessions) == 1
    assert "FROM user JOIN login_session" in touching_sessions[0]
    assert not [s for s in statements if "FROM user" in s and s not in touching_sessions]
