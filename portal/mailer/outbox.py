from __future__ import annotations

import base64
import logging
import re
import smtplib
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from email.utils import make_msgid

from flask import current_app, g, has_app_context, render_template
from flask_babel import force_locale
from flask_mail import Connection, Message
from sqlalchemy import or_, select

from portal.extensions import db
from portal.models import OutboxMessage
from portal.models.base import utcnow

log = logging.getLogger(__name__)

# A message stuck in "sending" this long (its sender died mid-way) is offered again.
STALE_CLAIM = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=1)

# The one-time links (sign-in links, consultation invitations, account invitations, password resets): the
# database keeps only their hashes (portal.accounts.tokens), so the outbox must not keep the tokens either
# once the message has left. The token is cut out of the sent copy; the rest of the text stays.
_ONE_TIME_LINK = re.compile(r"(/(?:auth/link|password/reset|invitation)/)[A-Za-z0-9_-]{16,}")
REDACTED = "…"


def one_line(text: str | None) -> str:
    """The text with every run of whitespace (line breaks included) as one space."""
    return " ".join((text or "").split())


def redact_links(text: str | None) -> str | None:
    """`text` with the token of every one-time link replaced by "…"."""
    return _ONE_TIME_LINK.sub(lambda m: m.group(1) + REDACTED, text) if text else text


def queue_mail(
    recipients: Iterable[str],
    subject,
    template: str,
    *,
    locale: str | None = None,
    attachments: Iterable[dict] = (),
    headers: dict[str, str] | None = None,
    **context,
) -> OutboxMessage:
    """Render `mail/<template>.txt` (and `.html` if present) and put the message in the outbox.

    The message is part of the caller's transaction: rolled back, it is never sent. Pass `subject` as a
    lazy string (`lazy_gettext`) so that it is translated into the recipient's language.
    """
    with force_locale(locale or "cs"):
        # One line: a line break from a title typed into the portal would be refused at sending (and would
        # hold the outbox up) or read as a further header.
        subject = one_line(str(subject))
        body_text = render_template(f"mail/{template}.txt", **context)
        try:
            body_html = render_template(f"mail/{template}.html", **context)
        except Exception as exc:  # noqa: BLE001 - a missing HTML part is fine, other errors are not
            if exc.__class__.__name__ != "TemplateNotFound":
                raise
            body_html = None
    stored = []
    for item in attachments:
        data = item["data"]
        if isinstance(data, str):
            data = data.encode("utf-8")
        stored.append(
            {
                "filename": item["filename"],
                "content_type": item["content_type"],
                "data": base64.b64encode(data).decode("ascii"),
            }
        )
    all_headers = {"Message-ID": make_msgid(domain="portal.local")}
    all_headers.update(headers or {})
    message = OutboxMessage(
        recipients=list(recipients),
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments=stored,
        headers=all_headers,
        status="pending",
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    if has_app_context():
        g.outbox_dirty = True
    return message


class _TimeoutConnection(Connection):
    """Flask-Mail's connection with a socket timeout, so a black-holed server cannot hang a sender."""

    def configure_host(self):
        timeout = current_app.config["MAIL_SMTP_TIMEOUT"]
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug or 0))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _to_flask_mail(item: OutboxMessage) -> Message:
    message = Message(
        subject=one_line(item.subject),
        recipients=list(item.recipients),
        body=item.body_text,
        html=item.body_html,
        extra_headers={k: v for k, v in item.headers.items() if k != "Message-ID"},
    )
    message.msgId = item.headers.get("Message-ID", message.msgId)
    for attachment in item.attachments:
        content_type = attachment["content_type"]
        message.attach(
            filename=attachment["filename"],
            content_type=content_type,
            data=base64.b64decode(attachment["data"]),
        )
    return message


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(now: datetime, limit: int) -> list[int]:
    query = (
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at < now - STALE_CLAIM),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = list(db.session.scalars(query))
    for item in claimed:
        item.status = "sending"
        item.claimed_at = now
    db.session.commit()
    return [item.id for item in claimed]


