from flask import Blueprint

bp = Blueprint("proposals", __name__, url_prefix="/proposals")

from portal.blueprints.proposals import assessment_routes, routes  # noqa: E402,F401
