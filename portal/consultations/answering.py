"""Answering a consultation: storing, changing and deleting one's own response (signed in or anonymously).

Who answers how (DOMAIN.md, "Consultations with parents"; issue 12):
- named consultation: a signed-in person who `access.may_take_part`; the response carries their user id;
- anonymous consultation, signed in: the response has NO user id; `owner_hash` = HMAC-SHA256(SECRET_KEY,
  "consultation:<id>:user:<user id>") lets that person find their own response again, nothing else does;
- anonymous consultation without an account (only where `allow_without_account`): one response per browser,
  found by `browser_hash` = a keyed hash of a random browser id kept in a cookie (the id itself is never
  stored). The IP address is not stored at all (the rate limit keys on a keyed hash of it).

Anonymous responses keep only the day they were given or changed (`stamp`), not the moment.

A response is stored whole in one transaction or not at all. The consultation's state is checked inside
that transaction, by the conditional UPDATE that also freezes the questionnaire with the first response
(`UPDATE consultation SET frozen_at = now WHERE id = ? AND frozen_at IS NULL AND opens_at <= now AND
closes_at > now`), so an answer arriving after the close is refused and a questionnaire edit racing the
first answer (c.f. the questionnaire editor's `frozen_at IS NULL` check) cannot slip through. The unique
constraints on (consultation, user / owner hash / browser hash) make a double submit store one response.

Audit: named responses are recorded with their author; anonymous ones are never recorded (no event, no log
line), so nothing ties them to a person.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import flag_modified

from portal import audit, clock
from portal.consultations import access
from portal.extensions import db
from portal.models import User
from portal.models.consultations import (
    SCALE_VALUES,
    Consultation,
    ConsultationAnswer,
    ConsultationResponse,
    Question,
    QuestionKind,
)
from portal.versioning import check_version

#: Longest free-text answer (characters); a longer one is refused with a message, never cut.
TEXT_LIMIT = 2000

#: An answer to one question: an option id (single), option ids (multiple), 1–5 (scale), a text, or None.
Value = int | tuple[int, ...] | str | None


class AnswerError(Exception):
    """A response refused as a whole (closed, not allowed...); the message is translated."""


class AlreadyAnswered(Exception):
    """This person (or browser) has a response already; `response` is it (nothing new was stored)."""

    def __init__(self, response: ConsultationResponse):
        super().__init__(response.id)
        self.response = response


@dataclass(frozen=True)
class Respondent:
    """Who is answering: a signed-in user, or a browser without an account (its random id)."""

    user: User | None = None
    browser_id: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.user is not None and getattr(self.user, "is_authenticated", False)


def _keyed(message: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def owner_key(consultation_id: int, user_id: int) -> str:
    """Lets a signed-in person find their own anonymous response; unusable without SECRET_KEY."""
    return _keyed(f"consultation:{consultation_id}:user:{user_id}")


def owner_hash(consultation: Consultation, user: User) -> str:
    return owner_key(consultation.id, user.id)


def browser_hash(consultation: Consultation, browser_id: str) -> str:
    """The browser's id hashed per consultation: the same browser is unlinkable across consultations."""
    return _keyed(f"consultation:{consultation.id}:browser:{browser_id}")


def network_key(address: str | None) -> str:
    """The rate limit's key for a client address: a keyed hash, so the limiter's storage holds no IP."""
    return _keyed(f"network:{address or '-'}")[:32]


def _owner_filter(consultation: Consultation, respondent: Respondent):
    """The WHERE clause finding this respondent's response, or None when they cannot have one."""
    if respondent.signed_in:
        if consultation.anonymous:
            return ConsultationResponse.owner_hash == owner_hash(consultation, respondent.user)
        return ConsultationResponse.user_id == respondent.user.id
    if consultation.anonymous and respondent.browser_id:
        return ConsultationResponse.browser_hash == browser_hash(consultation, respondent.browser_id)
    return None


def own_response(consultation: Consultation, respondent: Respondent) -> ConsultationResponse | None:
    """The respondent's own response to the consultation, if any."""
    where = _owner_filter(consultation, respondent)
    if where is None:
        return None
    return db.session.scalar(
        select(ConsultationResponse).where(ConsultationResponse.consultation_id == consultation.id, where)
    )


