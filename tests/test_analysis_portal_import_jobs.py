"""The import through background jobs: schools-only imports keep classes, national and bigger files, the
XLSX bomb, and problems answered with 422 at upload and at confirm."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AnalysisDataset,
    AnalysisFlag,
    AnalysisUpload,
    AnalysisUploadFile,
    ClassRecord,
    FlagOccurrence,
    Job,
    SchoolRecord,
)
from portal.models.base import utcnow
from tests.test_analysis_portal_fixtures import (
    confirm,
    follow_job,
    import_sample,
    post_files,
    sample_bytes,
    token,
)

BENCH = Path(__file__).resolve().parent.parent / "bench" / "analysis_bench.py"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def czech_excel_schools(keep=lambda line: True) -> dict[str, bytes]:
    data = sample_bytes("schools-excel-cz.csv")["schools-excel-cz.csv"]
    lines = data.decode("cp1250").splitlines()
    return {"schools-excel-cz.csv": "\r\n".join([lines[0], *filter(keep, lines[1:])]).encode("cp1250")}


# ---- item 1: a schools-only import keeps the stored classes ---------------------------------------------


def test_a_schools_only_import_keeps_the_stored_classes(client, login_as):
    coordinator = login_as("coordinator")
    import_sample(coordinator.territory, actor=coordinator)
    classes_before = count(ClassRecord)
    class_flags = count(AnalysisFlag, AnalysisFlag.class_name.is_not(None))
    assert classes_before == 306 and class_flags > 0

    preview_url = post_files(client, czech_excel_schools()).headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert "ponechá" in html  # the preview says the stored classes stay
    response = confirm(client, preview_url, replace="y")
    assert response.status_code == 302 and response.headers["Location"].endswith("/analysis/")

    db.session.expire_all()
    assert count(ClassRecord) == classes_before
    assert all(d.has_classes for d in db.session.scalars(select(AnalysisDataset)))
    # The class signals are still in the stored data of their years.
    assert count(AnalysisFlag, AnalysisFlag.class_name.is_not(None)) == class_flags
    latest = db.session.scalars(select(AnalysisFlag).where(AnalysisFlag.class_name.is_not(None))).first()
    assert count(FlagOccurrence, FlagOccurrence.flag_id == latest.id) > 0
    school = client.get(f"/analysis/schools/{latest.school_id}").get_data(as_text=True)
    assert "Tento signál už v uložených datech není" not in school
    assert latest.class_name in school
    flag_page = client.get(f"/analysis/flags/{latest.id}").get_data(as_text=True)
    assert "Tento signál už v uložených datech není" not in flag_page


def test_the_preview_counts_the_classes_that_go_with_their_schools(client, login_as):
    coordinator = login_as("coordinator")
    import_sample(coordinator.territory, years=("2025/26",), actor=coordinator)
    gone = db.session.scalar(select(func.count()).select_from(ClassRecord)
                             .where(ClassRecord.school_id == "102001003"))
    assert gone > 0
    files = czech_excel_schools(lambda line: line.startswith("2025/26") and ";102001003;" not in line)
    preview_url = post_files(client, files).headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    kept = count(ClassRecord) - gone
    assert f"{kept} uložených tříd jejích škol" in html
    assert f"Smaže se {gone} uložených tříd škol, které v nahraných datech nejsou." in html
    confirm(client, preview_url, replace="y")
    db.session.expire_all()
    assert count(ClassRecord) == kept


# ---- item 11: big imports, the bomb ---------------------------------------------------------------------


def _generate(folder: Path, sites: int, classes: int) -> None:
    spec = importlib.util.spec_from_file_location("analysis_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.generate(folder, sites, classes, 5)


def test_an_import_with_more_flags_than_bind_parameters_is_stored(client, login_as, tmp_path):
    """25,000 sites give about 69,000 flag identities: more than PostgreSQL's 65,535 bind parameters (and
    SQLite's 32,766) in one IN (...); the queries batch them."""
    login_as("coordinator")
    _generate(tmp_path, 25_000, 0)
    response = post_files(client, {"schools.csv": (tmp_path / "schools.csv").read_bytes()})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    response = confirm(client, response.headers["Location"])
    assert response.status_code == 302 and response.headers["Location"].endswith("/analysis/")
    assert count(SchoolRecord) == 25_000
    assert count(AnalysisFlag) > 65_535
    assert count(FlagOccurrence) == count(AnalysisFlag)
    # Importing the same year again matches every flag by identity (the big IN again) and replaces it.
    response = post_files(client, {"schools.csv": (tmp_path / "schools.csv").read_bytes()})
    flags = count(AnalysisFlag)
    response = confirm(client, response.headers["Location"], replace="y")
    assert response.status_code == 302
    assert count(AnalysisFlag) == flags and count(SchoolRecord) == 25_000


