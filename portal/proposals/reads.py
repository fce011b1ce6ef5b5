"""The queries proposal pages, exports and the dashboard share (writes live in ``services``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from portal import clock
from portal.extensions import db
from portal.groups import services as groups
from portal.models import AnalysisFlag, FlagLink, FundingOpinion, Milestone, Proposal, User, WorkingGroup
from portal.models.analysis import FlagState
from portal.models.people import Role
from portal.models.proposals import Klima, MilestoneState, ProposalState, Transition, Verdict


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


# ---- lists, exports, dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The list's filters (each optional): state, verdict, transition, KLIMA letter, group, year (of
    creation), signal (a flag id)."""

    state: str | None = None
    verdict: str | None = None
    transition: str | None = None
    klima: str | None = None
    group_id: int | None = None
    year: int | None = None
    flag_id: int | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        def choice(name: str, allowed: set[str]) -> str | None:
            value = args.get(name) or None
            return value if value in allowed else None

        return cls(
            state=choice("state", {s.value for s in ProposalState}),
            verdict=choice("verdict", {v.value for v in Verdict}),
            transition=choice("transition", {t.value for t in Transition}),
            klima=choice("klima", {k.value for k in Klima}),
            group_id=args.get("group", type=int),
            year=args.get("year", type=int),
            flag_id=args.get("signal", type=int),
        )

    def as_args(self) -> dict:
        return {k: v for k, v in (("state", self.state), ("verdict", self.verdict),
                                  ("transition", self.transition), ("klima", self.klima),
                                  ("group", self.group_id), ("year", self.year), ("signal", self.flag_id))
                if v is not None}


def visible_query(user: User, on: date) -> Select:
    """Proposals the user may see (the rule of ``base.can_see``, as one query): their own, all of groups they
    manage, the non-drafts of groups they belong to, the adopted ones of public groups of their territory
    (every territory for administrators)."""
    query = select(Proposal)
    if user.role != Role.ADMIN:
        query = query.where(Proposal.territory_id == user.territory_id)
        territory_groups = list(db.session.scalars(
            select(WorkingGroup).where(WorkingGroup.territory_id == user.territory_id)))
        managed = [g.id for g in groups.managed_among(user, territory_groups, on)]
        member_of = [g.id for g in groups.user_groups(user, on)]
        public = [g.id for g in territory_groups if g.public]
        query = query.where(or_(
            Proposal.author_id == user.id,
            Proposal.group_id.in_(managed),
            and_(Proposal.state != ProposalState.DRAFT.value, Proposal.group_id.in_(member_of)),
            and_(Proposal.state == ProposalState.ADOPTED.value, Proposal.group_id.in_(public)),
        ))
    return query


def filtered_query(user: User, on: date, filters: Filters) -> Select:
    query = visible_query(user, on)
    if filters.state:
        query = query.where(Proposal.state == filters.state)
    if filters.verdict:
        query = query.where(Proposal.verdict == filters.verdict)
    if filters.transition:
        query = query.where(Proposal.transition == filters.transition)
    if filters.klima:
        query = query.where(Proposal.klima.contains(filters.klima))
    if filters.group_id:
        query = query.where(Proposal.group_id == filters.group_id)
    if filters.year:
        start = datetime(filters.year, 1, 1, tzinfo=UTC)
        query = query.where(Proposal.created_at >= start,
                            Proposal.created_at < start.replace(year=filters.year + 1))
    if filters.flag_id:
        query = query.where(Proposal.id.in_(select(FlagLink.proposal_id).where(
            FlagLink.flag_id == filters.flag_id)))
    return query.options(joinedload(Proposal.group), joinedload(Proposal.author)).order_by(
        Proposal.created_at.desc(), Proposal.id.desc())


def proposals_page(user: User, on: date, filters: Filters, *, page: int = 1, per_page: int = 50):
    """A page of the filtered list (Flask-SQLAlchemy pagination: a count and a page query)."""
    return db.paginate(filtered_query(user, on, filters), page=page, per_page=per_page, error_out=False)


def signal_counts(proposal_ids: list[int]) -> dict[int, int]:
    """{proposal id: number of signals it responds to}, one query."""
    if not proposal_ids:
        return {}
    return dict(db.session.execute(
        select(FlagLink.proposal_id, func.count()).where(FlagLink.proposal_id.in_(proposal_ids))
        .group_by(FlagLink.proposal_id)).all())


def overdue_milestones(groups_: list[WorkingGroup], on: date, *, limit: int = 20) -> list[Milestone]:
    """Milestones of adopted activities of these groups that are late or missed on ``on`` (due before it
    and not met), oldest first: the coordinator's dashboard."""
    if not groups_:
        return []
    candidates = db.session.scalars(
        select(Milestone).join(Proposal, Proposal.id == Milestone.proposal_id)
        .where(Proposal.group_id.in_([g.id for g in groups_]), Proposal.state == ProposalState.ADOPTED.value,
               Milestone.due_on < on)
        .options(joinedload(Milestone.proposal))
        .order_by(Milestone.due_on, Milestone.id).limit(limit * 4)).all()
    late = (MilestoneState.LATE, MilestoneState.MISSED)
    return [m for m in candidates if milestone_state(m, on) in late][:limit]


