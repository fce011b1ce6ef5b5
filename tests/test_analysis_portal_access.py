"""Who sees the analysis, per role and per territory, and the privacy rule for units under 10 pupils."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.analysis import School, SchoolClass
from portal.analysis_portal import services
from portal.extensions import db
from portal.models import AnalysisFlag
from tests.conftest import make_meeting
from tests.test_analysis_portal_fixtures import import_sample, post_files, sample_bytes, token

READ_PAGES = ["/analysis/", "/analysis/flags", "/analysis/flags?year=2024/25&state=new",
              "/analysis/schools/102001003", "/analysis/schools/102001003?year=2023/24"]
COORDINATOR_PAGES = ["/analysis/import", "/analysis/flags/export.csv", "/analysis/flags/export.xlsx",
                     "/analysis/indices/export.csv", "/analysis/indices/export.xlsx"]


@pytest.fixture
def territory(factories):
    return factories.territory("MAP ORP Vzorov", "vzorov")


@pytest.fixture
def flag(territory):
    import_sample(territory)
    return db.session.scalars(select(AnalysisFlag).order_by(AnalysisFlag.id)).first()


@pytest.mark.parametrize("role", [None, "guest", "parent", "member", "coordinator", "admin"],
                         ids=lambda r: r or "anonymous")
def test_pages_by_role(client, login_as, territory, flag, role):
    if role:
        login_as(role, territory=territory)
    member_pages = READ_PAGES + [f"/analysis/flags/{flag.id}"]
    coordinator_pages = COORDINATOR_PAGES + [f"/analysis/flags/{flag.id}/state",
                                             f"/analysis/flags/{flag.id}/agenda"]
    for url in member_pages + coordinator_pages:
        response = client.get(url)
        if role is None:
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
        elif role in ("guest", "parent") or (role == "member" and url in coordinator_pages):
            assert response.status_code == 403, (role, url)
        else:
            assert response.status_code == 200, (role, url)
            if response.mimetype == "text/html":
                html = response.get_data(as_text=True)
                assert "style=" not in html and "<script" not in html


def test_the_navigation_shows_analysis_to_members_only(client, login_as, territory):
    login_as("parent", territory=territory)
    assert "/analysis/" not in client.get("/").get_data(as_text=True)
    login_as("member", territory=territory)
    assert 'href="/analysis/"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "coordinator"])
def test_another_territorys_people_get_404(client, login_as, factories, territory, flag, role):
    other = factories.territory("MAP ORP Jinde", "jinde")
    login_as(role, territory=other)
    assert client.get(f"/analysis/flags/{flag.id}").status_code == 404
    assert client.get("/analysis/schools/102001003").status_code == 404
    overview = client.get("/analysis/").get_data(as_text=True)
    assert "ZŠ Vzorov, Sídliště Jih" not in overview
    assert "Sídliště Jih" not in client.get("/analysis/flags").get_data(as_text=True)
    if role == "coordinator":
        assert client.get(f"/analysis/flags/{flag.id}/state").status_code == 404
        assert client.get(f"/analysis/flags/{flag.id}/agenda").status_code == 404
        response = client.post(f"/analysis/flags/{flag.id}/state",
                               data={"csrf_token": token(client, "/analysis/import"), "state": "closed",
                                     "note": "x", "link_id": "0"})
        assert response.status_code == 404
        assert db.session.get(AnalysisFlag, flag.id).state == "new"
        assert "2023/24" not in client.get("/analysis/flags/export.csv").get_data(as_text=True)


def test_a_coordinator_cannot_confirm_another_territorys_upload(client, login_as, factories, territory):
    login_as("coordinator", territory=territory)
    preview_url = post_files(client, sample_bytes("schools.csv")).headers["Location"]
    login_as("coordinator", territory=factories.territory("MAP ORP Jinde", "jinde"))
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url, data={"csrf_token": token(client, "/analysis/import")}).status_code == 404


def test_an_admin_sees_any_territorys_flag(client, login_as, factories, flag):
    login_as("admin", territory=factories.territory("MAP ORP Jinde", "jinde"))
    assert client.get(f"/analysis/flags/{flag.id}").status_code == 200


def test_a_meeting_of_another_territory_cannot_take_the_flag(client, login_as, factories, territory, flag):
    coordinator = login_as("coordinator", territory=territory)
    foreign = make_meeting(territory=factories.territory("MAP ORP Jinde", "jinde"))
    make_meeting(territory=territory)  # so that the form is offered
    with pytest.raises(services.AnalysisError):
        services.put_on_agenda(flag, foreign, actor=coordinator)
    url = f"/analysis/flags/{flag.id}/agenda"
    response = client.post(url, data={"csrf_token": token(client, url), "meeting_id": foreign.id})
    assert response.status_code == 200 and "field-error" in response.get_data(as_text=True)
    assert foreign.agenda == []


# ---- privacy: units under 10 pupils ------------------------------------------------------------------


def _school(school_id, name, pupils, disadvantaged, **extra):
    return School("2025/26", "ORP Malov", school_id, name, "ZS", pupils, disadvantaged, **extra)


@pytest.fixture
def small_units(territory):
    schools = [
        _school("1", "ZŠ Velká", 400, 40),
        _school("2", "ZŠ Malá", 8, 5),  # under 10 pupils
        _school("3", "ZŠ Střední", 200, 30),
    ]
    classes = [
        SchoolClass("2025/26", "1", 1, "1.A", 24, 1), SchoolClass("2025/26", "1", 1, "1.B", 7, 5),
        SchoolClass("2025/26", "2", 1, "1.A", 8, 5),
    ]
    services.import_year(territory.id, "2025/26", schools, classes, has_classes=True, source="t", actor=None)
    db.session.commit()


def test_members_see_shares_but_not_counts_of_small_units(client, login_as, territory, small_units):
    login_as("member", territory=territory)
    small = client.get("/analysis/schools/2").get_data(as_text=True)
    assert "62,5 %" in small or "62.5 %" in small or "62.5%" in small  # 5 of 8: the share is shown
    assert ">5<" not in small and ">8<" not in small and "hidden-count" in small
    big = client.get("/analysis/schools/1").get_data(as_text=True)
    assert ">24<" in big  # a class of 24 shows its counts
    assert "71,4 %" in big or "71.4 %" in big  # class 1.B, 5 of 7: share shown
    assert ">7<" not in big  # ... its counts are not
    overview = client.get("/analysis/").get_data(as_text=True)
    row = overview.split("ZŠ Malá</a>")[1].split("</tr>")[0]
    assert "hidden-count" in row and ">5<" not in row
    # The flags of the small school do not quote its counts either.
    flags = client.get("/analysis/flags?school=2").get_data(as_text=True)
    assert "(8 žáků" not in flags


def test_coordinators_see_the_counts_of_small_units(client, login_as, territory, small_units):
    login_as("coordinator", territory=territory)
    small = client.get("/analysis/schools/2").get_data(as_text=True)
    assert ">8<" in small and ">5<" in small and "hidden-count" not in small
    big = client.get("/analysis/schools/1").get_data(as_text=True)
    assert ">7<" in big
    flags = client.get("/analysis/flags?school=2").get_data(as_text=True)
    assert "(8 žáků" in flags
