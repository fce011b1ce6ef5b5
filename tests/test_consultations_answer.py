"""Answering a consultation: the questionnaire of every question kind, validation that keeps the input, the
open/close times (time_machine), the close race, double submits, changing and deleting one's answer, named
versus anonymous answers, the anti-spam checks for visitors without an account, and who may answer."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from portal.consultations import answering
from portal.extensions import db
from portal.models import AuditEvent
from portal.models.consultations import (
    Audience,
    Consultation,
    ConsultationAnswer,
    ConsultationResponse,
    QuestionKind,
)
from tests.conftest import csrf_token
from tests.consultations_factories import add_response, invite, make_consultation
from tests.forms_helper import hidden_fields

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    """The clock stands still at NOW unless a test shifts it."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _consultation(**fields) -> Consultation:
    fields.setdefault("opens_at", NOW - timedelta(days=1))
    fields.setdefault("closes_at", NOW + timedelta(days=7))
    return make_consultation(**fields)


def _questions(c: Consultation) -> dict[str, object]:
    return {q.kind: q for q in c.questions}


def _answers(c: Consultation, *, single: int | None = 0, multiple: tuple[int, ...] = (0, 2),
             scale: int | None = 4, text: str | None = "Více asistentů pedagoga.") -> dict[str, object]:
    q = _questions(c)
    data: dict[str, object] = {}
    if single is not None:
        data[f"q{q[QuestionKind.SINGLE].id}"] = str(q[QuestionKind.SINGLE].options[single].id)
    if multiple:
        options = q[QuestionKind.MULTIPLE].options
        data[f"q{q[QuestionKind.MULTIPLE].id}"] = [str(options[i].id) for i in multiple]
    if scale is not None:
        data[f"q{q[QuestionKind.SCALE].id}"] = str(scale)
    if text is not None:
        data[f"q{q[QuestionKind.TEXT].id}"] = text
    return data


def _url(c: Consultation, page: str = "") -> str:
    return f"/k/{c.link_key}{page}"


def _send(client, c: Consultation, answers: dict, *, wait: float = 0, clock=None, extra: dict | None = None):
    """Open the questionnaire as a browser tab would, (let time pass), and send it."""
    fields = hidden_fields(client, _url(c), needs="version")
    if wait and clock is not None:
        clock.shift(wait)
    return client.post(_url(c), data={**fields, **answers, **(extra or {})})


def _responses(c: Consultation) -> list[ConsultationResponse]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(ConsultationResponse).where(ConsultationResponse.consultation_id == c.id)))


