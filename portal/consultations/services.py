"""Managing consultations: creating, editing and deleting them, and their questionnaires.

Every function takes the acting user (`actor=`), validates, records the change in the audit log and only
flushes; the request commits. Refusals raise `ConsultationError` with a translated message and change nothing.

Rules (issue 12, DOMAIN.md "Consultations with parents"; access decided in `portal.consultations.access`):

* Times are entered as Prague wall-clock times and stored in UTC; a consultation closes after it opens, the
  closing time is in the future when set, and it lasts at most a year (a longer one is a typo).
* Named or anonymous results, and answers without an account, are chosen before it opens: they are refused
  once it has opened or any answer exists; answers without an account need anonymous results.
* The questionnaire (questions, their options, order, required flag) can change only until the first answer
  arrives. The answering side sets `frozen_at` by a conditional UPDATE in the answer's transaction; every
  questionnaire change here first runs the matching conditional UPDATE (`... WHERE frozen_at IS NULL`),
  which on PostgreSQL also takes the row's lock: of an edit and a first answer racing, either the edit
  commits before the answer freezes the questionnaire, or the edit finds it frozen and is refused.
* Deleting a consultation deletes its invitees and answers too: with answers, the person must confirm the
  number of answers they were shown; if more have arrived since, the delete is refused (confirm again).
* Audit events carry identifiers and counts only: never who answered.
"""

from __future__ import annotations

import secrets
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portal import audit, clock
from portal.consultations.access import CLOSED, SCHEDULED, state
from portal.extensions import db
from portal.groups.services import is_group_coordinator
from portal.models import User, WorkingGroup
from portal.models.consultations import (
    Audience,
    Consultation,
    ConsultationResponse,
    Question,
    QuestionKind,
    QuestionOption,
)
from portal.models.documents import Document, DocumentVersion
from portal.models.proposals import Proposal
from portal.versioning import StaleEdit, check_version

TITLE_MAX = 200
INTRODUCTION_MAX = 5000
QUESTION_MAX = 500
HELP_MAX = 500
OPTION_MAX = 200
MIN_OPTIONS, MAX_OPTIONS = 2, 20
MAX_QUESTIONS = 30
LONGEST = timedelta(days=366)
# How far ahead a consultation may be planned (further is a typo in the year).
FURTHEST_AHEAD = timedelta(days=2 * 366)

AUDIENCE_LABELS = {
    Audience.INVITED.value: _l("Invited people only"),
    Audience.LINK.value: _l("Anyone with the link"),
    Audience.PUBLIC.value: _l("Public, listed on the group's page"),
}
KIND_LABELS = {
    QuestionKind.SINGLE.value: _l("Single choice"),
    QuestionKind.MULTIPLE.value: _l("Multiple choice"),
    QuestionKind.SCALE.value: _l("Scale 1–5"),
    QuestionKind.TEXT.value: _l("Free text"),
}
CHOICE_KINDS = (QuestionKind.SINGLE.value, QuestionKind.MULTIPLE.value)


class ConsultationError(ValueError):
    """A user-facing refusal; the message is already translated. `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def frozen_message() -> str:
    return _("The questionnaire is locked because the first answer has already arrived.")


# ---- times -------------------------------------------------------------------------------------------


def to_utc(local: datetime) -> datetime:
    """A naive Prague wall-clock time as an aware UTC instant."""
    return local.replace(tzinfo=clock.zone()).astimezone(UTC)


def local(moment: datetime) -> datetime:
    return moment.astimezone(clock.zone())


# ---- consultations -----------------------------------------------------------------------------------


@dataclass
class ConsultationData:
    title: str
    opens_local: datetime | None  # wall-clock time in Europe/Prague (naive)
    closes_local: datetime | None
    introduction: str | None = None
    audience: str = Audience.INVITED.value
    anonymous: bool = False
    allow_without_account: bool = False
    document_version_id: int | None = None
    proposal_id: int | None = None


def _text(value: str | None, limit: int, field_name: str, required: str | None = None) -> str | None:
    """The trimmed text, refused (never cut) when longer than `limit`; `required` says it is missing."""
    value = (value or "").strip()
    if len(value) > limit:
        raise ConsultationError(_("At most %(limit)s characters are allowed; the text has %(length)s.",
                                  limit=limit, length=len(value)), field_name)
    if not value and required:
        raise ConsultationError(required, field_name)
    return value or None


def _subject(group: WorkingGroup, data: ConsultationData) -> tuple[int | None, int | None]:
    """The document version and the proposal the consultation concerns: of the group's territory only."""
    version_id = proposal_id = None
    if data.document_version_id:
        territory = db.session.scalar(
            select(Document.territory_id).join(DocumentVersion, DocumentVersion.document_id == Document.id)
            .where(DocumentVersion.id == data.document_version_id))
        if territory != group.territory_id:
            raise ConsultationError(_("Choose a document of the group's territory."), "document_version_id")
        version_id = data.document_version_id
    if data.proposal_id:
        territory = db.session.scalar(select(Proposal.territory_id).where(Proposal.id == data.proposal_id))
        if territory != group.territory_id:
            raise ConsultationError(_("Choose a proposal of the group's territory."), "proposal_id")
        proposal_id = data.proposal_id
    return version_id, proposal_id


