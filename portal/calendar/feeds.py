"""Calendar feeds: which meetings, a cheap fingerprint for ETag/304, and an in-process cache of the bytes.

Calendar clients poll feeds every few minutes, nearly always for an unchanged feed. A request therefore
first runs one small query, the *fingerprint* of the meetings in scope (their count and latest
`updated_at`); the ETag is a hash of it and of the feed's identity, scope and language, so a client that
holds the current copy gets `304 Not Modified` without anything being built. Otherwise the rendered bytes are
looked up in `feed_cache` under the same key and ETag, and only a changed feed is rendered again (a constant
number of queries: meetings with their group, then all their agenda items).

The cache lives in the process: each gunicorn worker keeps its own, bounded in entries and bytes. ETags do
not depend on the worker, so any worker answers any client's conditional request.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import Integer, and_, bindparam, func, select, true, union

from portal.analysis_portal.visibility import hidden_agenda_items
from portal.calendar.ical import calendar_for
from portal.extensions import db
from portal.models.groups import WorkingGroup
from portal.models.meetings import AgendaItem, Meeting, MeetingGroup, MeetingStatus

# Bump when the rendering changes, so that clients do not keep a copy made by an older version.
RENDER_VERSION = 2


def meetings_of_groups(group_ids: list[int] | tuple[int, ...], *, include_private: bool):
    """SQL condition: meetings organised by, or joint with (MeetingGroup), any of the groups.

    A UNION of two index lookups rather than an OR, so that the database never scans every meeting."""
    ids = list(group_ids)
    condition = Meeting.id.in_(union(
        select(Meeting.id).where(Meeting.group_id.in_(ids)),
        select(MeetingGroup.meeting_id).where(MeetingGroup.group_id.in_(ids)),
    ))
    if not include_private:
        condition = and_(condition, Meeting.public.is_(True))
    return condition


@functools.cache
def _group_state_statement(include_private: bool):
    """Built once: the group's name and visibility with the fingerprint of its meetings, in one query."""
    gid = bindparam("gid", type_=Integer)
    in_scope = Meeting.id.in_(union(
        select(Meeting.id).where(Meeting.group_id == gid),
        select(MeetingGroup.meeting_id).where(MeetingGroup.group_id == gid),
    ))
    if not include_private:
        in_scope = and_(in_scope, Meeting.public.is_(True))
    stats = select(func.count(Meeting.id).label("n"), func.max(Meeting.updated_at).label("latest")).where(
        in_scope).subquery()
    return (
        select(WorkingGroup.name, WorkingGroup.public, stats.c.n, stats.c.latest)
        .select_from(WorkingGroup).join(stats, true()).where(WorkingGroup.id == gid)
    )


@dataclass(frozen=True)
class GroupState:
    name: str
    public: bool
    count: int
    latest: datetime | None


def group_state(group_id: int, *, include_private: bool) -> GroupState | None:
    """One query for a group feed's conditional request: None if there is no such group."""
    # A Core execution on the session's connection: no ORM machinery for four plain values.
    row = db.session.connection().execute(_group_state_statement(include_private), {"gid": group_id}).first()
    return None if row is None else GroupState(row[0], bool(row[1]), row[2] or 0, row[3])


@dataclass(frozen=True)
class Feed:
    """One feed as one client sees it: who it belongs to, what they may see, in which language."""

    identity: tuple  # ("group", 7) or ("user", 42)
    scope: str  # "public" or "all"
    name: str  # X-WR-CALNAME
    locale: str
    group_ids: tuple[int, ...]
    # Anything else shown in the feed that does not change a meeting's updated_at (e.g. group names).
    extra: tuple = field(default=())
    # Whose territory analysis the reader may see (`visibility.analysis_scope`): agenda items made from an
    # analysis signal are shown in full only within it. Part of the key: readers never share a copy.
    analysis: str = ""

    @property
    def condition(self):
        return meetings_of_groups(self.group_ids, include_private=self.scope == "all")

    @property
    def key(self) -> tuple:
        return (*self.identity, self.scope, self.locale, self.analysis)


@dataclass(frozen=True)
class Fingerprint:
    count: int
    last_modified: datetime | None
    etag: str  # unquoted (werkzeug quotes it in the header)


