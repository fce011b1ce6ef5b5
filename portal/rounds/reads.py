"""What pages, exports and the dashboard read about comment rounds: each figure computed once, here.

Every function makes a fixed number of queries, whatever the number of paragraphs or comments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from portal import clock
from portal.documents.reads import citation
from portal.extensions import db
from portal.groups import services as groups
from portal.models import Membership, Role, User, WorkingGroup
from portal.models.documents import Document, DocumentParagraph, DocumentSection, DocumentVersion
from portal.models.rounds import Comment, CommentKind, CommentRound, DisputeResolution, RoundGroup, Settlement
from portal.rounds import services


@dataclass(frozen=True)
class Progress:
    total: int  # comments to settle (top-level, not withdrawn)
    settled: int
    disputes: int  # unresolved rozpory

    @property
    def done(self) -> bool:
        return self.settled == self.total


def progress_of(round_ids: list[int]) -> dict[int, Progress]:
    """Settlement progress of rounds, in one query."""
    if not round_ids:
        return {}
    dispute = (
        (Comment.kind == CommentKind.FUNDAMENTAL.value)
        & Settlement.accepted.is_(False)
        & Settlement.resolution.is_(None)
    )
    rows = db.session.execute(
        select(
            Comment.round_id,
            func.count(Comment.id),
            func.count(Settlement.id),
            func.sum(case((dispute, 1), else_=0)),
        )
        .outerjoin(Settlement, Settlement.comment_id == Comment.id)
        .where(Comment.round_id.in_(round_ids), Comment.parent_id.is_(None), Comment.withdrawn_at.is_(None))
        .group_by(Comment.round_id)
    ).all()
    result = {rid: Progress(0, 0, 0) for rid in round_ids}
    for rid, total, settled, disputes in rows:
        result[rid] = Progress(int(total), int(settled), int(disputes or 0))
    return result


def progress(round_: CommentRound) -> Progress:
    return progress_of([round_.id])[round_.id]


def paragraph_counts(round_: CommentRound, viewer: User | None = None) -> dict[int, int]:
    """Comments (replies excluded, withdrawn excluded) per paragraph of the round's version, one query.
    A viewer who may not see others' comments counts only their own."""
    query = (
        select(Comment.paragraph_id, func.count(Comment.id))
        .where(Comment.round_id == round_.id, Comment.parent_id.is_(None), Comment.withdrawn_at.is_(None))
        .group_by(Comment.paragraph_id)
    )
    if viewer is not None and not services.sees_all_comments(viewer, round_):
        query = query.where(Comment.author_id == viewer.id)
    return dict(db.session.execute(query).all())


def _comment_loads() -> tuple:
    """What a comment's row in a list or the settlement table shows: author, settlement, quoted passage,
    and the paragraph with its section (loaded with the comment, not a query a row)."""
    return (
        joinedload(Comment.author),
        joinedload(Comment.settlement),
        joinedload(Comment.passage),
        joinedload(Comment.paragraph).joinedload(DocumentParagraph.section),
    )


def visible_comments(round_: CommentRound, viewer: User, *, paragraph_id: int | None = None) -> list[Comment]:
    """The comments (with their replies, settlement and authors) a viewer may read, in document order."""
    query = (
        select(Comment)
        .join(DocumentParagraph, DocumentParagraph.id == Comment.paragraph_id)
        .where(Comment.round_id == round_.id)
        .options(*_comment_loads())
        .order_by(DocumentParagraph.position, Comment.id)
    )
    if paragraph_id is not None:
        query = query.where(Comment.paragraph_id == paragraph_id)
    if not services.sees_all_comments(viewer, round_):
        query = query.where(Comment.author_id == viewer.id)
    return list(db.session.scalars(query).unique())


@dataclass
class Thread:
    comment: Comment
    number: int  # č. in the settlement table
    replies: list[Comment] = field(default_factory=list)


