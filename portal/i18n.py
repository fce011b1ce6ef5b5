"""Locale choice and formatting helpers (Czech by default, English second)."""

from __future__ import annotations

from datetime import date, datetime

import flask_wtf.form
from babel.dates import format_skeleton
from flask import current_app, has_request_context, request, session
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    format_time,
    get_locale,
    get_translations,
    gettext,
    refresh,
)
from flask_login import current_user
from flask_wtf.i18n import translations as wtforms_translations


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


# One way to write a date: Babel's "medium" ("22. 12. 2026" in Czech). Its "short" ("22.12.26") looks like
# another format beside it, so "short" and "medium" both give the medium date (with the time as "14:05").
_ONE_DATE_FORMAT = {"short": "medium", "medium": "medium"}


def datetime_filter(value: datetime | None, fmt: str = "medium") -> str:
    """"22. 12. 2026 14:05" for "short" and "medium"; other Babel formats ("full", patterns) as given."""
    if value is None:
        return ""
    if fmt in _ONE_DATE_FORMAT:
        return f"{format_date(value, _ONE_DATE_FORMAT[fmt])} {format_time(value, 'short')}"
    return format_datetime(value, fmt)


def when_filter(value: datetime | None) -> str:
    """A moment as people read it in a list of events: "úterý 15. prosince 2026 14:00"."""
    return "" if value is None else f"{format_date(value, 'full')} {format_time(value, 'short')}"


def date_filter(value: date | datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_date(value, _ONE_DATE_FORMAT.get(fmt, fmt))


def day_month_filter(value: date | None) -> str:
    """A day without its year, for chart labels: "2. 12." (Czech), "12/2" (English)."""
    return "" if value is None else format_skeleton("Md", value, locale=get_locale())


def number_filter(value, fmt: str | None = None) -> str:
    return "" if value is None else format_decimal(value, fmt)


def percent_filter(value, fmt: str = "#,##0.0 %") -> str:
    return "" if value is None else format_percent(value, fmt)


def points_filter(value) -> str:
    """A difference of two shares in percentage points: 0.25 -> "25 p. b." (Czech) / "25 pp" (English)."""
    if value is None:
        return ""
    return gettext("%(num)s pp", num=format_decimal(value * 100, "#,##0.#"))


def N_(message: str) -> str:
    """Marks a msgid for extraction without translating it (Babel's default keyword)."""
    return message


# WTForms' built-in messages that our forms can show. WTForms ships a Czech catalogue with mistakes ("Hodnota
# čísla má být mezi 1 and 600", "Délka pole ma být"): these come from our
# catalogue instead; any other WTForms message still falls back to WTForms' own catalogue.
WTFORMS_MESSAGES = frozenset({
    N_("Number must be between %(min)s and %(max)s."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Field must be equal to %(other_name)s."),
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid URL."),
    N_("Not a valid choice."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
    N_("Not a valid date value."),
    N_("Not a valid time value."),
    N_("Not a valid datetime value."),
})


class FormTranslations:
    """The translations Flask-WTF hands to every form: ours for WTFORMS_MESSAGES, WTForms' for the rest."""

    def gettext(self, string: str) -> str:
        if string in WTFORMS_MESSAGES:
            return get_translations().ugettext(string)
        return wtforms_translations.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return wtforms_translations.ngettext(singular, plural, n)


def init_app(app) -> None:
    # Flask-Babel caches the locale on the app context, which outlives a request when a test (or a CLI
    # command) holds one open: choose afresh for every request.
    app.before_request(refresh)
    # Flask-WTF has no setting for the translations of WTForms' own messages; it reads this name per form.
    flask_wtf.form.translations = FormTranslations()
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["day_month"] = day_month_filter
    app.jinja_env.filters["when"] = when_filter
    app.jinja_env.filters["points"] = points_filter
    app.jinja_env.filters["number"] = number_filter
    app.jinja_env.filters["percent"] = percent_filter
