"""c1's pages in Chromium on a 360 × 740 phone: the sign-in link journey read from the real SMTP server, the
bulk invitation form with a refused line, the invitee list and a parent's account pages; no WCAG 2.1 AA
violations (axe) and nothing wider than the screen."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import User, WorkingGroup
from tests.browser import browser_page, live_server
from tests.consultations_factories import make_consultation
from tests.test_accessibility import DEMO_PASSWORD, _overflow, _sign_in, _violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def demo(app, db):
    from portal.demo import seed_demo

    seed_demo(DEMO_PASSWORD)
    db.session.commit()


def _check(page, path, problems):
    found = _violations(page) + _overflow(page)
    if found:
        problems[path] = found


def test_a_parent_signs_in_by_link_on_a_phone(app, demo, smtp):
    group = db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.id)).first()
    consultation = make_consultation(group)
    target = f"/k/{consultation.link_key}"
    problems: dict[str, list[str]] = {}
    with live_server(app) as base, browser_page(viewport=PHONE) as page:
        page.goto(f"{base}/auth/link?next={target}")
        _check(page, "/auth/link", problems)
        page.get_by_label("Váš e-mail").fill("maminka@example.cz")
        page.get_by_role("button", name="Poslat odkaz").click()
        page.get_by_role("heading", name="Zkontrolujte svůj e-mail").wait_for()
        _check(page, "link sent", problems)

        body = smtp.messages[-1].get_body(preferencelist=("plain",)).get_content()
        link = re.search(r"http://portal\.test(/auth/link/\S+)", body).group(1)
        page.goto(base + link)
        _check(page, "link button", problems)
        page.get_by_role("button", name="Přihlásit se").click()
        page.wait_for_url(base + target)

        page.goto(base + link)  # used up now, but this browser signed in with it: it just leads on
        assert page.url == base + target
        page.goto(base + "/auth/link/not-a-token")
        assert "není platný" in page.content()
        _check(page, "link not valid", problems)

        page.goto(base + "/")
        _check(page, "parent home", problems)
        page.goto(base + "/account/")
        _check(page, "parent account", problems)
        page.goto(base + "/account/delete")
        _check(page, "delete confirmation", problems)
    parent = db.session.scalar(select(User).where(User.email == "maminka@example.cz"))
    assert parent.role == "parent" and parent.territory_id == group.territory_id
    assert problems == {}, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)


def test_a_coordinator_invites_on_a_phone(app, demo, smtp):
    coordinator = db.session.scalar(select(User).where(User.email == "koordinator@demo.example"))
    group = db.session.scalars(
        select(WorkingGroup).where(WorkingGroup.territory_id == coordinator.territory_id)
        .order_by(WorkingGroup.id)).first()
    consultation = make_consultation(group, anonymous=False)
    problems: dict[str, list[str]] = {}
    invite_url = f"/consultations/{consultation.id}/invite"
    with live_server(app) as base, browser_page(viewport=PHONE) as page:
        _sign_in(page, base, "koordinator@demo.example")
        page.goto(base + invite_url)
        _check(page, "invite form", problems)
        field = page.get_by_label("E-mailové adresy")
        field.fill("rodic.a@example.cz\nnení adresa\nRodič B <rodic.b@example.cz>")
        page.get_by_role("button", name="Odeslat pozvánky").click()
        page.get_by_text("Řádek 2").wait_for()
        _check(page, "invite form with errors", problems)
        assert "není adresa" in field.input_value()  # nothing lost
        page.get_by_role("link", name="Řádek 2").click()  # the summary leads to the field
        assert page.evaluate("document.activeElement.id") == "addresses"

        field.fill("rodic.a@example.cz\nRodič B <rodic.b@example.cz>")
        page.get_by_role("button", name="Odeslat pozvánky").click()
        # (the browser keeps the "#addresses" of the summary link across the redirect)
        page.wait_for_url(re.compile(rf"/consultations/{consultation.id}/invitees(#addresses)?$"))
        assert "Byly odeslány 2 pozvánky." in page.content()
        assert "rodic.b@example.cz" in page.content()
        _check(page, "invitee list", problems)
    assert sorted(m["To"] for m in smtp.messages) == ["rodic.a@example.cz", "rodic.b@example.cz"]
    assert problems == {}, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)
