"""`flask meetings remind`: e-mail the reminders of upcoming meetings (idempotent; run it from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db

meetings_cli = AppGroup("meetings", help="Meetings: reminders.")


@meetings_cli.command("remind")
@click.option("--send/--no-send", default=True, show_default=True,
              help="Deliver the outbox right after queuing (else `flask mail worker` does).")
def remind(send: bool) -> None:
    """Queue the reminder of every meeting starting within its reminder_days that has had none yet."""
    from portal.mailer import deliver_due
    from portal.meetings.invitations import send_due_reminders

    count = send_due_reminders()
    db.session.commit()
    click.echo(f"reminders queued: {count}")
    if send and count:
        sent, failed = deliver_due()
        click.echo(f"sent: {sent}, failed (will retry): {failed}")
