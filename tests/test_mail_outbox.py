"""The outbox: mail leaves only after commit, survives a dead SMTP server, and is sent once."""

from datetime import timedelta

from sqlalchemy import func, select

from portal.mailer import deliver_due, queue_mail
from portal.models import OutboxMessage
from portal.models.base import utcnow


def _queue(db, to="a@test.example"):
    message = queue_mail([to], "Předmět", "invitation", link="http://x/y", inviter="K", valid_days=3)
    return message


def test_rolled_back_transaction_sends_nothing(db, smtp):
    _queue(db)
    db.session.rollback()
    assert deliver_due() == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert smtp.messages == []


def test_committed_message_is_delivered_with_text_and_html(db, smtp):
    _queue(db)
    db.session.commit()
    assert deliver_due() == (1, 0)
    [message] = smtp.messages
    assert message["Subject"] == "Předmět"
    assert message.get_body(preferencelist=("plain",)).get_content().startswith("Dobrý den,")
    assert "<p>" in message.get_body(preferencelist=("html",)).get_content()


def test_dead_smtp_server_delays_mail_but_loses_none_and_sends_once(app, db):
    from tests.conftest import SMTPServer

    for n in range(3):
        _queue(db, to=f"m{n}@test.example")
    db.session.commit()

    # The server is down: nothing is lost, everything waits with a backoff.
    sent, failed = deliver_due()
    assert (sent, failed) == (0, 3)
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [r.status for r in rows] == ["pending"] * 3
    assert [r.attempts for r in rows] == [1, 1, 1]
    assert all(r.next_attempt_at > utcnow() for r in rows)
    assert "Connection" in rows[0].last_error or "refused" in rows[0].last_error.lower()

    # Not due yet: a new round does nothing.
    assert deliver_due() == (0, 0)

    server = SMTPServer(app.config["MAIL_PORT"])
    server.start()
    try:
        later = utcnow() + timedelta(minutes=5)
        assert deliver_due(now=later) == (3, 0)
        assert deliver_due(now=later + timedelta(hours=2)) == (0, 0)
        recipients = sorted(m["To"] for m in server.messages)
        assert recipients == ["m0@test.example", "m1@test.example", "m2@test.example"]
    finally:
        server.stop()
    assert {r.status for r in db.session.scalars(select(OutboxMessage))} == {"sent"}


def test_a_claimed_message_is_not_sent_by_a_second_sender(db, smtp):
    message = _queue(db)
    db.session.commit()
    message.status = "sending"
    message.claimed_at = utcnow()
    db.session.commit()
    assert deliver_due() == (0, 0)
    # A sender that died mid-way leaves a stale claim: it is retried after a while.
    assert deliver_due(now=utcnow() + timedelta(minutes=11)) == (1, 0)
    assert len(smtp.messages) == 1


def test_message_ids_are_stable_so_receivers_can_deduplicate(db, smtp):
    message = _queue(db)
    db.session.commit()
    deliver_due()
    assert smtp.messages[0]["Message-ID"] == message.headers["Message-ID"]


def test_mail_send_command(app, db, smtp):
    _queue(db)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent: 1" in result.output
    assert len(smtp.messages) == 1
