"""Signals and proposals in both directions, adoption moving signals to "addressed" with history kept, no
dangling links after deleting or withdrawing either side; the funding opinion of PS pro financování."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from portal.extensions import db as _db
from portal.models import AnalysisFlag, FlagEvent, FlagLink, Proposal, ProposalEvent
from portal.proposals import reads, services, workflow
from portal.proposals.base import ProposalError
from tests.conftest import make_territory
from tests.proposals_helpers import make_flag, make_proposal, world


def links() -> int:
    return _db.session.scalar(select(func.count()).select_from(FlagLink))


def test_a_proposal_lists_its_signals_and_a_signal_its_proposals(db):
    w = world()
    first, second = make_flag(w.territory, 1), make_flag(w.territory, 2)
    a, b = make_proposal(w), make_proposal(w, title="Druhý návrh")
    services.link_signal(a, first, actor=w.author)
    services.link_signal(a, second, actor=w.author)
    services.link_signal(b, first, actor=w.author)
    db.session.commit()
    assert reads.signals_of(a) == [first, second]
    assert reads.proposals_for_flag(first) == [a, b]
    assert reads.proposals_for_flag(second) == [a]
    # Linking twice keeps one link.
    services.link_signal(a, first, actor=w.author)
    assert links() == 3


def test_a_signal_of_another_territory_is_refused(db):
    w = world()
    foreign = make_flag(make_territory("MAP ORP Jinde", "jinde"), 9)
    with pytest.raises(ProposalError):
        services.link_signal(make_proposal(w), foreign, actor=w.author)
    assert links() == 0


def test_the_search_finds_the_territorys_open_unlinked_signals(db):
    w = world()
    first, second = make_flag(w.territory, 1), make_flag(w.territory, 2)
    make_flag(w.territory, 3, state="closed")
    proposal = make_proposal(w)
    services.link_signal(proposal, first, actor=w.author)
    assert reads.signals_to_choose(proposal, "signálová") == [second]
    assert reads.signals_to_choose(proposal, "60002") == [second]
    assert reads.signals_to_choose(proposal, "nic takového") == []


def test_adoption_moves_the_signals_to_addressed_with_history(db):
    w = world()
    new, discussed = make_flag(w.territory, 1), make_flag(w.territory, 2, state="discussed")
    closed = make_flag(w.territory, 3, state="discussed")
    proposal = make_proposal(w, "assessed")
    for flag in (new, discussed, closed):
        services.link_signal(proposal, flag, actor=w.coordinator)
    closed.state = "closed"
    db.session.commit()
    workflow.transition(proposal, "adopted", actor=w.coordinator)
    db.session.commit()
    assert (new.state, discussed.state, closed.state) == ("addressed", "addressed", "closed")
    steps = [(e.from_state, e.to_state) for e in db.session.scalars(
        select(FlagEvent).where(FlagEvent.flag_id == new.id).order_by(FlagEvent.id))]
    assert steps == [("new", "discussed"), ("discussed", "addressed")]
    event = db.session.scalars(select(FlagEvent).where(FlagEvent.flag_id == discussed.id)).one()
    assert event.link.proposal_id == proposal.id and event.actor_id == w.coordinator.id
    # Adopted: the signals are settled.
    with pytest.raises(ProposalError):
        services.unlink_signal(proposal, new, actor=w.coordinator)


def test_withdrawing_a_proposal_leaves_no_link_and_keeps_the_flags_history(db):
    w = world()
    flag = make_flag(w.territory, 1)
    proposal = make_proposal(w, "submitted")
    services.link_signal(proposal, flag, actor=w.author)
    db.session.commit()
    workflow.transition(proposal, "withdrawn", actor=w.author)
    db.session.commit()
    assert links() == 0
    assert reads.proposals_for_flag(flag) == []
    assert reads.signals_of(proposal) == []


def test_deleting_either_side_deletes_the_link(db):
    w = world()
    flag, other = make_flag(w.territory, 1), make_flag(w.territory, 2)
    proposal = make_proposal(w, "assessed")
    services.link_signal(proposal, flag, actor=w.coordinator)
    services.link_signal(proposal, other, actor=w.coordinator)
    workflow.transition(proposal, "adopted", actor=w.coordinator)
    db.session.commit()
    db.session.execute(delete(AnalysisFlag).where(AnalysisFlag.id == other.id))
    db.session.commit()
    assert links() == 1
    db.session.execute(delete(Proposal).where(Proposal.id == proposal.id))
    db.session.commit()
    assert links() == 0
    # The flag's history survives its proposal; the event no longer points at a link.
    assert all(e.link_id is None for e in db.session.scalars(
        select(FlagEvent).where(FlagEvent.flag_id == flag.id)))


def test_the_financing_group_records_its_funding_opinion(db):
    w = world()
    proposal = make_proposal(w, "submitted")
    with pytest.raises(ProposalError):  # only to a financing group
        services.request_funding_opinion(proposal, w.group, actor=w.coordinator)
    with pytest.raises(ProposalError):  # only the proposal's coordinators send it
        services.request_funding_opinion(proposal, w.financing, actor=w.author)
    services.request_funding_opinion(proposal, w.financing, actor=w.coordinator)
    db.session.commit()
    for intruder in (w.coordinator, w.author, w.member):
        with pytest.raises(ProposalError):
            services.record_funding_opinion(proposal, "Souhlasíme.", actor=intruder)
    with pytest.raises(ProposalError):
        services.record_funding_opinion(proposal, "   ", actor=w.finance_coordinator)
    opinion = services.record_funding_opinion(proposal, "Lze financovat z OP JAK.",
                                              actor=w.finance_coordinator)
    db.session.commit()
    assert proposal.funding_opinions == [opinion] and opinion.group_id == w.financing.id
    kinds = [e.kind for e in db.session.scalars(
        select(ProposalEvent).where(ProposalEvent.proposal_id == proposal.id).order_by(ProposalEvent.id))]
    assert kinds[-2:] == ["funding_request", "funding_opinion"]
