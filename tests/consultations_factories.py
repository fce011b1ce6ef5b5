"""Factories for the consultation tests: a consultation with one question of every kind, at chosen times,
and responses stored as rows (the answering pages are tested through their routes)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from portal.extensions import db
from portal.models.base import utcnow
from portal.models.consultations import (
    Audience,
    Consultation,
    ConsultationAnswer,
    ConsultationInvitee,
    ConsultationResponse,
    Question,
    QuestionKind,
    QuestionOption,
)
from tests.conftest import make_group, make_territory


def make_consultation(group=None, *, title: str = "Jak se vašim dětem daří ve škole?",
                      opens_at: datetime | None = None, closes_at: datetime | None = None,
                      audience: str = Audience.LINK.value, anonymous: bool = False,
                      allow_without_account: bool = False, questions: bool = True) -> Consultation:
    """A consultation of `group` (a new public group by default), open from an hour ago for a week unless
    told otherwise, with a single-choice, a multiple-choice, a 1–5 scale and a free-text question."""
    group = group or make_group(make_territory())
    now = utcnow()
    consultation = Consultation(
        group_id=group.id, title=title,
        introduction="Ptáme se rodičů, co jim pomáhá a co chybí.",
        opens_at=opens_at or now - timedelta(hours=1),
        closes_at=closes_at or now + timedelta(days=7),
        audience=audience, anonymous=anonymous, allow_without_account=allow_without_account,
        link_key=secrets.token_urlsafe(16),
    )
    db.session.add(consultation)
    db.session.flush()
    if questions:
        single = Question(consultation=consultation, position=0, kind=QuestionKind.SINGLE.value,
                          text="Chodí vaše dítě do spádové školy?", required=True)
        single.options = [QuestionOption(position=0, label="Ano"), QuestionOption(position=1, label="Ne"),
                          QuestionOption(position=2, label="Nevím")]
        multiple = Question(consultation=consultation, position=1, kind=QuestionKind.MULTIPLE.value,
                            text="Co by vám pomohlo?", required=False)
        multiple.options = [QuestionOption(position=0, label="Doučování"),
                            QuestionOption(position=1, label="Delší družina"),
                            QuestionOption(position=2, label="Doprava do školy")]
        scale = Question(consultation=consultation, position=2, kind=QuestionKind.SCALE.value,
                         text="Jak jste spokojeni se školou? (1 = vůbec, 5 = velmi)", required=True)
        text = Question(consultation=consultation, position=3, kind=QuestionKind.TEXT.value,
                        text="Co byste vzkázali škole?", required=False)
        db.session.add_all([single, multiple, scale, text])
    db.session.commit()
    return consultation


def invite(consultation: Consultation, email: str, user=None) -> ConsultationInvitee:
    invitee = ConsultationInvitee(consultation_id=consultation.id, email=email.lower(),
                                  user_id=user.id if user else None)
    db.session.add(invitee)
    db.session.commit()
    return invitee


def add_response(consultation: Consultation, *, user=None, single: int = 0, multiple: tuple[int, ...] = (0,),
                 scale: int = 4, text: str | None = "Více asistentů pedagoga.",
                 submitted_at: datetime | None = None) -> ConsultationResponse:
    """Store one response as rows (named: `user`; anonymous consultations never get a user id), answering
    the questions `make_consultation` made by option index, scale value and text."""
    questions = {q.kind: q for q in consultation.questions}
    response = ConsultationResponse(
        consultation_id=consultation.id,
        user_id=user.id if (user is not None and not consultation.anonymous) else None,
        submitted_at=submitted_at or datetime.now(UTC),
    )
    db.session.add(response)
    db.session.flush()
    answers = []
    if QuestionKind.SINGLE in questions:
        q = questions[QuestionKind.SINGLE]
        answers.append(ConsultationAnswer(response_id=response.id, question_id=q.id,
                                          option_id=q.options[single].id))
    if QuestionKind.MULTIPLE in questions:
        q = questions[QuestionKind.MULTIPLE]
        answers += [ConsultationAnswer(response_id=response.id, question_id=q.id, option_id=q.options[i].id)
                    for i in multiple]
    if QuestionKind.SCALE in questions and scale is not None:
        q = questions[QuestionKind.SCALE]
        answers.append(ConsultationAnswer(response_id=response.id, question_id=q.id, scale_value=scale))
    if QuestionKind.TEXT in questions and text:
        q = questions[QuestionKind.TEXT]
        answers.append(ConsultationAnswer(response_id=response.id, question_id=q.id, text=text))
    db.session.add_all(answers)
    if consultation.frozen_at is None:
        consultation.frozen_at = response.submitted_at
    db.session.commit()
    return response
