"""Locale choice and formatting helpers (Czech by default, English second)."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_request_context, request, session
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    format_time,
    gettext,
    refresh,
)
from flask_login import current_user


def select_locale() -> str:
    """The signed-in user's language, else the one chosen in this browser, else Czech."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and workers speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if request and request.args.get("lang") in languages:
        return request.args["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def datetime_filter(value: datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_datetime(value, fmt)


def when_filter(value: datetime | None) -> str:
    """A moment as people read it in a list of events: "úterý 15. prosince 2026 14:00"."""
    return "" if value is None else f"{format_date(value, 'full')} {format_time(value, 'short')}"


def date_filter(value: date | datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_date(value, fmt)


def number_filter(value, fmt: str | None = None) -> str:
    return "" if value is None else format_decimal(value, fmt)


def percent_filter(value, fmt: str = "#,##0.0 %") -> str:
    return "" if value is None else format_percent(value, fmt)


def points_filter(value) -> str:
    """A difference of two shares in percentage points: 0.25 -> "25 p. b." (Czech) / "25 pp" (English)."""
    if value is None:
        return ""
    return gettext("%(num)s pp", num=format_decimal(value * 100, "#,##0.#"))


def init_app(app) -> None:
    # Flask-Babel caches the locale on the app context, which outlives a request when a test (or a CLI
    # command) holds one open: choose afresh for every request.
    app.before_request(refresh)
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["when"] = when_filter
    app.jinja_env.filters["points"] = points_filter
    app.jinja_env.filters["number"] = number_filter
    app.jinja_env.filters["percent"] = percent_filter
