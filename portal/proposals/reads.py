"""The queries proposal pages, exports and the dashboard share (writes live in ``services``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import AnalysisFlag, FlagLink, Milestone, Proposal
from portal.models.proposals import MilestoneState


def signals_of(proposal: Proposal) -> list[AnalysisFlag]:
    """The analysis flags the proposal responds to, in link order (one query)."""
    return list(db.session.scalars(
        select(AnalysisFlag).join(FlagLink, FlagLink.flag_id == AnalysisFlag.id)
        .where(FlagLink.proposal_id == proposal.id).order_by(FlagLink.id)))


def proposals_for_flag(flag: AnalysisFlag) -> list[Proposal]:
    """The proposals that respond to the flag, in link order (one query)."""
    return list(db.session.scalars(
        select(Proposal).join(FlagLink, FlagLink.proposal_id == Proposal.id)
        .where(FlagLink.flag_id == flag.id).order_by(FlagLink.id)))


def milestone_state(milestone: Milestone, on: date) -> MilestoneState:
    """Derived from the date and the values, never typed in (issue 11): met when the value reached meets the
    target; after the due date, missed when a lower value was reported and late when none was; before it,
    on track when a value was reported, planned when not."""
    reached, target = milestone.reached_value, milestone.target_value
    if reached is not None and (target is None or reached >= target):
        return MilestoneState.MET
    if milestone.due_on < on:
        return MilestoneState.MISSED if reached is not None else MilestoneState.LATE
    return MilestoneState.ON_TRACK if reached is not None else MilestoneState.PLANNED
