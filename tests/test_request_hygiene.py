"""Requests the database must never see (NUL bytes) and client addresses behind a reverse proxy."""

import pytest

from config import TestingConfig
from portal import create_app
from tests.conftest import csrf_token


@pytest.mark.parametrize("path", ["/calendar/private/%00.ics", "/calendar/private/a%00b.ics"])
def test_nul_byte_in_a_public_path_is_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Stránka nenalezena" in response.get_data(as_text=True)


def test_nul_byte_in_a_members_path_is_404(client, login_as):
    login_as("coordinator")
    assert client.get("/analysis/schools/%00").status_code == 404
    assert client.get("/analysis/schools/600%0012").status_code == 404


@pytest.mark.parametrize("url", ["/people/?q=%00", "/analysis/schools/600012?year=2025%00",
                                 "/analysis/?year=%00", "/admin/audit?action=a%00"])
def test_nul_byte_in_the_query_string_is_400(client, login_as, url):
    login_as("admin")
    response = client.get(url)
    assert response.status_code == 400
    assert "Chybný požadavek" in response.get_data(as_text=True)


def test_nul_byte_in_a_form_value_is_400_not_500(client, factories):
    factories.user("member", email="nul@test.example")
    token = csrf_token(client)
    response = client.post("/sign-in", data={"email": "nul\x00@test.example", "password": "heslo-pro-test",
                                             "csrf_token": token})
    assert response.status_code == 400
    response = client.post("/password/forgot", data={"email": "nul@test.example\x00", "csrf_token": token})
    assert response.status_code == 400


def _sign_in(client, email, password, address):
    token = csrf_token(client)
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token},
                       headers={"X-Forwarded-For": address}, environ_base={"REMOTE_ADDR": "10.0.0.1"})


@pytest.fixture
def proxied_app(app):
    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                             MAIL_PORT=app.config["MAIL_PORT"], PROXY_COUNT=1)
    application.test_client_class = app.test_client_class
    yield application
    with application.app_context():
        from portal.extensions import db

        db.engine.dispose()


def test_behind_a_proxy_one_address_failing_does_not_lock_out_another(proxied_app, factories):
    factories.user("member", email="jinde@test.example")
    attacker = proxied_app.test_client()
    for n in range(20):
        _sign_in(attacker, f"nikdo{n}@test.example", "spatne", "198.51.100.7")
    assert _sign_in(attacker, "nikdo@test.example", "spatne", "198.51.100.7").status_code == 429
    # Everyone reaches the portal from the proxy's address (10.0.0.1); the limit is per real client.
    colleague = proxied_app.test_client()
    assert _sign_in(colleague, "jinde@test.example", "heslo-pro-test", "203.0.113.9").status_code == 302


def test_without_a_configured_proxy_forwarded_addresses_are_not_trusted(client, factories):
    # Off by default: a client could otherwise pick a fresh address for every attempt.
    for n in range(20):
        _sign_in(client, f"nikdo{n}@test.example", "spatne", f"198.51.100.{n}")
    assert _sign_in(client, "nikdo@test.example", "spatne", "198.51.100.99").status_code == 429



def test_nul_byte_in_an_uploaded_file_name_is_400(client, login_as):
    from io import BytesIO

    login_as("coordinator")
    token = csrf_token(client, "/analysis/import")
    response = client.post("/analysis/import", data={
        "csrf_token": token, "files": (BytesIO(b"izo;nazev\n"), "skoly\x00.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
