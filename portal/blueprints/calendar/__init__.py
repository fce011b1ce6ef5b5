from flask import Blueprint, Flask

# No url_prefix: feeds live under /calendar, a meeting's .ics under /meetings, the page under /account.
bp = Blueprint("calendar", __name__)


def init_app(app: Flask) -> None:
    """The webcal:// form of a feed address for templates/calendar/_links.html (no database: the meeting
    page passes its "add to calendar" links, see portal.calendar.links.add_to_calendar_links)."""
    from portal.calendar.links import webcal_url

    app.add_template_global(webcal_url, "webcal_url")


from portal.blueprints.calendar import routes  # noqa: E402,F401