def threads(comments: list[Comment]) -> list[Thread]:
    """Top-level comments numbered in document order, each with its replies (oldest first)."""
    tops = [c for c in comments if c.parent_id is None]
    by_id = {c.id: Thread(c, n) for n, c in enumerate(tops, start=1)}
    for comment in sorted((c for c in comments if c.parent_id is not None), key=lambda c: c.id):
        if comment.parent_id in by_id:
            by_id[comment.parent_id].replies.append(comment)
    return list(by_id.values())


def replies_of(comment_ids: list[int]) -> dict[int, list[Comment]]:
    """The replies of the given comments (oldest first), with their authors, in one query."""
    if not comment_ids:
        return {}
    result: dict[int, list[Comment]] = defaultdict(list)
    for comment in db.session.scalars(
        select(Comment)
        .where(Comment.parent_id.in_(comment_ids))
        .options(joinedload(Comment.author))
        .order_by(Comment.id)
    ):
        result[comment.parent_id].append(comment)
    return dict(result)


def numbers(round_: CommentRound) -> dict[int, int]:
    """Comment id -> its number (č.) in the settlement table: top-level comments not withdrawn, in document
    order (one query of ids)."""
    ids = db.session.scalars(
        select(Comment.id)
        .join(DocumentParagraph, DocumentParagraph.id == Comment.paragraph_id)
        .where(Comment.round_id == round_.id, Comment.parent_id.is_(None), Comment.withdrawn_at.is_(None))
        .order_by(DocumentParagraph.position, Comment.id)
    ).all()
    return {comment_id: number for number, comment_id in enumerate(ids, start=1)}


def next_unsettled(round_: CommentRound, after: Comment) -> Comment | None:
    """The first comment still to settle, in document order, other than `after`."""
    return db.session.scalar(
        select(Comment)
        .join(DocumentParagraph, DocumentParagraph.id == Comment.paragraph_id)
        .outerjoin(Settlement, Settlement.comment_id == Comment.id)
        .where(
            Comment.round_id == round_.id,
            Comment.parent_id.is_(None),
            Comment.withdrawn_at.is_(None),
            Settlement.id.is_(None),
            Comment.id != after.id,
        )
        .order_by(DocumentParagraph.position, Comment.id)
        .limit(1)
    )


# ---- lists for the group page and the dashboard ------------------------------------------------------


def rounds_of_group(group: WorkingGroup, *, limit: int = 5) -> list[CommentRound]:
    """The latest rounds on the group's documents or taking its members, newest first."""
    owned = (
        select(CommentRound.id)
        .join(DocumentVersion, DocumentVersion.id == CommentRound.version_id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.group_id == group.id)
    )
    taking = select(RoundGroup.round_id).where(RoundGroup.group_id == group.id)
    return list(
        db.session.scalars(
            select(CommentRound)
            .where(CommentRound.id.in_(owned.union(taking)))
            .options(joinedload(CommentRound.document_version).joinedload(DocumentVersion.document))
            .order_by(CommentRound.closes_at.desc())
            .limit(limit)
        )
    )


@dataclass
class GroupRounds:
    rounds: list[CommentRound]
    states: dict[int, str]
    progress: dict[int, Progress]


def group_rounds(group: WorkingGroup, viewer: User | None = None) -> GroupRounds:
    """What the group page's rounds box shows: the group's latest rounds the viewer may see (their
    participants and managers), with state and progress (a bounded number of queries: at most five rounds)."""
    rounds = [r for r in rounds_of_group(group) if viewer is not None and services.can_see(viewer, r)]
    at = clock.now()
    return GroupRounds(
        rounds, {r.id: services.state(r, at) for r in rounds}, progress_of([r.id for r in rounds])
    )


@dataclass
class OpenRound:
    round: CommentRound
    days_left: int


@dataclass
class DashboardRounds:
    open: list[OpenRound]  # rounds the user may comment on now, with days left
    to_settle: list[tuple[CommentRound, Progress]]  # closed rounds the user settles, not fully settled


def _days_left(closes_at: datetime, at: datetime) -> int:
    return max((closes_at.astimezone(clock.zone()).date() - at.astimezone(clock.zone()).date()).days, 0)


