"""`flask report annual`: every format, a period, storing, and clear refusals with their exit codes."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import docx
import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.models.reports import ReportVersion
from tests.conftest import add_member, make_group, make_meeting, make_territory, make_user

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def group():
    territory = make_territory()
    group = make_group(territory, name="PS pro rovné příležitosti")
    member = make_user("member", territory=territory)
    add_member(group, member, category="teacher", joined_on=date(2024, 1, 1))
    make_meeting(group, starts_at=datetime(2025, 4, 8, 14, 0, tzinfo=UTC), status="held")
    return group


def run(app, *args):
    return app.test_cli_runner().invoke(args=["report", "annual", *map(str, args)])


def stored_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReportVersion))


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
def test_each_format_is_written_and_nothing_is_stored(app, group, tmp_path, fmt):
    out = tmp_path / f"zprava.{fmt}"
    result = run(app, "--group", group.id, "--year", 2025, "--format", fmt, "--out", out)
    assert result.exit_code == 0, result.output + result.stderr
    data = out.read_bytes()
    if fmt == "pdf":
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())
        assert "Výroční zpráva o činnosti 2025" in text and "PS pro rovné příležitosti" in text
    elif fmt == "docx":
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
        assert "Výroční zpráva o činnosti 2025" in text
    else:
        assert "Výroční zpráva o činnosti 2025" in data.decode()
    assert "Zapsáno" in result.stderr and "neuloženo" in result.stderr
    assert stored_count() == 0


def test_the_format_comes_from_the_file_name_and_english_on_request(app, group, tmp_path):
    out = tmp_path / "report.html"
    result = run(app, "--group", group.id, "--year", 2025, "--language", "en", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "Annual activity report 2025" in out.read_text()
    assert "Written" in result.stderr


def test_a_period_and_storing_a_version(app, group, tmp_path):
    out = tmp_path / "zprava.pdf"
    result = run(app, "--group", group.id, "--start", "2025-03-01", "--end", "2025-08-31", "--format", "pdf",
                 "--out", out, "--store")
    assert result.exit_code == 0, result.stderr
    version = db.session.scalar(select(ReportVersion))
    assert (version.start, version.end, version.number, version.visibility) == (
        date(2025, 3, 1), date(2025, 8, 31), 1, "coordinators")
    assert version.author_name == "příkazová řádka (flask report)"
    assert out.read_bytes() == version.pdf  # the file written is the stored one
    assert "uloženo jako verze 1" in result.stderr
    run(app, "--group", group.id, "--start", "2025-03-01", "--end", "2025-08-31",
        "--out", tmp_path / "b.docx", "--store")
    assert db.session.scalar(select(func.max(ReportVersion.number))) == 2


@pytest.mark.parametrize(("args", "code", "czech", "english"), [
    (["--group", 999999, "--year", 2025], 3, "Skupina číslo 999999 neexistuje",
     "There is no group number 999999"),
    (["--year", 2014], 2, "před rokem 2015", "before 2015"),
    (["--year", 2030], 2, "nezačalo", "has not begun"),
    (["--year", 12], 2, "není rok", "is not a year"),
    (["--start", "2025-13-01", "--end", "2025-12-31"], 2, "není datum", "is not a date"),
    (["--start", "2025-05-01"], 2, "buď --year", "either --year"),
    (["--start", "2025-05-01", "--end", "2025-04-01"], 2, "končí dřív", "ends before it starts"),
])
def test_refusals_say_why_in_the_chosen_language(app, group, tmp_path, args, code, czech, english):
    if "--group" not in args:
        args = ["--group", group.id, *args]
    out = tmp_path / "x.pdf"
    for language, expected in (("cs", czech), ("en", english)):
        result = run(app, *args, "--out", out, "--language", language)
        assert result.exit_code == code, result.stderr
        assert expected in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not out.exists() and stored_count() == 0


def test_an_unknown_format_is_refused(app, group, tmp_path):
    result = run(app, "--group", group.id, "--year", 2025, "--out", tmp_path / "zprava.odt")
    assert result.exit_code == 2 and "--format pdf, docx nebo html" in result.stderr
    result = run(app, "--group", group.id, "--year", 2025, "--format", "odt", "--out", tmp_path / "z.odt")
    assert result.exit_code == 2 and "odt" in result.stderr


def test_an_out_that_cannot_be_written_is_refused_before_anything_is_made(app, group, tmp_path):
    """`--out` into a folder that does not exist used to end in a Python traceback after the seconds of
    rendering, and with --store after a version had been stored."""
    cases = [(tmp_path / "no-such-folder" / "zprava.pdf", "does not exist"), (tmp_path, "is a folder")]
    for out, expected in cases:
        result = run(app, "--group", group.id, "--year", 2025, "--format", "pdf", "--out", out, "--store",
                     "--language", "en")
        assert result.exit_code == 2, result.stderr
        assert expected in result.stderr and "Traceback" not in result.stderr
    assert stored_count() == 0 and not (tmp_path / "no-such-folder").exists()
