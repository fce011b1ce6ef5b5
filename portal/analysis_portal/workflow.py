"""The flag workflow (DOMAIN.md): new → discussed → addressed (by a proposal) → monitored / closed.

States change only here, each with a history event and an audit record; services take ``actor=`` and only
flush. The rules, and why:

- **new → discussed**: the group looked at it (usually at a meeting: :func:`put_on_agenda` puts it on a
  planned meeting's agenda and links the item; the coordinator moves the state after the meeting).
- **discussed → addressed**: a proposal responds to it (:func:`respond_with_proposal`, called by the
  proposals area; it also links the flag to the proposal).
- **addressed / discussed → monitored**: the group watches the next years' data.
- **any open state → closed**, with a note (why closing is right: explained, resolved, out of scope).
- **Reopening.** closed → discussed by hand, with a note (why the closure no longer holds); addressed or
  monitored → discussed when the response is dropped or did not help; monitored → addressed when a (new)
  proposal responds. On import, a *closed* flag seen again in newer data goes back to **new** by itself
  (the group closed it, yet the data show it again: it needs the group's attention anew); a *monitored*
  flag seen again stays monitored (monitoring expects it) and the history notes the year.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.analysis_portal import links as flag_links
from portal.analysis_portal import messages
from portal.analysis_portal.base import STATE_LABELS, AnalysisError, flag_title
from portal.extensions import db
from portal.meetings import services as meetings
from portal.models import (
    AgendaItem,
    AnalysisFlag,
    FlagEvent,
    FlagLink,
    Meeting,
    User,
    WorkingGroup,
)
from portal.models.analysis import FlagState
from portal.models.base import utcnow
from portal.models.meetings import MeetingStatus
from portal.versioning import check_version

#: Allowed state changes by hand (the module docstring says why each exists). Closing and reopening a closed
#: flag need a note (why); see :func:`change_state`.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    FlagState.NEW.value: (FlagState.DISCUSSED.value, FlagState.CLOSED.value),
    FlagState.DISCUSSED.value: (FlagState.ADDRESSED.value, FlagState.MONITORED.value, FlagState.CLOSED.value),
    FlagState.ADDRESSED.value: (FlagState.MONITORED.value, FlagState.DISCUSSED.value, FlagState.CLOSED.value),
    FlagState.MONITORED.value: (FlagState.ADDRESSED.value, FlagState.DISCUSSED.value, FlagState.CLOSED.value),
    FlagState.CLOSED.value: (FlagState.DISCUSSED.value,),
}


def agenda_title(flag: AnalysisFlag) -> str:
    """The agenda item's title, in Czech whatever the coordinator's language (the agenda is shared)."""
    with force_locale("cs"):
        return f"Signál k prověření: {flag_title(flag)}"[:300]


def allowed_states(flag: AnalysisFlag) -> tuple[str, ...]:
    return TRANSITIONS.get(flag.state, ())


def note_required(from_state: str, to_state: str) -> bool:
    return to_state == FlagState.CLOSED or from_state == FlagState.CLOSED


def change_state(flag: AnalysisFlag, to_state: str, *, note: str | None, actor: User,
                 link: FlagLink | None = None, seen_version: int | None = None) -> FlagEvent:
    """Move a flag to another state (see TRANSITIONS); closing and reopening need a note.

    ``link`` says where it was handled (one of the flag's links, e.g. the agenda item that discussed it).
    ``seen_version``: the flag's version on the user's page; an outdated one raises
    ``portal.versioning.StaleEdit`` (someone else moved the flag meanwhile).
    """
    if seen_version is not None:
        check_version(flag, seen_version)
    note = (note or "").strip() or None
    if to_state not in allowed_states(flag):
        raise AnalysisError(_("A flag in the state “%(old)s” cannot move to “%(new)s”.",
                              old=STATE_LABELS.get(flag.state, flag.state),
                              new=STATE_LABELS.get(to_state, to_state)))
    if note_required(flag.state, to_state) and not note:
        raise AnalysisError(_("Say why in a note: closing or reopening a flag needs one."))
    if link is not None and link.flag_id != flag.id:
        raise AnalysisError(_("Choose where it was handled from the flag's own links."))
    event = FlagEvent(flag_id=flag.id, kind="state", from_state=flag.state, to_state=to_state, note=note,
                      link_id=link.id if link else None, actor_id=actor.id)
    db.session.add(event)
    old = flag.state
    flag.state = to_state
    flag.updated_at = utcnow()
    audit.record("analysis.flag_state", flag, actor=actor, territory_id=flag.territory_id,
                 summary=f"{old} → {to_state}", from_state=old, to_state=to_state)
    db.session.flush()
    return event


def planned_meetings(territory_id: int | None) -> list[Meeting]:
    """Planned, upcoming meetings of the territory's working groups (where a flag can go on the agenda)."""
    return list(db.session.scalars(
        select(Meeting).join(WorkingGroup, Meeting.group_id == WorkingGroup.id)
        .where(WorkingGroup.territory_id == territory_id, Meeting.status == MeetingStatus.PLANNED.value,
               Meeting.starts_at >= utcnow())
        .options(joinedload(Meeting.group)).order_by(Meeting.starts_at)
    ))


def put_on_agenda(flag: AnalysisFlag, meeting: Meeting, *, actor: User) -> AgendaItem:
    """Add the flag as the last agenda item of a planned meeting of the territory's groups.

    The flag keeps its state (the coordinator moves it explicitly after the meeting); the history records
    the placement with a link to the agenda item.
    """
    if meeting.id not in {m.id for m in planned_meetings(flag.territory_id)}:
        raise AnalysisError(_("Choose a planned meeting of one of the territory's groups."))
    already = db.session.scalar(
        select(FlagLink.id).join(AgendaItem, AgendaItem.id == FlagLink.agenda_item_id)
        .where(FlagLink.flag_id == flag.id, AgendaItem.meeting_id == meeting.id)
    )
    if already is not None:
        raise AnalysisError(_("This flag is already on the agenda of that meeting."))
    occurrence = flag.occurrences[-1] if flag.occurrences else None
    try:
        # The meetings service puts it last, marks the meeting changed (feeds) and audits the agenda change.
        with force_locale("cs"):  # the agenda is shared: in Czech, like its title
            notes = messages.render(occurrence.message_id, occurrence.params) if occurrence else None
        data = meetings.AgendaData(title=agenda_title(flag), notes=notes)
        item = meetings.add_agenda_item(meeting, data, actor=actor)
    except meetings.MeetingError as error:
        raise AnalysisError(str(error)) from error
    link = flag_links.link_flag(flag, item, actor=actor)
    db.session.add(FlagEvent(flag_id=flag.id, kind="agenda", link_id=link.id, actor_id=actor.id))
    audit.record("analysis.flag_on_agenda", flag, actor=actor, territory_id=flag.territory_id,
                 summary=meeting.title, meeting_id=meeting.id, agenda_item_id=item.id)
    db.session.flush()
    return item



def respond_with_proposal(flag: AnalysisFlag, proposal: Any, *, actor: User,
                          seen_version: int | None = None) -> FlagEvent:
    """A proposal responds to the flag: link them and move the flag to "addressed" (DOMAIN.md).

    For the proposals area: ``proposal`` must be a registered link target (``portal.models.analysis.
    LINK_TARGETS``). A new flag is first recorded as discussed (a proposal answering it means the group
    discussed it); a closed one must be reopened first (with a note).
    """
    if flag.state == FlagState.ADDRESSED:
        raise AnalysisError(_("This flag is already addressed by a proposal."))
    if flag.state == FlagState.CLOSED:
        raise AnalysisError(_("This flag is closed: reopen it first, with a note saying why."))
    link = flag_links.link_flag(flag, proposal, actor=actor)
    if flag.state == FlagState.NEW:
        change_state(flag, FlagState.DISCUSSED.value, note=None, actor=actor, link=link,
                     seen_version=seen_version)
        seen_version = None
    return change_state(flag, FlagState.ADDRESSED.value, note=None, actor=actor, link=link,
                        seen_version=seen_version)
