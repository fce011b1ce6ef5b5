"""A newcomer in a real browser: sign in, switch language, sign out (Playwright + Debian's Chromium)."""

import pytest

from tests.browser import browser_page, live_server

pytestmark = [
    pytest.mark.browser,
    # The development server leaves a static file handle open when the browser drops a connection early.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def test_sign_in_switch_language_sign_out(app, factories):
    factories.user("member", email="prohlizec@test.example", name="Petra Prohlížečová",
                   password="heslo-pro-prohlizec")
    with live_server(app) as base, browser_page() as page:
        page.goto(base + "/")
        assert page.locator("html").get_attribute("lang") == "cs"
        page.get_by_role("link", name="Přihlásit se").first.click()

        # Keyboard only: the form is reachable and labelled.
        page.get_by_label("E-mail").fill("prohlizec@test.example")
        page.get_by_label("Heslo").fill("heslo-pro-prohlizec")
        page.get_by_label("Heslo").press("Enter")
        page.wait_for_url(base + "/")
        assert page.get_by_role("status").first.inner_text() == "Jste přihlášeni."
        assert page.get_by_role("heading", level=1).first.inner_text() == "Vítejte, Petra Prohlížečová"

        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", level=1).first.inner_text() == "Welcome, Petra Prohlížečová"

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()
        assert page.get_by_role("status").first.inner_text() == "You are signed out."
        assert page.get_by_role("link", name="Sign in").first.is_visible()


def test_skip_link_is_first_and_moves_focus_to_main(app):
    with live_server(app) as base, browser_page() as page:
        page.goto(base + "/")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == "Přeskočit na obsah"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"


def test_phone_width_has_no_horizontal_scroll(app):
    with live_server(app) as base, browser_page(viewport={"width": 360, "height": 740}) as page:
        for path in ("/", "/sign-in", "/password/forgot"):
            page.goto(base + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, path
