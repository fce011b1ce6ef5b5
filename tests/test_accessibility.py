"""WCAG 2.1 AA checks with axe-core in Chromium, on every page a role can open, filled with the demo data.

Pages with URL parameters are reached by following the links of the parameterless pages (same site, GET,
a bounded number per role), so new areas are covered without listing their URLs here.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models.consultations import Consultation
from tests.browser import browser_page, live_server

pytestmark = [
    pytest.mark.browser,
    # The development server leaves a static file handle open when the browser drops a connection early.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAX_PAGES_PER_ROLE = 40
DEMO_PASSWORD = "demo-heslo-pro-axe"
ACCOUNTS = {
    None: None,
    "member": "clen@demo.example",
    "coordinator": "koordinator@demo.example",
    "admin": "admin@demo.example",
    "parent": "rodic@demo.example",
}
SKIP_PREFIXES = ("/static/", "/sign-out", "/language", "/healthz")
SKIP_SUFFIXES = (".ics", ".csv", ".xlsx", ".pdf", ".docx", ".json", ".html")


def _start_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(SKIP_PREFIXES):
            urls.append(rule.rule)
    # Consultations are answered on addresses with a secret key (/k/<key>), e-mailed or shared by the
    # coordinators rather than linked from every page: the demo data's are visited first.
    keys = db.session.scalars(select(Consultation.link_key).order_by(Consultation.id)).all()
    return [f"/k/{key}{page}" for key in keys for page in ("", "/privacy")] + sorted(urls)


def _violations(page) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    found = []
    for violation in result["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def _sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Heslo").fill(DEMO_PASSWORD)
    page.get_by_label("Heslo").press("Enter")
    page.wait_for_url(base + "/")


@pytest.fixture
def demo(app, db):
    from portal.demo import seed_demo

    seed_demo(DEMO_PASSWORD)
    db.session.commit()


def _crawl(app, role, check, viewport=None) -> tuple[dict[str, list[str]], set[str]]:
    """Visit every page the role reaches from the parameterless pages; `check(page)` lists its problems."""
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    with live_server(app) as base, browser_page(viewport=viewport) as page:
        if ACCOUNTS[role]:
            _sign_in(page, base, ACCOUNTS[role])
        queue = list(_start_urls(app))
        while queue and len(seen) < MAX_PAGES_PER_ROLE:
            path = queue.pop(0)
            if path in seen or path.startswith(SKIP_PREFIXES) or path.endswith(SKIP_SUFFIXES):
                continue
            seen.add(path)
            response = page.goto(base + path)
            if response is None or response.status >= 400 or not page.url.startswith(base):
                continue
            found = check(page)
            if found:
                problems[path] = found
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                target = urlsplit(urljoin(base + path, href))
                if target.netloc == urlsplit(base).netloc and target.path not in seen:
                    queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return problems, seen


@pytest.mark.parametrize("role", list(ACCOUNTS), ids=lambda r: r or "anonymous")
def test_pages_have_no_wcag_violations(app, demo, role):
    problems, seen = _crawl(app, role, _violations)
    assert problems == {}, "\n".join(f"{p}: {v}" for p, vs in problems.items() for v in vs)
    assert len(seen) >= 3


def _overflow(page) -> list[str]:
    """Content wider than a phone screen, outside the scrollable table wrappers."""
    culprits = page.evaluate("""() => {
        const found = [];
        for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.right > window.innerWidth + 1 && !el.closest('.table-wrap')) {
                found.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                           (el.className && typeof el.className === 'string' ? '.' + el.className : ''));
            }
        }
        return found.slice(0, 3);
    }""")
    return culprits if page.evaluate("document.documentElement.scrollWidth > window.innerWidth") else []


@pytest.mark.parametrize("role", [None, "member", "coordinator"], ids=lambda r: r or "anonymous")
def test_pages_fit_a_phone_screen(app, demo, role):
    problems, seen = _crawl(app, role, _overflow, viewport={"width": 360, "height": 740})
    assert problems == {}, "\n".join(f"{p}: {v}" for p, v in problems.items())
    assert len(seen) >= 3
