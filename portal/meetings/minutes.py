"""Minutes (zápis) with resolutions (usnesení) and tasks.

Minutes are written in Markdown (rendered with `portal.text.render_markdown`, sanitised). Each save that
changes the text adds a MinutesVersion (the history is never rewritten); saving the same text again adds
nothing. Draft → approved: approval needs a held meeting and a non-empty text, and approved minutes are
read-only: the service refuses to change their text, resolutions or tasks — only a task's "done" mark still
moves, since tasks are done after the meeting. Resolutions are numbered 1, 2, 3… per meeting, renumbered
while the minutes are a draft.

Two tabs: the minutes form carries the text version it showed (`seen_version`, 0 before the first save); a
save from an outdated page is refused (`StaleEdit`) unless it carries the very text already saved. Approval
carries the version the approver read: if the text changed since, approval is refused; the approved version
is recorded (`Minutes.approved_version`). Texts longer than their limits are refused, never cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from portal import audit, exports
from portal.extensions import db
from portal.meetings.services import MeetingError, require_manager, require_open, touch
from portal.models import User
from portal.models.base import utcnow
from portal.models.meetings import Meeting, MeetingStatus, Minutes, MinutesVersion, Resolution, Task
from portal.versioning import StaleEdit

DRAFT = "draft"
APPROVED = "approved"
MAX_BODY = 200_000
RESOLUTION_MAX = 5000
TASK_TITLE_MAX = 300
OWNER_NAME_MAX = 200


def current_text(meeting: Meeting) -> str:
    minutes = meeting.minutes
    if minutes is None or not minutes.versions:
        return ""
    return minutes.versions[-1].body


def current_version(meeting: Meeting) -> int:
    """The number of the latest text version (0 before the first save): what the forms carry."""
    minutes = meeting.minutes
    return minutes.versions[-1].version if minutes is not None and minutes.versions else 0


def is_approved(meeting: Meeting) -> bool:
    return meeting.minutes is not None and meeting.minutes.status == APPROVED


def _require_draft(meeting: Meeting) -> None:
    if is_approved(meeting):
        raise MeetingError(_("The minutes have been approved and can no longer be changed."))


def save_minutes(meeting: Meeting, body: str, *, actor: User,
                 seen_version: int | None = None) -> MinutesVersion | None:
    """Save the minutes' text as a new version; None when the text did not change.

    `seen_version` is the text version the editor started from; an older one raises `StaleEdit` (unless
    the text is the one already saved, e.g. the same form sent twice).
    """
    require_manager(meeting, actor)
    require_open(meeting)
    _require_draft(meeting)
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > MAX_BODY:
        raise MeetingError(_("The minutes are too long (at most %(num)s characters).", num=MAX_BODY), "body")
    if seen_version is not None and seen_version != current_version(meeting):
        if body == current_text(meeting):
            return None
        raise StaleEdit(meeting.minutes or meeting)
    if meeting.minutes is None:
        if not body:
            raise MeetingError(_("Write the minutes first."), "body")
        meeting.minutes = Minutes(status=DRAFT)
    minutes = meeting.minutes
    if minutes.versions and minutes.versions[-1].body == body:
        return None
    version = MinutesVersion(version=len(minutes.versions) + 1, body=body, created_by_id=actor.id)
    minutes.versions.append(version)
    # UPDATE the minutes row too, so its version_id_col makes a concurrent save fail (StaleDataError).
    flag_modified(minutes, "status")
    touch(meeting)
    db.session.flush()
    audit.record("minutes.saved", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 version=version.version)
    return version


def approve_minutes(meeting: Meeting, *, actor: User, seen_version: int | None = None) -> None:
    """Approve the minutes: from now on they are read-only.

    `seen_version` is the text version the approver read: approving a text changed since raises
    `StaleEdit`. The approved version is recorded.
    """
    require_manager(meeting, actor)
    _require_draft(meeting)
    if meeting.status != MeetingStatus.HELD:
        raise MeetingError(_("Minutes can be approved only for a meeting that has been held."))
    if not current_text(meeting):
        raise MeetingError(_("Write the minutes first."))
    if seen_version is not None and seen_version != current_version(meeting):
        raise StaleEdit(meeting.minutes)
    meeting.minutes.status = APPROVED
    meeting.minutes.approved_version = current_version(meeting)
    meeting.minutes.approved_at = utcnow()
    meeting.minutes.approved_by_id = actor.id
    touch(meeting)
    db.session.flush()
    audit.record("minutes.approved", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 version=meeting.minutes.versions[-1].version)


def version_author(version: MinutesVersion) -> User | None:
    return db.session.get(User, version.created_by_id) if version.created_by_id else None


# ---- resolutions -------------------------------------------------------------------------------------


def add_resolution(meeting: Meeting, text: str, *, actor: User) -> Resolution:
    require_manager(meeting, actor)
    require_open(meeting)
    _require_draft(meeting)
    text = (text or "").strip()
    if not text:
        raise MeetingError(_("Enter the text of the resolution."), "text")
    if len(text) > RESOLUTION_MAX:
        raise MeetingError(_("The resolution is too long (at most %(num)s characters).", num=RESOLUTION_MAX),
                           "text")
    resolution = Resolution(number=len(meeting.resolutions) + 1, text=text)
    meeting.resolutions.append(resolution)
    touch(meeting)
    db.session.flush()
    audit.record("resolution.added", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 number=resolution.number)
    return resolution


def delete_resolution(resolution: Resolution, *, actor: User) -> None:
    meeting = resolution.meeting
    require_manager(meeting, actor)
    _require_draft(meeting)
    meeting.resolutions.remove(resolution)
    db.session.delete(resolution)
    for number, entry in enumerate(sorted(meeting.resolutions, key=lambda r: r.number), start=1):
        entry.number = number
    touch(meeting)
    db.session.flush()
    audit.record("resolution.removed", meeting, actor=actor, territory_id=meeting.group.territory_id)


# ---- tasks -------------------------------------------------------------------------------------------


@dataclass
class TaskData:
    title: str
    owner_id: int | None = None
    owner_name: str | None = None
    due_on: date | None = None


def add_task(meeting: Meeting, data: TaskData, *, actor: User) -> Task:
    """A task from the meeting: an owner (an account, or just a name) and an optional due date."""
    require_manager(meeting, actor)
    require_open(meeting)
    _require_draft(meeting)
    title = (data.title or "").strip()
    if not title:
        raise MeetingError(_("Enter what is to be done."), "title")
    if len(title) > TASK_TITLE_MAX:
        raise MeetingError(_("The task is too long (at most %(num)s characters).", num=TASK_TITLE_MAX),
                           "title")
    owner = db.session.get(User, data.owner_id) if data.owner_id else None
    if data.owner_id and owner is None:
        raise MeetingError(_("Choose the owner from the list."), "owner_id")
    owner_name = (data.owner_name or "").strip() or (owner.name if owner else None)
    if owner_name and len(owner_name) > OWNER_NAME_MAX:
        raise MeetingError(_("The owner's name is too long (at most %(num)s characters).",
                             num=OWNER_NAME_MAX), "owner_name")
    task = Task(title=title, owner_id=owner.id if owner else None, owner_name=owner_name,
                due_on=data.due_on)
    meeting.tasks.append(task)
    touch(meeting)
    db.session.flush()
    audit.record("task.added", meeting, actor=actor, territory_id=meeting.group.territory_id, task_id=task.id)
    return task


def set_task_done(task: Task, done: bool, *, actor: User) -> None:
    """Mark a task done (or not yet): allowed after approval too, since tasks are done after the meeting."""
    meeting = task.meeting
    require_manager(meeting, actor)
    task.done_at = utcnow() if done else None
    touch(meeting)
    db.session.flush()
    audit.record("task.done" if done else "task.reopened", meeting, actor=actor,
                 territory_id=meeting.group.territory_id, task_id=task.id)


def delete_task(task: Task, *, actor: User) -> None:
    meeting = task.meeting
    require_manager(meeting, actor)
    _require_draft(meeting)
    meeting.tasks.remove(task)
    db.session.delete(task)
    touch(meeting)
    db.session.flush()
    audit.record("task.removed", meeting, actor=actor, territory_id=meeting.group.territory_id)


def open_tasks(meeting: Meeting) -> list[Task]:
    return [t for t in meeting.tasks if t.done_at is None]


def tasks_query(meeting: Meeting):
    return select(Task).where(Task.meeting_id == meeting.id).order_by(Task.due_on, Task.id)


# ---- the exported minutes (PDF, DOCX) ---------------------------------------------------------------


def exported_text(meeting: Meeting) -> str:
    """The text an export shows: the approved version once approved, else the latest draft."""
    minutes = meeting.minutes
    if minutes is None or not minutes.versions:
        return ""
    if minutes.status == APPROVED and minutes.approved_version:
        for version in minutes.versions:
            if version.version == minutes.approved_version:
                return version.body
    return minutes.versions[-1].body


def minutes_document(meeting: Meeting) -> exports.Document:
    """The minutes as an official Czech document: the text, the resolutions, the tasks and the approval
    statement with its date. A draft is marked "NÁVRH" on every page and says it is not approved."""
    from portal.i18n import date_filter
    from portal.meetings.documents import meeting_details
    from portal.meetings.services import local_time

    approved = is_approved(meeting)
    with force_locale("cs"):
        blocks: list = [exports.Markdown(exported_text(meeting))]
        if meeting.resolutions:
            blocks.append(exports.Heading(_("Resolutions")))
            for resolution in sorted(meeting.resolutions, key=lambda r: r.number):
                label = _("Resolution no. %(num)s", num=resolution.number)
                blocks.append(exports.Paragraph(label, bold=True))
                blocks.append(exports.Paragraph(resolution.text))
        tasks = sorted(meeting.tasks, key=lambda t: (t.due_on or date.max, t.id))
        if tasks:
            blocks.append(exports.Heading(_("Tasks")))
            blocks.append(exports.Table(
                header=[_("Task"), _("Owner"), _("Due")],
                rows=[(t.title, t.owner_name or "", date_filter(t.due_on)) for t in tasks],
                widths=[6, 3, 2],
            ))
        if approved:
            minutes = meeting.minutes
            approver = db.session.get(User, minutes.approved_by_id) if minutes.approved_by_id else None
            day = date_filter(local_time(minutes.approved_at, meeting.timezone).date())
            statement = (_("The minutes were approved on %(date)s by %(name)s.", date=day, name=approver.name)
                         if approver else _("The minutes were approved on %(date)s.", date=day))
        else:
            statement = _("This is a draft: the minutes have not been approved yet.")
        blocks += [exports.Heading(_("Approval")), exports.Paragraph(statement)]
        return exports.Document(
            title=_("Minutes of the meeting"),
            details=meeting_details(meeting),
            blocks=blocks,
            mark=None if approved else _("DRAFT"),
        )


def export_name(meeting: Meeting, extension: str) -> str:
    """"zápis-2026-05-19.pdf"; a draft: "zápis-návrh-2026-05-19.pdf" (Czech whatever the UI language)."""
    from portal.meetings.services import local_time

    day = local_time(meeting.starts_at, meeting.timezone).date().isoformat()
    with force_locale("cs"):
        words = [_("minutes")] if is_approved(meeting) else [_("minutes"), _("draft")]
    return exports.file_name(*words, day, extension=extension)


def minutes_of(meeting_id: int) -> exports.Document:
    """The minutes of a meeting by its id: the builder background renders use (`portal.exports`)."""
    return minutes_document(db.get_or_404(Meeting, meeting_id))