def _same_minute(entered: datetime, stored: datetime) -> datetime:
    return stored if entered == stored.replace(second=0, microsecond=0) else entered


def _check(group: WorkingGroup, data: ConsultationData, at: datetime, consultation: Consultation | None):
    title = _text(data.title, TITLE_MAX, "title", _("Give the consultation a title."))
    introduction = _text(data.introduction, INTRODUCTION_MAX, "introduction")
    if data.opens_local is None:
        raise ConsultationError(_("Enter a date and time."), "opens_local")
    if data.closes_local is None:
        raise ConsultationError(_("Enter a date and time."), "closes_local")
    opens_at, closes_at = to_utc(data.opens_local), to_utc(data.closes_local)
    if consultation is not None:  # the form shows minutes: the same minute as stored is no change
        opens_at = _same_minute(opens_at, consultation.opens_at)
        closes_at = _same_minute(closes_at, consultation.closes_at)
    if closes_at <= opens_at:
        raise ConsultationError(_("The consultation must close after it opens."), "closes_local")
    if closes_at - opens_at > LONGEST:
        raise ConsultationError(_("A consultation may be open for at most a year."), "closes_local")
    unchanged_close = consultation is not None and closes_at == consultation.closes_at
    if closes_at <= at and not unchanged_close:
        raise ConsultationError(_("The closing time has already passed."), "closes_local")
    unchanged_open = consultation is not None and opens_at == consultation.opens_at
    if not unchanged_open:
        if consultation is not None and state(consultation, at) != SCHEDULED:
            raise ConsultationError(
                _("The consultation has already opened; its opening time can no longer change."),
                "opens_local")
        if opens_at > at + FURTHEST_AHEAD:
            raise ConsultationError(_("The consultation may open at most two years ahead."), "opens_local")
        if opens_at < at - timedelta(days=1):
            raise ConsultationError(_("The opening time has already passed; choose today or later."),
                                    "opens_local")
    if data.audience not in AUDIENCE_LABELS:
        raise ConsultationError(_("Choose who may take part."), "audience")
    if data.allow_without_account and not data.anonymous:
        raise ConsultationError(
            _("Answers without an account are possible only with anonymous results."),
            "allow_without_account")
    if (data.allow_without_account and data.audience == Audience.INVITED.value and consultation is not None
            and consultation.allow_without_account):
        # The stored setting was kept and the audience changed: the audience is what to put right (the
        # setting is shown as text, not as a field, once the consultation has opened).
        raise ConsultationError(
            _("Answers without an account are allowed in this consultation, so it cannot be for invited "
              "people only: keep “anyone with the link” or “public”."), "audience")
    if data.allow_without_account and data.audience == Audience.INVITED.value:
        raise ConsultationError(
            _("Invited people sign in by their link; answers without an account need an audience of anyone "
              "with the link or the public."), "allow_without_account")
    version_id, proposal_id = _subject(group, data)
    return title, introduction, opens_at, closes_at, version_id, proposal_id


def require_manager(consultation_or_group, actor: User) -> None:
    group = (consultation_or_group.group if isinstance(consultation_or_group, Consultation)
             else consultation_or_group)
    if not is_group_coordinator(actor, group, clock.today()):
        raise ConsultationError(_("Only the group's coordinators manage its consultations."))


def create_consultation(group: WorkingGroup, data: ConsultationData, *, actor: User,
                        at: datetime | None = None) -> Consultation:
    """A new consultation of the group, with an empty questionnaire and a random link key."""
    at = at or clock.now()
    require_manager(group, actor)
    title, introduction, opens_at, closes_at, version_id, proposal_id = _check(group, data, at, None)
    consultation = Consultation(
        group_id=group.id, group=group, title=title, introduction=introduction,
        opens_at=opens_at, closes_at=closes_at, audience=data.audience, anonymous=bool(data.anonymous),
        allow_without_account=bool(data.allow_without_account), document_version_id=version_id,
        proposal_id=proposal_id, link_key=secrets.token_urlsafe(16), created_by_id=actor.id,
    )
    db.session.add(consultation)
    db.session.flush()
    audit.record("consultation.created", consultation, actor=actor, territory_id=group.territory_id,
                 group_id=group.id, anonymous=consultation.anonymous)
    return consultation