def bomb_workbook() -> bytes:
    """The sample workbook with 64 MiB of whitespace in an XML comment of its first sheet (~80 KiB)."""
    source = zipfile.ZipFile(io.BytesIO(sample_bytes("vzorov.xlsx")["vzorov.xlsx"]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert data.count(b"<sheetData") == 1
                data = data.replace(b"<sheetData", b"<!--" + b" " * (64 * 1024 * 1024) + b"--><sheetData")
            target.writestr(info.filename, data, compresslevel=9)
    return out.getvalue()


def test_an_xlsx_bomb_becomes_a_problem_without_being_parsed(client, login_as):
    login_as("coordinator")
    bomb = bomb_workbook()
    assert len(bomb) < 200 * 1024
    response = post_files(client, {"vzorov.xlsx": bomb})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    problems = html.split('class="problems"')[1].split("</table>")[0]
    assert "vzorov.xlsx" in problems and "Po rozbalení má sešit 64 MiB" in problems
    assert count(AnalysisUpload) == 0 and count(AnalysisUploadFile) == 0
    job = db.session.scalar(select(Job))
    assert job.state == "failed" and job.result["problems"][0]["code"] == "file_too_large"


# ---- item 6: invalid data answers 422 with row and column, at upload and at confirm ------------------------


def test_invalid_rows_are_listed_with_row_and_column_and_422(client, login_as):
    login_as("coordinator")
    bad = b"school_year,territory,school_id,school_name,school_type,pupils,disadvantaged\n" \
          b"2025/26,ORP Vzorov,1,Z\xc5\xa0 A,ZS,10,20\n"
    response = post_files(client, {"schools.csv": bad})
    assert response.status_code == 422
    problems = response.get_data(as_text=True).split('class="problems"')[1].split("</table>")[0]
    assert '<td class="num">2</td><td>disadvantaged</td>' in problems
    # The page of the finished job keeps answering so (a reload, a bookmark).
    job = db.session.scalar(select(Job))
    again = client.get(f"/analysis/jobs/{job.id}")
    assert again.status_code == 422 and "disadvantaged" in again.get_data(as_text=True)


def test_an_upload_that_expired_before_its_import_ran_answers_422(client, login_as, app, monkeypatch):
    login_as("coordinator")
    preview_url = post_files(client, sample_bytes("schools.csv")).headers["Location"]
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "local")
    monkeypatch.setitem(app.config, "JOBS_MEMORY_MB", 0)
    response = client.post(preview_url, data={"csrf_token": token(client, preview_url)})
    job_url = response.headers["Location"]
    assert client.get(job_url).status_code == 200  # queued: the progress page
    upload = db.session.scalar(select(AnalysisUpload))
    upload.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--local", "--burst"])
    assert result.exit_code == 0, result.output
    response = follow_job(client, response)
    assert response.status_code == 422
    assert "Platnost nahraných dat vypršela" in response.get_data(as_text=True)
    assert count(AnalysisDataset) == 0


def test_a_second_confirm_shows_the_import_already_queued(client, login_as, app, monkeypatch):
    login_as("coordinator")
    preview_url = post_files(client, sample_bytes("schools.csv")).headers["Location"]
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "local")
    csrf = token(client, preview_url)
    first = client.post(preview_url, data={"csrf_token": csrf}).headers["Location"]
    second = client.post(preview_url, data={"csrf_token": csrf}).headers["Location"]
    assert first == second
    assert count(Job, Job.kind == "analysis.import") == 1


def test_expired_uploads_go_with_their_files(client, login_as, app, monkeypatch):
    login_as("coordinator")
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "local")  # the check waits: the files stay stored
    post_files(client, sample_bytes("schools.csv", "classes.csv"))
    assert count(AnalysisUploadFile) == 2
    upload = db.session.scalar(select(AnalysisUpload))
    upload.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    post_files(client, sample_bytes("schools.csv"))
    assert count(AnalysisUpload) == 1 and count(AnalysisUploadFile) == 1
