"""Czech by default, English on request, remembered; every string translated."""

from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select

from portal.models import User
from tests.conftest import csrf_token

PO = Path(__file__).resolve().parent.parent / "portal/translations/cs/LC_MESSAGES/messages.po"


def test_czech_is_the_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="cs"' in html
    assert "Přihlásit se" in html


def test_every_message_has_a_czech_translation():
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    def translated(message) -> bool:
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        return all(forms)

    missing = [m.id for m in catalog if m.id and not translated(m)]
    assert missing == []
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == []


def test_language_switch_is_remembered_for_a_signed_in_user(app, client, login_as, db):
    user = login_as("member")
    token = csrf_token(client, "/account/")
    response = client.post("/language", data={"locale": "en", "csrf_token": token, "next": "/account/"})
    assert response.headers["Location"] == "/account/"
    assert db.session.scalar(select(User.locale).where(User.id == user.id)) == "en"
    # A new browser session of the same user gets English too.
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = user.get_id()
    assert '<html lang="en"' in other.get("/").get_data(as_text=True)


def test_language_switch_ignores_unknown_languages_and_foreign_redirects(client):
    token = csrf_token(client)
    response = client.post("/language", data={"locale": "xx", "csrf_token": token,
                                              "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="cs"' in client.get("/").get_data(as_text=True)


def test_dates_are_formatted_for_the_locale(app):
    from datetime import UTC, datetime

    from flask_babel import force_locale

    from portal.i18n import datetime_filter

    moment = datetime(2026, 3, 5, 16, 30, tzinfo=UTC)
    with app.test_request_context():
        with force_locale("cs"):
            assert datetime_filter(moment, "short") == "5. 3. 2026 17:30"
        with force_locale("en"):
            assert datetime_filter(moment, "short") == "Mar 5, 2026 5:30\u202fPM"


def test_event_times_read_naturally_in_both_languages(app):
    from datetime import UTC, datetime

    from flask_babel import force_locale

    from portal.i18n import when_filter

    moment = datetime(2026, 12, 15, 13, 0, tzinfo=UTC)
    with app.test_request_context():
        with force_locale("cs"):
            assert when_filter(moment) == "úterý 15. prosince 2026 14:00"
        with force_locale("en"):
            assert when_filter(moment).startswith("Tuesday, December 15, 2026")


def test_differences_of_shares_are_percentage_points(app):
    from flask_babel import force_locale

    from portal.i18n import points_filter

    with app.test_request_context():
        with force_locale("cs"):
            assert points_filter(0.25) == "25 p. b."
        with force_locale("en"):
            assert points_filter(0.125) == "12.5 pp"
