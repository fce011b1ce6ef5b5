"""The demo's comment rounds: a closed, settled round with both types, every outcome and one rozpor, and an
open round; `flask demo` twice creates nothing twice."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models.rounds import Comment, CommentRound, Settlement
from portal.rounds import reads, services


def test_demo_rounds(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--password", "demo-heslo-123"]).exit_code == 0
    all_rounds = db.session.scalars(select(CommentRound).order_by(CommentRound.opens_at)).all()
    # The rounds on the strategic framework (last year's action plan has its own round: annual report).
    rounds = [r for r in all_rounds if r.document_version.document.kind == "strategic_framework"]
    assert [services.state(r) for r in rounds] == [services.CLOSED, services.OPEN]
    settled, open_round = rounds
    figures = reads.progress(settled)
    assert figures.done and figures.total >= 7 and figures.disputes == 1
    outcomes = set(db.session.scalars(select(Settlement.outcome)))
    assert outcomes == {"accepted", "partly_accepted", "not_accepted", "explained", "noted"}
    assert len(all_rounds) == 3 and services.state(all_rounds[0]) == services.CLOSED
    kinds = set(db.session.scalars(select(Comment.kind).where(Comment.round_id == settled.id)))
    assert kinds == {"fundamental", "recommendation", None}  # None: a reply
    assert settled.document_version.number == 1 and open_round.document_version.number == 2
    assert open_round.public
    count = db.session.scalar(select(func.count(Comment.id)))
    assert runner.invoke(args=["demo", "--password", "demo-heslo-123"]).exit_code == 0
    assert db.session.scalar(select(func.count(Comment.id))) == count
    assert db.session.scalar(select(func.count(CommentRound.id))) == 3
