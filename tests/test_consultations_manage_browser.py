"""The coordinators' consultation pages in Chromium with the demo data: no WCAG 2.1 AA violations (axe), no
overflow on a 360 px phone, and the questionnaire reordered and extended with the keyboard alone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.consultations.demo import CLOSED_TITLE, OPEN_TITLE
from portal.extensions import db
from portal.models.consultations import Consultation, Question
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


def _demo_consultations() -> tuple[Consultation, Consultation]:
    by_title = {c.title: c for c in db.session.scalars(select(Consultation))}
    return by_title[CLOSED_TITLE], by_title[OPEN_TITLE]


def test_consultation_pages_are_accessible_and_fit_a_phone(app, demo):
    closed, open_one = _demo_consultations()
    question = open_one.questions[0]
    pages = [
        "/consultations",
        f"/groups/{open_one.group_id}/consultations",
        f"/groups/{open_one.group_id}/consultations/new",
        f"/consultations/{open_one.id}",
        f"/consultations/{closed.id}",
        f"/consultations/{open_one.id}/edit",
        f"/consultations/{closed.id}/delete",
        f"/consultations/{open_one.id}/questions/new",
        f"/consultations/{open_one.id}/questions/{question.id}/edit",
        f"/consultations/{open_one.id}/questions/{question.id}/delete",
        f"/groups/{open_one.group_id}",
    ]
    problems = {}
    with live_server(app) as base, browser_page(viewport={"width": 360, "height": 740}) as page:
        _sign_in(page, base, "koordinator@demo.example")
        for path in pages:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, (path, response and response.status)
            found = _violations(page) + _overflow(page)
            if found:
                problems[path] = found
        # A refused form: the error summary and the marked fields pass too.
        page.goto(f"{base}/consultations/{open_one.id}/questions/new")
        page.locator("#text").fill("Jen jedna možnost?")
        page.locator("#options").fill("Ano")
        page.locator("form button[type=submit]").last.click()
        assert page.locator(".errors-summary, .field-error").count() >= 1
        found = _violations(page) + _overflow(page)
        if found:
            problems["refused question"] = found
    assert problems == {}, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)


def test_the_questionnaire_is_reordered_and_extended_with_the_keyboard(app, demo):
    _, open_one = _demo_consultations()
    first, second = open_one.questions[0].id, open_one.questions[1].id
    with live_server(app) as base, browser_page(viewport={"width": 360, "height": 740}) as page:
        _sign_in(page, base, "koordinator@demo.example")
        page.goto(f"{base}/consultations/{open_one.id}")
        down = page.locator(f"#q-{first} button[name=direction][value=down]")
        down.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/consultations/{open_one.id}#q-{first}")
        db.session.expire_all()
        order = [q.id for q in db.session.scalars(
            select(Question).where(Question.consultation_id == open_one.id).order_by(Question.position))]
        assert order[:2] == [second, first]

        page.goto(f"{base}/consultations/{open_one.id}/questions/new")
        page.locator("#kind-0").focus()  # the first radio of the kinds: arrows move within the group
        page.keyboard.press("ArrowDown")
        assert page.locator("#kind-1").is_checked()
        page.keyboard.press("Tab")
        page.keyboard.type("Kde by se doučování mělo konat?")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.type("Ve škole\nV knihovně\nV klubu")
        page.locator("form button[type=submit]").last.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/consultations/{open_one.id}#q-*")
    db.session.expire_all()
    added = db.session.scalar(select(Question).where(Question.text == "Kde by se doučování mělo konat?"))
    assert added is not None and added.kind == "multiple"
    assert [o.label for o in added.options] == ["Ve škole", "V knihovně", "V klubu"]
