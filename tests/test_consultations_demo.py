"""The demo's consultations: a closed anonymous one in the previous calendar year with answers to every kind
of question (in last year's summaries), an open public one without an account needed, the demo parent
invited to it; `flask demo` twice creates nothing twice."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from portal import clock
from portal.consultations import access, reads
from portal.consultations.demo import CLOSED_TITLE, OPEN_TITLE, PARENT_EMAIL
from portal.extensions import db
from portal.models import User
from portal.models.consultations import (
    AnswerTag,
    Consultation,
    ConsultationAnswer,
    ConsultationInvitee,
    ConsultationResponse,
    Question,
)

NAMES = ("Anička", "Tomášek", "Jan Novák", "Petr ", "Lucie ")


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (
        Consultation, Question, ConsultationResponse, ConsultationAnswer, AnswerTag, ConsultationInvitee))


def test_demo_consultations(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--password", "demo-heslo-123"]).exit_code == 0
    closed = db.session.scalar(select(Consultation).where(Consultation.title == CLOSED_TITLE))
    open_one = db.session.scalar(select(Consultation).where(Consultation.title == OPEN_TITLE))
    assert closed.group.slug == open_one.group.slug == "rovne-prilezitosti"

    # (a) closed, in the previous calendar year, anonymous, answers to every kind of question.
    last_year = clock.today().year - 1
    assert access.state(closed) == access.CLOSED
    assert closed.opens_at.astimezone(clock.zone()).year == last_year
    assert closed.closes_at.astimezone(clock.zone()).year == last_year
    assert closed.anonymous and closed.frozen_at is not None
    responses = db.session.scalars(select(ConsultationResponse)
                                   .where(ConsultationResponse.consultation_id == closed.id)).all()
    assert 12 <= len(responses) <= 20
    assert all(r.user_id is None and r.browser_hash is None and r.ip_hash is None for r in responses)
    results = {r.kind: r for r in reads.question_results(closed)}
    assert set(results) == {"single", "multiple", "scale", "text"}
    assert sum(row.count for row in results["single"].rows) == len(responses)
    assert sum(row.count for row in results["multiple"].rows) > len(responses) * 0.8
    assert all(row.count for row in results["scale"].rows)
    scale = results["scale"]
    assert (scale.mean_shown is None) == any(row.count for row in scale.rows if row.hidden)
    assert results["text"].text_answers >= 8
    texts = db.session.scalars(
        select(ConsultationAnswer.text).where(ConsultationAnswer.text.is_not(None))).all()
    assert not any(name in text for text in texts for name in NAMES)
    tagged = db.session.scalar(select(func.count(func.distinct(AnswerTag.answer_id))))
    assert 0 < tagged < len(texts)
    summaries = reads.summaries(closed.group_id, date(last_year, 1, 1), date(last_year, 12, 31))
    assert [s.title for s in summaries] == [CLOSED_TITLE] and summaries[0].respondents == len(responses)

    # (b) open, public, anonymous, answerable without an account; nothing answered yet.
    assert access.state(open_one) == access.OPEN
    assert open_one.audience == "public" and open_one.anonymous and open_one.allow_without_account
    assert {q.kind for q in open_one.questions} == {"single", "multiple", "scale", "text"}
    assert open_one.frozen_at is None
    assert open_one.title in client.get(f"/groups/{open_one.group_id}").get_data(as_text=True)

    # (c) the demo parent is invited to the open one and finds it on their page.
    parent = db.session.scalar(select(User).where(User.email == PARENT_EMAIL))
    invitee = db.session.scalar(select(ConsultationInvitee))
    assert (invitee.consultation_id, invitee.email, invitee.user_id) == (open_one.id, PARENT_EMAIL, parent.id)
    assert access.is_invited(parent, open_one)

    before = counts()
    assert runner.invoke(args=["demo", "--password", "demo-heslo-123"]).exit_code == 0
    assert counts() == before
