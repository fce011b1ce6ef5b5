"""The application factory, health check, security headers and error pages."""

from sqlalchemy import text

from config import ProductionConfig, TestingConfig
from portal import create_app
from tests.conftest import csrf_token


def test_create_app_uses_the_given_config(app):
    assert app.config["TESTING"] is True
    assert app.config["BABEL_DEFAULT_LOCALE"] == "cs"
    assert create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://").config["TESTING"]


def test_production_refuses_development_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    try:
        ProductionConfig.check()
    except RuntimeError as error:
        assert "SECRET_KEY" in str(error)
    else:  # pragma: no cover
        raise AssertionError("production started without SECRET_KEY")


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok", "required": True}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_answers_503_when_the_database_is_gone(app, db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(db.session, "execute", broken)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_security_headers_forbid_inline_script(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html


def test_session_cookie_is_http_only_and_same_site(client):
    client.get("/sign-in")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only and cookie.same_site == "Lax"


def test_404_page_in_czech_by_default(client):
    response = client.get("/neexistuje")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Stránka nenalezena" in html
    assert '<html lang="cs"' in html


def test_404_page_in_english_after_switching(client):
    token = csrf_token(client)
    client.post("/language", data={"locale": "en", "csrf_token": token})
    response = client.get("/neexistuje")
    assert "Page not found" in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    response = client.get("/neexistuje", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "Stránka nenalezena"


def test_missing_csrf_token_is_400_not_500(client, factories):
    response = client.post("/sign-in", data={"email": "a@b.cz", "password": "x"})
    assert response.status_code == 400
    assert "Platnost formuláře vypršela" in response.get_data(as_text=True)


def test_oversized_upload_is_413_with_a_clear_page(app, client):
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/sign-in", data=big, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "Soubor je příliš velký" in response.get_data(as_text=True)


def test_500_page_rolls_back_and_speaks_czech(app, db):
    from portal.models import Territory

    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    application.config["PROPAGATE_EXCEPTIONS"] = False

    @application.get("/boom")
    def boom():
        from portal.extensions import db as database

        database.session.add(Territory(name="Nikdy", slug="nikdy"))
        database.session.flush()
        raise RuntimeError("boom")

    boom.access_rule = "public"
    response = application.test_client().get("/boom")
    with application.app_context():
        from portal.extensions import db as database

        database.engine.dispose()
    assert response.status_code == 500
    assert "Něco se pokazilo" in response.get_data(as_text=True)
    assert db.session.execute(text("SELECT count(*) FROM territory WHERE slug = 'nikdy'")).scalar() == 0


def test_static_assets_are_served_locally(client):
    html = client.get("/").get_data(as_text=True)
    assert "/static/vendor/pico.min.css" in html
    assert "http://" not in html.split("<body")[0].replace("http://portal.test", "")
    with client.get("/static/vendor/pico.min.css") as response:
        assert response.status_code == 200
