"""Attendance (prezenční listina): who is expected, who came, and the sheet to print for signatures.

Expected are the active members of every participating group on the meeting's day (a person in two groups
is listed once, with the organising group's membership first), then the guests: those added to the
attendance by the coordinator and the guests invited through the invitations page. The printed sheet lists
them all with an empty signature cell, so it can be printed before the meeting. Its headings are Czech
whatever the interface language: it is an official document of a Czech project.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

from portal import audit, exports
from portal.extensions import db
from portal.groups import services as groups
from portal.groups.balance import CATEGORIES, CATEGORY_LABELS
from portal.meetings.cadence import local_date
from portal.meetings.documents import meeting_details
from portal.meetings.services import (
    MeetingError,
    participating_groups,
    require_manager,
    require_open,
    touch,
)
from portal.models import User
from portal.models.meetings import Attendance, Meeting

# Names and organisations of guests (the columns hold 200 characters): longer ones are refused, never cut.
GUEST_NAME_MAX = 200


@dataclass
class SheetLine:
    name: str
    organisation: str | None
    category: str | None
    is_guest: bool
    user_id: int | None = None
    present: bool | None = None  # None: not recorded yet
    attendance_id: int | None = None

    @property
    def category_label(self) -> str:
        return str(CATEGORY_LABELS.get(self.category, "")) if self.category else ""


def meeting_day(meeting: Meeting):
    return local_date(meeting.starts_at, meeting.timezone)


def expected_people(meeting: Meeting) -> list[SheetLine]:
    """Members of the participating groups on the meeting's day, then guests; with what was recorded."""
    recorded = {a.user_id: a for a in meeting.attendance if a.user_id is not None and not a.is_guest}
    lines: list[SheetLine] = []
    seen: set[int] = set()
    day = meeting_day(meeting)
    for group in participating_groups(meeting):
        for membership in groups.active_members(group, day):
            if membership.user_id in seen:
                continue
            seen.add(membership.user_id)
            row = recorded.get(membership.user_id)
            lines.append(SheetLine(
                name=membership.user.name,
                organisation=membership.organisation or membership.user.organisation,
                category=membership.category, is_guest=False, user_id=membership.user_id,
                present=row.present if row else None, attendance_id=row.id if row else None,
            ))
    # Recorded members who are not (or no longer) members on that day stay on the list.
    for user_id, row in recorded.items():
        if user_id not in seen:
            seen.add(user_id)
            lines.append(SheetLine(row.name, row.organisation, row.category, False, user_id, row.present,
                                   row.id))
    lines.sort(key=lambda line: line.name.casefold())
    guests = [
        SheetLine(a.name, a.organisation, a.category, True, a.user_id, a.present, a.id)
        for a in sorted(meeting.attendance, key=lambda a: a.id) if a.is_guest
    ]
    known = {g.name.casefold() for g in guests}
    for invitation in sorted(meeting.invitations, key=lambda i: i.name.casefold()):
        if invitation.is_guest and invitation.name.casefold() not in known:
            known.add(invitation.name.casefold())
            guests.append(SheetLine(invitation.name, invitation.organisation, invitation.category, True,
                                    invitation.user_id))
    return lines + guests


def record_attendance(meeting: Meeting, present_user_ids: set[int], *, actor: User) -> int:
    """Mark which expected members attended (the others are recorded as absent); returns how many came."""
    require_manager(meeting, actor)
    require_open(meeting)
    by_user = {a.user_id: a for a in meeting.attendance if a.user_id is not None and not a.is_guest}
    count = 0
    for line in expected_people(meeting):
        if line.is_guest or line.user_id is None:
            continue
        present = line.user_id in present_user_ids
        count += present
        row = by_user.get(line.user_id)
        if row is None:
            meeting.attendance.append(Attendance(
                user_id=line.user_id, name=line.name, organisation=line.organisation, category=line.category,
                is_guest=False, present=present,
            ))
        else:
            row.present = present
    touch(meeting)
    db.session.flush()
    audit.record("meeting.attendance", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 present=count)
    return count


def add_guest(meeting: Meeting, *, name: str, organisation: str | None, category: str | None,
              actor: User) -> Attendance:
    """Add a guest (name, organisation, stakeholder category) to the attendance, as present."""
    require_manager(meeting, actor)
    require_open(meeting)
    name = (name or "").strip()
    if not name:
        raise MeetingError(_("Enter the guest's name."), "name")
    organisation = (organisation or "").strip() or None
    if len(name) > GUEST_NAME_MAX:
        raise MeetingError(_("The name is too long (at most %(num)s characters).", num=GUEST_NAME_MAX),
                           "name")
    if organisation and len(organisation) > GUEST_NAME_MAX:
        raise MeetingError(_("The organisation is too long (at most %(num)s characters).",
                             num=GUEST_NAME_MAX), "organisation")
    if category and category not in CATEGORIES:
        raise MeetingError(_("Choose the guest's category."), "category")
    row = Attendance(name=name, organisation=organisation,
                     category=category or None, is_guest=True, present=True)
    meeting.attendance.append(row)
    touch(meeting)
    db.session.flush()
    audit.record("meeting.guest_added", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 attendance_id=row.id)
    return row


