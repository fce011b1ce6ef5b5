"""The results pages in Chromium: no WCAG 2.1 AA violations (axe-core) and nothing wider than a 360 px
phone screen, for a coordinator, with charts, small counts, tags and a long free text."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models.consultations import AnswerTag
from tests.browser import browser_page, live_server
from tests.conftest import make_group, make_territory, make_user
from tests.consultations_factories import add_response, make_consultation
from tests.test_accessibility import _overflow, _violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

PASSWORD = "heslo-pro-prohlizec"


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Heslo").fill(PASSWORD)
    page.get_by_label("Heslo").press("Enter")
    page.wait_for_url(base + "/")


@pytest.mark.parametrize("viewport", [None, {"width": 360, "height": 740}], ids=["desktop", "phone"])
def test_results_pages_are_accessible_and_fit_a_phone(app, viewport):
    territory = make_territory()
    coordinator = make_user("coordinator", territory=territory, password=PASSWORD)
    named = make_consultation(make_group(territory))
    for n in range(5):
        text = ("Dlouhá odpověď bez mezer: " + "doprava" * 40) if n == 0 else f"Text {n}"
        add_response(named, user=make_user("parent", territory=territory), single=n % 3, multiple=(0, 1),
                     scale=1 + n % 5, text=text)
    urls = [f"/consultations/{named.id}/results", f"/consultations/{named.id}/results/texts",
            f"/consultations/{named.id}/respondents"]
    problems = {}
    with live_server(app) as base, browser_page(viewport=viewport) as page:
        sign_in(page, base, coordinator.email)
        page.goto(base + urls[1])
        page.get_by_label("Add a tag to answer 1").or_(page.get_by_label("Přidat štítek k odpovědi 1")) \
            .fill("doprava")
        with page.expect_navigation():
            page.keyboard.press("Enter")  # the keyboard alone adds a tag
        for url in urls:
            response = page.goto(base + url)
            assert response.status == 200, url
            found = _overflow(page) if viewport else _violations(page)
            if found:
                problems[url] = found
    assert problems == {}, problems
    assert db.session.scalar(db.select(db.func.count()).select_from(AnswerTag)) == 1
