from flask import Blueprint, Flask

# No url_prefix: feeds live under /calendar, a meeting's .ics under /meetings, the page under /account.
bp = Blueprint("calendar", __name__)


def init_app(app: Flask) -> None:
    """Template helpers for "add to calendar" links (templates/calendar/_links.html)."""
    from portal.analysis_portal.visibility import hidden_for_current_user
    from portal.calendar.links import google_url, outlook_url, webcal_url

    # The links carry the agenda: items made from an analysis signal only for those who may see it.
    @app.template_global("calendar_google_url")
    def _google_url(meeting):
        return google_url(meeting, hidden_for_current_user(meeting))

    @app.template_global("calendar_outlook_url")
    def _outlook_url(meeting):
        return outlook_url(meeting, hidden_for_current_user(meeting))

    app.add_template_global(webcal_url, "webcal_url")


from portal.blueprints.calendar import routes  # noqa: E402,F401
