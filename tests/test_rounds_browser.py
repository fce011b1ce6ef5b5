"""The comment round pages in Chromium with the demo data: no WCAG 2.1 AA violations (axe), no overflow on a
360 px phone, and the inline comment form opening in place with JavaScript."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models.rounds import Comment, CommentRound
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


def _framework_rounds() -> list[CommentRound]:
    """The demo's rounds on the strategic framework (last year's action plan has a round of its own)."""
    return [r for r in db.session.scalars(select(CommentRound).order_by(CommentRound.opens_at))
            if r.document_version.document.kind == "strategic_framework"]


def _pages(settled: CommentRound, open_round: CommentRound) -> list[str]:
    comment = db.session.scalar(
        select(Comment).where(Comment.round_id == settled.id, Comment.parent_id.is_(None))
    )
    return [
        f"/rounds/{settled.id}",
        f"/rounds/{settled.id}/text",
        f"/rounds/{open_round.id}",
        f"/rounds/{open_round.id}/text",
        f"/comments/{comment.id}/settle",
        f"/comments/{comment.id}/resolve",
        f"/rounds/{settled.id}/outcomes-mail",
        f"/versions/{open_round.version_id}/rounds/new",
        f"/rounds/{open_round.id}/edit",
        "/rounds/outcomes",
        "/",
    ]


def test_round_pages_are_accessible_and_fit_a_phone(app, demo):
    settled, open_round = _framework_rounds()
    pages = _pages(settled, open_round)
    problems = {}
    with live_server(app) as base, browser_page(viewport={"width": 360, "height": 740}) as page:
        _sign_in(page, base, "koordinator@demo.example")
        for path in pages:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, (path, response and response.status)
            found = _violations(page) + _overflow(page)
            if found:
                problems[path] = found
    assert problems == {}, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)


def test_inline_comment_form_opens_in_place(app, demo):
    open_round = _framework_rounds()[1]
    with live_server(app) as base, browser_page(viewport={"width": 360, "height": 740}) as page:
        _sign_in(page, base, "rodic@demo.example")  # a parent of the territory: the round is public
        page.goto(f"{base}/rounds/{open_round.id}/text")
        links = page.locator("a.comment-link")
        assert links.count() > 5
        first = links.nth(2)
        anchor = first.get_attribute("data-anchor")
        first.click()
        form = page.locator("#comment-form")
        assert form.count() == 1
        assert page.url.endswith(f"/rounds/{open_round.id}/text")  # no navigation: opened in place
        assert form.locator("input[name=paragraph]").get_attribute("value") == anchor
        problems = _violations(page)
        assert problems == [], problems
        page.get_by_label("doporučující").check()
        form.locator("textarea[name=text]").fill("Prosíme doplnit termíny.")
        form.get_by_role("button").first.click()
        page.wait_for_url(f"**/rounds/{open_round.id}/text#{anchor}")
    db.session.expire_all()
    made = db.session.scalar(select(Comment).where(Comment.text == "Prosíme doplnit termíny."))
    assert made is not None and made.paragraph.anchor == anchor
