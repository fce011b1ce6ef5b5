"""The dependencies `/healthz` reports: a small registry, so a new one (e.g. a job queue) is one call.

A check returns a dict with at least "status" ("ok" or "error") and any figures worth showing, or None when
it does not apply to this installation. A failing *required* check makes `/healthz` answer 503; a failing
optional one only turns the overall status to "degraded" (200), for monitoring to notice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, text

from portal.extensions import db, limiter
from portal.models import OutboxMessage
from portal.models.base import utcnow

CheckResult = dict | None


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], CheckResult]
    required: bool


CHECKS: dict[str, Check] = {}


def register_check(name: str, run: Callable[[], CheckResult], *, required: bool) -> None:
    """Add (or replace) a dependency check. `required` applies unless HEALTHZ_REQUIRED lists the names."""
    CHECKS[name] = Check(name, run, required)


def unregister_check(name: str) -> None:
    CHECKS.pop(name, None)


def is_required(check: Check) -> bool:
    configured = current_app.config.get("HEALTHZ_REQUIRED")
    return check.required if configured is None else check.name in configured


def run_checks() -> tuple[str, dict[str, dict]]:
    """Run every check; return the overall status ("ok", "degraded", "error") and each check's result."""
    results: dict[str, dict] = {}
    overall = "ok"
    for check in list(CHECKS.values()):
        try:
            result = check.run()
        except Exception as exc:  # noqa: BLE001 - a check that cannot even run has failed
            result = {"status": "error", "error": exc.__class__.__name__}
        if result is None:
            continue
        required = is_required(check)
        results[check.name] = {"status": result["status"], "required": required,
                               **{k: v for k, v in result.items() if k != "status"}}
        if result["status"] != "ok":
            overall = "error" if required or overall == "error" else "degraded"
    return overall, results


def database() -> CheckResult:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return {"status": "error", "error": exc.__class__.__name__}
    return {"status": "ok"}


def redis() -> CheckResult:
    """The Redis that keeps the rate limits (shared by every worker); not checked with memory storage."""
    if not str(current_app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis", "rediss")):
        return None
    return {"status": "ok" if limiter.storage.check() else "error"}


def mail_backlog() -> CheckResult:
    """Unsent outbox messages; an error when the oldest has waited longer than MAIL_BACKLOG_ALERT_MINUTES."""
    count, oldest = db.session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status.in_(("pending", "sending"))
        )
    ).one()
    age = None if oldest is None else int((utcnow() - oldest) / timedelta(minutes=1))
    limit = current_app.config["MAIL_BACKLOG_ALERT_MINUTES"]
    return {"status": "error" if age is not None and age > limit else "ok", "unsent": count,
            "oldest_unsent_minutes": age}


register_check("database", database, required=True)
register_check("redis", redis, required=True)
register_check("mail", mail_backlog, required=False)
