from flask import Blueprint, Flask

bp = Blueprint("analysis", __name__, url_prefix="/analysis")

from portal.blueprints.analysis import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Template global `analysis_flag_title(flag)` (no query: it formats the flag it is given). The meeting
    page's linked flags come from its view (`portal.analysis_portal.links.flags_on_agenda`)."""
    from portal.analysis_portal.services import flag_title

    app.add_template_global(flag_title, "analysis_flag_title")
