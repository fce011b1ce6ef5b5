"""The proposal workflow: every transition for every role (allowed and refused), history and audit, the
verdict the assessed step needs, bad input that changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, Proposal, ProposalEvent
from portal.proposals import services, workflow
from portal.proposals.base import ProposalError
from tests.proposals_helpers import PROPOSAL_DATA, make_proposal, world

ROLES = ("author", "member", "coordinator", "admin", "outsider", "finance_coordinator")

# (from state, to state) → the roles allowed; every other role is refused.
RULES = {
    ("draft", "submitted"): {"author", "admin"},
    ("draft", "withdrawn"): {"author", "coordinator", "admin"},
    ("returned", "submitted"): {"author", "admin"},
    ("submitted", "under_assessment"): {"coordinator", "admin"},
    ("submitted", "returned"): {"coordinator", "admin"},
    ("submitted", "withdrawn"): {"author", "coordinator", "admin"},
    ("under_assessment", "assessed"): {"coordinator", "admin"},
    ("under_assessment", "returned"): {"coordinator", "admin"},
    ("assessed", "adopted"): {"coordinator", "admin"},
    ("assessed", "withdrawn"): {"author", "coordinator", "admin"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("from_state", "to_state"), list(RULES))
def test_each_transition_is_allowed_only_to_the_right_roles(db, role, from_state, to_state):
    w = world()
    proposal = make_proposal(w, from_state)
    if to_state == "assessed":
        proposal.verdict = "compliant"
        db.session.commit()
    actor = getattr(w, role)
    version = proposal.version
    if role in RULES[(from_state, to_state)]:
        event = workflow.transition(proposal, to_state, actor=actor, reason="Důvod vrácení.")
        db.session.commit()
        assert proposal.state == to_state
        assert (event.from_state, event.to_state, event.actor_id) == (from_state, to_state, actor.id)
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "proposal.transition")
                                   .order_by(AuditEvent.id.desc())).first()
        assert audit.actor_id == actor.id and audit.object_id == proposal.id
    else:
        with pytest.raises(ProposalError):
            workflow.transition(proposal, to_state, actor=actor, reason="Důvod vrácení.")
        db.session.rollback()
        db.session.refresh(proposal)
        assert proposal.state == from_state and proposal.version == version


@pytest.mark.parametrize("state", ["adopted", "withdrawn"])
def test_adopted_and_withdrawn_proposals_move_nowhere(db, state):
    w = world()
    proposal = make_proposal(w, state)
    for to_state in ("submitted", "under_assessment", "returned", "withdrawn", "adopted"):
        with pytest.raises(ProposalError):
            workflow.transition(proposal, to_state, actor=w.admin, reason="x")
    assert workflow.allowed_transitions(proposal, w.admin) == []


def test_the_assessed_step_needs_the_groups_verdict(db):
    w = world()
    proposal = make_proposal(w, "under_assessment")
    with pytest.raises(ProposalError, match="závěr posouzení"):
        workflow.transition(proposal, "assessed", actor=w.coordinator)
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).state == "under_assessment"


def test_a_not_compliant_proposal_cannot_be_adopted(db):
    w = world()
    proposal = make_proposal(w, "under_assessment")
    proposal.verdict = "not_compliant"
    workflow.transition(proposal, "assessed", actor=w.coordinator)
    db.session.commit()
    with pytest.raises(ProposalError):
        workflow.transition(proposal, "adopted", actor=w.coordinator)


def test_returning_needs_reasons_and_the_author_sees_them_and_resubmits(db):
    w = world()
    proposal = make_proposal(w, "submitted")
    with pytest.raises(ProposalError, match="Uveďte"):
        workflow.transition(proposal, "returned", actor=w.coordinator, reason="  ")
    workflow.transition(proposal, "returned", actor=w.coordinator, reason="Chybí rozpočet.")
    db.session.commit()
    assert proposal.returned_reason == "Chybí rozpočet."
    services.update_proposal(proposal, {**PROPOSAL_DATA, "expected_cost": "90000"}, actor=w.author,
                             seen_version=proposal.version)
    workflow.transition(proposal, "submitted", actor=w.author)
    db.session.commit()
    kinds = [(e.kind, e.from_state, e.to_state) for e in proposal.events]
    assert kinds == [("created", None, "draft"), ("state", "draft", "submitted"),
                     ("state", "submitted", "returned"), ("edit", None, None),
                     ("state", "returned", "submitted")]
    assert proposal.returned_reason is None


@pytest.mark.parametrize("cost", ["-1", "sto tisíc", "12,3,4", "NaN", "1e400", "0,001"])
def test_a_negative_or_non_numeric_cost_is_refused_and_changes_nothing(db, cost):
    w = world()
    proposal = make_proposal(w)
    before = (proposal.expected_cost, proposal.version)
    with pytest.raises(ProposalError):
        services.update_proposal(proposal, {**PROPOSAL_DATA, "expected_cost": cost}, actor=w.author,
                                 seen_version=proposal.version)
    db.session.rollback()
    proposal = db.session.get(Proposal, proposal.id)
    assert (proposal.expected_cost, proposal.version) == before
    with pytest.raises(ProposalError):
        services.create_proposal(w.group, {**PROPOSAL_DATA, "expected_cost": cost}, actor=w.author)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1


def test_only_members_propose_and_costs_are_read_in_czech_notation(db):
    w = world()
    with pytest.raises(ProposalError):
        services.create_proposal(w.group, PROPOSAL_DATA, actor=w.outsider)
    proposal = services.create_proposal(w.group, PROPOSAL_DATA, actor=w.member)
    assert str(proposal.expected_cost) == "125000.50"
    assert proposal.klima == "KI"
    assert db.session.scalar(select(func.count()).select_from(ProposalEvent)) == 1


def test_indicators_are_read_with_a_baseline_and_yearly_targets_and_bad_lines_are_refused(db):
    w = world()
    proposal = services.create_proposal(w.group, {**PROPOSAL_DATA, "indicators": (
        "Doučovaní žáci; žáci; 0; 2026=20, 2027=40\n\nÚčast rodičů;;12")}, actor=w.author)
    assert [(i.name, i.unit, i.baseline, i.yearly_targets) for i in proposal.indicators] == [
        ("Doučovaní žáci", "žáci", 0, {"2026": "20.00", "2027": "40.00"}), ("Účast rodičů", "", 12, {})]
    db.session.commit()
    version = proposal.version
    for bad in ("Žáci; žáci; 0; 2026:20", "Žáci; žáci; -3", "; žáci", "a;b;c;d;e"):
        with pytest.raises(ProposalError):
            services.update_proposal(proposal, {**PROPOSAL_DATA, "indicators": bad}, actor=w.author,
                                     seen_version=version)
        db.session.rollback()
    proposal = db.session.get(Proposal, proposal.id)
    assert [i.name for i in proposal.indicators] == ["Doučovaní žáci", "Účast rodičů"]
    first_line = services.indicators_text(proposal).splitlines()[0]
    assert first_line == "Doučovaní žáci; žáci; 0.00; 2026=20.00, 2027=40.00"
    assert services.update_proposal(proposal, {**PROPOSAL_DATA, "indicators": "Jen jeden"}, actor=w.author,
                                    seen_version=version) == ["indicators"]
    db.session.commit()
    assert [i.name for i in proposal.indicators] == ["Jen jeden"] and proposal.version == version + 1
