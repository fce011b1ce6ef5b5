"""Comment rounds, comments and their settlement: who may do what, and when.

Every function that changes something takes the acting user (`actor=`), validates, records the change in the
audit log and only flushes; the request commits. Refusals raise `RoundError` with a translated message and
change nothing.

Rules (issue 10, DOMAIN.md "Plan documents and comment rounds"):

* A round's state comes from the clock: *scheduled* before `opens_at`, *open* until `closes_at`, *closed*
  after (never from a job having run). Times are entered in Europe/Prague and stored in UTC.
* The coordinators of the document's owner group (`is_group_coordinator`) create, edit and settle rounds.
* Participants are the active members of the round's groups; a public round (*veřejné připomínkování*)
  also admits the parent accounts of the territory. Comments outside the open window or by others are
  refused with a message.
* A comment points at a paragraph of the round's version, or at a passage quoted from it; it has a type
  (zásadní / doporučující), a text, an optional proposed wording and the organisation the author speaks for.
  Authors edit or withdraw their own comments while the round is open; replies form a thread.
* After the close, each (not withdrawn, top-level) comment is settled with an outcome and a reason (required
  unless accepted). An unaccepted fundamental comment is a *rozpor* until its resolution is recorded.
* Edits carry the version the user saw (portal.versioning); settling a comment never settled before expects
  version 0, so of two coordinators settling at once one wins and the other is shown the winner's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit, clock
from portal.documents import services as documents
from portal.documents.services import DocumentError
from portal.extensions import db
from portal.groups import services as groups
from portal.models import Membership, Role, User, WorkingGroup
from portal.models.documents import DocumentParagraph, DocumentVersion, QuotedPassage
from portal.models.meetings import AgendaItem
from portal.models.rounds import (
    Comment,
    CommentKind,
    CommentRound,
    DisputeResolution,
    Outcome,
    RoundAgendaLink,
    RoundGroup,
    Settlement,
    SettlementOutcome,
)
from portal.rounds import local_label
from portal.versioning import StaleEdit, check_version

TITLE_MAX = 200
INSTRUCTIONS_MAX = 5000
TEXT_MAX = 5000
WORDING_MAX = 5000
QUOTE_MAX = 1000
ORGANISATION_MAX = 200
REASON_MAX = 5000
NOTE_MAX = 2000
OUTCOME_LABEL_MAX = 100
# Participants are reminded this long before the round closes.
REMINDER_BEFORE = timedelta(days=2)

KIND_LABELS = {
    CommentKind.FUNDAMENTAL.value: _l("fundamental"),
    CommentKind.RECOMMENDATION.value: _l("recommendation"),
}
OUTCOME_LABELS = {
    Outcome.ACCEPTED.value: _l("accepted"),
    Outcome.PARTLY_ACCEPTED.value: _l("partly accepted"),
    Outcome.NOT_ACCEPTED.value: _l("not accepted"),
    Outcome.EXPLAINED.value: _l("explained"),
    Outcome.NOTED.value: _l("noted"),
}
RESOLUTION_LABELS = {
    DisputeResolution.AGREED.value: _l("agreed after discussion"),
    DisputeResolution.STEERING_COMMITTEE.value: _l("passed to the Steering Committee"),
}
DISPUTE_LABEL = _l("dispute")


class RoundError(ValueError):
    """A user-facing refusal; the message is already translated. `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# ---- state and people --------------------------------------------------------------------------------

SCHEDULED, OPEN, CLOSED = "scheduled", "open", "closed"
STATE_LABELS = {SCHEDULED: _l("not open yet"), OPEN: _l("open"), CLOSED: _l("closed")}


def state(round_: CommentRound, at: datetime | None = None) -> str:
    """scheduled / open / closed, from the clock and the round's times alone."""
    at = at or clock.now()
    if at < round_.opens_at:
        return SCHEDULED
    if at < round_.closes_at:
        return OPEN
    return CLOSED


def owner_group(round_: CommentRound) -> WorkingGroup:
    return round_.document_version.document.group


def can_manage(user: User, round_or_version) -> bool:
    """The coordinators of the document's owner group (and portal coordinators of its territory, admins)."""
    version = (
        round_or_version.document_version if isinstance(round_or_version, CommentRound) else round_or_version
    )
    return groups.is_group_coordinator(user, version.document.group, clock.today())


def is_participant(user: User, round_: CommentRound) -> bool:
    """An active member of one of the round's groups; for a public round also a parent of the territory."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    territory_id = round_.document_version.document.territory_id
    if round_.public and user.role == Role.PARENT and user.territory_id == territory_id:
        return True
    group_ids = [g.group_id for g in round_.groups]
    if not group_ids:
        return False
    return (
        db.session.scalar(
            select(Membership.id)
            .where(
                Membership.user_id == user.id,
                Membership.group_id.in_(group_ids),
                groups._active_on(clock.today()),
            )
            .limit(1)
        )
        is not None
    )


def can_see(user: User, round_: CommentRound) -> bool:
    return can_manage(user, round_) or is_participant(user, round_)


def reads_version_in_public_round(user: User | None, version: DocumentVersion) -> bool:
    """A parent of the territory reads a version while a public round on it is open or after it closed."""
    if user is None or not getattr(user, "is_authenticated", False) or user.role != Role.PARENT:
        return False
    if user.territory_id != version.document.territory_id:
        return False
    return (
        db.session.scalar(
            select(CommentRound.id)
            .where(
                CommentRound.version_id == version.id,
                CommentRound.public.is_(True),
                CommentRound.opens_at <= clock.now(),
            )
            .limit(1)
        )
        is not None
    )


def sees_all_comments(user: User, round_: CommentRound, at: datetime | None = None) -> bool:
    """Managers always; participants after the close, or while open when the round shows comments."""
    if can_manage(user, round_):
        return True
    return state(round_, at) == CLOSED or round_.comments_visible


def participants(round_: CommentRound) -> list[User]:
    """Everyone taking part, by name: active members of the round's groups (and parents if public)."""
    group_ids = [g.group_id for g in round_.groups]
    people: dict[int, User] = {}
    if group_ids:
        for user in db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.group_id.in_(group_ids), groups._active_on(clock.today()), User.active.is_(True)
            )
        ):
            people[user.id] = user
    if round_.public:
        territory_id = round_.document_version.document.territory_id
        for user in db.session.scalars(
            select(User).where(
                User.role == Role.PARENT.value, User.territory_id == territory_id, User.active.is_(True)
            )
        ):
            people[user.id] = user
    return sorted(people.values(), key=lambda u: (u.name, u.id))


# ---- rounds ------------------------------------------------------------------------------------------


@dataclass
class RoundData:
    title: str
    opens_local: datetime  # wall-clock time in Europe/Prague (naive)
    closes_local: datetime
    instructions: str | None = None
    public: bool = False
    comments_visible: bool = True
    group_ids: tuple[int, ...] = ()


def to_utc(local: datetime) -> datetime:
    from datetime import UTC

    return local.replace(tzinfo=clock.zone()).astimezone(UTC)


def local(moment: datetime) -> datetime:
    return moment.astimezone(clock.zone())


def _limit(value: str | None, limit: int, field: str) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise RoundError(
            _(
                "At most %(limit)s characters are allowed; the text has %(length)s.",
                limit=limit,
                length=len(value),
            ),
            field,
        )
    return value or None


def _checked_groups(version: DocumentVersion, data: RoundData) -> list[WorkingGroup]:
    chosen = []
    territory_id = version.document.territory_id
    for group_id in dict.fromkeys(data.group_ids):
        group = db.session.get(WorkingGroup, group_id)
        if group is None or group.territory_id != territory_id:
            raise RoundError(_("Choose groups of the document's territory."), "group_ids")
        chosen.append(group)
    if not chosen and not data.public:
        raise RoundError(
            _("Choose at least one group whose members will comment, or make the round public."), "group_ids"
        )
    return chosen


def _check_round(version: DocumentVersion, data: RoundData, at: datetime, round_: CommentRound | None):
    title = _limit(data.title, TITLE_MAX, "title")
    if not title:
        raise RoundError(_("Give the round a title."), "title")
    instructions = _limit(data.instructions, INSTRUCTIONS_MAX, "instructions")
    if data.opens_local is None or data.closes_local is None:
        raise RoundError(_("Enter a date and time."), "opens_local")
    opens_at, closes_at = to_utc(data.opens_local), to_utc(data.closes_local)
    if closes_at <= opens_at:
        raise RoundError(_("The round must close after it opens."), "closes_local")
    if closes_at <= at:
        raise RoundError(_("The closing time has already passed."), "closes_local")
    if round_ is not None and state(round_, at) != SCHEDULED and opens_at != round_.opens_at:
        raise RoundError(
            _("The round is already open; its opening time can no longer change."), "opens_local"
        )
    return title, instructions, opens_at, closes_at, _checked_groups(version, data)


def require_manager(round_or_version, actor: User) -> None:
    if not can_manage(actor, round_or_version):
        raise RoundError(_("Only the coordinators of the document's group manage its comment rounds."))


def create_round(
    version: DocumentVersion, data: RoundData, *, actor: User, at: datetime | None = None
) -> CommentRound:
    """A round on a version of the document; a draft version is then "in comment round"."""
    from portal.models.documents import ImportState, VersionState

    at = at or clock.now()
    require_manager(version, actor)
    if version.import_state != ImportState.READY:
        raise RoundError(_("The version's text has not been read yet; wait until its import has finished."))
    title, instructions, opens_at, closes_at, chosen = _check_round(version, data, at, None)
    round_ = CommentRound(
        version_id=version.id,
        document_version=version,
        title=title,
        instructions=instructions,
        opens_at=opens_at,
        closes_at=closes_at,
        public=data.public,
        comments_visible=data.comments_visible,
        created_by_id=actor.id,
    )
    round_.groups = [RoundGroup(group_id=g.id) for g in chosen]
    db.session.add(round_)
    if version.state == VersionState.DRAFT:
        try:
            documents.set_version_state(
                version, VersionState.IN_ROUND.value, seen_version=version.version, actor=actor
            )
        except DocumentError as error:
            raise RoundError(error.message) from error
    db.session.flush()
    audit.record("round.created", round_, actor=actor, territory_id=version.document.territory_id)
    return round_


def update_round(
    round_: CommentRound,
    data: RoundData,
    *,
    actor: User,
    seen_version: int | None,
    at: datetime | None = None,
) -> None:
    """Change a round before it closes (its opening time only before it opens)."""
    at = at or clock.now()
    require_manager(round_, actor)
    check_version(round_, seen_version)
    if state(round_, at) == CLOSED:
        raise RoundError(_("The round has closed and can no longer change."))
    title, instructions, opens_at, closes_at, chosen = _check_round(round_.document_version, data, at, round_)
    round_.title, round_.instructions = title, instructions
    if closes_at != round_.closes_at:
        round_.closing_notified_at = None  # a moved deadline is announced again two days before it
    round_.opens_at, round_.closes_at = opens_at, closes_at
    round_.public, round_.comments_visible = data.public, data.comments_visible
    wanted = {g.id for g in chosen}
    round_.groups = [rg for rg in round_.groups if rg.group_id in wanted] + [
        RoundGroup(group_id=gid) for gid in wanted - {rg.group_id for rg in round_.groups}
    ]
    db.session.flush()
    audit.record(
        "round.updated", round_, actor=actor, territory_id=round_.document_version.document.territory_id
    )


# ---- comments ----------------------------------------------------------------------------------------


@dataclass
class CommentData:
    kind: str | None
    text: str
    proposed_wording: str | None = None
    quote: str | None = None
    organisation: str | None = None


def _require_open(round_: CommentRound, at: datetime) -> None:
    current = state(round_, at)
    if current == SCHEDULED:
        raise RoundError(
            _(
                "The comment round has not opened yet; comments are taken from %(when)s.",
                when=local_label(round_.opens_at),
            )
        )
    if current == CLOSED:
        raise RoundError(_("The comment round has closed; comments are no longer taken."))


def _require_participant(round_: CommentRound, actor: User) -> None:
    if not is_participant(actor, round_):
        raise RoundError(_("Only the participants of the round may comment."))


def _passage(paragraph: DocumentParagraph, quote: str | None) -> QuotedPassage | None:
    """The quoted passage as a row (documents' `quote_passage`: it must be a part of the paragraph); runs of
    spaces in the quote count as one, as a copy from a browser may add some."""
    quote = _limit(quote, QUOTE_MAX, "quote")
    if not quote:
        return None
    try:
        return documents.quote_passage(
            paragraph, _normalise(quote) if _normalise(quote) in paragraph.text else quote
        )
    except DocumentError as error:
        raise RoundError(error.message, "quote") from error


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _check_comment(data: CommentData, top_level: bool) -> tuple:
    text = _limit(data.text, TEXT_MAX, "text")
    if not text:
        raise RoundError(_("Write the comment."), "text")
    wording = _limit(data.proposed_wording, WORDING_MAX, "proposed_wording")
    organisation = _limit(data.organisation, ORGANISATION_MAX, "organisation")
    kind = data.kind
    if top_level and kind not in KIND_LABELS:
        raise RoundError(_("Choose whether the comment is fundamental or a recommendation."), "kind")
    return text, wording, organisation, (kind if top_level else None)


def add_comment(
    round_: CommentRound,
    paragraph: DocumentParagraph,
    data: CommentData,
    *,
    actor: User,
    at: datetime | None = None,
) -> Comment:
    """A participant's comment on a paragraph of the round's version while the round is open."""
    at = at or clock.now()
    _require_open(round_, at)
    _require_participant(round_, actor)
    if paragraph.version_id != round_.version_id:
        raise RoundError(_("The paragraph is not in the version under comment."))
    text, wording, organisation, kind = _check_comment(data, top_level=True)
    comment = Comment(
        round_id=round_.id,
        round=round_,
        paragraph_id=paragraph.id,
        kind=kind,
        text=text,
        proposed_wording=wording,
        author_id=actor.id,
        organisation=organisation,
        passage=_passage(paragraph, data.quote),
        created_at=at,
    )
    return _recorded(comment, "comment.added", actor)


def reply(parent: Comment, text: str, *, actor: User, at: datetime | None = None) -> Comment:
    """A reply in a comment's thread (participants and the round's coordinators, while it is open)."""
    at = at or clock.now()
    round_ = parent.round
    _require_open(round_, at)
    if not (is_participant(actor, round_) or can_manage(actor, round_)):
        raise RoundError(_("Only the participants of the round may comment."))
    if parent.withdrawn_at is not None:
        raise RoundError(_("The comment has been withdrawn; it takes no replies."))
    root = parent if parent.parent_id is None else parent.parent
    body, _wording, organisation, _kind = _check_comment(CommentData(kind=None, text=text), top_level=False)
    comment = Comment(
        round_id=round_.id,
        round=round_,
        paragraph_id=root.paragraph_id,
        parent_id=root.id,
        kind=None,
        text=body,
        author_id=actor.id,
        organisation=actor.organisation,
        created_at=at,
    )
    return _recorded(comment, "comment.replied", actor)


def _recorded(comment: Comment, event: str, actor: User) -> Comment:
    """A new comment or reply saved (flushed) and in the audit log of its territory."""
    db.session.add(comment)
    db.session.flush()
    territory_id = comment.round.document_version.document.territory_id
    audit.record(event, comment, actor=actor, territory_id=territory_id)
    return comment


def _require_author(comment: Comment, actor: User, at: datetime) -> None:
    if comment.author_id != actor.id:
        raise RoundError(_("Only the author may change or withdraw a comment."))
    _require_open(comment.round, at)
    if comment.withdrawn_at is not None:
        raise RoundError(_("The comment has been withdrawn."))


def update_comment(
    comment: Comment, data: CommentData, *, actor: User, seen_version: int | None, at: datetime | None = None
) -> None:
    at = at or clock.now()
    _require_author(comment, actor, at)
    check_version(comment, seen_version)
    top_level = comment.parent_id is None
    text, wording, organisation, kind = _check_comment(data, top_level=top_level)
    comment.text = text
    if top_level:
        comment.kind, comment.proposed_wording, comment.organisation = kind, wording, organisation
        quote = _normalise(data.quote or "")
        if quote != (comment.passage.quote if comment.passage else ""):
            comment.passage = _passage(comment.paragraph, data.quote)
    comment.updated_at = at
    db.session.flush()
    audit.record("comment.updated", comment, actor=actor)


def withdraw_comment(comment: Comment, *, actor: User, at: datetime | None = None) -> None:
    at = at or clock.now()
    _require_author(comment, actor, at)
    comment.withdrawn_at = at
    db.session.flush()
    audit.record("comment.withdrawn", comment, actor=actor)


def not_settled_message() -> str:
    return _("Authors are told the outcome once the round has closed and every comment is settled.")


def outcomes_sent_message() -> str:
    return _("The authors have already been told the outcome of this round.")


@dataclass(frozen=True)
class OutcomeChoice:
    code: str
    label: str
    accepted: bool  # no reason needed; a fundamental comment settled so is no dispute


def _outcome_rows(territory_id: int) -> list[SettlementOutcome]:
    return list(
        db.session.scalars(
            select(SettlementOutcome)
            .where(SettlementOutcome.territory_id == territory_id)
            .order_by(SettlementOutcome.position, SettlementOutcome.id)
        )
    )


def _choice(row: SettlementOutcome) -> OutcomeChoice:
    return OutcomeChoice(row.code, row.label or str(OUTCOME_LABELS.get(row.code, row.code)), row.accepted)


def outcomes_for(territory_id: int) -> list[OutcomeChoice]:
    """The outcomes coordinators of a territory choose from: its own list, else the defaults."""
    rows = _outcome_rows(territory_id)
    if not rows:
        return [
            OutcomeChoice(code, str(label), code == Outcome.ACCEPTED)
            for code, label in OUTCOME_LABELS.items()
        ]
    return [_choice(row) for row in rows if row.active]


@dataclass(frozen=True)
class OutcomeEntry:
    code: str
    label: str
    accepted: bool
    active: bool
    default: bool


def outcome_list(territory_id: int) -> list[OutcomeEntry]:
    """The territory's whole list for its settings page, hidden outcomes included."""
    rows = _outcome_rows(territory_id)
    if not rows:
        return [OutcomeEntry(c.code, c.label, c.accepted, True, True) for c in outcomes_for(territory_id)]
    return [
        OutcomeEntry(row.code, _choice(row).label, row.accepted, row.active, row.code in OUTCOME_LABELS)
        for row in rows
    ]


def outcome_labels(territory_id: int) -> dict[str, str]:
    """Every outcome's label, hidden ones included (settled comments keep theirs)."""
    labels = {code: str(label) for code, label in OUTCOME_LABELS.items()}
    labels.update({row.code: _choice(row).label for row in _outcome_rows(territory_id)})
    return labels


def may_configure_outcomes(user: User, territory_id: int | None) -> bool:
    """Portal coordinators of the territory and administrators keep its list of outcomes."""
    if territory_id is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.ADMIN or (user.role == Role.COORDINATOR and user.territory_id == territory_id)


def _materialise(territory_id: int) -> list[SettlementOutcome]:
    """The territory's list as rows (the defaults copied in when it has none yet)."""
    rows = _outcome_rows(territory_id)
    if rows:
        return rows
    rows = [
        SettlementOutcome(
            territory_id=territory_id,
            code=code,
            label=None,
            accepted=code == Outcome.ACCEPTED,
            position=position,
            active=True,
        )
        for position, code in enumerate(OUTCOME_LABELS)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def add_outcome(territory_id: int, label: str, accepted: bool, *, actor: User) -> SettlementOutcome:
    """A territory's own outcome, added at the end of its list."""
    if not may_configure_outcomes(actor, territory_id):
        raise RoundError(_("Only the territory's coordinators keep the list of outcomes."))
    label = _limit(label, OUTCOME_LABEL_MAX, "label")
    if not label:
        raise RoundError(_("Name the outcome."), "label")
    rows = _materialise(territory_id)
    taken = {row.code for row in rows}
    if label.casefold() in {_choice(row).label.casefold() for row in rows}:
        raise RoundError(_("The list already has an outcome of that name."), "label")
    number = len(rows) + 1
    while f"own_{number}" in taken:
        number += 1
    row = SettlementOutcome(
        territory_id=territory_id,
        code=f"own_{number}",
        label=label,
        accepted=accepted,
        position=max(r.position for r in rows) + 1,
        active=True,
    )
    db.session.add(row)
    db.session.flush()
    audit.record("round.outcome_added", row, actor=actor, territory_id=territory_id, code=row.code)
    return row


def set_outcome_active(territory_id: int, code: str, active: bool, *, actor: User) -> None:
    """Offer an outcome again, or no longer offer it (settled comments keep it)."""
    if not may_configure_outcomes(actor, territory_id):
        raise RoundError(_("Only the territory's coordinators keep the list of outcomes."))
    rows = {row.code: row for row in _materialise(territory_id)}
    row = rows.get(code)
    if row is None:
        raise RoundError(_("No such outcome."))
    if not active and not any(r.active for r in rows.values() if r is not row):
        raise RoundError(_("At least one outcome must remain on offer."))
    row.active = active
    db.session.flush()
    audit.record(
        "round.outcome_toggled", row, actor=actor, territory_id=territory_id, code=code, active=active
    )


# ---- settlement --------------------------------------------------------------------------------------


def is_dispute(comment: Comment, settlement: Settlement | None = None) -> bool:
    """A fundamental comment settled as anything but accepted, whose dispute is not resolved yet."""
    settlement = settlement if settlement is not None else comment.settlement
    return (
        comment.kind == CommentKind.FUNDAMENTAL
        and settlement is not None
        and not settlement.accepted
        and settlement.resolution is None
    )


def settlement_version(comment: Comment) -> int:
    """What a settlement form carries: the settlement's version, 0 while the comment is unsettled."""
    return comment.settlement.version if comment.settlement is not None else 0


def settle(
    comment: Comment,
    outcome: str,
    reason: str | None,
    *,
    actor: User,
    seen_version: int | None,
    at: datetime | None = None,
) -> Settlement:
    """Record (or change) how a comment is settled, after the round has closed."""
    at = at or clock.now()
    round_ = comment.round
    require_manager(round_, actor)
    if state(round_, at) != CLOSED:
        raise RoundError(_("Comments are settled after the round closes."))
    if comment.parent_id is not None or comment.withdrawn_at is not None:
        raise RoundError(_("Only comments that were not withdrawn are settled; replies are not."))
    settlement = comment.settlement
    if seen_version is None or seen_version != settlement_version(comment):
        raise StaleEdit(settlement or comment)
    choice = {c.code: c for c in outcomes_for(round_.document_version.document.territory_id)}.get(outcome)
    if choice is None:
        raise RoundError(_("Choose an outcome."), "outcome")
    reason = _limit(reason, REASON_MAX, "reason")
    if not choice.accepted and not reason:
        raise RoundError(_("Give the reason: it is required unless the comment is accepted."), "reason")
    if settlement is None:
        settlement = Settlement(comment_id=comment.id, comment=comment)
        db.session.add(settlement)
    settlement.outcome, settlement.accepted, settlement.reason = outcome, choice.accepted, reason
    settlement.settled_by_id, settlement.settled_at = actor.id, at
    if choice.accepted or comment.kind != CommentKind.FUNDAMENTAL:
        # No dispute (any more): a recorded resolution no longer applies.
        settlement.resolution = settlement.resolution_note = None
        settlement.resolved_by_id = settlement.resolved_at = None
    db.session.flush()
    audit.record(
        "comment.settled",
        comment,
        actor=actor,
        outcome=outcome,
        territory_id=round_.document_version.document.territory_id,
    )
    return settlement


def resolve_dispute(
    comment: Comment,
    resolution: str,
    note: str | None,
    *,
    actor: User,
    seen_version: int | None,
    at: datetime | None = None,
) -> None:
    """Record how a rozpor was resolved: agreed after discussion, or passed to the Řídicí výbor."""
    at = at or clock.now()
    require_manager(comment.round, actor)
    settlement = comment.settlement
    if settlement is None or comment.kind != CommentKind.FUNDAMENTAL or settlement.accepted:
        raise RoundError(_("Only an unaccepted fundamental comment is a dispute to resolve."))
    check_version(settlement, seen_version)
    if resolution not in RESOLUTION_LABELS:
        raise RoundError(_("Choose how the dispute was resolved."), "resolution")
    settlement.resolution = resolution
    settlement.resolution_note = _limit(note, NOTE_MAX, "note")
    settlement.resolved_by_id, settlement.resolved_at = actor.id, at
    db.session.flush()
    audit.record("comment.dispute_resolved", comment, actor=actor, resolution=resolution)


# ---- the meeting agenda ------------------------------------------------------------------------------


def agenda_meetings(round_: CommentRound, at: datetime | None = None) -> list:
    """Planned meetings of the document's owner group still to come, soonest first."""
    from portal.meetings import services as meetings
    from portal.models.meetings import Meeting, MeetingStatus

    at = at or clock.now()
    return list(
        db.session.scalars(
            meetings.meetings_of(owner_group(round_))
            .where(Meeting.status == MeetingStatus.PLANNED.value, Meeting.starts_at >= at)
            .order_by(Meeting.starts_at)
            .limit(50)
        )
    )


def put_on_agenda(round_: CommentRound, meeting, *, actor: User) -> RoundAgendaLink:
    """A new last agenda item "Kolo připomínek: …" of a planned meeting of the owner group, linked to the
    round (the meeting page links the round from the item)."""
    from portal.meetings import services as meetings

    require_manager(round_, actor)
    if meeting is None or meeting.id not in {m.id for m in agenda_meetings(round_)}:
        raise RoundError(_("Choose a planned meeting of the document's group."), "meeting_id")
    already = db.session.scalar(
        select(RoundAgendaLink.id)
        .join(AgendaItem, AgendaItem.id == RoundAgendaLink.agenda_item_id)
        .where(RoundAgendaLink.round_id == round_.id, AgendaItem.meeting_id == meeting.id)
    )
    if already is not None:
        raise RoundError(_("The round is already on the agenda of that meeting."), "meeting_id")
    try:
        item = meetings.add_agenda_item(
            meeting,
            meetings.AgendaData(title=_("Comment round: %(title)s", title=round_.title)[:300]),
            actor=actor,
        )
    except meetings.MeetingError as error:
        raise RoundError(str(error), "meeting_id") from error
    link = RoundAgendaLink(round_id=round_.id, agenda_item_id=item.id, created_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    audit.record("round.on_agenda", round_, actor=actor, meeting_id=meeting.id, agenda_item_id=item.id)
    return link
