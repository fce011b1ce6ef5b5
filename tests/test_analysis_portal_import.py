"""Importing school data: upload → preview (kept server-side) → confirm; re-import asks; bad files store
nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.analysis_portal import services
from portal.extensions import db
from portal.models import AnalysisDataset, AnalysisFlag, AnalysisUpload, ClassRecord, SchoolRecord
from portal.models.base import utcnow
from tests.test_analysis_portal_fixtures import confirm, import_sample, post_files, sample_bytes, token


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_upload_preview_confirm_then_the_pages_show_the_data(client, login_as):
    coordinator = login_as("coordinator")
    response = post_files(client, sample_bytes("schools.csv", "classes.csv"))
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    assert count(AnalysisDataset) == 0 and count(AnalysisUpload) == 1  # nothing stored before confirming

    html = client.get(preview_url).get_data(as_text=True)
    for year in ("2023/24", "2024/25", "2025/26"):
        assert year in html
    assert "ZŠ Vzorov, Sídliště Jih" in html and "108" in html  # classes of 2023/24
    assert "style=" not in html and "<script" not in html

    response = confirm(client, preview_url)
    assert response.status_code == 302 and response.headers["Location"].endswith("/analysis/")
    stored = db.session.scalars(select(AnalysisDataset).order_by(AnalysisDataset.school_year)).all()
    assert [d.school_year for d in stored] == ["2023/24", "2024/25", "2025/26"]
    assert all(d.territory_id == coordinator.territory_id for d in stored)
    assert all(d.imported_by_id == coordinator.id for d in stored)
    assert count(AnalysisUpload) == 0
    per_year = dict(db.session.execute(select(SchoolRecord.school_year, func.count()).group_by(
        SchoolRecord.school_year)).all())
    assert per_year == {"2023/24": 10, "2024/25": 10, "2025/26": 10}
    assert count(ClassRecord) == 306

    overview = client.get("/analysis/").get_data(as_text=True)
    assert "ZŠ a MŠ Vzorov-Podhradí" in overview and 'role="img"' in overview and "<figcaption>" in overview
    flags = client.get("/analysis/flags").get_data(as_text=True)
    assert "Signál k prověření" in flags
    assert "segregace" not in flags.lower() or "není" in flags.lower()


def test_xlsx_workbook_and_czech_excel_csv_are_accepted(client, login_as):
    login_as("coordinator")
    response = post_files(client, sample_bytes("vzorov.xlsx"))
    assert response.status_code == 302
    upload = db.session.scalar(select(AnalysisUpload))
    assert upload.payload["has_classes"] and len(upload.payload["classes"]) == 306
    response = post_files(client, sample_bytes("schools-excel-cz.csv"))  # Windows-1250, semicolons
    assert response.status_code == 302
    newest = db.session.scalars(select(AnalysisUpload).order_by(AnalysisUpload.id.desc())).first()
    assert not newest.payload["has_classes"] and len(newest.payload["schools"]) == 30
    names = {row["school_name"] for row in newest.payload["schools"]}
    assert "ZŠ Vzorov, Sídliště Jih" in names


def test_only_the_columns_of_the_input_format_are_kept(client, login_as):
    login_as("coordinator")
    post_files(client, sample_bytes("schools.csv", "classes.csv"))
    upload = db.session.scalar(select(AnalysisUpload))
    assert set(upload.payload["schools"][0]) == set(services.SCHOOL_FIELDS)
    assert set(upload.payload["classes"][0]) == set(services.CLASS_FIELDS)
    assert set(upload.payload) == {"schools", "classes", "has_classes"}


def test_reimport_names_what_it_replaces_and_asks_first(client, login_as):
    coordinator = login_as("coordinator")
    import_sample(coordinator.territory, years=("2024/25",), actor=coordinator)
    old_id = db.session.scalar(select(AnalysisDataset.id))
    flag = db.session.scalars(select(AnalysisFlag).order_by(AnalysisFlag.id)).first()
    services.change_state(flag, "discussed", note=None, actor=coordinator)
    db.session.commit()

    preview_url = post_files(client, sample_bytes("schools.csv", "classes.csv")).headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert "2024/25" in html and "banner-warning" in html
    assert "10 schools and 99 classes" in html or "škol 10 a tříd 99" in html
    assert 'name="replace"' in html

    # Without the explicit confirmation nothing changes.
    response = client.post(preview_url, data={"csrf_token": token(client, preview_url)})
    assert response.status_code == 302 and response.headers["Location"].endswith(preview_url)
    db.session.expire_all()
    assert [d.id for d in db.session.scalars(select(AnalysisDataset))] == [old_id]

    response = confirm(client, preview_url, replace="y")
    assert response.status_code == 302
    db.session.expire_all()
    years = {d.school_year: d.id for d in db.session.scalars(select(AnalysisDataset))}
    assert set(years) == {"2023/24", "2024/25", "2025/26"} and years["2024/25"] != old_id
    assert count(SchoolRecord) == 30  # the old year's rows went with it
    kept = db.session.get(AnalysisFlag, flag.id)
    assert kept.state == "discussed"
    assert (kept.first_seen_year, kept.last_seen_year) == ("2023/24", "2025/26")


def test_bad_files_show_every_problem_and_store_nothing(client, login_as):
    login_as("coordinator")
    bad = (
        "school_year,territory,school_id,school_name,school_type,pupils,disadvantaged\n"
        "2025/26,ORP Vzorov,1,ZŠ A,ZS,10,20\n"
        "2025/26,ORP Vzorov,2,=HYPERLINK(\"x\"),XX,-1,0\n"
        "2025/26,ORP Vzorov,3,ZŠ C,ZS,abc,1\n"
    ).encode()
    classes = b"school_year,school_id,grade,class_name,pupils,disadvantaged\n2025/26,999,1,1.A,20,1\n"
    response = post_files(client, {"schools.csv": bad, "classes.csv": classes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was stored" in html or "Nic nebylo uloženo" in html
    problems = html.split('class="problems"')[1].split("</table>")[0]
    rows = problems.count("<tr>") - 1
    assert rows >= 5
    for column in ("disadvantaged", "school_type", "pupils", "school_id"):
        assert f"<td>{column}</td>" in problems
    assert "classes.csv" in problems and "schools.csv" in problems
    assert count(AnalysisUpload) == 0 and count(AnalysisDataset) == 0 and count(SchoolRecord) == 0


def test_file_type_and_size_are_checked(client, login_as):
    login_as("coordinator")
    response = post_files(client, {"data.txt": b"hello"})
    assert response.status_code == 422 and "field-error" in response.get_data(as_text=True)
    response = post_files(client, {"data.xlsx": b"not a zip at all"})
    assert response.status_code == 422 and "field-error" in response.get_data(as_text=True)
    response = post_files(client, {"schools.csv": b"a" * (10 * 1024 * 1024 + 1)})
    assert response.status_code == 422 and "field-error" in response.get_data(as_text=True)
    response = client.post("/analysis/import", data={"csrf_token": token(client, "/analysis/import")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "field-error" in response.get_data(as_text=True)
    assert count(AnalysisUpload) == 0


def test_a_pending_upload_is_its_uploaders_and_expires(client, login_as, factories):
    coordinator = login_as("coordinator")
    preview_url = post_files(client, sample_bytes("schools.csv")).headers["Location"]
    colleague = factories.user("coordinator", territory=coordinator.territory)
    login_as(colleague)
    assert client.get(preview_url).status_code == 404
    login_as(coordinator)
    upload = db.session.scalar(select(AnalysisUpload))
    upload.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(preview_url).status_code == 404
    # An expired upload is cleared by the next one.
    post_files(client, sample_bytes("schools.csv"))
    assert count(AnalysisUpload) == 1


def test_discarding_an_upload_stores_nothing(client, login_as):
    login_as("coordinator")
    preview_url = post_files(client, sample_bytes("schools.csv")).headers["Location"]
    response = client.post(preview_url + "/cancel", data={"csrf_token": token(client, preview_url)})
    assert response.status_code == 302
    assert count(AnalysisUpload) == 0 and count(AnalysisDataset) == 0


def test_one_year_can_be_imported_beside_stored_ones(client, login_as):
    coordinator = login_as("coordinator")
    import_sample(coordinator.territory, years=("2023/24", "2024/25"), actor=coordinator)
    only_2025 = b"\n".join(
        line for line in sample_bytes("schools.csv")["schools.csv"].splitlines()
        if line.startswith(b"school_year") or line.startswith(b"2025/26")
    )
    preview_url = post_files(client, {"schools.csv": only_2025}).headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert "banner-warning" not in html
    confirm(client, preview_url)
    assert count(AnalysisDataset) == 3