def fingerprint(feed: Feed, *, count: int | None = None, latest: datetime | None = None) -> Fingerprint:
    """How many meetings are in scope and when the latest of them changed (one small query, unless the
    caller already has them from `group_state`), hashed with the feed's identity into the ETag."""
    if count is None:
        if not feed.group_ids:
            count, latest = 0, None
        else:
            count, latest = db.session.execute(
                select(func.count(Meeting.id), func.max(Meeting.updated_at)).where(feed.condition)
            ).one()
    raw = repr((RENDER_VERSION, feed.key, feed.name, feed.group_ids, feed.extra, count,
                latest.isoformat() if latest else None, current_app.config["BASE_URL"]))
    return Fingerprint(count, latest, hashlib.sha256(raw.encode()).hexdigest()[:32])


class FeedItem:
    """An agenda item as a feed needs it."""

    __slots__ = ("id", "title", "presenter", "duration_minutes")

    def __init__(self, id: int, title: str, presenter: str | None, duration_minutes: int | None):
        self.id, self.title, self.presenter, self.duration_minutes = id, title, presenter, duration_minutes


class FeedGroup:
    __slots__ = ("name", "territory_id")

    def __init__(self, name: str, territory_id: int):
        self.name, self.territory_id = name, territory_id


class FeedMeeting:
    """A read-only meeting with what `build_meeting_event` reads, loaded from plain rows: building hundreds
    of ORM objects (meetings and their agenda) was a third of the cold render."""

    FIELDS = ("id", "uid", "title", "description", "starts_at", "ends_at", "timezone", "place", "online_url",
              "public", "status", "cancel_reason", "sequence", "updated_at")
    __slots__ = (*FIELDS, "group", "agenda")
    COLUMNS = tuple(getattr(Meeting, name) for name in FIELDS)

    def __init__(self, row, group_name: str, territory_id: int):
        for name, value in zip(self.FIELDS, row, strict=True):
            setattr(self, name, value)
        self.group = FeedGroup(group_name, territory_id)
        self.agenda: list[FeedItem] = []

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED


def load_meetings(feed: Feed) -> list[FeedMeeting]:
    """The meetings of the feed with their group's name and agenda: two queries, whatever the number."""
    if not feed.group_ids:
        return []
    connection = db.session.connection()
    rows = connection.execute(
        select(*FeedMeeting.COLUMNS, WorkingGroup.name, WorkingGroup.territory_id)
        .join(WorkingGroup, WorkingGroup.id == Meeting.group_id)
        .where(feed.condition)
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    meetings = [FeedMeeting(row[:-2], row[-2], row[-1]) for row in rows]
    by_id = {m.id: m for m in meetings}
    for item_id, meeting_id, title, presenter, minutes in connection.execute(
        select(AgendaItem.id, AgendaItem.meeting_id, AgendaItem.title, AgendaItem.presenter,
               AgendaItem.duration_minutes)
        .where(AgendaItem.meeting_id.in_(select(Meeting.id).where(feed.condition)))
        .order_by(AgendaItem.meeting_id, AgendaItem.position, AgendaItem.id)
    ):
        meeting = by_id.get(meeting_id)
        if meeting is not None:
            meeting.agenda.append(FeedItem(item_id, title, presenter, minutes))
    return meetings


def render(feed: Feed) -> bytes:
    """Build the feed's bytes in its language, with the analysis only where the reader may see it."""
    meetings = load_meetings(feed)
    hidden = hidden_agenda_items(meetings, scope=feed.analysis)
    with force_locale(feed.locale):
        return calendar_for(meetings, name=feed.name, method="PUBLISH", hidden=hidden)


class FeedCache:
    """A thread-safe LRU of rendered feeds: key -> (etag, bytes), bounded in entries and total bytes."""

    def __init__(self, max_entries: int = 256, max_bytes: int = 64 * 1024 * 1024):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, tuple[str, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple, etag: str) -> bytes | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != etag:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[1]

    def put(self, key: tuple, etag: str, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            self._items[key] = (etag, body)
            self._size += len(body)
            while len(self._items) > self.max_entries or self._size > self.max_bytes:
                _key, (_etag, dropped) = self._items.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)


feed_cache = FeedCache()


def bench_mode() -> bool:
    """The benchmark may ask for a cold render (`?nocache=1`), only when BENCH_MODE=1 is set."""
    return os.environ.get("BENCH_MODE") == "1"


def feed_body(feed: Feed, print_: Fingerprint, *, use_cache: bool = True) -> bytes:
    """The feed's bytes: from the cache when its ETag still matches, else rendered (and cached)."""
    if use_cache:
        body = feed_cache.get(feed.key, print_.etag)
        if body is not None:
            return body
    body = render(feed)
    if use_cache:
        feed_cache.put(feed.key, print_.etag, body)
    return body
