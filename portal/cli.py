"""Command-line tools: `flask demo`, `flask create-admin`, `flask mail ...`, `flask translate ...`."""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from portal.extensions import db

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


@click.command("demo")
@click.option("--password", help="Password for every demo account (default: a generated one, printed).")
@with_appcontext
def demo_command(password: str | None) -> None:
    """Create the demo territory "MAP ORP Vzorov" with an account for every role (idempotent)."""
    from portal.demo import DEMO_USERS, seed_demo

    password = password or secrets.token_urlsafe(9)
    seed_demo(password)
    db.session.commit()
    click.echo("Demo data ready: MAP ORP Vzorov")
    for email, _name, role, _org in DEMO_USERS:
        click.echo(f"  {role.value:<12} {email:<28} {password}")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--territory", default="MAP", show_default=True, help="Name of the territory (MAP project).")
@click.password_option()
@with_appcontext
def create_admin_command(email: str, name: str, territory: str, password: str) -> None:
    """Create an administrator account for a production installation."""
    import unicodedata

    from portal.accounts.passwords import MIN_LENGTH, hash_password
    from portal.accounts.services import find_user_by_email, get_or_create_territory, normalise_email
    from portal.models import Role, User

    if len(password) < MIN_LENGTH:
        raise click.UsageError(f"The password must have at least {MIN_LENGTH} characters.")
    if find_user_by_email(email) is not None:
        raise click.UsageError(f"An account with the e-mail {email} already exists.")
    ascii_name = unicodedata.normalize("NFKD", territory).encode("ascii", "ignore").decode()
    slug = "-".join("".join(c if c.isalnum() else " " for c in ascii_name.lower()).split()) or "map"
    place = get_or_create_territory(territory, slug)
    db.session.add(
        User(email=normalise_email(email), name=name, role=Role.ADMIN.value,
             password_hash=hash_password(password), territory_id=place.id)
    )
    db.session.commit()
    click.echo(f"Administrator {email} created.")


@click.group("mail")
def mail_group() -> None:
    """Deliver the e-mail outbox."""


@mail_group.command("send")
@with_appcontext
def mail_send() -> None:
    """Send every message that is due once, and report how many went out."""
    from portal.mailer import deliver_due

    sent, failed = deliver_due()
    click.echo(f"sent: {sent}, failed (will retry): {failed}")


@mail_group.command("worker")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@click.option("--rounds", default=0, help="Stop after this many rounds (0 = run until stopped).")
@with_appcontext
def mail_worker(interval: float, rounds: int) -> None:
    """Deliver the outbox in a loop; failed messages are retried with exponential backoff.

    SIGTERM or Ctrl+C: the message being sent is finished and recorded, the rest of the batch is released,
    and the worker exits.
    """
    from portal.mailer import deliver_due

    stop = threading.Event()

    def request_stop(signum, frame) -> None:
        click.echo("stopping after the current message", err=True)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    done = 0
    while not stop.is_set():
        try:
            sent, failed = deliver_due(should_stop=stop.is_set)
            if sent or failed:
                click.echo(f"sent: {sent}, failed (will retry): {failed}")
        except Exception as exc:  # noqa: BLE001 - the database may be briefly away; keep going
            db.session.rollback()
            click.echo(f"delivery round failed: {exc}", err=True)
        done += 1
        if rounds and done >= rounds:
            break
        stop.wait(interval)


@click.group("translate")
def translate_group() -> None:
    """Extract, update and compile the translations (Czech is the default language)."""


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@translate_group.command("extract")
def translate_extract() -> None:
    """Collect every translatable string into portal/translations/messages.pot."""
    # Babel skips folders starting with "_" by default; templates/_macros must be read too.
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output",
             "--ignore-dirs", ".* __pycache__",
             "-o", str(TRANSLATIONS / "messages.pot"), "portal")


@translate_group.command("update")
def translate_update() -> None:
    """Extract, then merge new strings into every language's catalogue."""
    translate_extract.callback()
    _pybabel("update", "-i", str(TRANSLATIONS / "messages.pot"), "-d", str(TRANSLATIONS),
             "--no-fuzzy-matching", "--ignore-obsolete")


@translate_group.command("compile")
def translate_compile() -> None:
    """Compile the catalogues to .mo files (run after editing a .po file)."""
    _pybabel("compile", "-d", str(TRANSLATIONS), "--use-fuzzy")


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(mail_group)
    app.cli.add_command(translate_group)
    from portal.meetings.cli import meetings_cli

    app.cli.add_command(meetings_cli)
    from portal.consultations.cli import consultations_cli
    from portal.rounds.cli import rounds_cli

    app.cli.add_command(rounds_cli)
    app.cli.add_command(consultations_cli)
    from portal.analysis.cli import analysis as analysis_group

    app.cli.add_command(analysis_group)
    from portal.reports.cli import report_cli

    app.cli.add_command(report_cli)
