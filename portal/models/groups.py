"""Working groups, memberships with history, and self-declared sensitive traits.

See DOMAIN.md, "Balanced membership". A membership is active on day `d` when
`joined_on <= d` and (`left_on` is empty or `d < left_on`): `left_on` is the first day the person is no longer
a member, so ending a membership today removes the person from today's composition.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.people import Invitation, Territory, User


class GroupKind(enum.StrEnum):
    EQUAL_OPPORTUNITIES = "equal_opportunities"
    FINANCING = "financing"
    OTHER = "other"


class Category(enum.StrEnum):
    """The seven stakeholder categories of a balanced group (DOMAIN.md), in display order."""

    FOUNDER = "founder"
    DIRECTOR = "director"
    TEACHER = "teacher"
    YOUTH_WORKER = "youth_worker"
    COUNSELLING = "counselling"
    EXPERT = "expert"
    PARENT = "parent"


class GroupRole(enum.StrEnum):
    CHAIR = "chair"
    COORDINATOR = "coordinator"
    MEMBER = "member"


# Membership roles that may manage the group (members, settings).
MANAGING_ROLES = frozenset({GroupRole.CHAIR.value, GroupRole.COORDINATOR.value})


class TraitCode(enum.StrEnum):
    """Special-category data (GDPR Art. 9): self-declared, with consent, never shown per person."""

    SUPPORT_NEEDS_PARENT = "support_needs_parent"
    ROMA_PARENT = "roma_parent"


class WorkingGroup(db.Model):
    """A working group (*pracovní skupina*) of a territory's MAP, possibly a sub-group of another."""

    __tablename__ = "working_group"
    __table_args__ = (UniqueConstraint("territory_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30), default=GroupKind.OTHER.value)
    purpose: Mapped[str | None] = mapped_column(Text)
    # The public description page's text (plain text, paragraphs separated by blank lines).
    description: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("working_group.id", ondelete="SET NULL"))
    meeting_target: Mapped[int] = mapped_column(default=4, server_default="4")
    public: Mapped[bool] = mapped_column(default=True, server_default="1")
    # Balance thresholds (DOMAIN.md defaults): at least `min_per_category` members in every category, no
    # category above `max_share_multiple` times its equal share, at least `required_support_parents` parent
    # members who declared "parent of a child with support needs".
    min_per_category: Mapped[int] = mapped_column(default=1, server_default="1")
    max_share_multiple: Mapped[float] = mapped_column(default=2.0, server_default="2")
    required_support_parents: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Optimistic locking of the settings (portal.versioning).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    territory: Mapped[Territory] = relationship()
    parent: Mapped[WorkingGroup | None] = relationship(remote_side=[id], back_populates="subgroups")
    subgroups: Mapped[list[WorkingGroup]] = relationship(
        back_populates="parent", order_by="WorkingGroup.name"
    )

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.slug}>"


class Membership(db.Model):
    """One period of a person's membership in a group, with their category, organisation and role."""

    __tablename__ = "membership"
    __table_args__ = (
        Index("ix_membership_group_dates", "group_id", "joined_on", "left_on"),
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=GroupRole.MEMBER.value)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    group: Mapped[WorkingGroup] = relationship()
    user: Mapped[User] = relationship()

    def active_on(self, on: date) -> bool:
        return self.joined_on <= on and (self.left_on is None or on < self.left_on)

    def __repr__(self) -> str:
        return f"<Membership {self.user_id}@{self.group_id} {self.category}>"


class PendingMembership(db.Model):
    """A membership waiting for an invited person to accept the invitation (then it becomes a Membership)."""

    __tablename__ = "pending_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=GroupRole.MEMBER.value)
    joined_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    invitation: Mapped[Invitation] = relationship()
    group: Mapped[WorkingGroup] = relationship()


class SensitiveTrait(db.Model):
    """A trait the member declared about themselves, with the consent text they agreed to.

    Withdrawing consent deletes the row: there is no history of traits, on purpose.
    """

    __tablename__ = "sensitive_trait"
    __table_args__ = (UniqueConstraint("user_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    consent_text_version: Mapped[str] = mapped_column(String(20))
    # The exact consent text shown, in the language it was shown in.
    consent_text: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
