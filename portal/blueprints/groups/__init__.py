from flask import Blueprint

# No url_prefix: the group pages live under /groups, the member's own trait page under /account/traits.
bp = Blueprint("groups", __name__)

from portal.blueprints.groups import routes  # noqa: E402,F401
