"""A consultation's results as the results page, the texts page, the exports and the respondents list show
them: participation, chart geometry, free texts in a stable secret order, tags, export rows.

Anonymity (consult.md, "Rules all four keep"): for an anonymous consultation nothing here reads a user,
a response id, an answer id that reaches a page, or a time. Free-text answers are ordered, and referred to
by the tag forms, through `answer_ref`: a keyed hash of the answer's id, so the order is stable but says
nothing about who answered first, and the pages never carry an id that could be sorted back into
submission order.

Counts below 3 are "< 3" (`reads.shown`) in every breakdown; a chart draws no exact bar for them.
Every function makes a fixed number of queries, whatever the number of answers.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from portal import clock
from portal.consultations import reads
from portal.consultations.access import CLOSED, can_manage, state
from portal.extensions import db
from portal.groups.services import membership_of
from portal.models import User
from portal.models.consultations import (
    AnswerTag,
    Audience,
    Consultation,
    ConsultationAnswer,
    ConsultationResponse,
    Question,
    QuestionKind,
    QuestionOption,
)

TAG_MAX = 60  # AnswerTag.label


# ---- who sees what -------------------------------------------------------------------------------------


def may_see_results(user, consultation: Consultation) -> bool:
    """The aggregate results page: the consultation's managers at any time; the group's active members
    (any account kind, parents' representatives included) once it has closed.

    Why members: the group discusses the results and the annual report publishes the same summary; what
    they see is aggregate only (every breakdown below 3 is "< 3"), never the free texts (which may name
    children despite the warning and are moderated by the coordinators), the exports or who answered.
    Before the close they see nothing, so that interim figures do not steer the consultation.
    """
    if can_manage(user, consultation):
        return True
    return state(consultation) == CLOSED and is_group_member(user, consultation)


def is_group_member(user, consultation: Consultation) -> bool:
    """Has the user an active membership of the consultation's group today?"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return membership_of(user, consultation.group, clock.today()) is not None


# ---- participation -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participation:
    respondents: int
    invited: int
    # Only invited people may answer: otherwise respondents are not a share of the invited addresses.
    invited_only: bool = True

    @property
    def rate(self) -> float | None:
        """Respondents per invited address; None when nobody was invited, or when anyone with the link may
        answer (a public consultation with a few invitations would show a meaningless 100 %)."""
        if not self.invited or not self.invited_only:
            return None
        return min(self.respondents / self.invited, 1.0)


def participation(consultation: Consultation) -> Participation:
    """Respondents and invited addresses (two queries)."""
    return Participation(respondents=reads.respondent_counts([consultation.id])[consultation.id],
                         invited=reads.invitee_counts([consultation.id])[consultation.id],
                         invited_only=consultation.audience == Audience.INVITED.value)


# ---- charts --------------------------------------------------------------------------------------------

LABEL_WIDTH = 150
PLOT_WIDTH = 230
ROW = 32
TOP = 10


@dataclass(frozen=True)
class ChartBar:
    label: str
    shown: str  # the count as people may see it ("< 3" for small ones)
    small: bool  # drawn as a hatched band up to the threshold, never as an exact bar
    y: int
    width: float
    text_x: float


@dataclass(frozen=True)
class Chart:
    bars: tuple[ChartBar, ...]
    left: int
    plot_width: int
    row: int
    width: int
    height: int
    axis_y: int


def bar_chart(rows: tuple[reads.Row, ...]) -> Chart:
    """Horizontal bars of a question's rows. A count below 3 is drawn as a hatched band reaching the
    threshold (the same for 0, 1 and 2), labelled "< 3": the chart says no more than the table."""
    scale = max([r.count for r in rows if not r.hidden] + [reads.SMALL_COUNT])
    bars = []
    for i, row in enumerate(rows):
        # A withheld count gets no bar at all, only its label.
        count = reads.SMALL_COUNT if row.small else 0 if row.withheld else row.count
        width = round(PLOT_WIDTH * count / scale, 1)
        bars.append(ChartBar(label=row.label, shown=row.shown, small=row.hidden, y=TOP + i * ROW,
                             width=width, text_x=round(LABEL_WIDTH + width + 6, 1)))
    axis_y = TOP + len(rows) * ROW
    return Chart(bars=tuple(bars), left=LABEL_WIDTH, plot_width=PLOT_WIDTH, row=ROW,
                 width=LABEL_WIDTH + PLOT_WIDTH + 50, height=axis_y + 10, axis_y=axis_y)


@dataclass(frozen=True)
class QuestionView:
    """A question's results ready for a page: the reads' figures, shares that hide small counts, the
    chart, and the mean only when at least 3 answers stand behind it."""

    result: reads.QuestionResult
    chart: Chart | None

    @property
    def kind(self) -> str:
        return self.result.kind

    @property
    def answered_shown(self) -> str:
        return reads.shown(self.result.answered)

    def share(self, row: reads.Row) -> float | None:
        if row.hidden or not self.result.answered:
            return None
        return row.count / self.result.answered

    @property
    def mean(self) -> float | None:
        return self.result.mean_shown


def question_views(consultation: Consultation) -> list[QuestionView]:
    """Every question with its chart (three queries, in `reads.question_results`)."""
    views = []
    for result in reads.question_results(consultation):
        chart = bar_chart(result.rows) if result.kind != QuestionKind.TEXT else None
        views.append(QuestionView(result=result, chart=chart))
    return views


# ---- free texts ----------------------------------------------------------------------------------------


def answer_ref(consultation_id: int, answer_id: int) -> str:
    """A stable, secret reference of a free-text answer: its sort key and the handle the tag forms send.
    Keyed with the app's secret, so neither the order nor the handle reveals the submission order."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"consultation-text:{consultation_id}:{answer_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def normalise_tag(label: str) -> str:
    """Tags compare without case and extra spaces: "  Doprava " and "doprava" are one tag."""
    return " ".join((label or "").split()).lower()


@dataclass
class TextItem:
    ref: str
    question_id: int
    question: str
    text: str
    tags: list[str] = field(default_factory=list)
    author: str | None = None  # named consultations only
    author_deleted: bool = False


@dataclass(frozen=True)
class TextPage:
    """One page of free-text answers (a `pagination` macro compatible object)."""

    items: list[TextItem]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self, left_edge=2, left_current=2, right_current=4, right_edge=2):
        last = 0
        for num in range(1, self.pages + 1):
            if (num <= left_edge or self.page - left_current - 1 < num < self.page + right_current
                    or num > self.pages - right_edge):
                if last + 1 != num:
                    yield None
                yield num
                last = num


def text_questions(consultation: Consultation) -> list[Question]:
    return list(db.session.scalars(
        select(Question).where(Question.consultation_id == consultation.id,
                               Question.kind == QuestionKind.TEXT.value)
        .order_by(Question.position, Question.id)
    ))


def _text_ids(consultation: Consultation, question_id: int | None = None,
              tag: str | None = None) -> list[tuple[str, int]]:
    """(ref, answer id) of the consultation's non-empty free texts, in the stable secret order."""
    query = (
        select(ConsultationAnswer.id)
        .join(Question, Question.id == ConsultationAnswer.question_id)
        .where(Question.consultation_id == consultation.id, Question.kind == QuestionKind.TEXT.value,
               ConsultationAnswer.text.is_not(None), ConsultationAnswer.text != "")
    )
    if question_id is not None:
        query = query.where(Question.id == question_id)
    if tag:
        query = query.where(ConsultationAnswer.id.in_(
            select(AnswerTag.answer_id).where(AnswerTag.label == tag)))
    return sorted((answer_ref(consultation.id, answer_id), answer_id)
                  for answer_id in db.session.scalars(query))


def _load_texts(consultation: Consultation, ids: list[int]) -> dict[int, TextItem]:
    """The answers `ids` with their question, tags and (named consultations only) author: three queries."""
    if not ids:
        return {}
    columns = [ConsultationAnswer.id, ConsultationAnswer.text, Question.text, Question.id]
    query = select(*columns).join(Question, Question.id == ConsultationAnswer.question_id)
    if not consultation.anonymous:
        query = (select(*columns, User.name, ConsultationResponse.user_id)
                 .join(Question, Question.id == ConsultationAnswer.question_id)
                 .join(ConsultationResponse, ConsultationResponse.id == ConsultationAnswer.response_id)
                 .outerjoin(User, User.id == ConsultationResponse.user_id))
    items = {}
    for row in db.session.execute(query.where(ConsultationAnswer.id.in_(ids))):
        item = TextItem(ref=answer_ref(consultation.id, row[0]), question_id=row[3], question=row[2],
                        text=row[1])
        if not consultation.anonymous:
            item.author = row[4]
            item.author_deleted = row[5] is None
        items[row[0]] = item
    for answer_id, label in db.session.execute(
        select(AnswerTag.answer_id, AnswerTag.label).where(AnswerTag.answer_id.in_(ids))
        .order_by(AnswerTag.label)
    ):
        items[answer_id].tags.append(label)
    return items


def text_page(consultation: Consultation, *, page: int = 1, per_page: int = 25,
              question_id: int | None = None, tag: str | None = None) -> TextPage:
    """A page of free texts, filtered by question and tag, in the stable secret order."""
    ordered = _text_ids(consultation, question_id, tag)
    total = len(ordered)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    chosen = [answer_id for _ref, answer_id in ordered[(page - 1) * per_page:page * per_page]]
    loaded = _load_texts(consultation, chosen)
    return TextPage(items=[loaded[i] for i in chosen], page=page, per_page=per_page, total=total)


def tag_counts(consultation: Consultation) -> list[tuple[str, int]]:
    """Each tag used on the consultation's answers and on how many answers, by label (one query)."""
    return [(label, int(count)) for label, count in db.session.execute(
        select(AnswerTag.label, func.count())
        .join(ConsultationAnswer, ConsultationAnswer.id == AnswerTag.answer_id)
        .join(Question, Question.id == ConsultationAnswer.question_id)
        .where(Question.consultation_id == consultation.id)
        .group_by(AnswerTag.label).order_by(AnswerTag.label)
    )]


class TagError(ValueError):
    """A refused tag change, with a translated message."""


class AnswerGone(TagError):
    """The answer a tag form was sent for is no longer there (changed or deleted by its author)."""


def find_text_answer(consultation: Consultation, ref: str) -> ConsultationAnswer:
    """The free-text answer behind a reference the texts page sent (TagError when none matches)."""
    for answer_ref_, answer_id in _text_ids(consultation):
        if hmac.compare_digest(answer_ref_, ref or ""):
            return db.session.get(ConsultationAnswer, answer_id)
    raise AnswerGone(_("This answer no longer exists; it may have been changed or deleted."))


def add_tag(consultation: Consultation, ref: str, label: str, *, actor: User) -> str:
    """Tag a free-text answer (idempotent: a tag it already has is kept once). Returns the tag."""
    label = normalise_tag(label)
    if not label:
        raise TagError(_("Enter a tag."))
    if len(label) > TAG_MAX:
        raise TagError(_("A tag has at most %(limit)s characters; this one has %(length)s.",
                         limit=TAG_MAX, length=len(label)))
    answer = find_text_answer(consultation, ref)
    exists = db.session.scalar(select(AnswerTag.id).where(AnswerTag.answer_id == answer.id,
                                                          AnswerTag.label == label))
    if exists is None:
        db.session.add(AnswerTag(answer_id=answer.id, label=label, created_by_id=actor.id))
        db.session.flush()
    return label


def remove_tag(consultation: Consultation, ref: str, label: str, *, actor: User) -> bool:
    """Take a tag off an answer; False when it did not have it."""
    answer = find_text_answer(consultation, ref)
    tag = db.session.scalar(select(AnswerTag).where(AnswerTag.answer_id == answer.id,
                                                    AnswerTag.label == normalise_tag(label)))
    if tag is None:
        return False
    db.session.delete(tag)
    db.session.flush()
    return True


# ---- respondents (named consultations only) ------------------------------------------------------------


def respondents_query(consultation: Consultation):
    """Who answered a named consultation, by name; responses whose account was deleted are counted apart
    (`deleted_accounts`). Never for an anonymous consultation."""
    if consultation.anonymous:
        raise ValueError("an anonymous consultation has no respondents to list")
    return (
        select(ConsultationResponse)
        .join(User, User.id == ConsultationResponse.user_id)
        .options(contains_eager(ConsultationResponse.user))
        .where(ConsultationResponse.consultation_id == consultation.id)
        .order_by(User.name, User.id)
    )


def deleted_accounts(consultation: Consultation) -> int:
    return int(db.session.scalar(
        select(func.count()).select_from(ConsultationResponse)
        .where(ConsultationResponse.consultation_id == consultation.id,
               ConsultationResponse.user_id.is_(None))
    ) or 0)


# ---- export --------------------------------------------------------------------------------------------


def export_table(consultation: Consultation, *, with_names: bool) -> tuple[list[str], list[list]]:
    """One table for CSV and XLSX: per-question counts ("< 3" for small ones), scale means, the free texts
    with their tags in the stable secret order, and, for a named consultation exported for its managers
    (`with_names`), one row per answer with the respondent's name.

    An anonymous consultation's export holds no name, e-mail, id or time, and no rows that put one
    person's answers together (each question's texts are ordered on their own)."""
    header = [_("Part"), _("Question"), _("Answer"), _("Count"), _("Tags")]
    if with_names and not consultation.anonymous:
        header.append(_("Respondent"))
    rows: list[list] = []
    views = question_views(consultation)
    for view in views:
        result = view.result
        if result.kind == QuestionKind.TEXT:
            rows.append([_("Counts"), result.text, _("free-text answers"), result.text_answers, ""])
            continue
        # Counts that may be shown go out as numbers (a spreadsheet can add them up), the others as text.
        answered = view.answered_shown if reads.is_small(result.answered) else result.answered
        rows.append([_("Counts"), result.text, _("answered the question"), answered, ""])
        for row in result.rows:
            rows.append([_("Counts"), result.text, row.label, row.shown if row.hidden else row.count, ""])
        if result.kind == QuestionKind.SCALE:
            mean = view.mean
            rows.append([_("Counts"), result.text, _("mean (1–5)"),
                         format_decimal(mean, "0.00") if mean is not None
                         else _("not shown below 3 answers") if reads.is_small(result.answered)
                         else _("not shown: with the counts it would give away those below 3"), ""])
    ordered = _text_ids(consultation)
    texts = _load_texts(consultation, [answer_id for _ref, answer_id in ordered])
    questions = {q.id: q for q in text_questions(consultation)}
    by_question: dict[int, list[TextItem]] = defaultdict(list)
    for _ref, answer_id in ordered:
        by_question[texts[answer_id].question_id].append(texts[answer_id])
    for question in questions.values():
        for item in by_question.get(question.id, []):
            line = [_("Free texts"), question.text, item.text, "", ", ".join(item.tags)]
            if with_names and not consultation.anonymous:
                line.append(item.author or _("(account deleted)"))
            rows.append(line)
    if with_names and not consultation.anonymous:
        rows.extend(_named_answer_rows(consultation))
    for line in rows:
        line.extend([""] * (len(header) - len(line)))
    return header, rows


def _named_answer_rows(consultation: Consultation) -> list[list]:
    """Named consultations: every choice and scale answer with its respondent, by respondent (two
    queries)."""
    rows = []
    query = (
        select(User.name, ConsultationResponse.id, Question.text, Question.kind,
               ConsultationAnswer.scale_value, ConsultationAnswer.option_id)
        .select_from(ConsultationAnswer)
        .join(ConsultationResponse, ConsultationResponse.id == ConsultationAnswer.response_id)
        .join(Question, Question.id == ConsultationAnswer.question_id)
        .outerjoin(User, User.id == ConsultationResponse.user_id)
        .where(ConsultationResponse.consultation_id == consultation.id,
               Question.kind != QuestionKind.TEXT.value)
        .order_by(User.name, ConsultationResponse.id, Question.position, Question.id, ConsultationAnswer.id)
    )
    labels = dict(db.session.execute(
        select(QuestionOption.id, QuestionOption.label)
        .join(Question, Question.id == QuestionOption.question_id)
        .where(Question.consultation_id == consultation.id)
    ).all())
    for name, _response_id, question, kind, scale_value, option_id in db.session.execute(query):
        answer = str(scale_value) if kind == QuestionKind.SCALE else labels.get(option_id, "")
        rows.append([_("Answers by respondent"), question, answer, "", "", name or _("(account deleted)")])
    return rows


def export_document(consultation_id: int, with_names: bool = False):
    """The export as a `Document` with one table (builder "consultations.results" of portal.exports: a
    large XLSX renders in a background job; CSV is always sent at once)."""
    from portal.exports import Document, Table

    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise LookupError(f"consultation {consultation_id} no longer exists")
    header, rows = export_table(consultation, with_names=with_names)
    return Document(title=_("Consultation results"), details=[(_("Consultation"), consultation.title)],
                    blocks=[Table(header=header, rows=rows)])
