"""Meetings: scheduling, editing, moving, cancelling, marking held, series, agenda; who may see and manage.

Every function that changes something takes the acting user (`actor=`), validates, records the change in the
audit log and only flushes; the request commits. Refusals raise `MeetingError` with a translated message and
change nothing.

Rules:

* `uid` is generated once and never changed; `sequence` rises on every change of time (start or end), place
  (`place` or `online_url`) or status, so calendar clients replace their copy; `updated_at` is touched on
  any change, agenda included (feeds use it for ETag/Last-Modified).
* A *planned* meeting cannot start in the past (neither when created nor when saved); a meeting that already
  took place is recorded as *held*, and a held meeting cannot start in the future. A past meeting still
  marked planned must be marked held (or cancelled) before it can be edited.
* A meeting needs a place or an online link (or both); an online link must be an http(s) address.
* The time zone is any IANA zone (validated with zoneinfo), Europe/Prague by default; times are stored UTC.
* Dates are plausible: no meeting before 2015 (the MAP working groups began then; an earlier date is a typo),
  none planned beyond the end of the year after next (`latest_start`).
* Texts have stated limits (`TITLE_MAX`, `DESCRIPTION_MAX`, ...); a longer text is refused, never cut.
* Edits carry the version the user saw (`seen_version`, portal.versioning): a save from an outdated page is
  refused with `StaleEdit` before anything changes or any e-mail is queued.
* A joint meeting lists the other participating groups (same territory); every meeting has a MeetingGroup
  row for its organiser too, so it shows in every participating group.
* Cancelled meetings are kept (with the reason) and can no longer be changed.
* Managing a meeting is for the coordinators of the organising group (`is_group_coordinator`); a public
  meeting is visible to anyone, a members-only one to members of any participating group and to those who
  may manage one of them (portal administrators, portal coordinators of the territory, chairs).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from portal import audit
from portal.extensions import db
from portal.groups import services as groups
from portal.meetings import series as series_rules

# The reads moved to portal.meetings.reads; services and older callers use them from here too.
from portal.meetings.reads import can_see, meetings_of, participating_groups  # noqa: F401
from portal.models import User, WorkingGroup
from portal.models.base import utcnow
from portal.models.meetings import AgendaItem, Meeting, MeetingGroup, MeetingKind, MeetingStatus
from portal.versioning import check_version

DEFAULT_TIMEZONE = "Europe/Prague"

# Stated beside the fields and checked by the forms; the services refuse longer texts too (never cut them).
TITLE_MAX = 200
PLACE_MAX = 300
URL_MAX = 500
DESCRIPTION_MAX = 5000
AGENDA_TITLE_MAX = 300
PRESENTER_MAX = 200
NOTES_MAX = 5000
# The MAP working groups began in 2015-2016: an earlier meeting is a typo in the year.
EARLIEST_MEETING = datetime(2015, 1, 1, tzinfo=UTC)
# How far ahead meetings are planned: until the end of the year after next (the series offer the same).
YEARS_AHEAD = 2


def latest_start(now: datetime) -> datetime:
    """The last moment a meeting may start: the end of the year after next."""
    return datetime(now.year + YEARS_AHEAD + 1, 1, 1, tzinfo=UTC)


class MeetingError(ValueError):
    """A user-facing refusal; the message is already translated. `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# ---- who may see and manage --------------------------------------------------------------------------


def can_manage(user: User, meeting: Meeting, on: date | None = None) -> bool:
    """Coordinators of the organising group manage the meeting (agenda, attendance, minutes included)."""
    return groups.is_group_coordinator(user, meeting.group, on)


# ---- validation --------------------------------------------------------------------------------------


def check_timezone(name: str | None) -> ZoneInfo:
    name = (name or "").strip() or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise MeetingError(_("Unknown time zone “%(zone)s”; use a name such as Europe/Prague.", zone=name),
                           "timezone") from error


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in a zone as UTC (a time skipped by a DST change moves forward, as clocks do)."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def local_time(moment: datetime, zone_name: str) -> datetime:
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_TIMEZONE)
    return moment.astimezone(zone)


def _clean_url(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise MeetingError(_("Enter the online link as a full address starting with https://."), "online_url")
    if len(url) > URL_MAX:
        raise MeetingError(_("The online link is too long (at most %(num)s characters).", num=URL_MAX),
                           "online_url")
    return url


@dataclass
class MeetingData:
    """What the meeting form gives: local wall-clock times in `timezone`."""

    title: str
    starts_local: datetime | None
    ends_local: datetime | None
    timezone: str = DEFAULT_TIMEZONE
    place: str | None = None
    online_url: str | None = None
    description: str | None = None
    kind: str = MeetingKind.REGULAR.value
    public: bool = True
    joint_group_ids: tuple[int, ...] = ()
    status: str = MeetingStatus.PLANNED.value  # only when creating: "planned" or "held" (recording the past)


@dataclass
class _Checked:
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    place: str | None
    online_url: str | None
    description: str | None
    kind: str
    public: bool
    joint_groups: list[WorkingGroup]


def _check(group: WorkingGroup, data: MeetingData, status: str, now: datetime, creating: bool) -> _Checked:
    title = (data.title or "").strip()
    if not title:
        raise MeetingError(_("Enter the meeting's title."), "title")
    if len(title) > TITLE_MAX:
        raise MeetingError(_("The title is too long (at most %(num)s characters).", num=TITLE_MAX), "title")
    zone = check_timezone(data.timezone)
    if data.starts_local is None:
        raise MeetingError(_("Enter when the meeting starts."), "starts_local")
    if data.ends_local is None:
        raise MeetingError(_("Enter when the meeting ends."), "ends_local")
    starts_at, ends_at = to_utc(data.starts_local, zone), to_utc(data.ends_local, zone)
    if ends_at <= starts_at:
        raise MeetingError(_("The meeting must end after it starts."), "ends_local")
    if ends_at - starts_at > timedelta(days=7):
        raise MeetingError(_("A meeting cannot last more than a week; check the dates."), "ends_local")
    if starts_at < EARLIEST_MEETING:
        raise MeetingError(_("A meeting cannot be dated before 2015: the working groups of the local action "
                             "plans began then. Check the year."), "starts_local")
    if starts_at >= latest_start(now):
        raise MeetingError(_("Meetings can be planned at the latest until the end of %(year)s; check the "
                             "year.", year=now.year + YEARS_AHEAD), "starts_local")
    if status == MeetingStatus.PLANNED and starts_at < now:
        if creating:
            raise MeetingError(_("A planned meeting cannot start in the past. To record a meeting that has "
                                 "already taken place, choose “held”."), "starts_local")
        raise MeetingError(_("A planned meeting cannot start in the past. If the meeting took place, mark "
                             "it as held first; if it did not, cancel it or move it to a future date."),
                           "starts_local")
    if status == MeetingStatus.HELD and starts_at > now:
        raise MeetingError(_("A held meeting cannot start in the future."), "starts_local")
    place = (data.place or "").strip() or None
    if place and len(place) > PLACE_MAX:
        raise MeetingError(_("The place is too long (at most %(num)s characters).", num=PLACE_MAX), "place")
    online_url = _clean_url(data.online_url)
    if place is None and online_url is None:
        raise MeetingError(_("Enter the place of the meeting, an online link, or both."), "place")
    if data.kind not in {k.value for k in MeetingKind}:
        raise MeetingError(_("Choose the kind of meeting."), "kind")
    joint_groups: list[WorkingGroup] = []
    if data.kind == MeetingKind.JOINT:
        for group_id in dict.fromkeys(data.joint_group_ids):
            other = db.session.get(WorkingGroup, group_id)
            if other is None or other.territory_id != group.territory_id:
                raise MeetingError(_("Choose the other groups from the same territory."), "joint_group_ids")
            if other.id != group.id:
                joint_groups.append(other)
        if not joint_groups:
            raise MeetingError(_("A joint meeting needs at least one other participating group."),
                               "joint_group_ids")
    description = (data.description or "").strip() or None
    if description and len(description) > DESCRIPTION_MAX:
        raise MeetingError(_("The description is too long (at most %(num)s characters).",
                             num=DESCRIPTION_MAX), "description")
    return _Checked(title, starts_at, ends_at, zone.key, place, online_url, description, data.kind,
                    bool(data.public), joint_groups)


def check_meeting_data(group: WorkingGroup, data: MeetingData, *, now: datetime | None = None) -> None:
    """Validate a new planned meeting without saving anything (the series preview uses it)."""
    _check(group, data, MeetingStatus.PLANNED.value, now or utcnow(), creating=True)


def _set_participants(meeting: Meeting, organiser: WorkingGroup, others: list[WorkingGroup]) -> None:
    wanted = {organiser.id} | {g.id for g in others}
    for row in list(meeting.participants):
        if row.group_id not in wanted:
            meeting.participants.remove(row)
    present = {row.group_id for row in meeting.participants}
    for group_id in sorted(wanted - present):
        meeting.participants.append(MeetingGroup(group_id=group_id))


def touch(meeting: Meeting) -> None:
    """Mark the meeting changed (feeds use updated_at), also for changes to its agenda or minutes.

    A direct UPDATE of the timestamp, so it does not raise the meeting's version: a new agenda item is no
    conflict for someone editing the meeting's own fields in another tab.
    """
    db.session.execute(update(Meeting).where(Meeting.id == meeting.id).values(updated_at=utcnow()),
                       execution_options={"synchronize_session": False})
    db.session.expire(meeting, ["updated_at"])


def require_manager(meeting_or_group, actor: User) -> None:
    group = meeting_or_group.group if isinstance(meeting_or_group, Meeting) else meeting_or_group
    if not groups.is_group_coordinator(actor, group):
        raise MeetingError(_("Only the group's coordinators can manage its meetings."))


def require_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError(_("This meeting has been cancelled and can no longer be changed."))


# ---- scheduling --------------------------------------------------------------------------------------


def schedule_meeting(group: WorkingGroup, data: MeetingData, *, actor: User, now: datetime | None = None,
                     series_key: str | None = None) -> Meeting:
    """Create a meeting of the group: planned (in the future) or held (recording one that took place)."""
    require_manager(group, actor)
    now = now or utcnow()
    status = data.status if data.status in (MeetingStatus.PLANNED, MeetingStatus.HELD) else None
    if status is None:
        raise MeetingError(_("A new meeting is either planned or already held."), "status")
    checked = _check(group, data, status, now, creating=True)
    meeting = Meeting(
        group_id=group.id, title=checked.title, description=checked.description,
        starts_at=checked.starts_at, ends_at=checked.ends_at, timezone=checked.timezone, place=checked.place,
        online_url=checked.online_url,
        kind=checked.kind, public=checked.public, status=status, sequence=0, series_key=series_key,
        created_by_id=actor.id,
    )
    meeting.group = group
    _set_participants(meeting, group, checked.joint_groups)
    db.session.add(meeting)
    db.session.flush()
    audit.record("meeting.created", meeting, actor=actor, territory_id=group.territory_id, group_id=group.id,
                 status=status, starts_at=meeting.starts_at.isoformat(), series_key=series_key)
    return meeting


def update_meeting(meeting: Meeting, data: MeetingData, *, actor: User, now: datetime | None = None,
                   seen_version: int | None = None) -> list[str]:
    """Edit or move a meeting; returns the names of the changed fields.

    The status is not changed here (see `cancel_meeting`, `mark_held`). Invited people are told of a change
    of time or place (`portal.meetings.invitations.notify_update`) after it is applied, so only a save that
    wins sends mail: an outdated `seen_version` raises `StaleEdit` first, a concurrent save makes the flush
    raise `StaleDataError` before anything is queued.
    """
    require_manager(meeting, actor)
    require_open(meeting)
    if seen_version is not None:
        check_version(meeting, seen_version)
    now = now or utcnow()
    checked = _check(meeting.group, data, meeting.status, now, creating=False)
    changed = []
    for name in ("title", "description", "starts_at", "ends_at", "timezone", "place", "online_url", "kind",
                 "public"):
        value = getattr(checked, name)
        if getattr(meeting, name) != value:
            setattr(meeting, name, value)
            changed.append(name)
    before = {g.id for g in participating_groups(meeting)}
    _set_participants(meeting, meeting.group, checked.joint_groups)
    if {meeting.group_id} | {g.id for g in checked.joint_groups} != before:
        changed.append("groups")
    if not changed:
        return changed
    rescheduled = bool({"starts_at", "ends_at", "place", "online_url"} & set(changed))
    if rescheduled:
        meeting.sequence += 1
    touch(meeting)
    db.session.flush()
    audit.record("meeting.updated", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 group_id=meeting.group_id, fields=changed, sequence=meeting.sequence)
    if rescheduled:
        from portal.meetings.invitations import notify_update

        notify_update(meeting, actor=actor)
    return changed


def cancel_meeting(meeting: Meeting, reason: str, *, actor: User) -> None:
    """Cancel a meeting with a reason. It stays (as cancelled) so calendars and the cadence know of it."""
    require_manager(meeting, actor)
    require_open(meeting)
    if meeting.status == MeetingStatus.HELD:
        raise MeetingError(_("A meeting that has been held cannot be cancelled."))
    reason = (reason or "").strip()
    if not reason:
        raise MeetingError(_("Give the reason for the cancellation; the invited people will see it."),
                           "reason")
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.cancel_reason = reason
    meeting.sequence += 1
    touch(meeting)
    db.session.flush()
    audit.record("meeting.cancelled", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 group_id=meeting.group_id, sequence=meeting.sequence)
    from portal.meetings.invitations import notify_cancellation

    notify_cancellation(meeting, actor=actor)


def mark_held(meeting: Meeting, *, actor: User, now: datetime | None = None) -> None:
    """Record that a planned meeting took place (only once it has started)."""
    require_manager(meeting, actor)
    require_open(meeting)
    if meeting.status == MeetingStatus.HELD:
        return
    if meeting.starts_at > (now or utcnow()):
        raise MeetingError(_("The meeting has not started yet; it can be marked as held once it has."))
    meeting.status = MeetingStatus.HELD.value
    meeting.sequence += 1
    touch(meeting)
    db.session.flush()
    audit.record("meeting.held", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 group_id=meeting.group_id, sequence=meeting.sequence)


# ---- series ------------------------------------------------------------------------------------------


@dataclass
class SeriesSpec:
    """"Every `nth` `weekday` of `months` in `year`, at `start` for `duration_minutes`"."""

    year: int
    months: tuple[int, ...]
    weekday: int
    nth: int
    start: time
    duration_minutes: int
    meeting: MeetingData  # title, place, link, kind, public, time zone (its times are ignored)


@dataclass(frozen=True)
class SeriesDate:
    starts_local: datetime
    ends_local: datetime
    past: bool  # skipped: a planned meeting cannot start in the past


def preview_series(spec: SeriesSpec, *, now: datetime | None = None) -> list[SeriesDate]:
    """The dates the series would create, with those already past marked (they are skipped)."""
    now = now or utcnow()
    zone = check_timezone(spec.meeting.timezone)
    if not spec.months or any(not 1 <= m <= 12 for m in spec.months):
        raise MeetingError(_("Choose at least one month."), "months")
    if spec.nth not in series_rules.NTH_CHOICES:
        raise MeetingError(_("Choose which weekday of the month."), "nth")
    if not 0 <= spec.weekday <= 6:
        raise MeetingError(_("Choose the day of the week."), "weekday")
    if not now.year - 1 <= spec.year <= now.year + YEARS_AHEAD:
        raise MeetingError(_("Choose a year between %(first)s and %(last)s.", first=now.year,
                             last=now.year + YEARS_AHEAD), "year")
    if not 15 <= spec.duration_minutes <= 12 * 60:
        raise MeetingError(_("A meeting lasts between 15 minutes and 12 hours."), "duration_minutes")
    dates = []
    for day in series_rules.series_dates(spec.year, spec.months, spec.weekday, spec.nth):
        starts = datetime.combine(day, spec.start)
        dates.append(SeriesDate(starts, starts + timedelta(minutes=spec.duration_minutes),
                                past=to_utc(starts, zone) < now))
    if not any(not d.past for d in dates):
        raise MeetingError(_("The series has no dates ahead: every date it gives has already passed."),
                           "months")
    return dates


def create_series(group: WorkingGroup, spec: SeriesSpec, *, actor: User,
                  now: datetime | None = None) -> list[Meeting]:
    """Create the planned meetings of a series (past dates skipped); they share a `series_key`."""
    require_manager(group, actor)
    now = now or utcnow()
    dates = preview_series(spec, now=now)
    key = uuid.uuid4().hex[:16]
    created = []
    for item in dates:
        if item.past:
            continue
        data = MeetingData(**{**spec.meeting.__dict__, "starts_local": item.starts_local,
                              "ends_local": item.ends_local, "status": MeetingStatus.PLANNED.value})
        created.append(schedule_meeting(group, data, actor=actor, now=now, series_key=key))
    return created


# ---- agenda ------------------------------------------------------------------------------------------


@dataclass
class AgendaData:
    title: str
    presenter: str | None = None
    duration_minutes: int | None = None
    notes: str | None = None


def _check_agenda(data: AgendaData) -> AgendaData:
    title = (data.title or "").strip()
    if not title:
        raise MeetingError(_("Enter the agenda item."), "title")
    if len(title) > AGENDA_TITLE_MAX:
        raise MeetingError(_("The agenda item is too long (at most %(num)s characters).",
                             num=AGENDA_TITLE_MAX), "title")
    if data.duration_minutes is not None and not 1 <= data.duration_minutes <= 600:
        raise MeetingError(_("The duration is between 1 and 600 minutes."), "duration_minutes")
    presenter = (data.presenter or "").strip() or None
    if presenter and len(presenter) > PRESENTER_MAX:
        raise MeetingError(_("The presenter's name is too long (at most %(num)s characters).",
                             num=PRESENTER_MAX), "presenter")
    notes = (data.notes or "").strip() or None
    if notes and len(notes) > NOTES_MAX:
        raise MeetingError(_("The notes are too long (at most %(num)s characters).", num=NOTES_MAX), "notes")
    return AgendaData(title, presenter, data.duration_minutes, notes)


def add_agenda_item(meeting: Meeting, data: AgendaData, *, actor: User) -> AgendaItem:
    require_manager(meeting, actor)
    require_open(meeting)
    data = _check_agenda(data)
    last = db.session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
    item = AgendaItem(meeting_id=meeting.id, position=(last or 0) + 1, title=data.title,
                      presenter=data.presenter, duration_minutes=data.duration_minutes, notes=data.notes)
    meeting.agenda.append(item)
    touch(meeting)
    db.session.flush()
    audit.record("meeting.agenda_added", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 item_id=item.id)
    return item


def update_agenda_item(item: AgendaItem, data: AgendaData, *, actor: User,
                       seen_version: int | None = None) -> None:
    meeting = item.meeting
    require_manager(meeting, actor)
    require_open(meeting)
    if seen_version is not None:
        check_version(item, seen_version)
    data = _check_agenda(data)
    item.title, item.presenter = data.title, data.presenter
    item.duration_minutes, item.notes = data.duration_minutes, data.notes
    touch(meeting)
    db.session.flush()
    audit.record("meeting.agenda_changed", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 item_id=item.id)


def delete_agenda_item(item: AgendaItem, *, actor: User) -> None:
    meeting = item.meeting
    require_manager(meeting, actor)
    require_open(meeting)
    meeting.agenda.remove(item)
    db.session.delete(item)
    _renumber(meeting)
    touch(meeting)
    db.session.flush()
    audit.record("meeting.agenda_removed", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 item_id=item.id)


def move_agenda_item(item: AgendaItem, direction: str, *, actor: User) -> None:
    """Swap an agenda item with its neighbour ("up" or "down"); at either end nothing moves."""
    meeting = item.meeting
    require_manager(meeting, actor)
    require_open(meeting)
    items = sorted(meeting.agenda, key=lambda i: (i.position, i.id))
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else None
    if other is None or not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, entry in enumerate(items, start=1):
        entry.position = position
    touch(meeting)
    db.session.flush()
    db.session.expire(meeting, ["agenda"])


def _renumber(meeting: Meeting) -> None:
    for position, entry in enumerate(sorted(meeting.agenda, key=lambda i: (i.position, i.id)), start=1):
        entry.position = position
