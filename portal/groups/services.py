"""Working groups and memberships: who belongs where on which date, who may manage, balance, traits.

Every function that changes something takes the acting user (`actor=`), records the change in the audit log
(except sensitive traits, see `declare_trait`), and only flushes; the request commits.

Edits of a group's settings and of memberships carry the version the user saw (`seen_version`,
portal.versioning): a save from an outdated page raises `StaleEdit` and changes nothing. Membership dates
are plausible (`check_membership_date`): not before 2015, at most a year ahead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, case, event, func, or_, select
from sqlalchemy.orm import contains_eager

from portal import audit, clock
from portal.accounts import services as accounts
from portal.extensions import db
from portal.groups import balance
from portal.groups.traits import CONSENT_VERSION, TRAITS, consent_text
from portal.models import AuditEvent, Invitation, Role, User
from portal.models.groups import (
    MANAGING_ROLES,
    Category,
    GroupKind,
    GroupRole,
    Membership,
    PendingMembership,
    SensitiveTrait,
    TraitCode,
    WorkingGroup,
)
from portal.versioning import check_version

# The working groups of the local action plans (MAP) began in 2015-2016: an earlier date is a typo, and it
# would rewrite the group's history (the 12-month composition chart) with a membership that never was.
EARLIEST_MEMBERSHIP_DATE = date(2015, 1, 1)
# Memberships are recorded when they are agreed, at most a year before they start.
MEMBERSHIP_DAYS_AHEAD = 366


class GroupError(ValueError):
    """A user-facing refusal; the message is already translated. `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def check_membership_date(day: date, field: str, *, today: date | None = None) -> None:
    """Refuse an implausible membership date (joining, a change, leaving), saying why."""
    today = today or clock.today()
    if day < EARLIEST_MEMBERSHIP_DATE:
        raise GroupError(_("The date cannot be before 2015: the working groups of the local action plans "
                           "(MAP) began then. Check the year."), field)
    last = today + timedelta(days=MEMBERSHIP_DAYS_AHEAD)
    if day > last:
        raise GroupError(_("A membership can be recorded at most a year ahead (until %(last)s). Check the "
                           "year.", last=format_date(last)), field)


# ---- who is where ------------------------------------------------------------------------------------


def _active_on(on: date):
    return and_(Membership.joined_on <= on, or_(Membership.left_on.is_(None), Membership.left_on > on))


def active_members(group: WorkingGroup, on: date) -> list[Membership]:
    """The group's memberships active on a date, with their users loaded, ordered by name."""
    return list(db.session.scalars(
        select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .where(Membership.group_id == group.id, _active_on(on))
        .order_by(User.name, Membership.id)
    ))


def active_members_query(group: WorkingGroup, on: date):
    """The same as `active_members`, as a select() for pagination."""
    return (
        select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .where(Membership.group_id == group.id, _active_on(on))
        .order_by(User.name, Membership.id)
    )


def public_directory_query(group: WorkingGroup, on: date):
    """The active members for visitors who see parents only as "parents' representative": named rows by name,
    then the anonymised parent rows, ordered by role and by when they were recorded, never by name (an order
    by name would let a visitor who knows the parents map each row back to a person)."""
    is_parent = Membership.category == Category.PARENT.value
    return (
        select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .where(Membership.group_id == group.id, _active_on(on))
        .order_by(case((is_parent, 1), else_=0), case((is_parent, None), else_=User.name), Membership.role,
                  Membership.id)
    )


def shows_contact(viewer: Viewer, person: User) -> bool:
    """May this viewer see the person's e-mail? The group's coordinators always; fellow members and parents
    only if the person chose to share it (`User.share_contact`); anonymous visitors and outsiders never."""
    if viewer.manages:
        return True
    return viewer.sees_full_directory and bool(person.share_contact)


def user_groups(user: User, on: date) -> list[WorkingGroup]:
    """The groups in which the user has an active membership on a date."""
    if user is None or not getattr(user, "is_authenticated", True) or user.id is None:
        return []
    return list(db.session.scalars(
        select(WorkingGroup)
        .join(Membership, Membership.group_id == WorkingGroup.id)
        .where(Membership.user_id == user.id, _active_on(on))
        .distinct()
        .order_by(WorkingGroup.name)
    ))


def membership_of(user: User, group: WorkingGroup, on: date) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Membership)
        .where(Membership.group_id == group.id, Membership.user_id == user.id, _active_on(on))
        .order_by(Membership.joined_on.desc())
        .limit(1)
    )


def _portal_manager(user: User, group: WorkingGroup) -> bool:
    """Portal administrators, and portal coordinators of the group's territory, manage every group."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.COORDINATOR and user.territory_id == group.territory_id


def _manages(user: User, group: WorkingGroup, membership: Membership | None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if _portal_manager(user, group):
        return True
    # The group's chair and coordinators manage it; parents and guests never do, whatever the membership.
    return (membership is not None and membership.role in MANAGING_ROLES
            and user.role in (Role.MEMBER, Role.COORDINATOR))


def managed_among(user: User, groups: list[WorkingGroup], on: date) -> list[WorkingGroup]:
    """The groups of `groups` that the user may manage on `on` (is_group_coordinator for each), with at
    most one query for the user's memberships instead of one per group."""
    if user is None or not getattr(user, "is_authenticated", False) or not groups:
        return []
    memberships: dict[int, Membership] = {}
    if not all(_portal_manager(user, group) for group in groups):
        for membership in db.session.scalars(
            select(Membership)
            .where(Membership.user_id == user.id, Membership.group_id.in_([g.id for g in groups]),
                   _active_on(on))
            .order_by(Membership.joined_on)
        ):
            memberships[membership.group_id] = membership  # the latest-joined wins, as in membership_of
    return [group for group in groups if _manages(user, group, memberships.get(group.id))]


def is_group_coordinator(user: User, group: WorkingGroup, on: date | None = None) -> bool:
    """May this user manage the group? Portal administrators, portal coordinators of the group's territory,
    and the group's own chair or coordinators (by a membership active on `on`, default today)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if _portal_manager(user, group):
        return user.is_active
    return _manages(user, group, membership_of(user, group, on or clock.today()))


@dataclass(frozen=True)
class Viewer:
    """What the current user may see and do in a group."""

    manages: bool
    is_member: bool

    @property
    def sees_full_directory(self) -> bool:
        return self.manages or self.is_member


def viewer_of(user: User, group: WorkingGroup, on: date) -> Viewer | None:
    """None when the user may not see the group at all (a non-public group they have nothing to do with)."""
    membership = membership_of(user, group, on)
    viewer = Viewer(manages=_manages(user, group, membership), is_member=membership is not None)
    if not group.public and not viewer.sees_full_directory:
        return None
    return viewer


def visible_groups(user: User, today: date) -> list[WorkingGroup]:
    """Public groups, plus non-public ones the user belongs to or manages, by territory and name."""
    groups = db.session.scalars(
        select(WorkingGroup).order_by(WorkingGroup.territory_id, WorkingGroup.name)
    ).all()
    signed_in = getattr(user, "is_authenticated", False)
    mine = {g.id for g in user_groups(user, today)} if signed_in else set()
    return [g for g in groups if g.public or g.id in mine or (signed_in and _portal_manager(user, g))]


# ---- groups ------------------------------------------------------------------------------------------


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "skupina"


GROUP_FIELDS = (
    "name", "slug", "kind", "purpose", "description", "parent_id", "meeting_target", "public",
    "min_per_category", "max_share_multiple", "required_support_parents",
)


def _check_group_data(data: dict, territory_id: int, group: WorkingGroup | None = None) -> dict:
    data = dict(data)
    data["name"] = (data.get("name") or "").strip()
    if not data["name"]:
        raise GroupError(_("Enter the group's name."))
    data["slug"] = slugify(data.get("slug") or data["name"])
    if data.get("kind") not in {k.value for k in GroupKind}:
        raise GroupError(_("Choose the kind of group."))
    clash = select(WorkingGroup.id).where(
        WorkingGroup.territory_id == territory_id, WorkingGroup.slug == data["slug"]
    )
    if group is not None:
        clash = clash.where(WorkingGroup.id != group.id)
    if db.session.scalar(clash) is not None:
        raise GroupError(_("Another group of this territory already uses the address “%(slug)s”.",
                           slug=data["slug"]))
    parent_id = data.get("parent_id") or None
    if parent_id is not None:
        parent = db.session.get(WorkingGroup, parent_id)
        if parent is None or parent.territory_id != territory_id:
            raise GroupError(_("Choose a parent group of the same territory."))
        # A group cannot end up below itself.
        ancestor = parent
        while ancestor is not None:
            if group is not None and ancestor.id == group.id:
                raise GroupError(_("A group cannot be a sub-group of itself or of its own sub-group."))
            ancestor = ancestor.parent
    data["parent_id"] = parent_id
    return data


def create_group(data: dict, *, actor: User) -> WorkingGroup:
    """Create a working group in the actor's territory (portal coordinators and administrators)."""
    if not actor.is_coordinator:
        raise GroupError(_("Only a coordinator can create working groups."))
    if actor.territory_id is None:
        raise GroupError(_("Your account belongs to no territory; ask an administrator to set one."))
    data = _check_group_data(data, actor.territory_id)
    group = WorkingGroup(territory_id=actor.territory_id, **{k: data[k] for k in GROUP_FIELDS if k in data})
    db.session.add(group)
    db.session.flush()
    audit.record("group.created", group, actor=actor, name=group.name, kind=group.kind)
    return group


def update_group(group: WorkingGroup, data: dict, *, actor: User, seen_version: int | None = None) -> None:
    """Change the group's description and settings (balance thresholds included)."""
    if not is_group_coordinator(actor, group):
        raise GroupError(_("Only the group's coordinators can change it."))
    if seen_version is not None:
        check_version(group, seen_version)
    data = _check_group_data(data, group.territory_id, group)
    changed = []
    for key in GROUP_FIELDS:
        if key in data and getattr(group, key) != data[key]:
            setattr(group, key, data[key])
            changed.append(key)
    if changed:
        audit.record("group.updated", group, actor=actor, fields=changed)


# ---- memberships -------------------------------------------------------------------------------------


def _check_membership_values(category: str, role: str) -> None:
    if category not in {c.value for c in Category}:
        raise GroupError(_("Choose the member's category."))
    if role not in {r.value for r in GroupRole}:
        raise GroupError(_("Choose the member's role in the group."))


def add_member(
    group: WorkingGroup,
    *,
    email: str,
    name: str | None,
    category: str,
    organisation: str | None,
    role: str,
    joined_on: date,
    actor: User,
    locale: str = "cs",
) -> Membership | PendingMembership:
    """Add a person to the group from a date.

    An existing account (of the group's territory) becomes a member at once. An unknown address is invited
    through the accounts' invitation flow (role "parent" for the parent category, else "member"); the
    membership waits as a PendingMembership and starts when the invitation is accepted.
    """
    if not is_group_coordinator(actor, group):
        raise GroupError(_("Only the group's coordinators can add members."))
    _check_membership_values(category, role)
    check_membership_date(joined_on, "joined_on")
    organisation = (organisation or "").strip() or None
    user = accounts.find_user_by_email(email)
    if user is None:
        account_role = Role.PARENT.value if category == Category.PARENT else Role.MEMBER.value
        try:
            # The caller is this group's coordinator or chair (checked by the route): that is enough to
            # invite a member or parent into the group, whatever their portal role.
            issued = accounts.invite(email, role=account_role, name=name, actor=actor, locale=locale,
                                     granted_roles=(Role.MEMBER, Role.PARENT), group_name=group.name)
        except accounts.AccountError as error:
            raise GroupError(str(error)) from error
        pending = PendingMembership(
            invitation_id=issued.invitation.id, group_id=group.id, category=category,
            organisation=organisation, role=role, joined_on=joined_on, created_by_id=actor.id,
        )
        db.session.add(pending)
        db.session.flush()
        audit.record("membership.invited", group, actor=actor, invitation_id=issued.invitation.id,
                     category=category, role=role)
        return pending
    if user.territory_id is not None and user.territory_id != group.territory_id:
        raise GroupError(_("This person belongs to another territory."))
    if not user.is_active:
        raise GroupError(_("This account is deactivated."))
    if user.role in (Role.GUEST,):
        raise GroupError(_("A guest account cannot be a member; ask an administrator to change its role."))
    overlapping = db.session.scalar(
        select(Membership.id).where(
            Membership.group_id == group.id,
            Membership.user_id == user.id,
            or_(Membership.left_on.is_(None), Membership.left_on > joined_on),
        )
    )
    if overlapping is not None:
        raise GroupError(_("%(name)s is already a member of this group.", name=user.name))
    membership = Membership(
        group_id=group.id, user_id=user.id, category=category, organisation=organisation,
        role=role, joined_on=joined_on,
    )
    db.session.add(membership)
    db.session.flush()
    audit.record("membership.added", membership, actor=actor, territory_id=group.territory_id,
                 group_id=group.id, user_id=user.id, category=category, role=role,
                 joined_on=joined_on.isoformat())
    return membership


def change_membership(
    membership: Membership,
    *,
    category: str,
    organisation: str | None,
    role: str,
    effective_on: date,
    actor: User,
    seen_version: int | None = None,
) -> Membership:
    """Change a member's category, organisation or role.

    A change of category keeps the history: the current period ends on `effective_on` and a new one starts
    that day (unless the membership started that very day, then it is corrected in place). Organisation and
    role are corrected in place. Returns the membership that is current afterwards.
    """
    group = membership.group
    if not is_group_coordinator(actor, group):
        raise GroupError(_("Only the group's coordinators can change memberships."))
    if seen_version is not None:
        check_version(membership, seen_version)
    _check_membership_values(category, role)
    if membership.left_on is not None:
        raise GroupError(_("This membership has ended; it can no longer be changed."))
    check_membership_date(effective_on, "effective_on")
    if effective_on < membership.joined_on:
        raise GroupError(_("The change cannot take effect before the member joined."))
    organisation = (organisation or "").strip() or None
    current = membership
    changed = []
    if category != membership.category:
        if effective_on == membership.joined_on:
            membership.category = category
        else:
            membership.left_on = effective_on
            current = Membership(
                group_id=membership.group_id, user_id=membership.user_id, category=category,
                organisation=membership.organisation, role=membership.role, joined_on=effective_on,
            )
            db.session.add(current)
        changed.append("category")
    if organisation != current.organisation:
        current.organisation = organisation
        changed.append("organisation")
    if role != current.role:
        current.role = role
        changed.append("role")
    if changed:
        db.session.flush()
        audit.record("membership.changed", current, actor=actor, territory_id=group.territory_id,
                     group_id=group.id, user_id=current.user_id, fields=changed, category=current.category,
                     role=current.role, effective_on=effective_on.isoformat(), previous_id=membership.id)
    return current


def end_membership(membership: Membership, left_on: date, *, actor: User,
                   seen_version: int | None = None) -> None:
    """End a membership: from `left_on` on the person is no longer a member (history stays)."""
    group = membership.group
    if not is_group_coordinator(actor, group):
        raise GroupError(_("Only the group's coordinators can end memberships."))
    if seen_version is not None:
        check_version(membership, seen_version)
    check_membership_date(left_on, "left_on")
    if membership.left_on is not None:
        raise GroupError(_("This membership has already ended."))
    if left_on < membership.joined_on:
        raise GroupError(_("A membership cannot end before it started."))
    membership.left_on = left_on
    audit.record("membership.ended", membership, actor=actor, territory_id=group.territory_id,
                 group_id=group.id, user_id=membership.user_id, left_on=left_on.isoformat())


def pending_members(group: WorkingGroup) -> list[PendingMembership]:
    return list(db.session.scalars(
        select(PendingMembership)
        .join(PendingMembership.invitation)
        .options(contains_eager(PendingMembership.invitation))
        .where(PendingMembership.group_id == group.id, Invitation.revoked_at.is_(None))
        .order_by(PendingMembership.created_at)
    ))


@event.listens_for(db.session, "before_flush")
def _start_pending_memberships(session, flush_context, instances) -> None:
    """When an invitation is accepted (it gets its user), its pending memberships become real ones.

    The accounts area knows nothing of groups; this hook keeps it that way.
    """
    accepted = [
        obj for obj in session.dirty
        if isinstance(obj, Invitation) and obj.user_id is not None and obj.accepted_at is not None
    ]
    if not accepted:
        return
    with session.no_autoflush:
        for invitation in accepted:
            pendings = session.scalars(
                select(PendingMembership).where(PendingMembership.invitation_id == invitation.id)
            ).all()
            for pending in pendings:
                group = session.get(WorkingGroup, pending.group_id)
                membership = Membership(
                    group_id=pending.group_id, user_id=invitation.user_id, category=pending.category,
                    organisation=pending.organisation, role=pending.role, joined_on=pending.joined_on,
                )
                session.add(membership)
                # audit.record() flushes, which a before_flush hook must not do: add the event directly.
                session.add(AuditEvent(
                    action="membership.added", object_type="Membership", object_id=None,
                    actor_id=invitation.user_id, territory_id=group.territory_id if group else None,
                    details={"group_id": pending.group_id, "user_id": invitation.user_id,
                             "via": "invitation", "invitation_id": invitation.id,
                             "category": pending.category, "role": pending.role},
                ))
                session.delete(pending)


# ---- balance -----------------------------------------------------------------------------------------


def _membership_rows(group: WorkingGroup, since: date, until: date) -> list[tuple[str, date, date | None]]:
    """(category, joined_on, left_on) of every membership overlapping [since, until]: one query."""
    return [tuple(row) for row in db.session.execute(
        select(Membership.category, Membership.joined_on, Membership.left_on).where(
            Membership.group_id == group.id,
            Membership.joined_on <= until,
            or_(Membership.left_on.is_(None), Membership.left_on > since),
        )
    )]


def trait_counts(group: WorkingGroup, on: date) -> dict[str, int]:
    """How many active parent members declared each trait: one aggregate query, never who."""
    counts = dict.fromkeys((t.value for t in TraitCode), 0)
    rows = db.session.execute(
        select(SensitiveTrait.code, func.count(func.distinct(SensitiveTrait.user_id)))
        .join(Membership, Membership.user_id == SensitiveTrait.user_id)
        .where(Membership.group_id == group.id, Membership.category == Category.PARENT.value, _active_on(on))
        .group_by(SensitiveTrait.code)
    )
    for code, count in rows:
        counts[code] = count
    return counts


def assess_group(group: WorkingGroup, on: date) -> balance.Assessment:
    """The group's balance on a date: counts per category, each rule's verdict with fixes, evenness."""
    return assess_groups([group], on)[group.id]


def assess_groups(groups: list[WorkingGroup], on: date) -> dict[int, balance.Assessment]:
    """assess_group for several groups (the dashboard's alerts) in two queries, not two per group."""
    if not groups:
        return {}
    ids = [group.id for group in groups]
    rows: dict[int, list[tuple[str, date, date | None]]] = {group_id: [] for group_id in ids}
    for group_id, category, joined_on, left_on in db.session.execute(
        select(Membership.group_id, Membership.category, Membership.joined_on, Membership.left_on)
        .where(Membership.group_id.in_(ids), _active_on(on))
    ):
        rows[group_id].append((category, joined_on, left_on))
    support: dict[int, int] = dict.fromkeys(ids, 0)
    for group_id, count in db.session.execute(
        select(Membership.group_id, func.count(func.distinct(SensitiveTrait.user_id)))
        .join(SensitiveTrait, SensitiveTrait.user_id == Membership.user_id)
        .where(Membership.group_id.in_(ids), Membership.category == Category.PARENT.value, _active_on(on),
               SensitiveTrait.code == TraitCode.SUPPORT_NEEDS_PARENT.value)
        .group_by(Membership.group_id)
    ):
        support[group_id] = count
    return {group.id: balance.assess(balance.counts_on(rows[group.id], on), balance.Thresholds.of(group), on,
                                     support_parents=support[group.id])
            for group in groups}


@dataclass
class Composition:
    assessment: balance.Assessment
    timeline: list[balance.Snapshot]
    traits: dict[str, int]


def composition(group: WorkingGroup, today: date, months: int = 12) -> Composition:
    """Today's assessment and monthly snapshots for the last `months` months, in two queries."""
    dates = balance.month_starts(today, months)
    rows = _membership_rows(group, dates[0], today)
    traits = trait_counts(group, today)
    thresholds = balance.Thresholds.of(group)
    assessment = balance.assess(
        balance.counts_on(rows, today), thresholds, today,
        support_parents=traits[TraitCode.SUPPORT_NEEDS_PARENT.value],
    )
    return Composition(assessment, balance.timeline(rows, dates, thresholds), traits)


# ---- sensitive traits --------------------------------------------------------------------------------
# Deliberately not audited: even "X declared a trait" reveals special-category data about X when every trait
# is sensitive. The consent itself is kept with the declaration (text, version, date) and erased with it.


def may_declare(user: User, code: str, on: date) -> bool:
    """Is the trait offered to this person? Only where it counts: a parent account, or a current or future
    membership in one of the trait's categories (the parents). GDPR Art. 5(1)(c): no data without a use."""
    trait = TRAITS.get(code)
    if trait is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in trait.roles:
        return True
    return db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == user.id, Membership.category.in_(trait.categories),
            or_(Membership.left_on.is_(None), Membership.left_on > on),
        ).limit(1)
    ) is not None


def offered_traits(user: User, on: date) -> list[str]:
    """The codes of the traits this person may declare (`may_declare`)."""
    return [code for code in TRAITS if may_declare(user, code, on)]


def my_traits(user: User) -> dict[str, SensitiveTrait]:
    rows = db.session.scalars(select(SensitiveTrait).where(SensitiveTrait.user_id == user.id))
    return {t.code: t for t in rows}


def declare_trait(user: User, code: str, *, consent_given: bool, locale: str, actor: User) -> SensitiveTrait:
    """Store a trait the user declares about themselves, with the consent text they agreed to."""
    if actor.id != user.id:
        raise GroupError(_("Only the person themselves can declare this."))
    if code not in TRAITS:
        raise GroupError(_("Unknown item."))
    if not may_declare(user, code, clock.today()):
        raise GroupError(_("Only parents can declare this: the group counts it only among its parents."))
    if not consent_given:
        raise GroupError(_("Without your consent nothing is stored."))
    existing = my_traits(user).get(code)
    if existing is not None:
        return existing
    trait = SensitiveTrait(user_id=user.id, code=code, consent_text_version=CONSENT_VERSION,
                           consent_text=consent_text(code, locale))
    db.session.add(trait)
    db.session.flush()
    return trait


def withdraw_trait(user: User, code: str, *, actor: User) -> bool:
    """Withdraw consent: the declaration is deleted (not flagged). Returns whether anything was erased."""
    if actor.id != user.id:
        raise GroupError(_("Only the person themselves can withdraw this."))
    trait = my_traits(user).get(code)
    if trait is None:
        return False
    db.session.delete(trait)
    db.session.flush()
    return True