def answered_by(user: User, consultations: list[Consultation]) -> set[int]:
    """Which of these consultations the signed-in person has answered: named ones by their user id,
    anonymous ones by their owner hash (only they, signed in, can compute it). One query; for the person's
    own list of consultations, never for anyone else's."""
    if not consultations:
        return set()
    hashes = [owner_hash(c, user) for c in consultations if c.anonymous]
    ids = [c.id for c in consultations]
    return set(db.session.scalars(
        select(ConsultationResponse.consultation_id).where(
            ConsultationResponse.consultation_id.in_(ids),
            or_(ConsultationResponse.user_id == user.id, ConsultationResponse.owner_hash.in_(hashes)),
        )
    ))


def may_answer(consultation: Consultation, respondent: Respondent) -> bool:
    """May this respondent answer (the audience rules of `access.may_take_part`)? Without an account only
    anonymous consultations that allow it (and only with a browser id to count one answer per browser)."""
    if respondent.signed_in:
        return access.may_take_part(respondent.user, consultation)
    return consultation.anonymous and access.may_take_part(None, consultation)


# ---- reading a response as the form's values ---------------------------------------------------------


def stored_values(consultation: Consultation, response: ConsultationResponse) -> dict[int, Value]:
    """{question id: value} of a stored response, in the shape `submit` takes."""
    values: dict[int, Value] = {}
    kinds = {q.id: q.kind for q in consultation.questions}
    for answer in response.answers:
        kind = kinds.get(answer.question_id)
        if kind == QuestionKind.MULTIPLE:
            chosen = (*values.get(answer.question_id, ()), answer.option_id)
            values[answer.question_id] = tuple(sorted(chosen))
        elif kind == QuestionKind.SINGLE:
            values[answer.question_id] = answer.option_id
        elif kind == QuestionKind.SCALE:
            values[answer.question_id] = answer.scale_value
        elif kind == QuestionKind.TEXT:
            values[answer.question_id] = answer.text
    return values


def _normalised(consultation: Consultation, values: Mapping[int, Value]) -> dict[int, Value]:
    """Only answered questions, multiple choices as sorted tuples, texts stripped of outer whitespace."""
    result: dict[int, Value] = {}
    for question in consultation.questions:
        value = values.get(question.id)
        if question.kind == QuestionKind.MULTIPLE:
            value = tuple(sorted(set(value or ()))) or None
        elif question.kind == QuestionKind.TEXT:
            value = (value or "").strip() or None
        if value is not None:
            result[question.id] = value
    return result


def _checked(consultation: Consultation, values: Mapping[int, Value]) -> dict[int, Value]:
    """The values validated against the questionnaire (the form checks the same, with messages at the
    fields; this guards the rule itself): known options, 1–5, required questions answered, texts within
    the limit."""
    values = _normalised(consultation, values)
    for question in consultation.questions:
        value = values.get(question.id)
        if value is None:
            if question.required:
                raise AnswerError(_("Please answer every required question."))
            continue
        options = {o.id for o in question.options}
        if question.kind == QuestionKind.SINGLE:
            ok = value in options
        elif question.kind == QuestionKind.MULTIPLE:
            ok = set(value) <= options
        elif question.kind == QuestionKind.SCALE:
            ok = value in SCALE_VALUES
        else:
            ok = isinstance(value, str) and len(value) <= TEXT_LIMIT
        if not ok:
            raise AnswerError(_("The answer to the question “%(question)s” is not valid.",
                                question=question.text))
    return values


def _answer_rows(response_id: int, questions: list[Question], values: dict[int, Value]
                 ) -> list[ConsultationAnswer]:
    rows = []
    for question in questions:
        value = values.get(question.id)
        if value is None:
            continue
        if question.kind == QuestionKind.MULTIPLE:
            rows += [ConsultationAnswer(response_id=response_id, question_id=question.id, option_id=option)
                     for option in value]
        elif question.kind == QuestionKind.SINGLE:
            rows.append(ConsultationAnswer(response_id=response_id, question_id=question.id, option_id=value))
        elif question.kind == QuestionKind.SCALE:
            rows.append(ConsultationAnswer(response_id=response_id, question_id=question.id,
                                           scale_value=value))
        else:
            rows.append(ConsultationAnswer(response_id=response_id, question_id=question.id, text=value))
    return rows


# ---- the open-state check, inside the transaction ----------------------------------------------------


def _closed_message(consultation: Consultation, at: datetime) -> str:
    if access.state(consultation, at) == access.SCHEDULED:
        return _("The consultation is not open yet, so your answer has not been saved.")
    return _("The consultation has closed, so your answer has not been saved. Thank you for your interest.")