def _main(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


# ---- the questionnaire -------------------------------------------------------------------------------


def test_questionnaire_shows_every_kind_accessibly(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    html = client.get(_url(c)).get_data(as_text=True)
    q = _questions(c)
    assert c.title in html and "Ptáme se rodičů" in html
    assert "Odpovídat můžete do 17. listopadu 2026 10:00." in html  # Prague time, no weekday after "do"
    # Single choice and the scale as radios in a fieldset with a legend; multiple as checkboxes.
    assert html.count("<fieldset") == 3 and html.count("<legend") == 3
    def inputs(kind, type_):
        return len(re.findall(rf'<input[^>]*name="q{q[kind].id}"[^>]*type="{type_}"', html))

    assert inputs(QuestionKind.SINGLE, "radio") == 3
    assert inputs(QuestionKind.MULTIPLE, "checkbox") == 3
    assert inputs(QuestionKind.SCALE, "radio") == 5
    assert "1 – vůbec" in html and "5 – velmi" in html
    # Free text: a labelled textarea with the warning about children and the stated limit.
    assert f'<label for="q{q[QuestionKind.TEXT].id}"' in html and "<textarea" in html
    assert "jména dětí" in html and "2\xa0000 znaků" in html
    assert 'maxlength' not in html
    # Required questions are marked in words.
    assert html.count("(povinná)") == 2 and html.count("(nepovinná)") == 2
    # Signed in: no anti-spam fields.
    assert 'name="website"' not in html


def test_a_full_answer_is_stored_whole_and_freezes_the_questionnaire(client, login_as, clock):
    c = _consultation()
    user = login_as("parent")
    response = _send(client, c, _answers(c))
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(c, "/thanks"))
    [stored] = _responses(c)
    assert stored.user_id == user.id and stored.owner_hash is None and stored.browser_hash is None
    q = _questions(c)
    answers = {(a.question_id, a.option_id, a.scale_value, a.text) for a in stored.answers}
    assert answers == {
        (q[QuestionKind.SINGLE].id, q[QuestionKind.SINGLE].options[0].id, None, None),
        (q[QuestionKind.MULTIPLE].id, q[QuestionKind.MULTIPLE].options[0].id, None, None),
        (q[QuestionKind.MULTIPLE].id, q[QuestionKind.MULTIPLE].options[2].id, None, None),
        (q[QuestionKind.SCALE].id, None, 4, None),
        (q[QuestionKind.TEXT].id, None, None, "Více asistentů pedagoga."),
    }
    assert db.session.get(Consultation, c.id).frozen_at is not None
    thanks = client.get(_url(c, "/thanks")).get_data(as_text=True)
    assert "Děkujeme" in thanks and "změnit" in thanks.lower()


def test_optional_questions_may_be_skipped(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    response = _send(client, c, _answers(c, multiple=(), text=None))
    assert response.status_code == 302
    [stored] = _responses(c)
    assert {a.question.kind for a in stored.answers} == {QuestionKind.SINGLE, QuestionKind.SCALE}


def test_missing_required_answers_are_listed_and_the_given_answers_kept(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    q = _questions(c)
    response = _send(client, c, _answers(c, single=None, scale=None, multiple=(1,), text="Školní autobus."))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="errors-summary' in html
    # The summary links to the first option of each unanswered required question.
    assert f'href="#q{q[QuestionKind.SINGLE].id}-0"' in html
    assert f'href="#q{q[QuestionKind.SCALE].id}-0"' in html
    assert html.count("Odpovězte prosím na tuto otázku.") >= 2
    # What the person gave is kept.
    chosen = q[QuestionKind.MULTIPLE].options[1].id
    assert re.search(rf'checked[^>]*value="{chosen}"|value="{chosen}"[^>]*checked', html)
    assert "Školní autobus." in html
    assert _responses(c) == []


def test_a_too_long_text_is_refused_not_cut(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    long_text = "a" * (answering.TEXT_LIMIT + 1)
    response = _send(client, c, _answers(c, text=long_text))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "2\xa0001" in html
    assert long_text in html
    assert _responses(c) == []


def test_an_option_of_another_question_is_refused(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    q = _questions(c)
    data = _answers(c)
    data[f"q{q[QuestionKind.SINGLE].id}"] = str(q[QuestionKind.MULTIPLE].options[0].id)
    response = _send(client, c, data)
    assert response.status_code == 200 and 'class="errors-summary' in response.get_data(as_text=True)
    assert _responses(c) == []


# ---- open and close ----------------------------------------------------------------------------------


def test_before_it_opens_the_page_says_when(client, login_as, clock):
    c = _consultation(opens_at=NOW + timedelta(days=2), closes_at=NOW + timedelta(days=9))
    login_as("parent")
    html = client.get(_url(c)).get_data(as_text=True)
    assert "otevře" in html and "<textarea" not in html
    assert "se otevře 12. listopadu 2026 10:00." in html  # Prague time (UTC+1)


def test_after_the_close_the_page_says_so_and_links_to_ones_answer(client, login_as, clock):
    c = _consultation(closes_at=NOW + timedelta(hours=1))
    user = login_as("parent")
    add_response(c, user=user)
    clock.shift(timedelta(hours=2))
    html = client.get(_url(c)).get_data(as_text=True)
    assert "skončila" in html and "<textarea" not in html
    assert _url(c, "/my-answer") in html


def test_an_answer_arriving_after_the_close_is_refused_and_nothing_stored(client, login_as, clock):
    c = _consultation(closes_at=NOW + timedelta(minutes=5))
    login_as("parent")
    fields = hidden_fields(client, _url(c), needs="version")  # the form shown while open
    clock.shift(timedelta(minutes=6))  # sent after the close
    response = client.post(_url(c), data={**fields, **_answers(c)})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "odpověď nebyla uložena" in html
    assert _responses(c) == []
    assert db.session.scalar(select(func.count()).select_from(ConsultationAnswer)) == 0
    assert db.session.get(Consultation, c.id).frozen_at is None


def test_the_state_is_checked_inside_the_transaction(app, login_as, clock):
    """The service itself refuses once the close has passed, whatever the page showed."""
    c = _consultation(closes_at=NOW + timedelta(seconds=30))
    user = login_as("parent")
    values = {q.id: None for q in c.questions}
    q = _questions(c)
    values[q[QuestionKind.SINGLE].id] = q[QuestionKind.SINGLE].options[0].id
    values[q[QuestionKind.SCALE].id] = 3
    clock.shift(31)
    with app.test_request_context():
        with pytest.raises(answering.AnswerError):
            answering.submit(c, values, respondent=answering.Respondent(user=user))
    db.session.rollback()
    assert _responses(c) == []


# ---- double submits, changing, deleting --------------------------------------------------------------


def test_a_double_submit_stores_one_response(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    fields = hidden_fields(client, _url(c), needs="version")
    data = {**fields, **_answers(c)}
    first = client.post(_url(c), data=data)
    second = client.post(_url(c), data=data)
    assert first.status_code == 302 and second.status_code == 302
    assert second.headers["Location"].endswith(_url(c, "/my-answer"))
    assert len(_responses(c)) == 1
    assert "už byla uložena" in client.get(_url(c, "/my-answer")).get_data(as_text=True)


def test_a_concurrent_double_submit_collides_on_the_unique_constraint(app, login_as, clock):
    """Two requests that both saw no response: the second insert fails at the database, not in Python."""
    c = _consultation()
    user = login_as("parent")
    q = _questions(c)
    values = {q[QuestionKind.SINGLE].id: q[QuestionKind.SINGLE].options[0].id, q[QuestionKind.SCALE].id: 2}
    respondent = answering.Respondent(user=user)
    with app.test_request_context():
        answering.submit(c, values, respondent=respondent)
        db.session.commit()
        from sqlalchemy.exc import IntegrityError

        # Pretend the check saw nothing (the other request had not committed yet).
        original = answering.own_response
        answering.own_response = lambda *a, **k: None
        try:
            with pytest.raises(IntegrityError):
                answering.submit(c, values, respondent=respondent)
        finally:
            answering.own_response = original
        db.session.rollback()
    assert len(_responses(c)) == 1


def test_changing_ones_answer_replaces_it(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    _send(client, c, _answers(c))
    html = client.get(_url(c)).get_data(as_text=True)
    assert "Uložit změněnou odpověď" in html and "Více asistentů pedagoga." in html
    response = _send(client, c, _answers(c, single=2, multiple=(1,), scale=5, text="Delší družina."))
    assert response.status_code == 302 and response.headers["Location"].endswith("/thanks")
    [stored] = _responses(c)
    assert stored.version == 2 and stored.updated_at is not None
    q = _questions(c)
    assert sorted((a.option_id or 0, a.scale_value or 0, a.text or "") for a in stored.answers) == sorted([
        (q[QuestionKind.SINGLE].options[2].id, 0, ""),
        (q[QuestionKind.MULTIPLE].options[1].id, 0, ""),
        (0, 5, ""),
        (0, 0, "Delší družina."),
    ])
    mine = client.get(_url(c, "/my-answer")).get_data(as_text=True)
    assert "Delší družina." in mine and "5 – velmi" in mine and "Nevím" in mine


def test_two_tabs_changing_the_answer_the_second_gets_a_conflict(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    _send(client, c, _answers(c))
    tab_one = hidden_fields(client, _url(c), needs="version")
    tab_two = hidden_fields(client, _url(c), needs="version")
    assert client.post(_url(c), data={**tab_one, **_answers(c, text="Z prvního okna.")}).status_code == 302
    second = client.post(_url(c), data={**tab_two, **_answers(c, text="Z druhého okna.")})
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Z prvního okna." in html and "Z druhého okna." in html  # stored value beside the kept one
    [stored] = _responses(c)
    assert [a.text for a in stored.answers if a.text] == ["Z prvního okna."]


def test_the_change_form_sent_twice_is_not_a_conflict(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    _send(client, c, _answers(c))
    fields = hidden_fields(client, _url(c), needs="version")
    data = {**fields, **_answers(c, scale=1)}
    assert client.post(_url(c), data=data).status_code == 302
    again = client.post(_url(c), data=data)
    assert again.status_code == 302 and again.headers["Location"].endswith("/thanks")


def test_no_change_after_the_close(client, login_as, clock):
    c = _consultation(closes_at=NOW + timedelta(hours=1))
    login_as("parent")
    _send(client, c, _answers(c, scale=4))
    fields = hidden_fields(client, _url(c), needs="version")
    clock.shift(timedelta(hours=2))
    response = client.post(_url(c), data={**fields, **_answers(c, scale=1)})
    assert response.status_code == 409
    [stored] = _responses(c)
    assert {a.scale_value for a in stored.answers if a.scale_value} == {4}
    mine = client.get(_url(c, "/my-answer")).get_data(as_text=True)
    assert "Změnit odpověď" not in mine and "Smazat odpověď" in mine


def test_deleting_ones_answer_asks_first(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    _send(client, c, _answers(c))
    confirm = client.get(_url(c, "/my-answer/delete"))
    assert confirm.status_code == 200 and "natrvalo" in confirm.get_data(as_text=True)
    assert len(_responses(c)) == 1  # the GET deletes nothing
    fields = hidden_fields(client, _url(c, "/my-answer/delete"), action=_url(c, "/my-answer/delete"))
    response = client.post(_url(c, "/my-answer/delete"), data=fields)
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(c))
    assert _responses(c) == []
    assert db.session.scalar(select(func.count()).select_from(ConsultationAnswer)) == 0
    # The questionnaire stays frozen; one may answer again while open.
    assert db.session.get(Consultation, c.id).frozen_at is not None
    assert "Odeslat odpověď" in client.get(_url(c)).get_data(as_text=True)


def test_delete_without_csrf_is_refused(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    _send(client, c, _answers(c))
    assert client.post(_url(c, "/my-answer/delete")).status_code in (200, 400)
    assert len(_responses(c)) == 1


def test_my_answer_without_an_answer_says_what_to_do(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    html = client.get(_url(c, "/my-answer")).get_data(as_text=True)
    assert "empty-state" in html and "Vyplnit konzultaci" in html
    assert client.get(_url(c, "/thanks")).status_code == 302


# ---- named and anonymous ----------------------------------------------------------------------------


def test_named_answers_are_audited_with_their_author(client, login_as, clock):
    c = _consultation()
    user = login_as("parent")
    _send(client, c, _answers(c))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation.answered"))
    assert event is not None and event.actor_id == user.id


def test_an_anonymous_answer_is_not_tied_to_the_person(client, login_as, clock, caplog):
    c = _consultation(anonymous=True)
    user = login_as("parent", name="Jarmila Nezvalová", email="jarmila.nezvalova@example.cz")
    caplog.set_level("DEBUG")
    _send(client, c, _answers(c, text="Chybí kroužky."))
    [stored] = _responses(c)
    assert stored.user_id is None and stored.browser_hash is None and stored.ip_hash is None
    assert stored.owner_hash == answering.owner_hash(c, user)
    # No audit event and no log line about answering it.
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.like("consultation.%"))) == 0
    assert not [r for r in caplog.records
                if "jarmila" in r.getMessage().lower() or c.link_key in r.getMessage()]
    # The person finds their own answer; no page shows who they are.
    for page in ("", "/thanks", "/my-answer", "/my-answer/delete", "/privacy"):
        html = client.get(_url(c, page)).get_data(as_text=True)
        main = _main(html)
        assert "Nezvalová" not in main and "jarmila.nezvalova" not in main, page
    assert "Chybí kroužky." in client.get(_url(c, "/my-answer")).get_data(as_text=True)


def test_another_person_does_not_see_an_anonymous_answer(client, login_as, clock):
    c = _consultation(anonymous=True)
    login_as("parent", name="Jarmila Nezvalová")
    _send(client, c, _answers(c, text="Chybí kroužky."))
    other = login_as("coordinator")
    for page in ("", "/thanks", "/my-answer", "/privacy"):
        html = client.get(_url(c, page)).get_data(as_text=True)
        assert "Nezvalová" not in html and "Chybí kroužky." not in html, page
    assert answering.own_response(c, answering.Respondent(user=other)) is None


def test_the_page_says_whether_answers_are_named(client, login_as, clock):
    named, anonymous = _consultation(), _consultation(anonymous=True)
    login_as("parent")
    assert "uvidí vaše jméno" in client.get(_url(named)).get_data(as_text=True)
    assert "anonymní" in client.get(_url(anonymous)).get_data(as_text=True)


# ---- without an account -------------------------------------------------------------------------------


def _open_to_visitors(**fields) -> Consultation:
    return _consultation(anonymous=True, allow_without_account=True, audience=Audience.PUBLIC.value, **fields)


def test_a_visitor_answers_without_an_account(client, clock):
    c = _open_to_visitors()
    page = client.get(_url(c))
    html = page.get_data(as_text=True)
    assert 'name="website"' in html and 'tabindex="-1"' in html and 'autocomplete="off"' in html
    assert 'aria-hidden="true"' in html and "Toto pole nevyplňujte" in html
    # The browser id comes with the form: long-lived, HttpOnly, SameSite=Lax, only for /k/ pages.
    cookie = next(c for c in page.headers.getlist("Set-Cookie") if c.startswith("consultation_browser="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/k/" in cookie
    assert "Max-Age=34560000" in cookie and "Secure" not in cookie
    response = _send(client, c, _answers(c), wait=5, clock=clock)
    assert response.status_code == 302 and response.headers["Location"].endswith("/thanks")
    [stored] = _responses(c)
    browser_id = re.search(r"consultation_browser=([^;]+)", cookie).group(1)
    assert stored.user_id is None and stored.owner_hash is None and stored.ip_hash is None
    assert stored.browser_hash == answering.browser_hash(c, browser_id)
    assert browser_id not in stored.browser_hash
    # The same browser sees its answer and gets "change" instead of a second answer.
    assert "Více asistentů pedagoga." in client.get(_url(c, "/my-answer")).get_data(as_text=True)
    assert "Uložit změněnou odpověď" in client.get(_url(c)).get_data(as_text=True)


def test_one_answer_per_browser(client, clock):
    c = _open_to_visitors()
    data = _answers(c)
    fields = hidden_fields(client, _url(c), needs="version")
    clock.shift(5)
    first = client.post(_url(c), data={**fields, **data})
    # The id came with the form: a second click sent before this response arrives carries the same one.
    assert first.status_code == 302 and "consultation_browser" not in first.headers.get("Set-Cookie", "")
    again = client.post(_url(c), data={**fields, **data})  # the same first-answer form again
    assert again.status_code == 302 and again.headers["Location"].endswith("/my-answer")
    assert len(_responses(c)) == 1
    # Another browser (another cookie) is another answer.
    other = client.application.test_client()
    assert _send(other, c, data, wait=5, clock=clock).status_code == 302
    assert len(_responses(c)) == 2


def test_a_browser_refusing_cookies_still_answers(client, clock):
    c = _open_to_visitors()
    fields = hidden_fields(client, _url(c), needs="version")
    client.delete_cookie("consultation_browser", path="/k/")
    clock.shift(5)
    response = client.post(_url(c), data={**fields, **_answers(c)})
    assert response.status_code == 302 and "consultation_browser=" in response.headers["Set-Cookie"]
    assert len(_responses(c)) == 1


def test_a_visitor_over_https_gets_a_secure_cookie(client, clock):
    c = _open_to_visitors()
    page = client.get(_url(c), base_url="https://localhost")
    cookie = next(c for c in page.headers.getlist("Set-Cookie") if c.startswith("consultation_browser="))
    assert "Secure" in cookie


def test_the_honeypot_refuses_and_keeps_the_form(client, clock):
    c = _open_to_visitors()
    response = _send(client, c, _answers(c, text="Můj text."), wait=5, clock=clock,
                     extra={"website": "http://spam.example"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "musí zůstat prázdné" in html
    assert "Můj text." in html
    assert _responses(c) == []


def test_too_quick_a_form_is_refused_kindly_and_kept(client, clock):
    c = _open_to_visitors()
    fields = hidden_fields(client, _url(c), needs="version")
    clock.shift(1)
    response = client.post(_url(c), data={**fields, **_answers(c, text="Rychle.")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "příliš rychle" in html and "Rychle." in html
    assert _responses(c) == []
    # The time counts from the first display: sent again a little later, it is accepted.
    started = re.search(r'name="started"[^>]*value="([^"]+)"', html).group(1)
    assert started == fields["started"]
    clock.shift(3)
    assert client.post(_url(c), data={**fields, **_answers(c, text="Rychle.")}).status_code == 302


def test_a_forged_display_time_is_refused(client, clock):
    c = _open_to_visitors()
    fields = hidden_fields(client, _url(c), needs="version")
    clock.shift(10)
    fields["started"] = "eyJjIjoxLCJhdCI6MH0.forged"
    response = client.post(_url(c), data={**fields, **_answers(c)})
    assert response.status_code == 200 and _responses(c) == []


def test_answers_per_network_are_limited(app, clock):
    c = _open_to_visitors()
    app.config["CONSULTATIONS_ANSWER_LIMIT_PER_IP"] = "3 per hour"
    try:
        for _ in range(3):
            browser = app.test_client()  # a new browser each time, same address
            assert _send(browser, c, _answers(c), wait=5, clock=clock).status_code == 302
        browser = app.test_client()
        response = _send(browser, c, _answers(c, text="Čtvrtý."), wait=5, clock=clock)
        html = response.get_data(as_text=True)
        assert response.status_code == 429 and "Čtvrtý." in html and "později" in html
        assert len(_responses(c)) == 3
        # Another network is not affected.
        other = app.test_client()
        fields = hidden_fields(other, _url(c), needs="version")
        clock.shift(5)
        assert other.post(_url(c), data={**fields, **_answers(c)},
                          environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 302
    finally:
        app.config["CONSULTATIONS_ANSWER_LIMIT_PER_IP"] = "10 per hour"


def test_a_visitor_cannot_answer_where_an_account_is_needed(client, clock):
    for c in (_consultation(), _consultation(anonymous=True), _consultation(audience=Audience.INVITED.value)):
        html = client.get(_url(c)).get_data(as_text=True)
        assert "<textarea" not in html and "Pro odpověď se přihlaste" in html
        # The e-mailed sign-in link brings them back here.
        assert f'href="/auth/link?next=/k/{c.link_key}"' in html
        response = client.post(_url(c), data={"csrf_token": csrf_token(client, _url(c)), **_answers(c)})
        assert response.status_code == 200 and "<textarea" not in response.get_data(as_text=True)
        assert _responses(c) == []


# ---- invited only, access ----------------------------------------------------------------------------


def test_invited_only_refuses_others_without_saying_who_is_invited(client, login_as, clock):
    c = _consultation(audience=Audience.INVITED.value)
    invite(c, "pozvana@example.cz")
    login_as("parent")
    response = client.get(_url(c))
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "jen pro pozvané" in html
    assert f'href="/auth/link?next=/k/{c.link_key}"' in html  # a link for the address they were invited at
    assert "pozvana@example.cz" not in html and "<textarea" not in html
    token = csrf_token(client, _url(c))
    assert client.post(_url(c), data={"csrf_token": token, **_answers(c)}).status_code == 403
    assert _responses(c) == []


def test_an_invited_parent_answers(client, login_as, clock):
    c = _consultation(audience=Audience.INVITED.value)
    user = login_as("parent")
    invite(c, user.email)
    assert _send(client, c, _answers(c)).status_code == 302
    assert [r.user_id for r in _responses(c)] == [user.id]


def test_a_manager_sees_a_preview_without_a_send_button(client, login_as, clock):
    from tests.conftest import add_member

    c = _consultation(audience=Audience.INVITED.value)
    coordinator = login_as("coordinator")
    add_member(c.group, coordinator, role="coordinator")
    html = client.get(_url(c)).get_data(as_text=True)
    assert "náhled" in html.lower() and "<textarea" in html and "Odeslat odpověď" not in html


def test_consultation_pages_are_not_indexed(client, clock):
    """The key in the address is the secret: search engines are asked not to keep the pages."""
    c = _open_to_visitors()
    for page in ("", "/privacy", "/my-answer"):
        html = client.get(_url(c, page)).get_data(as_text=True)
        assert '<meta name="robots" content="noindex, nofollow">' in html


def test_unknown_keys_are_not_found(client):
    for page in ("", "/thanks", "/my-answer", "/my-answer/delete", "/privacy"):
        assert client.get(f"/k/neexistuje{page}").status_code == 404
    assert client.get("/k/" + "x" * 200).status_code == 404


def test_the_privacy_notice_states_retention(client, app, clock):
    c = _open_to_visitors()
    html = client.get(_url(c, "/privacy")).get_data(as_text=True)
    months = app.config["CONSULTATIONS_PARENT_RETENTION_MONTHS"]
    assert months == 24 and "24 měsíců" in html
    assert "IP adresu" in html and "cookie" in html
    named = _consultation()
    assert "se jmény" in client.get(_url(named, "/privacy")).get_data(as_text=True)


def test_pages_are_in_english_on_request(client, clock):
    c = _open_to_visitors()
    html = client.get(_url(c) + "?lang=en").get_data(as_text=True)
    assert "Send the answer" in html and "required" in html


def test_a_consultation_without_questions_says_so(client, login_as, clock):
    c = _consultation(questions=False)
    login_as("parent")
    html = client.get(_url(c)).get_data(as_text=True)
    assert "zatím nemá žádné otázky" in html and "Odeslat odpověď" not in html


def test_the_questionnaire_makes_a_fixed_number_of_queries(client, login_as, clock):
    """Questions and their options load in a fixed number of statements, however many there are."""
    from portal.models.consultations import Question, QuestionOption
    from tests.test_page_queries import counted

    c = _consultation(anonymous=True)
    login_as("parent")

    def statements() -> int:
        client.get(_url(c))
        with counted(db) as seen:
            assert client.get(_url(c)).status_code == 200
        return len(seen)

    few = statements()
    for position in range(4, 10):
        question = Question(consultation_id=c.id, position=position, kind=QuestionKind.SINGLE.value,
                            text=f"Otázka {position}", required=False)
        question.options = [QuestionOption(position=i, label=f"Možnost {i}") for i in range(5)]
        db.session.add(question)
    db.session.commit()
    assert statements() == few


def test_an_anonymous_answer_is_changed_and_deleted_by_its_owner_only(client, login_as, clock):
    c = _consultation(anonymous=True)
    login_as("parent")
    _send(client, c, _answers(c, scale=2))
    assert _send(client, c, _answers(c, scale=5)).status_code == 302
    [stored] = _responses(c)
    assert stored.user_id is None and stored.version == 2
    assert {a.scale_value for a in stored.answers if a.scale_value} == {5}
    assert "Smazat moji odpověď" in client.get(_url(c, "/my-answer/delete")).get_data(as_text=True)
    login_as("parent")  # someone else in the same browser: nothing of theirs to see or delete
    assert "empty-state" in client.get(_url(c, "/my-answer")).get_data(as_text=True)
    refused = client.post(_url(c, "/my-answer/delete"), data={"csrf_token": csrf_token(client, _url(c))})
    assert refused.status_code == 302 and len(_responses(c)) == 1


def test_a_required_text_of_spaces_only_is_a_message(client, login_as, clock):
    c = _consultation()
    text_question = _questions(c)[QuestionKind.TEXT]
    text_question.required = True
    db.session.commit()
    login_as("parent")
    response = _send(client, c, _answers(c, text="   "))
    assert response.status_code == 200 and "Napište prosím svou odpověď." in response.get_data(as_text=True)
    assert _responses(c) == []


ROLES = [None, "guest", "parent", "member", "coordinator", "admin"]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "visitor")
def test_who_may_answer_by_audience_for_every_role(client, login_as, clock, role):
    """Anyone with the link (signed in) answers a link consultation; an invited-only one refuses everyone
    not invited (visitors are offered a sign-in link; its managers get a preview); the privacy notice is
    open to all who have the key."""
    link, invited = _consultation(), _consultation(audience=Audience.INVITED.value)
    if role:
        login_as(role)
    link_page = client.get(_url(link))
    invited_page = client.get(_url(invited))
    if role is None:
        assert link_page.status_code == 200 and "Pro odpověď se přihlaste" in link_page.get_data(as_text=True)
        assert invited_page.status_code == 200 and "<textarea" not in invited_page.get_data(as_text=True)
    else:
        assert link_page.status_code == 200 and "Odeslat odpověď" in link_page.get_data(as_text=True)
        if role in ("coordinator", "admin"):  # the territory's managers: a preview without sending
            html = invited_page.get_data(as_text=True)
            assert invited_page.status_code == 200 and "náhled" in html and "Odeslat odpověď" not in html
        else:
            assert invited_page.status_code == 403
    for c in (link, invited):
        assert client.get(_url(c, "/privacy")).status_code == 200
        assert client.get(_url(c, "/my-answer")).status_code == 200
        assert client.get(_url(c, "/thanks")).status_code == 302  # nothing answered yet


def test_garbled_values_are_field_errors_not_server_errors(client, login_as, clock):
    c = _consultation()
    login_as("parent")
    q = _questions(c)
    garbled = {f"q{q[QuestionKind.SINGLE].id}": "abc", f"q{q[QuestionKind.MULTIPLE].id}": ["1x", "999999"],
               f"q{q[QuestionKind.SCALE].id}": "9", f"q{q[QuestionKind.TEXT].id}": "Text.", "version": "x"}
    response = _send(client, c, garbled)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count("<li><a href=\"#q") == 3
    assert _responses(c) == []


def test_two_submissions_at_the_same_moment_store_one_response(app, client, login_as, clock):
    """A double click: the same form sent twice at once, from two threads against the real database."""
    import threading

    c = _consultation()
    login_as("parent")
    fields = hidden_fields(client, _url(c), needs="version")
    twin = app.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    data = {**fields, **_answers(c)}
    barrier = threading.Barrier(2)
    statuses: list[tuple[int, str]] = []

    def send(browser):
        barrier.wait()
        response = browser.post(_url(c), data=data)
        statuses.append((response.status_code, response.headers.get("Location", "")))

    threads = [threading.Thread(target=send, args=(b,)) for b in (client, twin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(code for code, _ in statuses) == [302, 302]
    assert sorted(location.rsplit("/", 1)[-1] for _, location in statuses) == ["my-answer", "thanks"]
    assert len(_responses(c)) == 1


def test_a_person_learns_which_consultations_they_answered(client, login_as, clock):
    """For the person's own list: named answers by user id, anonymous ones by their owner hash."""
    named, anonymous, untouched = _consultation(), _consultation(anonymous=True), _consultation()
    user = login_as("parent")
    _send(client, named, _answers(named))
    _send(client, anonymous, _answers(anonymous))
    other = login_as("parent")
    _send(client, untouched, _answers(untouched))
    everything = [named, anonymous, untouched]
    assert answering.answered_by(user, everything) == {named.id, anonymous.id}
    assert answering.answered_by(other, everything) == {untouched.id}
    assert answering.answered_by(user, []) == set()


def test_anonymous_answers_keep_the_day_not_the_moment(client, login_as, clock):
    anonymous, named = _consultation(anonymous=True), _consultation()
    login_as("parent")
    clock.move_to(datetime(2026, 11, 10, 15, 47, 12, tzinfo=UTC))
    _send(client, anonymous, _answers(anonymous))
    _send(client, named, _answers(named))
    [kept] = _responses(anonymous)
    midnight = datetime(2026, 11, 9, 23, 0, tzinfo=UTC)  # 10 November, 00:00 in Prague
    assert kept.submitted_at == midnight and db.session.get(Consultation, anonymous.id).frozen_at == midnight
    [exact] = _responses(named)
    assert exact.submitted_at == datetime(2026, 11, 10, 15, 47, 12, tzinfo=UTC)
    # A change the same day still raises the version (the optimistic lock holds).
    clock.shift(60)
    _send(client, anonymous, _answers(anonymous, scale=1))
    [kept] = _responses(anonymous)
    assert kept.version == 2 and kept.updated_at == midnight
    assert "15:47" not in client.get(_url(anonymous, "/my-answer")).get_data(as_text=True)


def test_an_anonymous_answer_on_the_opening_day_is_not_dated_before_the_opening(client, login_as, clock):
    c = _consultation(anonymous=True, opens_at=NOW - timedelta(hours=1))
    login_as("parent")
    _send(client, c, _answers(c))
    [kept] = _responses(c)
    assert kept.submitted_at == NOW - timedelta(hours=1)


# ---- security review (q3): the anti-spam checks cannot be replayed -------------------------------------


def test_one_displayed_form_stores_at_most_one_answer_even_without_cookies(app, clock):
    """A script shows the form once, waits the minimum fill time, then sends it again and again without
    the browser cookie (or with forged ones): the signed display moment is tied to one browser id, so the
    replays store nothing new."""
    c = _open_to_visitors()
    bot = app.test_client()
    fields = hidden_fields(bot, _url(c), needs="version")  # the session (CSRF) cookie is kept
    clock.shift(5)
    for attempt in range(4):
        bot.delete_cookie("consultation_browser", path="/k/")
        if attempt % 2:
            bot.set_cookie("consultation_browser", f"forged{attempt:02d}" + "x" * 30, path="/k/")
        response = bot.post(_url(c), data={**fields, **_answers(c, text=f"Spam {attempt}.")})
        assert response.status_code == 302
    assert len(_responses(c)) == 1
    # The form shown to a real browser is still answered once, as before.
    other = app.test_client()
    assert _send(other, c, _answers(c), wait=5, clock=clock).status_code == 302
    assert len(_responses(c)) == 2


def test_the_network_limit_counts_an_ipv6_slash_64_as_one_network(app, clock):
    """One home or phone has a whole IPv6 /64: stepping to another address in it does not escape the limit."""
    c = _open_to_visitors()
    app.config["CONSULTATIONS_ANSWER_LIMIT_PER_IP"] = "2 per hour"
    try:
        statuses = []
        for i in range(3):
            browser = app.test_client()
            fields = hidden_fields(browser, _url(c), needs="version")
            clock.shift(5)
            address = {"REMOTE_ADDR": f"2001:db8:1:2::{i + 1:x}"}
            sent = browser.post(_url(c), data={**fields, **_answers(c)}, environ_base=address)
            statuses.append(sent.status_code)
        assert statuses == [302, 302, 429] and len(_responses(c)) == 2
        other = app.test_client()  # another /64 is another network
        fields = hidden_fields(other, _url(c), needs="version")
        clock.shift(5)
        assert other.post(_url(c), data={**fields, **_answers(c)},
                          environ_base={"REMOTE_ADDR": "2001:db8:1:3::1"}).status_code == 302
    finally:
        app.config["CONSULTATIONS_ANSWER_LIMIT_PER_IP"] = "10 per hour"


def test_participant_pages_are_never_kept_by_caches(client, clock):
    """The questionnaire carries this browser's signed id and "my answer" the answers: no shared cache
    may keep them for the next visitor."""
    c = _open_to_visitors()
    assert _send(client, c, _answers(c), wait=5, clock=clock).status_code == 302
    for page in ("", "/thanks", "/my-answer", "/my-answer/delete", "/privacy"):
        response = client.get(_url(c, page))
        assert response.status_code == 200, page
        cache = response.headers.get("Cache-Control", "")
        assert "no-store" in cache and "private" in cache, (page, cache)


def test_a_copied_form_does_not_hand_over_the_other_browsers_answer(app, clock):
    """Someone who gets hold of a visitor's displayed form (its signed browser id) and sends it after that
    visitor answered stores nothing and is not given that visitor's browser id (nor their answer)."""
    c = _open_to_visitors()
    visitor = app.test_client()
    fields = hidden_fields(visitor, _url(c), needs="version")
    clock.shift(5)
    assert visitor.post(_url(c), data={**fields, **_answers(c, text="Moje odpověď.")}).status_code == 302
    other = app.test_client()
    hidden_fields(other, _url(c), needs="version")  # its own session and browser id
    other.delete_cookie("consultation_browser", path="/k/")
    with other.session_transaction() as session, visitor.session_transaction() as original:
        session.update(original)  # the CSRF token of the copied form is valid for it
    response = other.post(_url(c), data={**fields, **_answers(c, text="Cizí.")})
    assert response.status_code == 302
    assert "consultation_browser=" not in response.headers.get("Set-Cookie", "")
    assert "Moje odpověď." not in other.get(_url(c, "/my-answer")).get_data(as_text=True)
    assert len(_responses(c)) == 1
