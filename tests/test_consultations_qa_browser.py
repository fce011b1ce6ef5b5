"""QA pass q1 in Chromium: a question's results table fits a 360 px phone without sideways scrolling (its
share column was cut off at the screen's edge, readable only by scrolling the table)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser import browser_page, live_server
from tests.conftest import make_group, make_territory, make_user
from tests.consultations_factories import add_response, make_consultation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

PASSWORD = "heslo-pro-prohlizec"


def test_results_tables_fit_a_phone_without_scrolling(app):
    territory = make_territory()
    coordinator = make_user("coordinator", territory=territory, password=PASSWORD)
    now = datetime.now(UTC)  # closed: an anonymous consultation's results wait for the close
    consultation = make_consultation(make_group(territory), anonymous=True, opens_at=now - timedelta(days=8),
                                     closes_at=now - timedelta(days=1))
    for n in range(12):
        add_response(consultation, single=n % 3, multiple=(0, 1), scale=1 + n % 5)
    with live_server(app) as base, browser_page(viewport={"width": 360, "height": 740}) as page:
        page.goto(base + "/sign-in")
        page.get_by_label("E-mail").fill(coordinator.email)
        page.get_by_label("Heslo").fill(PASSWORD)
        page.get_by_label("Heslo").press("Enter")
        page.wait_for_url(base + "/")
        page.goto(base + f"/consultations/{consultation.id}/results")
        widths = page.evaluate("""() => Array.from(document.querySelectorAll('.result-pair .table-wrap'))
            .map(e => [e.scrollWidth, e.clientWidth])""")
    assert len(widths) == 3
    assert all(scroll <= client + 1 for scroll, client in widths), widths