def stamp(consultation: Consultation, at: datetime) -> datetime:
    """The time stored with a response: the moment for named consultations; for anonymous ones only the day
    (Prague), never before the opening, since an exact moment could be matched with other records (sign-ins,
    server logs) to find who answered."""
    if not consultation.anonymous:
        return at
    day = at.astimezone(clock.zone()).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(day, consultation.opens_at)


def _check_open_and_freeze(consultation: Consultation) -> datetime:
    """Inside the transaction: refuse unless the consultation is open now; freeze its questionnaire with the
    first response (one conditional UPDATE). Returns the time to store (`stamp`)."""
    at = clock.now()
    frozen = db.session.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id, Consultation.frozen_at.is_(None),
               Consultation.opens_at <= at, Consultation.closes_at > at)
        .values(frozen_at=stamp(consultation, at))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not frozen:
        # Already frozen (or not open): read the times as they are now, in this transaction.
        current = db.session.execute(
            select(Consultation.opens_at, Consultation.closes_at).where(Consultation.id == consultation.id)
        ).one_or_none()
        if current is None or not (current.opens_at <= at < current.closes_at):
            raise AnswerError(_closed_message(consultation, at))
    return stamp(consultation, at)


def _audit(action: str, consultation: Consultation, respondent: Respondent, response_id: int | None) -> None:
    # Anonymous consultations: never recorded (who answered must not be derivable from the audit log).
    if consultation.anonymous or not respondent.signed_in:
        return
    audit.record(action, consultation, actor=respondent.user, territory_id=consultation.group.territory_id,
                 response=response_id)


# ---- storing, changing, deleting ---------------------------------------------------------------------


def submit(consultation: Consultation, values: Mapping[int, Value], *, respondent: Respondent
           ) -> ConsultationResponse:
    """Store a new response with its answers (flushes; the caller commits once). Raises AnswerError when
    the consultation is not open or the respondent may not answer, AlreadyAnswered when they have a
    response already (the caller rolls back then; with a concurrent double submit the unique constraints
    raise IntegrityError at the flush, and the caller shows the stored response)."""
    if not may_answer(consultation, respondent):
        raise AnswerError(_("You cannot answer this consultation."))
    if not respondent.signed_in and not respondent.browser_id:
        raise AnswerError(_("Your browser refused the cookie this form needs; allow cookies and try again."))
    values = _checked(consultation, values)
    existing = own_response(consultation, respondent)
    if existing is not None:
        raise AlreadyAnswered(existing)
    at = _check_open_and_freeze(consultation)
    response = ConsultationResponse(consultation_id=consultation.id, submitted_at=at)
    if consultation.anonymous:
        if respondent.signed_in:
            response.owner_hash = owner_hash(consultation, respondent.user)
        else:
            response.browser_hash = browser_hash(consultation, respondent.browser_id)
    else:
        response.user_id = respondent.user.id
    db.session.add(response)
    db.session.flush()  # a concurrent double submit collides here (IntegrityError)
    db.session.add_all(_answer_rows(response.id, consultation.questions, values))
    db.session.flush()
    _audit("consultation.answered", consultation, respondent, response.id)
    return response


def unchanged(consultation: Consultation, response: ConsultationResponse,
              values: Mapping[int, Value]) -> bool:
    """Do these values equal the stored ones (a change form sent twice)?"""
    stored = stored_values(consultation, response)
    return _normalised(consultation, values) == _normalised(consultation, stored)


def change(consultation: Consultation, response: ConsultationResponse, values: Mapping[int, Value], *,
           respondent: Respondent, seen_version: int | None) -> ConsultationResponse:
    """Replace the answers of one's own response while the consultation is open (flushes). Raises
    StaleEdit/StaleDataError when the response changed since the form was shown (another tab)."""
    values = _checked(consultation, values)
    check_version(response, seen_version)
    at = _check_open_and_freeze(consultation)
    response.answers.clear()  # delete-orphan: the old answers (and their tags) go
    response.updated_at = at
    # Always an UPDATE (the day may equal the stored one): it raises the version, and fails if another tab
    # saved first.
    flag_modified(response, "updated_at")
    db.session.flush()
    response.answers.extend(_answer_rows(response.id, consultation.questions, values))
    db.session.flush()
    _audit("consultation.answer_changed", consultation, respondent, response.id)
    return response


def remove(consultation: Consultation, response: ConsultationResponse, *, respondent: Respondent) -> None:
    """Delete one's own response with its answers (flushes). Allowed after the close too: it is one's data.
    The questionnaire stays frozen."""
    response_id = response.id
    db.session.delete(response)
    db.session.flush()
    _audit("consultation.answer_deleted", consultation, respondent, response_id)