def has_answers(consultation: Consultation) -> bool:
    return db.session.scalar(
        select(ConsultationResponse.id)
        .where(ConsultationResponse.consultation_id == consultation.id).limit(1)
    ) is not None


def answer_count(consultation: Consultation) -> int:
    return int(db.session.scalar(
        select(func.count()).select_from(ConsultationResponse)
        .where(ConsultationResponse.consultation_id == consultation.id)) or 0)


def update_consultation(consultation: Consultation, data: ConsultationData, *, actor: User,
                        seen_version: int | None, at: datetime | None = None) -> None:
    """Change a consultation until it closes (its opening time only before it opens; named/anonymous and
    answers without an account only before it opens and while no answer exists)."""
    at = at or clock.now()
    require_manager(consultation, actor)
    check_version(consultation, seen_version)
    if state(consultation, at) == CLOSED:
        raise ConsultationError(_("The consultation has closed and can no longer change."))
    title, introduction, opens_at, closes_at, version_id, proposal_id = _check(
        consultation.group, data, at, consultation)
    anonymity_changes = (bool(data.anonymous) != consultation.anonymous
                         or bool(data.allow_without_account) != consultation.allow_without_account)
    if anonymity_changes:
        field_name = ("anonymous" if bool(data.anonymous) != consultation.anonymous
                      else "allow_without_account")
        if state(consultation, at) != SCHEDULED:
            raise ConsultationError(_("The consultation has already opened: named or anonymous results and "
                                      "answers without an account can no longer change."), field_name)
        # A conditional UPDATE, not read-then-write: an answer arriving meanwhile freezes the row first.
        table = Consultation.__table__
        changed = db.session.execute(
            update(table).where(table.c.id == consultation.id, table.c.frozen_at.is_(None))
            .values(anonymous=bool(data.anonymous), allow_without_account=bool(data.allow_without_account))
        ).rowcount
        if changed != 1 or has_answers(consultation):
            raise ConsultationError(_("Answers have already arrived: named or anonymous results and answers "
                                      "without an account can no longer change."), field_name)
        db.session.expire(consultation, ["anonymous", "allow_without_account"])
    consultation.title, consultation.introduction = title, introduction
    consultation.opens_at, consultation.closes_at = opens_at, closes_at
    consultation.audience = data.audience
    consultation.document_version_id, consultation.proposal_id = version_id, proposal_id
    if anonymity_changes:
        consultation.anonymous = bool(data.anonymous)
        consultation.allow_without_account = bool(data.allow_without_account)
    db.session.flush()
    audit.record("consultation.updated", consultation, actor=actor,
                 territory_id=consultation.group.territory_id, group_id=consultation.group_id)


def delete_consultation(consultation: Consultation, *, actor: User, confirmed_answers: int = 0) -> int:
    """Delete a consultation with its questionnaire, invitees and answers. `confirmed_answers` is the number
    of answers the person was shown and agreed to delete; more than that now: refused. Returns the number
    of answers deleted."""
    require_manager(consultation, actor)
    count = answer_count(consultation)
    if count > (confirmed_answers or 0):
        raise ConsultationError(_("More answers have arrived since you opened this page (now %(n)s). Confirm "
                                  "the deletion again.", n=count))
    group = consultation.group
    audit.record("consultation.deleted", consultation, actor=actor, territory_id=group.territory_id,
                 group_id=group.id, title=consultation.title, answers=count)
    db.session.delete(consultation)
    db.session.flush()
    return count


# ---- the questionnaire -------------------------------------------------------------------------------


def lock_questionnaire(consultation: Consultation) -> None:
    """Refuse a questionnaire change once the first answer is in. A conditional UPDATE (see the module's
    docstring), never a read of `frozen_at` alone: the stored row decides, and the row stays locked until
    the change commits."""
    table = Consultation.__table__
    unfrozen = db.session.execute(
        update(table).where(table.c.id == consultation.id, table.c.frozen_at.is_(None))
        .values(frozen_at=None)
    ).rowcount
    if unfrozen != 1:
        db.session.expire(consultation, ["frozen_at"])
        raise ConsultationError(frozen_message())


@dataclass
class QuestionData:
    kind: str
    text: str
    help: str | None = None
    required: bool = False
    options: list[str] = field(default_factory=list)


