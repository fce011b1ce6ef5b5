"""While the database is away, pages answer a 503 in Czech and the error pages never need the database."""

import pytest

from config import TestingConfig
from portal import create_app
from tests.conftest import free_port


@pytest.fixture
def database_down(app):
    # A real PostgreSQL URL on a port where nothing listens: every connection attempt is refused.
    application = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test_h3",
        MAIL_PORT=app.config["MAIL_PORT"],
    )
    application.test_client_class = app.test_client_class

    @application.get("/boom")
    def boom():
        raise RuntimeError("boom")

    boom.access_rule = "public"
    yield application
    with application.app_context():
        from portal.extensions import db

        db.engine.dispose()


def _signed_in_client(application):
    client = application.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:1:a-session-key"
        session["_fresh"] = True
    return client


def _assert_czech_503(response):
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Portál je dočasně nedostupný" in html
    assert "Internal Server Error" not in html
    assert response.headers["Retry-After"]
    assert response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("url", ["/", "/account/", "/groups/", "/analysis/", "/no-such-page"])
def test_a_signed_in_user_gets_a_czech_503_page_while_the_database_is_down(database_down, url):
    # TESTING propagates unhandled exceptions: a 503 here also proves that none escaped.
    _assert_czech_503(_signed_in_client(database_down).get(url))


def test_an_anonymous_visitor_gets_the_503_page_too(database_down):
    _assert_czech_503(database_down.test_client().get("/calendar/groups/1.ics"))
    # Pages that need no database still work.
    assert database_down.test_client().get("/sign-in").status_code == 200


def test_an_error_page_that_would_need_the_database_becomes_the_503_page(database_down):
    # Refused by CSRF (which needs no database), but the 400 page would load the signed-in user.
    response = _signed_in_client(database_down).post("/sign-in", data={"email": "a@test.example"})
    _assert_czech_503(response)


def test_the_500_page_renders_without_the_database(database_down):
    database_down.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    response = _signed_in_client(database_down).get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Něco se pokazilo" in html
    assert "Internal Server Error" not in html


def test_the_500_page_with_the_database_up_still_shows_the_site(app, client, login_as):
    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                             PROPAGATE_EXCEPTIONS=False)
    application.test_client_class = app.test_client_class

    @application.get("/boom")
    def boom():
        raise RuntimeError("boom")

    boom.access_rule = "public"
    try:
        response = application.test_client().get("/boom")
    finally:
        with application.app_context():
            from portal.extensions import db

            db.engine.dispose()
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Něco se pokazilo" in html and "Přihlásit se" in html


def test_with_the_database_up_a_404_page_still_shows_who_is_signed_in(client, login_as):
    user = login_as("member", name="Jana Nováková")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert user.name in response.get_data(as_text=True)
