from flask import Blueprint, Flask

# No url_prefix: feeds live under /calendar, a meeting's .ics under /meetings, the page under /account.
bp = Blueprint("calendar", __name__)


def init_app(app: Flask) -> None:
    """Template helpers for "add to calendar" links (templates/calendar/_links.html)."""
    from portal.calendar.links import google_url, outlook_url, webcal_url

    app.add_template_global(google_url, "calendar_google_url")
    app.add_template_global(outlook_url, "calendar_outlook_url")
    app.add_template_global(webcal_url, "webcal_url")


from portal.blueprints.calendar import routes  # noqa: E402,F401
