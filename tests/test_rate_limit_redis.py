"""Production keeps rate limits in Redis, shared by every gunicorn worker."""

import pytest
import redis

from config import TestingConfig
from portal import create_app
from tests.conftest import csrf_token

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_app(app):
    try:
        client = redis.Redis.from_url(REDIS_URL)
        client.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (the machine and CI start it)")
    client.flushdb()
    application = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_STORAGE_URI=REDIS_URL,
        MAIL_PORT=app.config["MAIL_PORT"],
    )
    application.test_client_class = app.test_client_class
    yield application, client
    client.flushdb()
    client.close()
    with application.app_context():
        from portal.extensions import db

        db.engine.dispose()
    # Flask-Limiter keeps its storage on the (module-level) extension: give it back its memory storage
    # for the rest of the suite.
    restored = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    with restored.app_context():
        from portal.extensions import db

        db.engine.dispose()


def test_failed_sign_ins_are_counted_in_redis_across_clients(redis_app, factories):
    application, store = redis_app
    factories.user("member", email="redis@test.example")
    for _ in range(5):
        worker = application.test_client()  # a fresh client each time, as if on another worker
        token = csrf_token(worker)
        response = worker.post("/sign-in", data={"email": "redis@test.example", "password": "spatne",
                                                 "csrf_token": token})
        assert response.status_code == 200
    worker = application.test_client()
    token = csrf_token(worker)
    response = worker.post("/sign-in", data={"email": "redis@test.example", "password": "heslo-pro-test",
                                             "csrf_token": token})
    assert response.status_code == 429
    assert any(b"signin" in key for key in store.keys("*"))
