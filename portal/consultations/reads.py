"""What the results pages, the exports and the annual report read about consultations: each figure
computed once, here.

Counts below `SMALL_COUNT` are never shown as numbers where results are broken down (per option, per
scale value): `shown()` turns them into "< 3" for every page, export and report alike, and where the other
rows and the total would pin such a count down, one more row is withheld (`_protect`). An anonymous
consultation's results wait until it has closed (`results_pending`).

Every function makes a fixed number of queries, whatever the number of answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.models.consultations import (
    SCALE_VALUES,
    Consultation,
    ConsultationAnswer,
    ConsultationInvitee,
    ConsultationResponse,
    Question,
    QuestionKind,
    QuestionOption,
)

#: Counts below this are shown as "< 3" wherever results are broken down.
SMALL_COUNT = 3


def is_small(count: int) -> bool:
    return count < SMALL_COUNT


def shown(count: int) -> str:
    """A broken-down count as people may see it: the number, or "< 3"."""
    return _("< %(n)s", n=SMALL_COUNT) if is_small(count) else str(count)


@dataclass(frozen=True)
class Row:
    """One line of a question's results: an option's label (or a scale value) and how many chose it."""

    label: str
    count: int
    # Not small itself, but not shown either: otherwise a lone small count could be worked out by
    # subtracting the shown counts from how many answered (see `_protect`).
    withheld: bool = False

    @property
    def small(self) -> bool:
        return is_small(self.count)

    @property
    def hidden(self) -> bool:
        """The exact count is not shown (small, or withheld to protect a small one)."""
        return self.small or self.withheld

    @property
    def shown(self) -> str:
        if self.withheld and not self.small:
            return _("withheld")
        return shown(self.count)


def _protect(rows: tuple[Row, ...]) -> tuple[Row, ...]:
    """Rows that add up to how many answered (single choice, scale): the hidden counts' sum can be worked
    out from the total, so it must not pin down a small count. With one small row it would (its exact
    count), and with small rows that are all 2 (their sum is twice their number): then the smallest shown
    row is withheld too. Whether that happens depends only on what is shown, so it reveals nothing."""
    small = [row for row in rows if row.small]
    if not small:
        return rows
    determined = len(small) == 1 or sum(row.count for row in small) == 2 * len(small)
    visible = [i for i, row in enumerate(rows) if not row.small]
    if not determined or not visible:
        return rows
    pick = min(visible, key=lambda i: (rows[i].count, i))
    return tuple(Row(row.label, row.count, withheld=True) if i == pick else row for i, row in enumerate(rows))


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    position: int
    kind: str
    text: str
    required: bool
    answered: int  # responses that answered this question
    rows: tuple[Row, ...]  # options in order, or the scale values 1–5; empty for free text
    mean: float | None  # scale questions: the mean of the values given (None with no answers)
    text_answers: int  # free-text questions: how many non-empty texts

    @property
    def mean_shown(self) -> float | None:
        """The scale's mean where it may be shown: from at least 3 answers, and only when the hidden rows
        hold no answers (else the mean, with the shown counts, would give the hidden ones away). Whether
        they hold any follows from the shown figures alone (answered minus the shown counts)."""
        if self.kind != QuestionKind.SCALE or self.mean is None or is_small(self.answered):
            return None
        if any(row.count for row in self.rows if row.hidden):
            return None
        return self.mean


def question_results(consultation: Consultation) -> list[QuestionResult]:
    """Per question: how many answered it and the count of each option or scale value (three queries)."""
    questions = db.session.scalars(
        select(Question).where(Question.consultation_id == consultation.id)
        .order_by(Question.position, Question.id)
    ).all()
    if not questions:
        return []
    ids = [q.id for q in questions]
    options = defaultdict(list)
    for option in db.session.scalars(
        select(QuestionOption).where(QuestionOption.question_id.in_(ids))
        .order_by(QuestionOption.position, QuestionOption.id)
    ):
        options[option.question_id].append(option)
    answered = dict(db.session.execute(
        select(ConsultationAnswer.question_id, func.count(func.distinct(ConsultationAnswer.response_id)))
        .where(ConsultationAnswer.question_id.in_(ids)).group_by(ConsultationAnswer.question_id)
    ).all())
    by_option: dict[int, int] = {}
    by_scale: dict[tuple[int, int], int] = {}
    texts: dict[int, int] = {}
    for question_id, option_id, scale_value, has_text, count in db.session.execute(
        select(
            ConsultationAnswer.question_id,
            ConsultationAnswer.option_id,
            ConsultationAnswer.scale_value,
            ConsultationAnswer.text.is_not(None),
            func.count(),
        )
        .where(ConsultationAnswer.question_id.in_(ids))
        .group_by(ConsultationAnswer.question_id, ConsultationAnswer.option_id,
                  ConsultationAnswer.scale_value, ConsultationAnswer.text.is_not(None))
    ):
        if option_id is not None:
            by_option[option_id] = by_option.get(option_id, 0) + count
        elif scale_value is not None:
            by_scale[(question_id, scale_value)] = by_scale.get((question_id, scale_value), 0) + count
        elif has_text:
            texts[question_id] = texts.get(question_id, 0) + count
    results = []
    for q in questions:
        mean = None
        if q.kind == QuestionKind.SCALE:
            rows = _protect(tuple(Row(str(v), by_scale.get((q.id, v), 0)) for v in SCALE_VALUES))
            total = sum(r.count for r in rows)
            if total:
                mean = sum(v * by_scale.get((q.id, v), 0) for v in SCALE_VALUES) / total
        elif q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            rows = tuple(Row(o.label, by_option.get(o.id, 0)) for o in options[q.id])
            if q.kind == QuestionKind.SINGLE:
                rows = _protect(rows)
        else:
            rows = ()
        results.append(QuestionResult(
            question_id=q.id, position=q.position, kind=q.kind, text=q.text, required=q.required,
            answered=int(answered.get(q.id, 0)), rows=rows, mean=mean, text_answers=texts.get(q.id, 0),
        ))
    return results


def respondent_counts(consultation_ids: list[int]) -> dict[int, int]:
    """How many responses each consultation has (one query)."""
    if not consultation_ids:
        return {}
    counts = dict(db.session.execute(
        select(ConsultationResponse.consultation_id, func.count())
        .where(ConsultationResponse.consultation_id.in_(consultation_ids))
        .group_by(ConsultationResponse.consultation_id)
    ).all())
    return {cid: int(counts.get(cid, 0)) for cid in consultation_ids}


def invitee_counts(consultation_ids: list[int]) -> dict[int, int]:
    """How many addresses each consultation was sent to (one query)."""
    if not consultation_ids:
        return {}
    counts = dict(db.session.execute(
        select(ConsultationInvitee.consultation_id, func.count())
        .where(ConsultationInvitee.consultation_id.in_(consultation_ids))
        .group_by(ConsultationInvitee.consultation_id)
    ).all())
    return {cid: int(counts.get(cid, 0)) for cid in consultation_ids}


def results_pending(consultation: Consultation, at: datetime | None = None) -> bool:
    """An anonymous consultation's results (per question, free texts, exports) are shown once it has
    closed: while answers arrive, two looks at the live figures a little apart would tell what the one
    person who answered in between said. Participation (how many answered) is shown all along."""
    return consultation.anonymous and (at or clock.now()) < consultation.closes_at


@dataclass(frozen=True)
class ConsultationSummary:
    """A consultation as the group's overview and the annual report present it."""

    id: int
    title: str
    opens_at: datetime
    closes_at: datetime
    audience: str
    anonymous: bool
    respondents: int
    invited: int
    questions: tuple[QuestionResult, ...]  # empty while the results are pending
    results_pending: bool = False  # an anonymous consultation still open: results once it has closed


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.zone())


def summaries(group_id: int, start: date, end: date) -> list[ConsultationSummary]:
    """The group's consultations that were open at some time between `start` and `end` (Prague dates,
    both included), in order of opening, with their participation and per-question results."""
    consultations = db.session.scalars(
        select(Consultation)
        .where(Consultation.group_id == group_id,
               Consultation.opens_at < _day_start(end + timedelta(days=1)),
               Consultation.closes_at > _day_start(start))
        .order_by(Consultation.opens_at, Consultation.id)
    ).all()
    ids = [c.id for c in consultations]
    respondents = respondent_counts(ids)
    invited = invitee_counts(ids)
    summaries_ = []
    for c in consultations:
        pending = results_pending(c)
        summaries_.append(ConsultationSummary(
            id=c.id, title=c.title, opens_at=c.opens_at, closes_at=c.closes_at, audience=c.audience,
            anonymous=c.anonymous, respondents=respondents[c.id], invited=invited[c.id],
            questions=() if pending else tuple(question_results(c)), results_pending=pending,
        ))
    return summaries_
