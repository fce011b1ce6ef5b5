"""`flask report annual`: a group's activity report from the command line, for scripted use.

    flask report annual --group 3 --year 2025 --format pdf --out zprava.pdf
    flask report annual --group 3 --start 2025-03-01 --end 2025-08-31 --format docx --out zprava.docx
    flask report annual --group 3 --year 2025 --language en --format html --out report.html --store

Without ``--store`` nothing is saved in the portal; with it, a new numbered version is stored (all three
files, as the web page does) and the file written is that version's stored file. Messages are in the
language of ``--language`` (Czech by default). Exit codes: 0 done, 2 bad arguments (year, dates, format,
language), 3 no such group, 1 anything else.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import WorkingGroup

EXIT_USAGE = 2
EXIT_NO_GROUP = 3


class Refused(click.ClickException):
    def __init__(self, message: str, exit_code: int = EXIT_USAGE):
        super().__init__(message)
        self.exit_code = exit_code


def _date(text: str | None, language: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        with force_locale(language):
            raise Refused(_("“%(text)s” is not a date; write it as YYYY-MM-DD, e.g. 2025-03-01.",
                            text=text)) from None


def _check_out(path: Path) -> None:
    """Refuse an --out the report could not be written to, before the seconds of rendering it (and before
    a version is stored with --store)."""
    if path.is_dir():
        raise Refused(_("%(file)s is a folder; give the name of the file to write, e.g. %(example)s.",
                        file=str(path), example=str(path / "zprava.pdf")))
    folder = path.parent
    if not folder.is_dir():
        raise Refused(_("The folder %(folder)s does not exist; create it first or choose another --out.",
                        folder=str(folder)))
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise Refused(_("The file %(file)s cannot be written here (no permission); choose another --out.",
                        file=str(path)))


@click.group("report")
def report_cli() -> None:
    """Activity reports of working groups."""


@report_cli.command("annual")
@click.option("--group", "group_id", required=True, type=int, help="The group's number (id).")
@click.option("--year", type=int, help="The calendar year (default: last year).")
@click.option("--start", help="First day of another period (YYYY-MM-DD), with --end.")
@click.option("--end", help="Last day of that period (YYYY-MM-DD), included.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx", "html"]),
              help="The file's format (default: from the --out file's extension).")
@click.option("--out", required=True, help="The file to write ('-' for standard output).")
@click.option("--language", default="cs", type=click.Choice(["cs", "en"]), show_default=True)
@click.option("--store", is_flag=True, help="Also store the report as a new version in the portal.")
@with_appcontext
def annual(group_id: int, year: int | None, start: str | None, end: str | None, fmt: str | None, out: str,
           language: str, store: bool) -> None:
    """Write a group's activity report for a year (or a period) to a file."""
    from portal.reports import keeping
    from portal.reports.collect import collect

    with force_locale(language):
        if fmt is None:
            fmt = Path(out).suffix.lower().lstrip(".")
            if fmt not in keeping.FORMATS:
                raise Refused(_("Choose the format with --format pdf, docx or html."))
        if out != "-":
            _check_out(Path(out))
        group = db.session.get(WorkingGroup, group_id)
        if group is None:
            raise Refused(_("There is no group number %(id)s. The numbers are in the address of the group's "
                            "page (/groups/<number>).", id=group_id), EXIT_NO_GROUP)
        if start is not None or end is not None:
            if year is not None or start is None or end is None:
                raise Refused(_("Give either --year, or both --start and --end."))
            first, last = _date(start, language), _date(end, language)
        else:
            year = keeping.default_year() if year is None else year
            if not 1900 <= year <= 9999:
                raise Refused(_("“%(year)s” is not a year the portal can report on.", year=year))
            first, last = keeping.year_period(year)
        try:
            keeping.check_period(first, last)
        except keeping.ReportError as refused:
            raise Refused(str(refused)) from None

        began = time.perf_counter()
        draft = keeping.draft_of(group, first, last)
        texts = dict(foreword=draft.foreword if draft else None, notes=draft.notes if draft else None)
        if store:
            version = keeping.generate(group, first, last, language, author=None,
                                       author_name=_("command line (flask report)"), **texts)
            db.session.commit()
            data = getattr(version, fmt)
            stored = _("stored as version %(number)s", number=version.number)
        else:
            from portal.reports.render import render

            report = collect(group, first, last, language=language, **texts)
            data = render(report, fmt)
            stored = _("not stored in the portal")
        if out == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            try:
                Path(out).write_bytes(data)
            except OSError as error:
                raise Refused(_("The file %(file)s could not be written: %(reason)s.", file=out,
                                reason=error.strerror or error), 1) from None
            click.echo(_("Written %(file)s (%(size)s bytes, %(seconds)s s; %(stored)s).", file=out,
                         size=len(data), seconds=f"{time.perf_counter() - began:.1f}", stored=stored),
                       err=True)