@dataclass(frozen=True)
class FundingCooperation:
    """The group's proposals sent to a financing group, and that group's opinions, within a period."""

    requested: list[Proposal]  # funding opinion asked for in the period, by when
    opinions: list[FundingOpinion]  # recorded in the period, by when (their proposals loaded)


def funding_between(group: WorkingGroup, start: date, end: date) -> FundingCooperation:
    """The group's funding requests and the opinions of PS pro financování on its proposals, dated in
    Europe/Prague within `start`–`end` (both included): the annual report's cooperation section."""
    since = datetime.combine(start - timedelta(days=1), time(0), tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=2), time(0), tzinfo=UTC)

    def inside(moment: datetime | None) -> bool:
        return moment is not None and start <= moment.astimezone(clock.zone()).date() <= end

    requested = db.session.scalars(
        select(Proposal).where(Proposal.group_id == group.id, Proposal.funding_requested_at >= since,
                               Proposal.funding_requested_at < until)
        .order_by(Proposal.funding_requested_at, Proposal.id)).all()
    opinions = db.session.scalars(
        select(FundingOpinion).join(Proposal, Proposal.id == FundingOpinion.proposal_id)
        .where(Proposal.group_id == group.id, FundingOpinion.recorded_at >= since,
               FundingOpinion.recorded_at < until)
        .options(joinedload(FundingOpinion.proposal), joinedload(FundingOpinion.group))
        .order_by(FundingOpinion.recorded_at, FundingOpinion.id)).all()
    return FundingCooperation([p for p in requested if inside(p.funding_requested_at)],
                              [o for o in opinions if inside(o.recorded_at)])


def signals_to_choose(proposal: Proposal, search: str, *, limit: int = 30) -> list[AnalysisFlag]:
    """The territory's open flags matching ``search`` (school name or id, rule), not yet linked."""
    linked = select(FlagLink.flag_id).where(FlagLink.proposal_id == proposal.id)
    query = select(AnalysisFlag).where(AnalysisFlag.territory_id == proposal.territory_id,
                                       AnalysisFlag.state != FlagState.CLOSED.value,
                                       AnalysisFlag.id.not_in(linked))
    term = (search or "").strip()
    if term:
        like = f"%{term.lower()}%"
        query = query.where(or_(func.lower(AnalysisFlag.school_name).like(like),
                                func.lower(AnalysisFlag.school_id).like(like),
                                func.lower(AnalysisFlag.rule).like(like)))
    return list(db.session.scalars(query.order_by(AnalysisFlag.school_name, AnalysisFlag.id).limit(limit)))


# ---- a period's proposals (the annual report) -----------------------------------------------------------


def proposals_between(group_id: int, start_at: datetime, end_at: datetime, start: date,
                      end: date) -> list[Proposal]:
    """The group's proposals it worked on in the period [start_at, end_at) (dates `start`–`end`): first
    submitted before the period ended (a draft is its author's alone; a proposal returned and submitted again
    counts from its first submission) and with something in the period: an event of its history, or a
    milestone falling due. In order of first submission, with events and milestones loaded."""
    from sqlalchemy.orm import selectinload

    from portal.models import ProposalEvent

    touched = select(ProposalEvent.proposal_id).where(ProposalEvent.at >= start_at, ProposalEvent.at < end_at)
    due = select(Milestone.proposal_id).where(Milestone.due_on >= start, Milestone.due_on <= end)
    submitted = (select(ProposalEvent.proposal_id, func.min(ProposalEvent.at).label("first"))
                 .where(ProposalEvent.kind == "state",
                        ProposalEvent.to_state == ProposalState.SUBMITTED.value)
                 .group_by(ProposalEvent.proposal_id).subquery())
    return list(db.session.scalars(
        select(Proposal)
        .join(submitted, submitted.c.proposal_id == Proposal.id)
        .where(Proposal.group_id == group_id, submitted.c.first < end_at,
               or_(Proposal.id.in_(touched), Proposal.id.in_(due)))
        .options(selectinload(Proposal.events), selectinload(Proposal.milestones))
        .order_by(submitted.c.first, Proposal.id)
    ))


def state_on(proposal: Proposal, moment: datetime) -> str:
    """The proposal's state just before `moment`, from its history (the last state change before it);
    the current state when the history has none."""
    changes = [e for e in proposal.events if e.kind == "state" and e.to_state and e.at < moment]
    if changes:
        return max(changes, key=lambda e: (e.at, e.id)).to_state
    return proposal.state