def dashboard_rounds(
    user: User, today: date | None = None, at: datetime | None = None, *, limit: int = 10
) -> DashboardRounds:
    """Open rounds the user takes part in, and closed rounds they settle that are not settled yet."""
    at = at or clock.now()
    today = today or at.astimezone(clock.zone()).date()
    eager = joinedload(CommentRound.document_version).joinedload(DocumentVersion.document)
    mine = select(Membership.group_id).where(Membership.user_id == user.id, groups._active_on(today))
    participant = CommentRound.id.in_(select(RoundGroup.round_id).where(RoundGroup.group_id.in_(mine)))
    if user.role == Role.PARENT and user.territory_id is not None:
        public_ids = (
            select(CommentRound.id)
            .join(DocumentVersion)
            .join(Document)
            .where(CommentRound.public.is_(True), Document.territory_id == user.territory_id)
        )
        participant = participant | CommentRound.id.in_(public_ids)
    open_rounds = db.session.scalars(
        select(CommentRound)
        .where(participant, CommentRound.opens_at <= at, CommentRound.closes_at > at)
        .options(eager)
        .order_by(CommentRound.closes_at)
        .limit(limit)
    ).all()
    to_settle: list[tuple[CommentRound, Progress]] = []
    if user.role in (Role.COORDINATOR, Role.ADMIN, Role.MEMBER):
        candidates = db.session.scalars(
            select(CommentRound)
            .join(DocumentVersion)
            .join(Document)
            .where(
                CommentRound.closes_at <= at,
                Document.territory_id == user.territory_id if user.role != Role.ADMIN else True,
            )
            .options(eager, selectinload(CommentRound.groups))
            .order_by(CommentRound.closes_at.desc())
            .limit(50)
        ).all()
        owner_groups = list(
            {
                r.document_version.document.group_id: r.document_version.document.group for r in candidates
            }.values()
        )
        managed = {g.id for g in groups.managed_among(user, owner_groups, today)}
        candidates = [r for r in candidates if r.document_version.document.group_id in managed]
        figures = progress_of([r.id for r in candidates])
        to_settle = [(r, figures[r.id]) for r in candidates if not figures[r.id].done][:limit]
    return DashboardRounds([OpenRound(r, _days_left(r.closes_at, at)) for r in open_rounds], to_settle)


TAKEN_IN_OUTCOMES = ("accepted", "partly_accepted")


def taken_in(old: DocumentVersion, new: DocumentVersion) -> dict[str, list[str]]:
    """For the comparison of two versions: paragraph anchor -> the settled comments (accepted or partly
    accepted, in rounds on the versions from `old` up to before `new`) on that paragraph, as short texts.
    Anchors carry over between versions, so the comments find their paragraph in `new`. One query."""
    rows = db.session.execute(
        select(DocumentParagraph.anchor, Comment, Settlement.outcome)
        .join(Comment, Comment.paragraph_id == DocumentParagraph.id)
        .join(Settlement, Settlement.comment_id == Comment.id)
        .join(DocumentVersion, DocumentVersion.id == DocumentParagraph.version_id)
        .where(
            DocumentVersion.document_id == old.document_id,
            DocumentVersion.number >= old.number,
            DocumentVersion.number < new.number,
            Comment.withdrawn_at.is_(None),
            Settlement.accepted.is_(True) | Settlement.outcome.in_(TAKEN_IN_OUTCOMES),
        )
        .options(joinedload(Comment.author))
        .order_by(DocumentParagraph.position, Comment.id)
    ).all()
    labels = services.outcome_labels(old.document.territory_id)
    result: dict[str, list[str]] = defaultdict(list)
    for anchor, comment, outcome in rows:
        author = comment.author.name if comment.author else "—"
        text = comment.text if len(comment.text) <= 160 else comment.text[:159] + "…"
        result[anchor].append(f"{author}: {text} ({labels.get(outcome, outcome)})")
    return dict(result)


