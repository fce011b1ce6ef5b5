"""Meetings of working groups: agenda, invitations and replies, attendance, minutes, resolutions, tasks.

Times are stored in UTC and shown in the meeting's time zone (Europe/Prague by default). `uid` is the
iCalendar UID, generated once and never changed; `sequence` is raised on every change of time, place or
status, so calendar clients replace their copy.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.groups import WorkingGroup
from portal.models.people import User


class MeetingKind(enum.StrEnum):
    REGULAR = "regular"
    JOINT = "joint"  # with other groups, e.g. PS pro financování: appears in every participating group
    SUBGROUP = "subgroup"


class MeetingStatus(enum.StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class Reply(enum.StrEnum):
    ATTENDING = "attending"
    NOT_ATTENDING = "not_attending"
    MAYBE = "maybe"


def new_uid() -> str:
    return f"{uuid.uuid4()}@portal-ps-rp"


class Meeting(db.Model):
    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_group_starts", "group_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), unique=True, default=new_uid)
    # The organising group; joint meetings list the other groups in MeetingGroup too.
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/Prague", server_default="Europe/Prague")
    place: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20), default=MeetingKind.REGULAR.value)
    public: Mapped[bool] = mapped_column(default=True, server_default="1")
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.PLANNED.value, index=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    # Meetings created together by the series helper share this key.
    series_key: Mapped[str | None] = mapped_column(String(40), index=True)
    reminder_days: Mapped[int] = mapped_column(default=2, server_default="2")
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Any change to the meeting or its agenda bumps this: feeds use it for ETag/Last-Modified.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, index=True)
    # Optimistic locking (portal.versioning): every UPDATE checks and raises it.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    group: Mapped[WorkingGroup] = relationship()
    created_by: Mapped[User | None] = relationship()
    participants: Mapped[list[MeetingGroup]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )
    invitations: Mapped[list[MeetingInvitation]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    minutes: Mapped[Minutes | None] = relationship(back_populates="meeting", cascade="all, delete-orphan")
    resolutions: Mapped[list[Resolution]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Resolution.number"
    )
    tasks: Mapped[list[Task]] = relationship(back_populates="meeting", cascade="all, delete-orphan")

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED


class MeetingGroup(db.Model):
    """A group taking part in a meeting (the organiser included), so the meeting shows in its calendar."""

    __tablename__ = "meeting_group"
    __table_args__ = (UniqueConstraint("meeting_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"), index=True)

    meeting: Mapped[Meeting] = relationship(back_populates="participants")
    group: Mapped[WorkingGroup] = relationship()


class AgendaItem(db.Model):
    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    presenter: Mapped[str | None] = mapped_column(String(200))
    duration_minutes: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")


class MeetingInvitation(db.Model):
    """An invitation of a member or guest; the reply link in the e-mail is signed with its id."""

    __tablename__ = "meeting_invitation"
    __table_args__ = (UniqueConstraint("meeting_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    # Stakeholder category (portal.models.groups.Category) for guests and members alike.
    category: Mapped[str | None] = mapped_column(String(20))
    is_guest: Mapped[bool] = mapped_column(default=False, server_default="0")
    response: Mapped[str | None] = mapped_column(String(20))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The SEQUENCE of the last invitation/update e-mailed to this person.
    sent_sequence: Mapped[int | None]
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="invitations")
    user: Mapped[User | None] = relationship()


class Attendance(db.Model):
    """One line of the attendance sheet (prezenční listina)."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(20))
    is_guest: Mapped[bool] = mapped_column(default=False, server_default="0")
    present: Mapped[bool] = mapped_column(default=True, server_default="1")

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    user: Mapped[User | None] = relationship()


class Minutes(db.Model):
    """Minutes (zápis): draft -> approved; approved minutes are read-only, each save is a version."""

    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The text version the approver saw and approved (MinutesVersion.version).
    approved_version: Mapped[int | None]
    # Optimistic locking of the row; every save of a new text version raises it too.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    meeting: Mapped[Meeting] = relationship(back_populates="minutes")
    versions: Mapped[list[MinutesVersion]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", order_by="MinutesVersion.version"
    )


class MinutesVersion(db.Model):
    __tablename__ = "minutes_version"
    __table_args__ = (UniqueConstraint("minutes_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    body: Mapped[str] = mapped_column(Text)  # Markdown, sanitised when rendered
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    minutes: Mapped[Minutes] = relationship(back_populates="versions")


class Resolution(db.Model):
    """A resolution (usnesení) adopted at a meeting."""

    __tablename__ = "resolution"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)

    meeting: Mapped[Meeting] = relationship(back_populates="resolutions")


class Task(db.Model):
    __tablename__ = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    # The dashboard looks up the signed-in person's open tasks on every visit.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    owner_name: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    meeting: Mapped[Meeting] = relationship(back_populates="tasks")
    owner: Mapped[User | None] = relationship()
