"""The activity report pages in Chromium with the demo data: no WCAG 2.1 AA violations (axe) and no overflow
on a 360 px phone, for the coordinator (every form) and for a member reading a published version; and the
report is created with the keyboard alone."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import User, WorkingGroup
from portal.models.reports import ReportVersion
from portal.reports import keeping
from tests.browser import browser_page, live_server
from tests.test_accessibility import DEMO_PASSWORD, _overflow, _sign_in, _violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture
def demo(app, db):
    from portal.demo import seed_demo

    seed_demo(DEMO_PASSWORD)
    db.session.commit()
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "rovne-prilezitosti"))
    coordinator = db.session.scalar(select(User).where(User.email == "koordinator@demo.example"))
    year = keeping.default_year()
    version = keeping.generate(group, date(year, 1, 1), date(year, 12, 31), "cs", foreword="Úvodní slovo.",
                               notes="Poznámky.", author=coordinator)
    version.visibility = "members"
    db.session.commit()
    return group, version


def _check(page, base: str, paths: list[str]) -> dict[str, list[str]]:
    problems = {}
    for path in paths:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        found = _violations(page) + _overflow(page)
        if found:
            problems[path] = found
    return problems


def test_report_pages_are_accessible_and_fit_a_phone(app, demo):
    group, version = demo
    coordinator_pages = [
        f"/groups/{group.id}/reports",
        f"/groups/{group.id}/reports?start=2025-03-01&end=2025-08-31",
        f"/reports/{version.id}",
        f"/reports/{version.id}/publish",
        f"/reports/{version.id}/unpublish",
        "/reports",
        f"/groups/{group.id}",
    ]
    member_pages = [f"/groups/{group.id}/reports", f"/reports/{version.id}", "/reports"]
    with live_server(app) as base, browser_page(viewport={"width": 360, "height": 740}) as page:
        _sign_in(page, base, "koordinator@demo.example")
        problems = _check(page, base, coordinator_pages)
    with live_server(app) as base, browser_page(viewport={"width": 360, "height": 740}) as page:
        _sign_in(page, base, "clen@demo.example")
        problems |= {f"member {p}": v for p, v in _check(page, base, member_pages).items()}
    assert problems == {}, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)


def test_the_report_is_created_with_the_keyboard(app, demo):
    group, _version = demo
    with live_server(app) as base, browser_page() as page:
        _sign_in(page, base, "koordinator@demo.example")
        page.goto(f"{base}/groups/{group.id}/reports")
        page.get_by_label("Úvodní slovo").fill("Rok společné práce škol a rodičů.")
        page.get_by_role("button", name="Uložit úvodní slovo a poznámky").press("Enter")
        page.wait_for_url("**/reports?year=*#draft")
        page.get_by_label("angličtina").check()
        page.get_by_role("button", name="Vytvořit zprávu").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/reports/*")
        assert "Verze 1 zprávy byla vytvořena a uložena." in page.content()
    db.session.expire_all()
    made = db.session.scalar(select(ReportVersion).where(ReportVersion.language == "en"))
    assert made is not None and "Rok společné práce škol a rodičů." in made.data_json
    assert b"Annual activity report" in made.html


def test_charts_keep_their_own_size_and_shrink_on_a_phone(app, demo):
    """On a wide screen the version page stretched every chart to the page's width: the one-year chart of
    meetings per year (182 px wide) became 1168 × 1578 px. A chart is shown at its own size, and narrower
    on a phone."""
    _group, version = demo
    sizes = {}
    for width in (1280, 360):
        with live_server(app) as base, browser_page(viewport={"width": width, "height": 900}) as page:
            _sign_in(page, base, "koordinator@demo.example")
            page.goto(f"{base}/reports/{version.id}")
            charts = page.locator("main svg.report-chart").all()
            assert len(charts) >= 4
            sizes[width] = [(float(c.get_attribute("width")), c.bounding_box()["width"]) for c in charts]
    assert all(shown <= own + 0.5 for own, shown in sizes[1280])
    assert all(shown >= own - 0.5 for own, shown in sizes[1280])  # room enough: the chart's own size
    assert all(shown <= 360 - 2 * 16 + 0.5 for _own, shown in sizes[360])
