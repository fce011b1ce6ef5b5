"""`flask rounds notify`: e-mail participants when a round opens and two days before it closes (idempotent;
run it from cron as often as you like)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db

rounds_cli = AppGroup("rounds", help="Comment rounds: notifications.")


@rounds_cli.command("notify")
@click.option(
    "--send/--no-send",
    default=True,
    show_default=True,
    help="Deliver the outbox right after queuing (else `flask mail worker` does).",
)
def notify(send: bool) -> None:
    """Queue the due opening and closing e-mails of every comment round; nothing is sent twice."""
    from portal.mailer import deliver_due
    from portal.rounds.notify import send_due

    count = send_due()
    db.session.commit()
    click.echo(f"round e-mails queued: {count}")
    if send and count:
        sent, failed = deliver_due()
        click.echo(f"sent: {sent}, failed (will retry): {failed}")
