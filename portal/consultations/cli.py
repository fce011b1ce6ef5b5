"""`flask consultations purge`: the retention rules of consultations (idempotent; run it from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db

consultations_cli = AppGroup("consultations", help="Consultations with parents: retention.")


@consultations_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Report what would be done, change nothing.")
@click.option("--months", type=click.IntRange(min=1), default=None,
              help="Inactivity after which parent accounts are deleted "
                   "(default: CONSULTATIONS_PARENT_RETENTION_MONTHS, 24).")
def purge(dry_run: bool, months: int | None) -> None:
    """Clear browser and address hashes of closed consultations' answers; delete parent accounts inactive
    for the retention period, keeping their answers anonymously."""
    from portal.consultations.retention import purge as run_purge

    report = run_purge(months=months)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    if dry_run:
        click.echo("dry run: nothing was changed; a real run now would do this:")
    for line in report.lines():
        click.echo(line)
