"""Health check for load balancers and monitoring."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from portal.extensions import csrf, db
from portal.security import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        database = f"error: {exc.__class__.__name__}"
    healthy = database == "ok"
    response = jsonify(status="ok" if healthy else "error", database=database)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