def rounds_by_version(versions: list[DocumentVersion]) -> dict[int, list[CommentRound]]:
    """The rounds of each version (for the document page), in one query."""
    result: dict[int, list[CommentRound]] = defaultdict(list)
    if versions:
        for round_ in db.session.scalars(
            select(CommentRound)
            .where(CommentRound.version_id.in_([v.id for v in versions]))
            .order_by(CommentRound.opens_at)
        ):
            result[round_.version_id].append(round_)
    return dict(result)


# ---- the settlement table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SettlementRow:
    number: int
    author: str
    place: str
    text: str
    proposed_wording: str
    kind: str
    outcome: str
    reason: str


def settlement_rows(round_: CommentRound) -> list[SettlementRow]:
    """The rows of the settlement table (tabulka vypořádání), top-level comments not withdrawn, in
    document order; texts in the current language."""
    comments = (
        db.session.scalars(
            select(Comment)
            .join(DocumentParagraph, DocumentParagraph.id == Comment.paragraph_id)
            .outerjoin(DocumentSection, DocumentSection.id == DocumentParagraph.section_id)
            .where(Comment.round_id == round_.id, Comment.parent_id.is_(None), Comment.withdrawn_at.is_(None))
            .options(*_comment_loads())
            .order_by(DocumentParagraph.position, Comment.id)
        )
        .unique()
        .all()
    )
    labels = services.outcome_labels(round_.document_version.document.territory_id)
    rows = []
    for number, comment in enumerate(comments, start=1):
        author = comment.author.name if comment.author else "—"
        if comment.organisation:
            author = f"{author} / {comment.organisation}"
        text = comment.text
        if comment.passage is not None:
            text = f"„{comment.passage.quote}“\n{text}"
        settlement = comment.settlement
        outcome = labels.get(settlement.outcome, settlement.outcome) if settlement else ""
        if settlement is not None and settlement.resolution:
            outcome += f" ({services.RESOLUTION_LABELS[settlement.resolution]})"
        elif services.is_dispute(comment, settlement):
            outcome += f" – {services.DISPUTE_LABEL}"
        rows.append(
            SettlementRow(
                number=number,
                author=author,
                place=citation(comment.paragraph),
                text=text,
                proposed_wording=comment.proposed_wording or "",
                kind=str(services.KIND_LABELS[comment.kind]),
                outcome=outcome,
                reason=(settlement.reason or "") if settlement else "",
            )
        )
    return rows


def authors_outcomes(round_: CommentRound) -> dict[int, list[Comment]]:
    """Each author's settled comments (one message per author)."""
    comments = (
        db.session.scalars(
            select(Comment)
            .where(
                Comment.round_id == round_.id,
                Comment.parent_id.is_(None),
                Comment.withdrawn_at.is_(None),
                Comment.author_id.is_not(None),
            )
            .options(
                joinedload(Comment.settlement),
                joinedload(Comment.author),
                joinedload(Comment.paragraph).joinedload(DocumentParagraph.section),
            )
            .order_by(Comment.id)
        )
        .unique()
        .all()
    )
    by_author: dict[int, list[Comment]] = defaultdict(list)
    for comment in comments:
        if comment.settlement is not None:
            by_author[comment.author_id].append(comment)
    return dict(by_author)


