"""The proposals demo: every state, the adopted one responding to a demo signal (now addressed) with a late
milestone; running the demo twice creates nothing twice."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import clock
from portal.demo import seed_demo
from portal.extensions import db
from portal.models import FlagLink, Milestone, Proposal, ProposalEvent
from portal.models.proposals import MilestoneState, ProposalState
from portal.proposals import reads


def test_the_demo_has_proposals_in_every_state_and_an_adopted_one_with_a_late_milestone(app):
    seed_demo("heslo-demo-123")
    db.session.commit()
    states = set(db.session.scalars(select(Proposal.state)))
    assert states == {s.value for s in ProposalState}
    # This year's adopted one (last year's, for the annual report, is dated last year).
    adopted = db.session.scalars(select(Proposal).where(Proposal.state == "adopted")
                                 .order_by(Proposal.created_at.desc())).first()
    signals = reads.signals_of(adopted)
    assert len(signals) == 1 and signals[0].state == "addressed"
    milestone_states = [reads.milestone_state(m, clock.today()) for m in adopted.milestones]
    assert milestone_states.count(MilestoneState.LATE) == 1
    assert reads.overdue_milestones([adopted.group], clock.today())
    counts = [db.session.scalar(select(func.count()).select_from(m))
              for m in (Proposal, ProposalEvent, Milestone, FlagLink)]
    seed_demo("heslo-demo-123")
    db.session.commit()
    assert [db.session.scalar(select(func.count()).select_from(m))
            for m in (Proposal, ProposalEvent, Milestone, FlagLink)] == counts
