"""Milestones of adopted activities: states derived from the date and the values, refused outside the plan's
years, overdue ones on the coordinator's dashboard list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from portal import clock
from portal.models import Milestone
from portal.models.proposals import MilestoneState
from portal.proposals import reads, services
from portal.proposals.base import ProposalError
from tests.proposals_helpers import make_proposal, world

DUE = date(2027, 6, 30)


def milestone(**values) -> Milestone:
    return Milestone(title="Doučování běží", due_on=DUE, **values)


@pytest.mark.parametrize(("on", "target", "reached", "state"), [
    (date(2027, 6, 1), "10", None, MilestoneState.PLANNED),
    (date(2027, 6, 1), "10", "4", MilestoneState.ON_TRACK),
    (date(2027, 6, 1), "10", "10", MilestoneState.MET),
    (date(2027, 6, 30), "10", None, MilestoneState.PLANNED),  # due today: not late yet
    (date(2027, 7, 1), "10", None, MilestoneState.LATE),
    (date(2027, 7, 1), "10", "9", MilestoneState.MISSED),
    (date(2027, 7, 1), "10", "12", MilestoneState.MET),
    (date(2027, 7, 1), None, "1", MilestoneState.MET),
])
def test_the_state_is_derived_from_the_date_and_the_values(on, target, reached, state):
    m = milestone(target_value=Decimal(target) if target else None,
                  reached_value=Decimal(reached) if reached else None)
    assert reads.milestone_state(m, on) == state


def test_milestones_are_kept_for_adopted_activities_within_the_plans_years(db):
    w = world()
    draft = make_proposal(w)
    with pytest.raises(ProposalError):
        services.add_milestone(draft, {"title": "x", "due_on": DUE}, actor=w.coordinator)
    proposal = make_proposal(w, "adopted")
    services.set_plan_years(proposal, 2026, 2027, actor=w.coordinator)
    with pytest.raises(ProposalError, match="2026"):
        services.add_milestone(proposal, {"title": "Po plánu", "due_on": date(2028, 1, 31)},
                               actor=w.coordinator)
    with pytest.raises(ProposalError):
        services.add_milestone(proposal, {"title": "Záporný cíl", "due_on": DUE, "target_value": "-5"},
                               actor=w.coordinator)
    with pytest.raises(ProposalError):  # the author is not the one who tracks the plan
        services.add_milestone(proposal, {"title": "x", "due_on": DUE}, actor=w.author)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Milestone)) == 0
    m = services.add_milestone(proposal, {"title": "Doučování běží", "due_on": DUE, "target_value": "20",
                                          "responsible": "ZŠ Vzorov"}, actor=w.coordinator)
    db.session.commit()
    services.update_milestone(m, {"title": m.title, "due_on": DUE, "target_value": "20",
                                  "reached_value": "21"}, actor=w.coordinator, seen_version=m.version)
    db.session.commit()
    assert reads.milestone_state(m, date(2027, 12, 1)) == MilestoneState.MET


def test_overdue_milestones_are_listed_for_the_groups_coordinator(db):
    w = world()
    proposal = make_proposal(w, "adopted")
    late = services.add_milestone(proposal, {"title": "Pozdě", "due_on": date(2026, 3, 31),
                                             "target_value": "5"}, actor=w.coordinator)
    services.add_milestone(proposal, {"title": "Splněno", "due_on": date(2026, 3, 31), "target_value": "5",
                                      "reached_value": "5"}, actor=w.coordinator)
    services.add_milestone(proposal, {"title": "Později", "due_on": date(2026, 9, 30), "target_value": "5"},
                           actor=w.coordinator)
    db.session.commit()
    with time_machine.travel(date(2026, 5, 1), tick=False):
        assert reads.overdue_milestones([w.group], clock.today()) == [late]
    with time_machine.travel(date(2026, 2, 1), tick=False):
        assert reads.overdue_milestones([w.group], clock.today()) == []
