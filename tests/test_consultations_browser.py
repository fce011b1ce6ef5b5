"""Parents answering consultations in Debian's Chromium on a 360 × 740 phone screen: the invited parent's
journey through an e-mailed sign-in link (read from the real test SMTP server), the anonymous journey with
JavaScript turned off, and the participants' pages checked with axe (WCAG 2.1 AA) and for overflow."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.models.consultations import Audience, ConsultationResponse, QuestionKind
from tests.browser import CHROMIUM_ARGS, browser_page, chromium_path, live_server
from tests.consultations_factories import add_response, invite, make_consultation
from tests.test_accessibility import _overflow, _violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

PHONE = {"width": 360, "height": 740}


@contextmanager
def page_without_javascript():
    """A phone-sized Chromium tab with JavaScript turned off."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            context = browser.new_context(viewport=PHONE, locale="cs-CZ", java_script_enabled=False)
            yield context.new_page()
        finally:
            browser.close()


def _fits(page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], (page.url, width)


def _responses(consultation) -> list[ConsultationResponse]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(ConsultationResponse).where(ConsultationResponse.consultation_id == consultation.id)))


def _scale(response: ConsultationResponse) -> int | None:
    return next((a.scale_value for a in response.answers if a.scale_value), None)


def test_an_invited_parent_signs_in_by_link_answers_and_changes_the_answer(app, smtp):
    consultation = make_consultation(audience=Audience.INVITED.value)
    email = "maminka.novakova@example.cz"
    invite(consultation, email)
    with live_server(app) as base, browser_page(viewport=PHONE) as page:
        page.goto(f"{base}/k/{consultation.link_key}")
        assert "Pro odpověď se přihlaste" in page.content()
        _fits(page)
        page.get_by_role("button", name="Pošlete mi odkaz pro přihlášení").click()
        page.get_by_label("E-mail").fill(email)
        page.locator("main form button[type=submit]").click()  # c1's "send me the link"
        page.wait_for_load_state()
        _fits(page)

        [message] = smtp.box.to(email)
        text = message.get_body(preferencelist=("plain",)).get_content()
        link = re.search(r"https?://\S+/auth/link/\S+", text).group(0)
        page.goto(base + urlsplit(link).path)
        page.locator("main form button[type=submit]").click()  # one button: sign in
        page.wait_for_url(f"{base}/k/{consultation.link_key}")
        _fits(page)

        # Answer, partly with the keyboard: the scale's radios move with the arrow keys.
        page.get_by_label("Ano", exact=True).check()
        page.get_by_label("Doučování").check()
        page.get_by_label("1 – vůbec").focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert page.get_by_label("4", exact=True).is_checked()
        page.get_by_label("Co byste vzkázali škole?").fill("Více kroužků po vyučování.")
        page.get_by_role("button", name="Odeslat odpověď").click()
        page.wait_for_url("**/thanks")
        assert page.get_by_role("heading", name="Děkujeme za vaši odpověď").is_visible()
        _fits(page)

        # Change it: the form comes back filled in.
        page.get_by_role("button", name="Zobrazit nebo změnit odpověď").click()
        assert "Více kroužků po vyučování." in page.content()
        _fits(page)
        page.get_by_role("button", name="Změnit odpověď").click()
        assert page.get_by_label("4", exact=True).is_checked()
        assert page.get_by_label("Co byste vzkázali škole?").input_value() == "Více kroužků po vyučování."
        page.get_by_label("2", exact=True).check()
        page.get_by_role("button", name="Uložit změněnou odpověď").click()
        page.wait_for_url("**/thanks")
        assert "Vaše změněná odpověď je uložená." in page.content()
        assert page.get_by_role("heading", name="Děkujeme za vaši odpověď").is_visible()
        _fits(page)

    parent = db.session.scalar(select(User).where(User.email == email))
    assert parent is not None and parent.role == "parent"
    [response] = _responses(consultation)
    assert response.user_id == parent.id and _scale(response) == 2 and response.version == 2


