"""Consultations with parents: managing them, answering (signed in or anonymously), results, invitations."""

from flask import Blueprint

bp = Blueprint("consultations", __name__)

# One module of routes per part.
from portal.blueprints.consultations import answer, invite, results, routes  # noqa: E402,F401
