"""The portal of the equal-opportunities working group (Pracovní skupina pro rovné příležitosti)."""

from __future__ import annotations

import os

from flask import Flask, g
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from config import configs
from portal.extensions import babel, csrf, db, limiter, login_manager, mail, migrate


def create_app(config: str | type | None = None, **overrides) -> Flask:
    """Build the application. `config` is a config class or a name from config.configs."""
    app = Flask(__name__, instance_relative_config=False)
    if config is None:
        config = os.environ.get("PORTAL_CONFIG", "development")
    config_class = configs[config] if isinstance(config, str) else config
    if hasattr(config_class, "check"):
        config_class.check()
    app.config.from_object(config_class)
    app.config.update(overrides)
    if app.config["PROXY_COUNT"]:
        # Behind a reverse proxy every request comes from the proxy's address: trust the client address
        # and scheme it forwards (only from that many proxies), so rate limits apply per real client.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)

    from portal import models  # noqa: F401 - register every table with the metadata

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "..", "migrations"),
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode recreates tables
        compare_type=True,
    )
    mail.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from portal import i18n

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    _init_login(app)
    _register_blueprints(app)

    from portal import security

    security.init_app(app)
    _init_mail_after_commit(app)

    from portal import jobs

    jobs.init_app(app)
    _init_templates(app)

    from portal.cli import register_cli

    register_cli(app)
    return app


def _init_login(app: Flask) -> None:
    from portal.accounts import sessions

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    # The id carries the session version and a login-session key: signing out ends this browser's
    # session, a password change or reset every session and remember-me cookie.
    login_manager.user_loader(sessions.load)


def _register_blueprints(app: Flask) -> None:
    from portal.blueprints import register

    register(app)


def _init_mail_after_commit(app: Flask) -> None:
    from portal.mailer import kick_delivery

    @app.after_request
    def deliver_queued_mail(response):
        if g.pop("outbox_dirty", False):
            kick_delivery()
        return response


def _init_templates(app: Flask) -> None:
    from portal.navigation import navigation_for

    @app.context_processor
    def inject_globals():
        from flask import has_request_context
        from flask_babel import get_locale

        return {
            # Mail is rendered outside requests too (CLI, the outbox worker): no navigation there.
            "navigation": navigation_for() if has_request_context() else [],
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
        }
