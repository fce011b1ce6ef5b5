from flask import Blueprint

# No url_prefix: invitation pages live under /meetings/<id>/..., one-click reply links under /rsvp.
bp = Blueprint("rsvp", __name__)

from portal.blueprints.rsvp import routes  # noqa: E402,F401