def deliver_due(
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[int, int]:
    """Send every message that is due, a small claimed batch at a time; return (sent, failed).

    Each message is marked sent in its own commit right after the server accepts it. `should_stop` is asked
    before each message: when it says so (a worker got SIGTERM), the batch's unsent rest is released at
    once instead of staying claimed until the claim goes stale. Failures are retried later with backoff.
    """
    batch_size = batch_size or current_app.config["MAIL_BATCH_SIZE"]
    sent = failed = 0
    while not should_stop():
        batch_sent, batch_failed, stopped = _deliver_batch(now or utcnow(), batch_size, should_stop)
        sent, failed = sent + batch_sent, failed + batch_failed
        # A short batch means nothing more is due; after a failure the rest waits for its backoff.
        if stopped or batch_failed or batch_sent < batch_size:
            break
    return sent, failed


def _deliver_batch(now: datetime, batch_size: int, should_stop: Callable[[], bool]) -> tuple[int, int, bool]:
    ids = _claim(now, batch_size)
    if not ids:
        return 0, 0, False
    sent = failed = 0
    backend = current_app.config["MAIL_BACKEND"]
    connection = None
    try:
        for position, message_id in enumerate(ids):
            if should_stop():
                _release(ids[position:])
                return sent, failed, True
            item = db.session.get(OutboxMessage, message_id)
            try:
                if backend == "console":
                    _print_to_console(item)
                else:
                    if connection is None:
                        opened = _TimeoutConnection(current_app.extensions["mail"])
                        opened.__enter__()
                        connection = opened
                    connection.send(_to_flask_mail(item))
            except (OSError, smtplib.SMTPException) as exc:
                unreachable = connection is None
                # Unreachable server: every claimed message waits for the next round with a backoff.
                # A refusal on an open connection concerns this message only; the rest go next round.
                failing = ids[position:] if unreachable else [message_id]
                for failing_id in failing:
                    _fail(db.session.get(OutboxMessage, failing_id), exc)
                failed += len(failing)
                log.warning("mail %s not sent: %s", failing, exc)
                db.session.commit()
                if not unreachable:
                    _release(ids[position + 1 :])
                break
            # Accepted by the server: recorded at once, so a stop or crash later cannot send it again.
            item.status = "sent"
            item.sent_at = utcnow()
            item.body_text = redact_links(item.body_text)
            item.body_html = redact_links(item.body_html)
            item.attempts += 1
            item.last_error = None
            db.session.commit()
            sent += 1
    finally:
        if connection is not None:
            try:
                connection.__exit__(None, None, None)
            except (OSError, smtplib.SMTPException):
                pass
    return sent, failed, False


def _fail(item: OutboxMessage, exc: Exception) -> None:
    item.attempts += 1
    item.status = "pending"
    item.claimed_at = None
    item.next_attempt_at = utcnow() + _backoff(item.attempts)
    item.last_error = f"{exc.__class__.__name__}: {exc}"[:1000]


def _release(ids: list[int]) -> None:
    """Give claimed but unsent messages back to the outbox, due at once."""
    for message_id in ids:
        item = db.session.get(OutboxMessage, message_id)
        item.status = "pending"
        item.claimed_at = None
    db.session.commit()


def _print_to_console(item: OutboxMessage) -> None:
    print(  # noqa: T201 - the development mail backend prints on purpose
        f"\n----- e-mail to {', '.join(item.recipients)} -----\n"
        f"Subject: {item.subject}\n\n{item.body_text}\n"
        f"----- end of e-mail ({len(item.attachments)} attachment(s)) -----\n",
        flush=True,
    )


def kick_delivery() -> None:
    """Deliver the outbox after a committed request, as MAIL_DELIVERY says."""
    mode = current_app.config["MAIL_DELIVERY"]
    if mode == "sync":
        deliver_due()
    elif mode == "thread":
        app = current_app._get_current_object()

        def run() -> None:
            with app.app_context():
                try:
                    deliver_due()
                except Exception:  # noqa: BLE001 - the worker retries; never kill the thread noisily
                    log.exception("background mail delivery failed")

        threading.Thread(target=run, name="outbox", daemon=True).start()
