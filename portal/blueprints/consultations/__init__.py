"""Consultations with parents: managing them, answering (signed in or anonymously), results, invitations."""

from flask import Blueprint

bp = Blueprint("consultations", __name__)

# One module of routes per part; each adds its import here.
from portal.blueprints.consultations import results  # noqa: E402,F401,I001
from portal.blueprints.consultations import routes  # noqa: E402,F401

from portal.blueprints.consultations import invite  # noqa: E402,F401  # isort: skip
