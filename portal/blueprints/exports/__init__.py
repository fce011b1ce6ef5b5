from flask import Blueprint

# Background renders of exports: a progress page, then the file.
bp = Blueprint("exports", __name__, url_prefix="/exports")

from portal.blueprints.exports import routes  # noqa: E402,F401
