"""Shared fixtures: app, client, db, login_as(role), factories, a real SMTP server.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points there. The schema is built by
running the Alembic migrations from an empty database, so every run also proves the migrations.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from config import TestingConfig
from portal import create_app
from portal.extensions import db as _db
from portal.extensions import limiter
from portal.meetings.services import MeetingData
from portal.models.groups import Membership, WorkingGroup
from portal.models.meetings import AgendaItem, Meeting, MeetingGroup


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        return url
    return f"sqlite:///{tmp_root / 'test.db'}"


def _empty_database() -> None:
    engine = _db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        _db.drop_all()
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    Tests hold an app context open (for `db.session`); without this, every request would share its `g`,
    and so the signed-in user and the chosen language, with the test and with other clients.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    root = tmp_path_factory.mktemp("portal")
    application = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=_database_url(root),
        BASE_URL="http://portal.test",
        # Nothing listens here unless a test starts the SMTP fixture.
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=free_port(),
    )
    application.test_client_class = FreshContextClient
    with application.app_context():
        _empty_database()
        upgrade()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(app):
    """The database, emptied after each test."""
    ctx = app.app_context()
    ctx.push()
    yield _db
    _db.session.rollback()
    _db.session.remove()
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())
    limiter.reset()
    ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


# ---- factories ---------------------------------------------------------------------------------------

_counter = iter(range(1, 10**9))


def make_territory(name: str = "MAP ORP Testov", slug: str | None = None):
    from portal.accounts.services import get_or_create_territory

    return get_or_create_territory(name, slug or name.lower().replace(" ", "-"))


def make_user(role: str = "member", *, email: str | None = None, password: str = "heslo-pro-test",
              territory=None, name: str | None = None, **fields):
    from portal.accounts.passwords import hash_password
    from portal.models import User

    n = next(_counter)
    territory = territory or make_territory()
    user = User(
        email=email or f"{role}{n}@test.example",
        name=name or f"{role.title()} {n}",
        role=role,
        password_hash=hash_password(password),
        territory_id=territory.id,
        **fields,
    )
    _db.session.add(user)
    _db.session.commit()
    return signed_in_somewhere(user)


def signed_in_somewhere(user):
    """Give `user` a login session, so that `user.get_id()` is what a signed-in browser's cookie holds
    (tests put it in a client's session)."""
    from portal.accounts import sessions

    sessions.start(user)
    _db.session.commit()
    return user


# Groups, memberships and meetings (rows, any date or status; `meeting_data` for the services).

FULL_ADDRESS = "ZŠ Vzorov, Školní 1"  # a full address: calendar feeds must escape its comma


def days_from_now(days: float) -> datetime:
    """An instant (UTC, whole seconds) `days` from now; negative for the past."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)




def make_group(territory, *, name: str | None = None, public: bool = True, kind: str = "equal_opportunities",
               meeting_target: int = 4, created_at: datetime | None = None) -> WorkingGroup:
    n = next(_counter)
    group = WorkingGroup(territory_id=territory.id, name=name or f"PS test {n}", slug=f"ps-test-{n}",
                         kind=kind, public=public, meeting_target=meeting_target)
    if created_at is not None:
        group.created_at = created_at
    _db.session.add(group)
    _db.session.commit()
    return group


def add_member(group: WorkingGroup, user, *, category: str = "teacher", role: str = "member",
               joined_on: date = date(2020, 1, 1), left_on: date | None = None,
               organisation: str | None = "ZŠ Vzorov") -> Membership:
    membership = Membership(group_id=group.id, user_id=user.id, category=category, role=role,
                            organisation=organisation, joined_on=joined_on, left_on=left_on)
    _db.session.add(membership)
    _db.session.commit()
    return membership


def future(days: int = 10, hour: int = 14) -> datetime:
    """A naive Prague wall-clock time `days` from now."""
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0,
                                                               tzinfo=None)


def meeting_data(**fields) -> MeetingData:
    """What the meeting form sends (MeetingData), a future afternoon by default."""
    starts = fields.pop("starts_local", None) or future()
    values = dict(title="Jednání PS", starts_local=starts, ends_local=starts + timedelta(hours=2),
                  place="ZŠ Vzorov, Školní 1")
    values.update(fields)
    return MeetingData(**values)


def make_meeting(group: WorkingGroup | None = None, *, territory=None, starts_at: datetime | None = None,
                 hours: float = 2, agenda: int = 0, joint_with: tuple[WorkingGroup, ...] = (),
                 commit: bool = True,
                 **fields) -> Meeting:
    """A meeting row without the services (any status, any date), with `agenda` numbered items; with
    `territory` instead of a group, in a new group of that territory."""
    group = group or make_group(territory)
    starts_at = starts_at or days_from_now(10)
    fields.setdefault("title", f"Jednání č. {next(_counter)}")
    fields.setdefault("place", "ZŠ Vzorov")
    meeting = Meeting(group_id=group.id, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
                      **fields)
    meeting.group = group
    meeting.participants.append(MeetingGroup(group_id=group.id))
    for other in joint_with:
        meeting.participants.append(MeetingGroup(group_id=other.id))
    for position in range(agenda):
        meeting.agenda.append(AgendaItem(position=position, title=f"Bod programu {position + 1}",
                                         presenter="Jana Nováková" if position % 2 == 0 else None,
                                         duration_minutes=20 if position != 1 else None))
    _db.session.add(meeting)
    if commit:
        _db.session.commit()
    return meeting


@pytest.fixture
def factories():
    class F:
        territory = staticmethod(make_territory)
        user = staticmethod(make_user)

    return F


@pytest.fixture
def login_as(client):
    """login_as("coordinator") -> the signed-in user (a fresh account with that role)."""

    def login(role_or_user, **fields):
        from portal.models import User

        user = role_or_user if isinstance(role_or_user, User) else make_user(role_or_user, **fields)
        if not user.login_session_key:
            signed_in_somewhere(user)
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return login


def csrf_token(client, url: str = "/sign-in") -> str:
    """A CSRF token bound to the client's session, taken from a rendered form."""
    import re

    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


# ---- a real SMTP server ------------------------------------------------------------------------------


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in (m["To"] or "")]


class _Handler:
    def __init__(self, box: Mailbox):
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.box.lock:
            self.box.messages.append(message)
        return "250 OK"


class SMTPServer:
    """An aiosmtpd server the portal delivers to; can be stopped and started to simulate an outage."""

    def __init__(self, port: int):
        self.port = port
        self.box = Mailbox()
        self.controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(_Handler(self.box), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.box.messages


@pytest.fixture
def smtp(app) -> Iterator[SMTPServer]:
    server = SMTPServer(app.config["MAIL_PORT"])
    server.start()
    try:
        yield server
    finally:
        server.stop()
