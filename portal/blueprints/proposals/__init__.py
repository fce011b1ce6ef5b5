from flask import Blueprint

bp = Blueprint("proposals", __name__, url_prefix="/proposals")

from portal.blueprints.proposals import routes  # noqa: E402,F401
from portal.blueprints.proposals import assessment_routes  # noqa: E402,F401
