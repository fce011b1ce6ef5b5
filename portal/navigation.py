"""The main navigation, by role. Areas add their entries to NAV_ITEMS."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.security import ALLOWED_ROLES, Access


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    rule: Access
    # Endpoints whose pages count as this item's section (for aria-current).
    prefix: str | None = None


NAV_ITEMS: list[NavItem] = [
    NavItem("main.index", _l("Home"), Access.PUBLIC),
    NavItem("groups.index", _l("Groups"), Access.PUBLIC, prefix="groups."),
    NavItem("analysis.overview", _l("Analysis"), Access.MEMBER, prefix="analysis."),
    NavItem("documents.index", _l("Documents"), Access.MEMBER, prefix="documents."),
    NavItem("proposals.index", _l("Proposals"), Access.MEMBER, prefix="proposals."),
    NavItem("reports.overview", _l("Reports"), Access.PUBLIC, prefix="reports."),
    NavItem("consultations.mine", _l("Consultations"), Access.USER, prefix="consultations."),
    NavItem("users.index", _l("People"), Access.COORDINATOR, prefix="users."),
    NavItem("admin.audit", _l("Audit log"), Access.ADMIN, prefix="admin."),
]


def navigation_for() -> list[dict]:
    items = []
    endpoint = request.endpoint or ""
    for item in NAV_ITEMS:
        allowed = ALLOWED_ROLES[item.rule]
        if allowed is not None and (not current_user.is_authenticated or current_user.role not in allowed):
            continue
        current = endpoint == item.endpoint or bool(item.prefix and endpoint.startswith(item.prefix))
        items.append({"url": url_for(item.endpoint), "label": item.label, "current": current})
    return items
