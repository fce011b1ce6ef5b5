"""The demo assessments: a split assessment, one compliant with conditions, one not compliant; idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.demo import seed_demo
from portal.extensions import db
from portal.models import Answer, ProposalAssessment, WorkingGroup
from portal.models.proposals import Proposal, ProposalState
from portal.proposals import assessment_reads as reads


def test_demo_assesses_proposals_under_assessment_and_later_once(app):
    context = seed_demo("heslo-demo-123")
    db.session.commit()
    group = db.session.scalars(select(WorkingGroup).where(
        WorkingGroup.territory_id == context.territory.id).order_by(WorkingGroup.id)).first()
    author = context.users["member"]
    # Whatever the proposals demo made, three more proposals waiting for the assessment demo.
    for title, state in (("Letní škola", ProposalState.UNDER_ASSESSMENT), ("Kroužek robotiky",
                         ProposalState.ASSESSED), ("Přípravný kurz", ProposalState.ASSESSED)):
        db.session.add(Proposal(territory_id=group.territory_id, group_id=group.id, author_id=author.id,
                                title=title, state=state.value))
    db.session.commit()
    seed_demo("heslo-demo-123")
    db.session.commit()

    proposals = db.session.scalars(select(Proposal).where(Proposal.territory_id == context.territory.id,
                                                          Proposal.state != "draft")).all()
    verdicts = {p.verdict for p in proposals}
    assert {"conditional", "not_compliant"} <= verdicts
    conditional = next(p for p in proposals if p.verdict == "conditional")
    assert conditional.verdict_conditions
    splits = []
    for proposal in proposals:
        record = reads.load(proposal)
        if record is None:
            continue
        columns, rows = reads.side_by_side(record)
        splits.append(sum(row.disagreement for row in rows))
    assert 2 in splits

    counts = (db.session.scalar(select(func.count()).select_from(ProposalAssessment)),
              db.session.scalar(select(func.count()).select_from(Answer)))
    seed_demo("heslo-demo-123")
    db.session.commit()
    assert (db.session.scalar(select(func.count()).select_from(ProposalAssessment)),
            db.session.scalar(select(func.count()).select_from(Answer))) == counts


def test_the_proposals_demo_gets_a_split_a_conditional_and_a_not_compliant_assessment(app):
    seed_demo("heslo-demo-123")
    db.session.commit()
    by_title = {p.title: p for p in db.session.scalars(select(Proposal))}
    split = reads.load(by_title["Doučování žáků ohrožených neúspěchem"])
    columns, rows = reads.side_by_side(split)
    assert len(columns) == 2 and sum(row.disagreement for row in rows) == 2
    for title, verdict in (("Letní škola pro budoucí prvňáčky", "conditional"),
                           ("Přijímací testy nanečisto pro víceletá gymnázia", "not_compliant")):
        proposal = by_title[title]
        record = reads.load(proposal)
        assert proposal.verdict == verdict and record.verdict_reasons and record.reviews
