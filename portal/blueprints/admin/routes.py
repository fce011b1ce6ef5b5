from flask import current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.blueprints.admin import bp
from portal.extensions import db
from portal.models import AuditEvent
from portal.security import admins


@bp.get("/audit")
@admins
def audit():
    query = select(AuditEvent).options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc())
    action = (request.args.get("action") or "").strip()
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"] * 2, error_out=False)
    return render_template("admin/audit.html", page=page, action=action)
