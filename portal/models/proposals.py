"""Proposed activities (*návrhy aktivit*) of a working group, their history, funding opinions and milestones
(DOMAIN.md, "Proposals and equal access"; issue 11).

A proposal moves draft → submitted → under assessment → assessed → adopted into the action plan, or is
returned for rework, or withdrawn (``portal.proposals.workflow`` says who may do what). The equal-access
assessment (criteria, assessors, answers, verdict) lives in its own models; the verdict the group records is
kept on the proposal (``verdict``/``verdict_conditions``) so lists and exports filter by it without joining.
The analysis signals a proposal responds to are ``FlagLink`` rows with ``proposal_id`` set
(``portal.analysis_portal.links``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.documents import DocumentVersion
from portal.models.groups import WorkingGroup
from portal.models.people import Territory, User


class ProposalState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_ASSESSMENT = "under_assessment"
    ASSESSED = "assessed"
    ADOPTED = "adopted"  # into the action plan (``plan_version``)
    RETURNED = "returned"  # for rework, with reasons (``returned_reason``); the author edits and resubmits
    WITHDRAWN = "withdrawn"


class ProposalKind(enum.StrEnum):
    SCHOOL = "school"  # školní aktivita
    COOPERATION = "cooperation"  # aktivita spolupráce
    INFRASTRUCTURE = "infrastructure"  # infrastruktura


class Transition(enum.StrEnum):
    """The education transition a proposal concerns (DOMAIN.md)."""

    KINDERGARTEN_PRIMARY = "ms_zs"  # MŠ/ZŠ
    PRIMARY_STAGES = "zs_stages"  # 1. a 2. stupeň ZŠ
    PRIMARY_SECONDARY = "zs_ss"  # ZŠ/SŠ
    PRIMARY_GYMNASIUM = "zs_gym"  # ZŠ/víceleté gymnázium
    NONE = "none"


class Klima(enum.StrEnum):
    """KLIMA components; a proposal stores the letters it serves, in this order (e.g. "KIA")."""

    CULTURE = "K"  # Kultura učení
    LEADERSHIP = "L"  # Leadership
    INCLUSION = "I"  # Inkluzivní prostředí
    MENTORING = "M"  # Mentoring
    ACTIVATING = "A"  # Aktivizační formy učení


class Verdict(enum.StrEnum):
    """The group's equal-access verdict (recorded by the assessment area)."""

    COMPLIANT = "compliant"  # v souladu
    CONDITIONAL = "conditional"  # v souladu s podmínkami
    NOT_COMPLIANT = "not_compliant"  # není v souladu


class Proposal(db.Model):
    __tablename__ = "proposal"
    __table_args__ = (
        Index("ix_proposal_group_state", "group_id", "state"),
        Index("ix_proposal_territory_state", "territory_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default=ProposalKind.SCHOOL.value)
    target_group: Mapped[str] = mapped_column(String(300), default="")
    # Schools or organisations involved, free text (one per line).
    organisations: Mapped[str] = mapped_column(Text, default="")
    transition: Mapped[str] = mapped_column(String(20), default=Transition.NONE.value)
    klima: Mapped[str] = mapped_column(String(5), default="")  # letters of Klima, e.g. "KIA"
    expected_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # CZK, never negative
    funding_source: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(20), default=ProposalState.DRAFT.value)
    returned_reason: Mapped[str | None] = mapped_column(Text)
    # Set by the assessment area when the group records its verdict (Verdict), with the conditions listed.
    verdict: Mapped[str | None] = mapped_column(String(20))
    verdict_conditions: Mapped[str | None] = mapped_column(Text)
    # The action plan version the proposal was adopted into (a DocumentVersion of an action plan; optional).
    plan_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_version.id", ondelete="SET NULL"))
    # Years of the plan the activity runs in (milestones must fall inside them).
    plan_year_from: Mapped[int | None]
    plan_year_to: Mapped[int | None]
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The PS pro financování group asked for a funding opinion (FundingOpinion holds the answer).
    funding_group_id: Mapped[int | None] = mapped_column(ForeignKey("working_group.id", ondelete="SET NULL"))
    funding_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    territory: Mapped[Territory] = relationship()
    group: Mapped[WorkingGroup] = relationship(foreign_keys=[group_id])
    funding_group: Mapped[WorkingGroup | None] = relationship(foreign_keys=[funding_group_id])
    author: Mapped[User | None] = relationship()
    plan_version: Mapped[DocumentVersion | None] = relationship()
    indicators: Mapped[list[ProposalIndicator]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ProposalIndicator.position")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(Milestone.due_on, Milestone.id)")
    events: Mapped[list[ProposalEvent]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ProposalEvent.id")
    funding_opinions: Mapped[list[FundingOpinion]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", passive_deletes=True,
        order_by="FundingOpinion.id")

    @property
    def klima_components(self) -> list[Klima]:
        return [k for k in Klima if k.value in (self.klima or "")]

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.state}>"


class ProposalIndicator(db.Model):
    """An indicator of a proposal: a baseline and a target per year ({"2026": 10, ...})."""

    __tablename__ = "proposal_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    yearly_targets: Mapped[dict] = mapped_column(JSON, default=dict)

    proposal: Mapped[Proposal] = relationship(back_populates="indicators")


class ProposalEvent(db.Model):
    """The proposal's history: state changes (who, when, from, to, reason), funding requests and opinions,
    edits. Facts, not sentences: pages render ``kind``/states in the reader's language."""

    __tablename__ = "proposal_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    # "state", "edit", "funding_request", "funding_opinion", "milestone", ...
    kind: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class FundingOpinion(db.Model):
    """The opinion of PS pro financování on a proposal, recorded by that group's coordinator."""

    __tablename__ = "funding_opinion"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("working_group.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="funding_opinions")
    group: Mapped[WorkingGroup | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class MilestoneState(enum.StrEnum):
    """Derived, never stored (``portal.proposals.reads.milestone_state``): planned (not due, nothing
    reported), on track (not due, a value reported), late (due, no value), met (value ≥ target), missed (due,
    value below target)."""

    PLANNED = "planned"
    ON_TRACK = "on_track"
    LATE = "late"
    MET = "met"
    MISSED = "missed"


class Milestone(db.Model):
    """A yearly milestone of an adopted activity; its state is derived from ``due_on`` and the values."""

    __tablename__ = "milestone"
    __table_args__ = (Index("ix_milestone_due_on", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_indicator.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    responsible: Mapped[str] = mapped_column(String(200), default="")  # person or organisation
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    reached_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    proposal: Mapped[Proposal] = relationship(back_populates="milestones")
    indicator: Mapped[ProposalIndicator | None] = relationship()