def set_guest_present(row: Attendance, present: bool, *, actor: User) -> None:
    meeting = row.meeting
    require_manager(meeting, actor)
    require_open(meeting)
    row.present = present
    touch(meeting)
    db.session.flush()


def remove_guest(row: Attendance, *, actor: User) -> None:
    meeting = row.meeting
    require_manager(meeting, actor)
    require_open(meeting)
    if not row.is_guest:
        raise MeetingError(_("Only guests can be removed; mark a member as absent instead."))
    meeting.attendance.remove(row)
    db.session.delete(row)
    touch(meeting)
    db.session.flush()
    audit.record("meeting.guest_removed", meeting, actor=actor, territory_id=meeting.group.territory_id,
                 attendance_id=row.id)


@dataclass(frozen=True)
class CategoryCount:
    category: str | None
    label: str
    members: int
    guests: int

    @property
    def total(self) -> int:
        return self.members + self.guests


def summary_by_category(meeting: Meeting) -> list[CategoryCount]:
    """Who came, counted by stakeholder category (members and guests), in the categories' order."""
    members = Counter(a.category for a in meeting.attendance if a.present and not a.is_guest)
    guests = Counter(a.category for a in meeting.attendance if a.present and a.is_guest)
    rows = [CategoryCount(c, str(CATEGORY_LABELS[c]), members[c], guests[c]) for c in CATEGORIES
            if members[c] or guests[c]]
    if members[None] or guests[None]:
        rows.append(CategoryCount(None, _("no category"), members[None], guests[None]))
    return rows


@dataclass(frozen=True)
class MemberRate:
    """Members present out of members expected. Guests are not counted: they are not expected."""

    present: int
    expected: int

    @property
    def rate(self) -> float | None:
        """The share present, 0..1; None when nobody was expected."""
        return self.present / self.expected if self.expected else None

    def __add__(self, other: MemberRate) -> MemberRate:
        return MemberRate(self.present + other.present, self.expected + other.expected)


def member_rate(meeting: Meeting) -> MemberRate | None:
    """The meeting's attendance rate: members present ÷ members expected, where the expected members are
    the member lines of the attendance sheet (`expected_people`: the active members of every participating
    group on the meeting's day, and recorded members who no longer are). None while no member's attendance
    is recorded (the rate would say nobody came). The meeting page and the annual report both use this."""
    if not any(not row.is_guest for row in meeting.attendance):
        return None  # nothing recorded: no need to ask who was expected
    members = [line for line in expected_people(meeting) if not line.is_guest]
    if not any(line.present is not None for line in members):
        return None
    return MemberRate(sum(1 for line in members if line.present), len(members))


def overall_rate(rates: list[MemberRate | None]) -> MemberRate | None:
    """The attendance rate over several meetings: all members present ÷ all members expected, over the
    meetings whose attendance is recorded (each meeting weighs by how many members it expected)."""
    recorded = [rate for rate in rates if rate is not None]
    if not recorded:
        return None
    return sum(recorded[1:], recorded[0])


# ---- the printed sheet -------------------------------------------------------------------------------


def sheet_document(meeting: Meeting) -> exports.Document:
    """The attendance sheet on the exports package's landscape table layout, in Czech."""
    lines = expected_people(meeting)
    # A few empty rows for people who come unannounced.
    blank_rows = max(3, 25 - len(lines) % 25) if len(lines) < 25 else 5
    with force_locale("cs"):
        rows = [(f"{number}.", line.name, line.organisation or "",
                 line.category_label + (f" ({_('guest')})" if line.is_guest else ""), "")
                for number, line in enumerate(lines, start=1)]
        return exports.Document(
            title=_("Attendance sheet"),
            details=meeting_details(meeting),
            blocks=[exports.Table(
                header=[_("No."), _("Name and surname"), _("Organisation"), _("Category"), _("Signature")],
                rows=rows, widths=[1.2, 6.5, 6.5, 5.0, 6.0], blank_rows=blank_rows,
                row_height=0.9,
            )],
            landscape=True,
        )


def sheet_of(meeting_id: int) -> exports.Document:
    """The sheet of a meeting by its id: the builder background renders use (`portal.exports`)."""
    return sheet_document(db.get_or_404(Meeting, meeting_id))


def sheet_html(meeting: Meeting) -> str:
    """The attendance sheet as a standalone HTML page (the source of the PDF), in Czech."""
    return exports.to_html(sheet_document(meeting))


def sheet_pdf(meeting: Meeting) -> bytes:
    return exports.to_pdf(sheet_document(meeting))


def sheet_docx(meeting: Meeting) -> bytes:
    """The attendance sheet as a Word document: a header and a table with an empty signature column."""
    return exports.to_docx(sheet_document(meeting))