def test_a_visitor_answers_anonymously_without_javascript(app):
    consultation = make_consultation(audience=Audience.PUBLIC.value, anonymous=True,
                                     allow_without_account=True)
    url = f"/k/{consultation.link_key}"
    with live_server(app) as base, page_without_javascript() as page:
        page.goto(base + url)
        page.get_by_label("Nevím").check()
        page.get_by_label("Delší družina").check()
        page.get_by_label("5 – velmi").check()
        page.get_by_label("Co byste vzkázali škole?").fill("Autobus jezdí příliš brzy.")
        # Sent too soon: refused kindly, and nothing typed is lost. (The minimum is raised for this one
        # click, so that a slow, busy machine cannot make the filling above take longer than it.)
        app.config["CONSULTATIONS_MIN_FILL_SECONDS"] = 3600
        try:
            page.get_by_role("button", name="Odeslat odpověď").click()
            page.wait_for_load_state()
        finally:
            app.config["CONSULTATIONS_MIN_FILL_SECONDS"] = 3
        assert "příliš rychle" in page.content()
        assert page.get_by_label("Nevím").is_checked() and page.get_by_label("5 – velmi").is_checked()
        assert page.get_by_label("Co byste vzkázali škole?").input_value() == "Autobus jezdí příliš brzy."
        assert _responses(consultation) == []
        page.wait_for_timeout(3200)  # a person takes longer than the minimum fill time
        page.get_by_role("button", name="Odeslat odpověď").click()
        page.wait_for_url("**/thanks")
        assert "Děkujeme za vaši odpověď" in page.content()
        assert "Jen v tomto prohlížeči" in page.content()

        # The same browser cannot answer a second time: the page offers to change the answer instead.
        page.goto(base + url)
        assert "Už jste odpověděli" in page.content()
        assert page.get_by_role("button", name="Uložit změněnou odpověď").count() == 1
        assert page.get_by_role("button", name="Odeslat odpověď").count() == 0
        assert page.get_by_label("Nevím").is_checked()
        page.get_by_label("Ano", exact=True).check()
        page.get_by_role("button", name="Uložit změněnou odpověď").click()
        page.wait_for_url("**/thanks")

    [response] = _responses(consultation)
    assert response.user_id is None and response.owner_hash is None and response.browser_hash
    single = next(q for q in consultation.questions if q.kind == QuestionKind.SINGLE)
    assert [a.option_id for a in response.answers if a.question_id == single.id] == [single.options[0].id]


def test_participant_pages_are_accessible_and_fit_a_phone(app):
    now = datetime.now(UTC)
    visitors = make_consultation(audience=Audience.PUBLIC.value, anonymous=True, allow_without_account=True)
    scheduled = make_consultation(opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=9))
    closed = make_consultation(opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=2))
    add_response(closed)
    named = make_consultation(audience=Audience.LINK.value)
    problems = {}
    with live_server(app) as base, browser_page(viewport=PHONE) as page:
        def check(label: str) -> None:
            found = _violations(page) + _overflow(page)
            if page.evaluate("document.scrollingElement.scrollWidth") > PHONE["width"]:
                found.append("horizontal scrolling")
            if found:
                problems[label] = found

        page.goto(f"{base}/k/{visitors.link_key}")
        check("questionnaire")
        page.get_by_role("button", name="Odeslat odpověď").click()  # nothing filled in: the errors
        page.wait_for_load_state()
        assert page.locator(".errors-summary").count() == 1
        # With JavaScript the focus moves to the summary, so a screen reader starts there.
        assert page.evaluate("document.activeElement.id") == "errors"
        check("questionnaire with errors")
        page.locator(".errors-summary a").first.click()
        assert page.evaluate("document.activeElement.type") == "radio"  # the summary leads to the field
        for path in ("/privacy", "/my-answer"):
            page.goto(f"{base}/k/{visitors.link_key}{path}")
            check(path)
        for consultation, label in ((scheduled, "scheduled"), (closed, "closed"), (named, "sign in")):
            page.goto(f"{base}/k/{consultation.link_key}")
            check(label)
        # After answering: the thanks page, one's answer, and the delete confirmation.
        page.goto(f"{base}/k/{visitors.link_key}")
        page.get_by_label("Ano", exact=True).check()
        page.get_by_label("3", exact=True).check()
        page.wait_for_timeout(3200)
        page.get_by_role("button", name="Odeslat odpověď").click()
        page.wait_for_url("**/thanks")
        check("thanks")
        for path in ("/my-answer", "/my-answer/delete"):
            page.goto(f"{base}/k/{visitors.link_key}{path}")
            check(path + " (answered)")
        page.get_by_role("button", name="Smazat moji odpověď").click()
        page.wait_for_url(f"{base}/k/{visitors.link_key}")
        assert "Vaše odpověď byla smazána." in page.content()
    assert problems == {}, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)
    assert _responses(visitors) == []
