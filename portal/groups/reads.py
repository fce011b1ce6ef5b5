"""What pages, exports and reports read about a group's members beyond `portal.groups.services`' date
rules: the territory's groups, the former members' list and the member table of the exports."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.extensions import db
from portal.groups import services
from portal.groups.balance import CATEGORY_LABELS, GROUP_ROLE_LABELS
from portal.models import Membership, User, WorkingGroup


def territory_groups(territory_id: int | None, *, exclude: int | None = None) -> list[WorkingGroup]:
    """The territory's groups by name (choices of a parent group, of the groups of a joint meeting)."""
    query = select(WorkingGroup).where(WorkingGroup.territory_id == territory_id).order_by(WorkingGroup.name)
    if exclude is not None:
        query = query.where(WorkingGroup.id != exclude)
    return list(db.session.scalars(query))


def former_members_query(group: WorkingGroup, on: date) -> Select:
    """Memberships that ended on or before `on`, the latest ended first."""
    return (
        select(Membership).join(Membership.user)
        .where(Membership.group_id == group.id, Membership.left_on.is_not(None), Membership.left_on <= on)
        .order_by(Membership.left_on.desc(), User.name)
    )


def member_rows(group: WorkingGroup, on: date) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the members table (CSV/XLSX export): the memberships active on `on`."""
    header = [_("Name"), _("E-mail"), _("Organisation"), _("Category"), _("Role in the group"),
              _("Member from"), _("Member until")]
    rows = [
        [m.user.name, m.user.email, m.organisation or "", str(CATEGORY_LABELS[m.category]),
         str(GROUP_ROLE_LABELS.get(m.role, m.role)), m.joined_on.isoformat(),
         m.left_on.isoformat() if m.left_on else ""]
        for m in services.active_members(group, on)
    ]
    return header, rows
