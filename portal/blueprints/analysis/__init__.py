from flask import Blueprint, Flask

bp = Blueprint("analysis", __name__, url_prefix="/analysis")

from portal.blueprints.analysis import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Template globals for the meeting page: `flags_for_agenda(meeting)` ({agenda item id: [flags]}, one
    query per meeting and request, whatever the number of agenda items) and `analysis_flag_title(flag)`."""
    from flask import g
    from flask_login import current_user

    from portal.analysis_portal.services import flag_title, flags_for_agenda

    @app.template_global("flags_for_agenda")
    def _flags_for_agenda(meeting):
        cache = g.setdefault("analysis_agenda_flags", {})
        if meeting.id not in cache:
            cache[meeting.id] = flags_for_agenda(meeting, current_user)
        return cache[meeting.id]

    app.add_template_global(flag_title, "analysis_flag_title")
