from flask import Blueprint, Flask

bp = Blueprint("analysis", __name__, url_prefix="/analysis")

from portal.blueprints.analysis import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """`flags_for_agenda(meeting)` for the meeting page: {agenda item id: [flags]}, one query per meeting."""
    from flask_login import current_user

    from portal.analysis_portal.services import flags_for_agenda

    @app.template_global("flags_for_agenda")
    def _flags_for_agenda(meeting):
        return flags_for_agenda(meeting, current_user)
