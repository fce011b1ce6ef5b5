"""`flask mail worker` stopped mid-batch leaves nothing claimed and sends nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.mailer import deliver_due
from portal.models import OutboxMessage
from portal.models.base import utcnow
from tests.conftest import SMTPServer

ROOT = Path(__file__).resolve().parent.parent


class HoldingSMTPServer(SMTPServer):
    """The real aiosmtpd server, which holds its answer to the n-th message until told to go on."""

    def __init__(self, port: int, hold_at: int):
        super().__init__(port)
        self.hold_at = hold_at
        self.held = threading.Event()
        self.go_on = threading.Event()

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        server = self

        class Handler:
            async def handle_DATA(self, _server, session, envelope):
                message = message_from_bytes(envelope.content, policy=policy.default)
                with server.box.lock:
                    server.box.messages.append(message)
                    count = len(server.box.messages)
                if count == server.hold_at:
                    server.held.set()
                    await asyncio.get_running_loop().run_in_executor(None, server.go_on.wait, 60)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()


def _queue(db, count: int) -> None:
    for n in range(count):
        db.session.add(OutboxMessage(
            recipients=[f"clen{n}@test.example"], subject=f"Zpráva {n}", body_text="Dobrý den.",
            attachments=[], headers={"Message-ID": f"<m{n}@portal.local>"},
        ))
    db.session.commit()


@pytest.fixture
def holding_smtp(app):
    server = HoldingSMTPServer(app.config["MAIL_PORT"], hold_at=3)
    server.start()
    yield server
    server.go_on.set()
    server.stop()


def _worker(app) -> subprocess.Popen:
    env = {**os.environ, "PORTAL_CONFIG": "testing", "FLASK_APP": "wsgi",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(app.config["MAIL_PORT"]), "MAIL_BACKEND": "smtp", "MAIL_BATCH_SIZE": "10"}
    return subprocess.Popen([sys.executable, "-m", "flask", "mail", "worker", "--interval", "60"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sigterm_mid_batch_finishes_the_message_and_releases_the_rest(app, db, holding_smtp):
    _queue(db, 25)
    worker = _worker(app)
    try:
        assert holding_smtp.held.wait(60), worker.stderr.read() if worker.poll() is not None else "no mail"
        # The third message is with the server, not yet answered: stop the worker now.
        worker.send_signal(signal.SIGTERM)
        assert "stopping" in worker.stderr.readline()
        holding_smtp.go_on.set()
        worker.wait(60)
        assert worker.returncode == 0, worker.stderr.read()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        worker.stdout.close()
        worker.stderr.close()

    db.session.rollback()
    statuses = Counter(db.session.scalars(select(OutboxMessage.status)))
    assert statuses == {"sent": 3, "pending": 22}
    assert db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.status == "pending", OutboxMessage.claimed_at.is_not(None))) is None
    # Even once any claim would have gone stale, what the server accepted is not sent again.
    assert deliver_due(now=utcnow() + timedelta(minutes=11)) == (22, 0)
    sent_ids = Counter(m["Message-ID"] for m in holding_smtp.messages)
    assert len(sent_ids) == 25
    assert max(sent_ids.values()) == 1


def test_a_batch_claims_few_messages_but_delivery_sends_all_that_are_due(db, smtp):
    _queue(db, 23)
    assert deliver_due() == (23, 0)
    assert len(smtp.messages) == 23
    assert deliver_due() == (0, 0)


def test_a_stop_request_between_messages_releases_the_claimed_rest(db, smtp):
    _queue(db, 5)
    sent_so_far = []

    def stop_after_two() -> bool:
        sent_so_far.append(len(smtp.messages))
        return len(smtp.messages) >= 2

    assert deliver_due(should_stop=stop_after_two) == (2, 0)
    db.session.rollback()
    assert Counter(db.session.scalars(select(OutboxMessage.status))) == {"sent": 2, "pending": 3}
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.status == "sending")) is None
