"""Health check for load balancers and monitoring: every dependency, 503 when a required one is down."""

from flask import Blueprint, jsonify

from portal.blueprints.health.checks import run_checks
from portal.extensions import csrf
from portal.security import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
@csrf.exempt
def healthz():
    status, checks = run_checks()
    response = jsonify(status=status, checks=checks)
    response.status_code = 503 if status == "error" else 200
    response.headers["Cache-Control"] = "no-store"
    return response
