from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")

from portal.blueprints.documents import routes  # noqa: E402,F401