def split_options(text: str | None) -> list[str]:
    """The options typed one per line (empty lines skipped)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _check_question(data: QuestionData) -> tuple[str, str | None, list[str]]:
    if data.kind not in KIND_LABELS:
        raise ConsultationError(_("Choose the kind of question."), "kind")
    text = _text(data.text, QUESTION_MAX, "text", _("Write the question."))
    help_text = _text(data.help, HELP_MAX, "help")
    options = [o.strip() for o in data.options if o and o.strip()]
    if data.kind in CHOICE_KINDS:
        if len(options) < MIN_OPTIONS:
            raise ConsultationError(_("A choice question needs at least %(n)s options, one per line.",
                                      n=MIN_OPTIONS), "options")
        if len(options) > MAX_OPTIONS:
            raise ConsultationError(_("A choice question may have at most %(n)s options; it has %(count)s.",
                                      n=MAX_OPTIONS, count=len(options)), "options")
        for option in options:
            if len(option) > OPTION_MAX:
                raise ConsultationError(
                    _("An option may have at most %(limit)s characters; “%(start)s…” has %(length)s.",
                      limit=OPTION_MAX, start=option[:30], length=len(option)), "options")
        seen = set()
        for option in options:
            if option.casefold() in seen:
                raise ConsultationError(_("The option “%(option)s” is given twice.", option=option),
                                        "options")
            seen.add(option.casefold())
    elif options:
        raise ConsultationError(_("A scale or free-text question has no options; remove the lines from the "
                                  "options field."), "options")
    return text, help_text, options


def question_version(question: Question) -> int:
    """A fingerprint of the question as stored (kind, texts, flag, options): the "version" an edit form
    carries, so a save from an outdated page is refused (Question has no version column of its own)."""
    content = "\x1f".join([question.kind, question.text, question.help or "", str(bool(question.required))]
                          + [o.label for o in question.options])
    return zlib.crc32(content.encode())


def _audit_questionnaire(action: str, consultation: Consultation, actor: User, **details) -> None:
    audit.record(action, consultation, actor=actor, territory_id=consultation.group.territory_id,
                 group_id=consultation.group_id, **details)


def _positions(consultation: Consultation) -> list[Question]:
    """The questions in order, numbered 0..n-1 (closing gaps left by deletes)."""
    questions = list(db.session.scalars(
        select(Question).where(Question.consultation_id == consultation.id)
        .order_by(Question.position, Question.id)))
    for index, question in enumerate(questions):
        if question.position != index:
            question.position = index
    return questions


def add_question(consultation: Consultation, data: QuestionData, *, actor: User) -> Question:
    """A question at the end of the questionnaire."""
    require_manager(consultation, actor)
    text, help_text, options = _check_question(data)
    lock_questionnaire(consultation)
    questions = _positions(consultation)
    if len(questions) >= MAX_QUESTIONS:
        raise ConsultationError(_("A questionnaire may have at most %(n)s questions.", n=MAX_QUESTIONS))
    question = Question(consultation_id=consultation.id, position=len(questions), kind=data.kind, text=text,
                        help=help_text, required=bool(data.required))
    question.options = [QuestionOption(position=i, label=label) for i, label in enumerate(options)]
    db.session.add(question)
    db.session.flush()
    db.session.expire(consultation, ["questions"])
    _audit_questionnaire("consultation.question_added", consultation, actor, question_id=question.id)
    return question


def update_question(question: Question, data: QuestionData, *, actor: User, seen_version: int | None) -> None:
    """Change a question and its options (kept in place by position, so unchanged ones keep their rows)."""
    consultation = question.consultation
    require_manager(consultation, actor)
    text, help_text, options = _check_question(data)
    lock_questionnaire(consultation)
    db.session.refresh(question)  # after the lock: what is stored now, not what the page was built from
    if seen_version is None or seen_version != question_version(question):
        raise StaleEdit(question)
    question.kind, question.text, question.help = data.kind, text, help_text
    question.required = bool(data.required)
    current = list(question.options)
    for index, label in enumerate(options):
        if index < len(current):
            current[index].label, current[index].position = label, index
        else:
            question.options.append(QuestionOption(position=index, label=label))
    for extra in current[len(options):]:
        question.options.remove(extra)
    db.session.flush()
    _audit_questionnaire("consultation.question_updated", consultation, actor, question_id=question.id)


def delete_question(question: Question, *, actor: User) -> None:
    consultation = question.consultation
    require_manager(consultation, actor)
    lock_questionnaire(consultation)
    question_id = question.id
    db.session.delete(question)
    db.session.flush()
    _positions(consultation)
    db.session.flush()
    db.session.expire(consultation, ["questions"])
    _audit_questionnaire("consultation.question_deleted", consultation, actor, question_id=question_id)


def move_question(question: Question, direction: str, *, actor: User) -> bool:
    """Move a question one place up or down; False when it is already first or last."""
    if direction not in ("up", "down"):
        raise ConsultationError(_("Choose up or down."))
    consultation = question.consultation
    require_manager(consultation, actor)
    lock_questionnaire(consultation)
    questions = _positions(consultation)
    index = next(i for i, q in enumerate(questions) if q.id == question.id)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(questions):
        return False
    questions[index].position, questions[other].position = other, index
    db.session.flush()
    db.session.expire(consultation, ["questions"])
    _audit_questionnaire("consultation.question_moved", consultation, actor, question_id=question.id,
                         direction=direction)
    return True

