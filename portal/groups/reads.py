"""What pages, exports and reports read about a group's members beyond `portal.groups.services`' date
rules: the territory's groups, the former members' list, the member table of the exports, and the joiners and
leavers of a period (the annual report)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, and_, or_, select

from portal.extensions import db
from portal.groups import services
from portal.groups.balance import CATEGORIES, CATEGORY_LABELS, GROUP_ROLE_LABELS
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


@dataclass(frozen=True)
class MembershipChanges:
    """Joiners and leavers of a period, by category (a change of category counts as leaving one category
    and joining another: `services.change_membership` keeps it as two periods)."""

    joined: dict[str, int]
    left: dict[str, int]

    @property
    def joined_total(self) -> int:
        return sum(self.joined.values())

    @property
    def left_total(self) -> int:
        return sum(self.left.values())


def membership_changes(group: WorkingGroup, start: date, end: date) -> MembershipChanges:
    """Memberships that began or ended within `start`–`end` (both included), by category, in one query.

    Counted so that the composition on `start`, plus the joiners, minus the leavers, is the composition on
    `end` (`services.active_members`' rule: active on d when joined_on <= d < left_on): a joiner's
    membership begins after `start` (joined_on in (start, end]; who joins on `start` is already in the
    composition on that day) and a leaver's `left_on`, the first day without membership, falls in (start,
    end] (who has `left_on` = end + 1 was still a member on `end`)."""
    joined = dict.fromkeys(CATEGORIES, 0)
    left = dict.fromkeys(CATEGORIES, 0)
    rows = db.session.execute(
        select(Membership.category, Membership.joined_on, Membership.left_on).where(
            Membership.group_id == group.id,
            or_(and_(Membership.joined_on > start, Membership.joined_on <= end),
                and_(Membership.left_on > start, Membership.left_on <= end)),
        )
    )
    for category, joined_on, left_on in rows:
        if category not in joined:
            continue
        if start < joined_on <= end:
            joined[category] += 1
        if left_on is not None and start < left_on <= end:
            left[category] += 1
    return MembershipChanges(joined, left)
