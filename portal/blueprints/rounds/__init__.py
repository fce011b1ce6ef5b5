"""Comment rounds on plan documents: rounds, comments, settlement, the settlement table, outcomes."""

from flask import Blueprint

# No url_prefix: a version's rounds live under /versions/<id>/rounds, a round under /rounds/<id>.
bp = Blueprint("rounds", __name__)


def init_app(app) -> None:
    from portal.rounds import reads

    app.jinja_env.globals["group_rounds"] = reads.group_rounds
    app.jinja_env.globals["dashboard_rounds"] = reads.dashboard_rounds


from portal.blueprints.rounds import routes  # noqa: E402,F401
