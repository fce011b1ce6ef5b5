"""Redis down must not stop anyone signing in; /healthz reports every dependency."""

import logging
from datetime import timedelta

import pytest
import redis

from config import TestingConfig
from portal import create_app
from portal.models import OutboxMessage
from portal.models.base import utcnow
from tests.conftest import csrf_token, free_port

REDIS_URL = "redis://127.0.0.1:6379/13"


def _app_with_limits_in(app, storage_uri: str):
    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                             MAIL_PORT=app.config["MAIL_PORT"], RATELIMIT_STORAGE_URI=storage_uri)
    application.test_client_class = app.test_client_class
    return application


def _dispose(application, app):
    with application.app_context():
        from portal.extensions import db

        db.engine.dispose()
    # The limiter is one module-level object: give the rest of the suite back its memory storage, and
    # forget that Redis was found unreachable (Flask-Limiter keeps that across init_app).
    from portal.extensions import limiter

    limiter._storage_dead = False
    restored = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    with restored.app_context():
        from portal.extensions import db

        db.engine.dispose()


@pytest.fixture
def redis_down_app(app):
    # A real Redis URL on a port where nothing listens.
    application = _app_with_limits_in(app, f"redis://127.0.0.1:{free_port()}/0")
    yield application
    _dispose(application, app)


@pytest.fixture
def redis_up_app(app):
    store = redis.Redis.from_url(REDIS_URL)
    store.ping()
    store.flushdb()
    application = _app_with_limits_in(app, REDIS_URL)
    yield application
    store.flushdb()
    store.close()
    _dispose(application, app)


def test_sign_in_works_while_redis_is_down(redis_down_app, factories, caplog, monkeypatch):
    # Alembic's logging setup (the suite migrates in-process) disables loggers that existed before it.
    monkeypatch.setattr(logging.getLogger("flask-limiter"), "disabled", False)
    factories.user("member", email="bez-redisu@test.example")
    client = redis_down_app.test_client()
    token = csrf_token(client)
    with caplog.at_level(logging.WARNING):
        wrong = client.post("/sign-in", data={"email": "bez-redisu@test.example", "password": "spatne",
                                              "csrf_token": token})
        assert wrong.status_code == 200
        right = client.post("/sign-in", data={"email": "bez-redisu@test.example",
                                              "password": "heslo-pro-test", "csrf_token": token})
        assert right.status_code == 302
    warnings = [r for r in caplog.records if r.name == "flask-limiter" and r.levelno >= logging.WARNING]
    assert warnings


def test_password_reset_can_be_requested_while_redis_is_down(redis_down_app, factories, smtp):
    factories.user("member", email="zapomnel@test.example")
    client = redis_down_app.test_client()
    token = csrf_token(client, "/password/forgot")
    response = client.post("/password/forgot", data={"email": "zapomnel@test.example", "csrf_token": token})
    assert response.status_code == 302
    assert smtp.box.to("zapomnel@test.example")


def test_healthz_reports_each_dependency(redis_up_app):
    response = redis_up_app.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "ok"
    assert body["checks"]["mail"] == {"status": "ok", "required": False, "unsent": 0,
                                      "oldest_unsent_minutes": None}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_503_while_redis_is_down(redis_down_app):
    response = redis_down_app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["checks"]["redis"]["status"] == "error"
    assert body["checks"]["redis"]["required"] is True
    assert body["checks"]["database"]["status"] == "ok"


def test_healthz_without_redis_configured_does_not_check_it(client):
    body = client.get("/healthz").get_json()
    assert "redis" not in body["checks"]
    assert body["status"] == "ok"


def test_healthz_reports_a_mail_backlog_without_failing(client, db):
    old = utcnow() - timedelta(hours=2)
    for _ in range(3):
        db.session.add(OutboxMessage(recipients=["a@test.example"], subject="s", body_text="b", headers={},
                                     attachments=[], status="pending", created_at=old, next_attempt_at=old))
    db.session.add(OutboxMessage(recipients=["a@test.example"], subject="s", body_text="b", headers={},
                                 attachments=[], status="sent", created_at=old, next_attempt_at=old))
    db.session.commit()
    response = client.get("/healthz")
    mail = response.get_json()["checks"]["mail"]
    assert mail["status"] == "error"
    assert mail["unsent"] == 3
    assert mail["oldest_unsent_minutes"] >= 119
    # The mail backlog is not required by default: the web servers stay in rotation, monitoring sees it.
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"


def test_healthz_fails_on_a_mail_backlog_when_mail_is_required(app, db):
    old = utcnow() - timedelta(hours=2)
    db.session.add(OutboxMessage(recipients=["a@test.example"], subject="s", body_text="b", headers={},
                                 attachments=[], status="sending", created_at=old, next_attempt_at=old))
    db.session.commit()
    application = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                             HEALTHZ_REQUIRED=("database", "redis", "mail"))
    try:
        response = application.test_client().get("/healthz")
    finally:
        with application.app_context():
            from portal.extensions import db as database

            database.engine.dispose()
    assert response.status_code == 503
    assert response.get_json()["checks"]["mail"]["required"] is True


def test_a_new_dependency_is_one_registered_check(app, client):
    from portal.blueprints.health.checks import register_check, unregister_check

    register_check("queue", lambda: {"status": "error", "waiting": 7}, required=True)
    try:
        response = client.get("/healthz")
    finally:
        unregister_check("queue")
    assert response.status_code == 503
    assert response.get_json()["checks"]["queue"] == {"status": "error", "required": True, "waiting": 7}
