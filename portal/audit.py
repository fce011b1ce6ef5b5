"""The audit log: service functions record every change that matters."""

from __future__ import annotations

from typing import Any

from portal.extensions import db
from portal.models import AuditEvent, User


def record(
    action: str,
    obj: Any = None,
    *,
    actor: User | None,
    territory_id: int | None = None,
    summary: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction (flushed, committed with the change it describes).

    `details` must never carry sensitive traits (support needs, ethnicity): callers pass identifiers and
    field names, not such values.
    """
    object_type = obj.__class__.__name__ if obj is not None else "system"
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    if territory_id is None:
        territory_id = getattr(obj, "territory_id", None) or (actor.territory_id if actor else None)
    event = AuditEvent(
        action=action,
        object_type=object_type,
        object_id=getattr(obj, "id", None),
        actor_id=actor.id if actor else None,
        territory_id=territory_id,
        summary=summary,
        details=details,
    )
    db.session.add(event)
    db.session.flush()
    return event