def rounds_for_agenda(meeting, user: User | None) -> dict[int, list[CommentRound]]:
    """{agenda item id: [rounds the user may see]} of one meeting, in one query (plus the visibility checks
    of the few linked rounds)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    from portal.models.meetings import AgendaItem
    from portal.models.rounds import RoundAgendaLink

    rows = db.session.execute(
        select(RoundAgendaLink.agenda_item_id, CommentRound)
        .join(CommentRound, CommentRound.id == RoundAgendaLink.round_id)
        .join(AgendaItem, AgendaItem.id == RoundAgendaLink.agenda_item_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(RoundAgendaLink.id)
    ).all()
    result: dict[int, list[CommentRound]] = defaultdict(list)
    for item_id, round_ in rows:
        if services.can_see(user, round_):
            result[item_id].append(round_)
    return dict(result)


# ---- settlement statistics (the round page and the annual report) --------------------------------------


@dataclass
class Statistics:
    """A round's comments (top-level, not withdrawn) by type and outcome, and its rozpory: fundamental
    comments settled as not accepted, ended by agreement, passed to the Řídicí výbor, or still unresolved."""

    fundamental: int = 0
    recommendation: int = 0
    unsettled: int = 0
    # outcome code -> [fundamental, recommendation]
    outcomes: dict[str, list[int]] = field(default_factory=dict)
    disputes: int = 0
    disputes_agreed: int = 0
    disputes_steering: int = 0

    @property
    def total(self) -> int:
        return self.fundamental + self.recommendation

    @property
    def disputes_unresolved(self) -> int:
        return self.disputes - self.disputes_agreed - self.disputes_steering

    def __add__(self, other: Statistics) -> Statistics:
        outcomes = {code: list(pair) for code, pair in self.outcomes.items()}
        for code, (f, r) in other.outcomes.items():
            pair = outcomes.setdefault(code, [0, 0])
            pair[0] += f
            pair[1] += r
        return Statistics(
            self.fundamental + other.fundamental, self.recommendation + other.recommendation,
            self.unsettled + other.unsettled, outcomes, self.disputes + other.disputes,
            self.disputes_agreed + other.disputes_agreed, self.disputes_steering + other.disputes_steering)


def settlement_statistics(round_ids: list[int]) -> dict[int, Statistics]:
    """Each round's settlement statistics, in one query."""
    result = {rid: Statistics() for rid in round_ids}
    if not round_ids:
        return result
    rows = db.session.execute(
        select(Comment.round_id, Comment.kind, Settlement.outcome, Settlement.accepted, Settlement.resolution,
               func.count(Comment.id))
        .outerjoin(Settlement, Settlement.comment_id == Comment.id)
        .where(Comment.round_id.in_(round_ids), Comment.parent_id.is_(None), Comment.withdrawn_at.is_(None))
        .group_by(Comment.round_id, Comment.kind, Settlement.outcome, Settlement.accepted,
                  Settlement.resolution)
    ).all()
    for round_id, kind, outcome, accepted, resolution, count in rows:
        stats, count = result[round_id], int(count)
        fundamental = kind == CommentKind.FUNDAMENTAL.value
        if fundamental:
            stats.fundamental += count
        else:
            stats.recommendation += count
        if outcome is None:
            stats.unsettled += count
            continue
        stats.outcomes.setdefault(outcome, [0, 0])[0 if fundamental else 1] += count
        if fundamental and not accepted:
            stats.disputes += count
            if resolution == DisputeResolution.AGREED.value:
                stats.disputes_agreed += count
            elif resolution == DisputeResolution.STEERING_COMMITTEE.value:
                stats.disputes_steering += count
    order = {code: n for n, code in enumerate(services.OUTCOME_LABELS)}
    for stats in result.values():  # the default outcomes in their order, a territory's own ones after them
        stats.outcomes = dict(sorted(stats.outcomes.items(), key=lambda item: (order.get(item[0], len(order)),
                                                                               item[0])))
    return result


def statistics(round_: CommentRound) -> Statistics:
    return settlement_statistics([round_.id])[round_.id]


def outcome_order(territory_id: int) -> list[str]:
    """The outcome codes in the territory's order (the settlement form's), hidden ones included."""
    return list(services.outcome_labels(territory_id))


def rounds_between(group: WorkingGroup, start_at: datetime, end_at: datetime) -> list[CommentRound]:
    """The rounds on the group's documents that were open at some time in [start_at, end_at), in order of
    closing, with their document loaded."""
    owned = (
        select(CommentRound.id)
        .join(DocumentVersion, DocumentVersion.id == CommentRound.version_id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(Document.group_id == group.id)
    )
    return list(db.session.scalars(
        select(CommentRound)
        .where(CommentRound.id.in_(owned), CommentRound.opens_at < end_at, CommentRound.closes_at > start_at)
        .options(joinedload(CommentRound.document_version).joinedload(DocumentVersion.document))
        .order_by(CommentRound.closes_at, CommentRound.id)
    ))
