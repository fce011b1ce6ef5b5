"""Annual activity reports: a group's reports, the draft texts, generating, frozen versions, publishing."""

from flask import Blueprint

# No url_prefix: a group's reports live under /groups/<id>/reports, a stored version under /reports/<id>.
bp = Blueprint("reports", __name__)

from portal.blueprints.reports import routes  # noqa: E402,F401
