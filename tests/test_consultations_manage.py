"""Consultations, coordinators' side: creating, editing and deleting a consultation, its questionnaire
editor (frozen after the first answer, also under a race), named/anonymous rules, lists and access."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, update

from portal import clock
from portal.consultations import services
from portal.consultations.services import ConsultationData, ConsultationError, QuestionData
from portal.extensions import db
from portal.models import AuditEvent
from portal.models.consultations import Consultation, ConsultationResponse, Question
from portal.models.proposals import Proposal
from tests.conftest import add_member, make_group, make_territory
from tests.conftest import make_user as make_any_user
from tests.consultations_factories import add_response, invite, make_consultation
from tests.forms_helper import hidden_fields
from tests.rounds_factories import make_version


def local_input(days: float, hour: int = 10) -> str:
    """A datetime-local input value (Prague) `days` from now."""
    moment = (clock.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M")


def make_user(role: str, **fields):
    """An account reading the portal in English (the assertions quote the English msgids)."""
    return make_any_user(role, locale="en", **fields)


@pytest.fixture(autouse=True)
def english(client):
    with client.session_transaction() as session:
        session["locale"] = "en"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def group():
    return make_group(make_territory())


@pytest.fixture
def coordinator(login_as):
    """A portal coordinator of the test territory (manages all its groups), signed in."""
    return login_as("coordinator", locale="en")


def form_values(**fields) -> dict:
    values = dict(title="Jak se vašim dětem daří ve škole?", introduction="Ptáme se rodičů.",
                  opens_local=local_input(1), closes_local=local_input(15), audience="link", results="named",
                  document_version_id="", proposal_id="")
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def post_new(client, group, **fields):
    url = f"/groups/{group.id}/consultations/new"
    data = hidden_fields(client, url, needs="once") | form_values(**fields)
    return client.post(url, data=data), data


# ---- creating ----------------------------------------------------------------------------------------


def test_a_coordinator_creates_a_consultation(client, group, coordinator):
    response, _ = post_new(client, group, results="anonymous", allow_without_account="y")
    assert response.status_code == 302
    consultation = db.session.scalar(select(Consultation))
    assert response.headers["Location"].endswith(f"/consultations/{consultation.id}")
    assert consultation.group_id == group.id and consultation.created_by_id == coordinator.id
    assert consultation.anonymous and consultation.allow_without_account and consultation.audience == "link"
    assert len(consultation.link_key) >= 20
    # Entered as Prague wall-clock time, stored in UTC.
    assert consultation.opens_at.astimezone(clock.zone()).strftime("%Y-%m-%dT%H:%M") == local_input(1)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == consultation.id)) == \
        "consultation.created"
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert f"/k/{consultation.link_key}" in page
    assert "Dotazník je prázdný" in page or "questionnaire is empty" in page


def test_the_creation_form_sent_twice_creates_one_consultation(client, group, coordinator):
    first, data = post_new(client, group)
    second = client.post(f"/groups/{group.id}/consultations/new", data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(Consultation) == 1


@pytest.mark.parametrize("fields, message", [
    (dict(title=""), "Give the consultation a title"),
    (dict(title="x" * 201), "200"),
    (dict(closes_local=local_input(0.5), opens_local=local_input(1)), "close after it opens"),
    (dict(opens_local=local_input(-3), closes_local=local_input(-2)), "has already passed"),
    (dict(closes_local=local_input(400)), "at most a year"),
    (dict(opens_local=local_input(800), closes_local=local_input(801)), "two years ahead"),
    (dict(opens_local="garbage"), "Not a valid datetime value"),
    (dict(results="named", allow_without_account="y"), "only with anonymous results"),
    (dict(results="anonymous", allow_without_account="y", audience="invited"), "need an audience"),
    (dict(audience="everyone"), "Not a valid choice"),
    (dict(proposal_id="999999"), "Not a valid choice"),
])
def test_creation_is_refused_with_a_message_and_nothing_lost(client, group, coordinator, fields, message):
    response, data = post_new(client, group, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page or message in page.replace("&#34;", '"')
    assert count(Consultation) == 0
    assert 'class="errors-summary"' in page or 'class="flash' in page
    if fields.get("title"):  # what was typed comes back, never cut
        assert fields["title"] in page


def test_a_proposal_or_document_of_another_territory_is_refused(group, factories):
    coordinator = make_user("coordinator", territory=make_territory())
    other = make_group(make_territory("MAP ORP Jinde"))
    stranger = make_user("member", territory=other.territory)
    proposal = Proposal(territory_id=other.territory_id, group_id=other.id, author_id=stranger.id,
                        title="Cizí")
    db.session.add(proposal)
    db.session.commit()
    version = make_version(other)
    data = ConsultationData(title="Test", opens_local=datetime.now() + timedelta(days=1),
                            closes_local=datetime.now() + timedelta(days=5))
    for field_name, value in (("proposal_id", proposal.id), ("document_version_id", version.id)):
        with pytest.raises(ConsultationError) as refused:
            services.create_consultation(group, ConsultationData(**(vars(data) | {field_name: value})),
                                         actor=coordinator)
        assert refused.value.field == field_name
        db.session.rollback()
    own = make_version(group)
    consultation = services.create_consultation(
        group, ConsultationData(**(vars(data) | {"document_version_id": own.id})), actor=coordinator)
    assert consultation.document_version_id == own.id


def test_the_form_offers_the_territorys_documents_and_proposals(client, group, coordinator):
    version = make_version(group, title="Akční plán 2027")
    other = make_group(make_territory("MAP ORP Jinde"))
    make_version(other, title="Cizí dokument")
    page = client.get(f"/groups/{group.id}/consultations/new").get_data(as_text=True)
    assert "Akční plán 2027 v1" in page and "Cizí dokument" not in page
    response, _ = post_new(client, group, document_version_id=str(version.id))
    assert response.status_code == 302
    assert db.session.scalar(select(Consultation.document_version_id)) == version.id


# ---- editing -----------------------------------------------------------------------------------------


def edit_values(client, consultation, **fields):
    url = f"/consultations/{consultation.id}/edit"
    data = hidden_fields(client, url, needs="version")
    opens = consultation.opens_at.astimezone(clock.zone()).strftime("%Y-%m-%dT%H:%M")
    closes = consultation.closes_at.astimezone(clock.zone()).strftime("%Y-%m-%dT%H:%M")
    values = dict(title=consultation.title, introduction=consultation.introduction or "", opens_local=opens,
                  closes_local=closes, audience=consultation.audience,
                  results="anonymous" if consultation.anonymous else "named",
                  document_version_id="", proposal_id="")
    if consultation.allow_without_account:
        values["allow_without_account"] = "y"
    values.update(fields)
    return url, data | {k: v for k, v in values.items() if v is not None}


def test_editing_saves_and_keeps_the_opening_time_of_an_open_consultation(client, group, coordinator):
    consultation = make_consultation(group)  # open since an hour ago
    url, data = edit_values(client, consultation, title="Nový název", closes_local=local_input(20))
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(consultation)
    assert consultation.title == "Nový název" and consultation.version == 2
    url, data = edit_values(client, consultation, opens_local=local_input(2))
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "opening time can no longer change" in response.get_data(as_text=True)


def test_two_tabs_editing_the_second_save_gets_409_with_both_values(client, group, coordinator):
    consultation = make_consultation(group, opens_at=datetime.now(UTC) + timedelta(days=2),
                                     closes_at=datetime.now(UTC) + timedelta(days=9))
    url, first = edit_values(client, consultation, title="Z první záložky")
    _, second = edit_values(client, consultation, title="Z druhé záložky")
    assert client.post(url, data=first).status_code == 302
    response = client.post(url, data=second)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Z první záložky" in page and "Z druhé záložky" in page
    db.session.refresh(consultation)
    assert consultation.title == "Z první záložky"


def test_named_or_anonymous_is_chosen_before_it_opens(client, group, coordinator):
    scheduled = make_consultation(group, opens_at=datetime.now(UTC) + timedelta(days=2),
                                  closes_at=datetime.now(UTC) + timedelta(days=9))
    url, data = edit_values(client, scheduled, results="anonymous")
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(scheduled)
    assert scheduled.anonymous

    opened = make_consultation(group)
    radio = 'id="results-0"'
    assert radio in client.get(f"/consultations/{scheduled.id}/edit").get_data(as_text=True)
    page = client.get(f"/consultations/{opened.id}/edit").get_data(as_text=True)
    assert radio not in page and "are fixed" in page  # shown as text, not offered
    url, data = edit_values(client, opened, title="Jen nový název")
    assert client.post(url, data=data).status_code == 302  # the fixed values go back unchanged
    url, data = edit_values(client, opened, results="anonymous")
    response = client.post(url, data=data)
    assert response.status_code == 422 and "can no longer change" in response.get_data(as_text=True)
    db.session.refresh(opened)
    assert not opened.anonymous
    url, data = edit_values(client, opened, results="named", allow_without_account="y")
    assert client.post(url, data=data).status_code == 422


def test_named_or_anonymous_cannot_change_once_answers_exist(client, group, coordinator):
    consultation = make_consultation(group, opens_at=datetime.now(UTC) + timedelta(days=2),
                                     closes_at=datetime.now(UTC) + timedelta(days=9))
    add_response(consultation, user=make_user("parent"))  # e.g. a test answer stored before the opening
    url, data = edit_values(client, consultation, results="anonymous")
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Answers have already arrived" in response.get_data(as_text=True)
    db.session.refresh(consultation)
    assert not consultation.anonymous


def test_a_closed_consultation_cannot_be_edited(client, group, coordinator):
    consultation = make_consultation(group, opens_at=datetime.now(UTC) - timedelta(days=9),
                                     closes_at=datetime.now(UTC) - timedelta(days=2))
    response = client.get(f"/consultations/{consultation.id}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/consultations/{consultation.id}")
    assert "has closed" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/consultations/{consultation.id}/edit" not in client.get(
        f"/consultations/{consultation.id}").get_data(as_text=True)
    data = ConsultationData(title="Jinak", opens_local=None, closes_local=None)
    with force_locale("en"), pytest.raises(ConsultationError, match="has closed"):
        services.update_consultation(consultation, data, actor=coordinator, seen_version=consultation.version)


# ---- deleting ----------------------------------------------------------------------------------------


def test_deleting_a_consultation_without_answers_after_confirmation(client, group, coordinator):
    consultation = make_consultation(group)
    url = f"/consultations/{consultation.id}/delete"
    page = client.get(url).get_data(as_text=True)
    assert "has no answers" in page or "nemá žádné odpovědi" in page
    assert count(Consultation) == 1  # the GET only asks
    response = client.post(url, data=hidden_fields(client, url, needs="answers"))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/groups/{group.id}/consultations")
    assert count(Consultation) == 0 and count(Question) == 0


def test_deleting_with_answers_needs_the_explicit_confirmation(client, group, coordinator):
    consultation = make_consultation(group)
    add_response(consultation, user=make_user("parent"))
    url = f"/consultations/{consultation.id}/delete"
    data = hidden_fields(client, url, needs="answers")
    assert data["answers"] == "1"
    response = client.post(url, data=data)
    assert response.status_code == 422 and count(Consultation) == 1
    add_response(consultation, user=make_user("parent"))  # another answer arrives meanwhile
    response = client.post(url, data=data | {"understood": "y"})
    assert response.status_code == 422 and count(Consultation) == 1
    assert "More answers have arrived" in response.get_data(as_text=True)
    data = hidden_fields(client, url, needs="answers")
    assert data["answers"] == "2"
    assert client.post(url, data=data | {"understood": "y"}).status_code == 302
    assert count(Consultation) == 0 and count(ConsultationResponse) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation.deleted"))
    assert event.details["answers"] == 2


# ---- the questionnaire -------------------------------------------------------------------------------


def post_question(client, consultation, **fields):
    url = f"/consultations/{consultation.id}/questions/new"
    data = hidden_fields(client, url, needs="once") | {
        "kind": "single", "text": "Chodí vaše dítě do družiny?", "options": "Ano\nNe\n\nNěkdy",
        "required": "y",
    } | fields
    return client.post(url, data=data), data


def test_adding_editing_moving_and_deleting_questions(client, group, coordinator):
    consultation = make_consultation(group, questions=False)
    response, data = post_question(client, consultation)
    assert response.status_code == 302
    question = db.session.scalar(select(Question))
    assert [o.label for o in question.options] == ["Ano", "Ne", "Někdy"] and question.required
    # The same form again creates nothing new.
    client.post(f"/consultations/{consultation.id}/questions/new", data=data)
    assert count(Question) == 1
    post_question(client, consultation, kind="scale", text="Jak jste spokojeni?", options="")
    post_question(client, consultation, kind="text", text="Co byste vzkázali?", options="", required="")
    texts = lambda: [q.text for q in db.session.scalars(  # noqa: E731
        select(Question).order_by(Question.position))]
    assert texts() == ["Chodí vaše dítě do družiny?", "Jak jste spokojeni?", "Co byste vzkázali?"]

    last = db.session.scalar(select(Question).where(Question.kind == "text"))
    move = f"/consultations/{consultation.id}/questions/{last.id}/move"
    token = hidden_fields(client, f"/consultations/{consultation.id}", action=move)["csrf_token"]
    assert client.post(move, data={"csrf_token": token, "direction": "up"}).status_code == 302
    assert texts() == ["Chodí vaše dítě do družiny?", "Co byste vzkázali?", "Jak jste spokojeni?"]
    client.post(move, data={"csrf_token": token, "direction": "up"})
    client.post(move, data={"csrf_token": token, "direction": "up"})  # already first: nothing changes
    assert texts() == ["Co byste vzkázali?", "Chodí vaše dítě do družiny?", "Jak jste spokojeni?"]

    edit = f"/consultations/{consultation.id}/questions/{question.id}/edit"
    data = hidden_fields(client, edit, needs="version") | {
        "kind": "multiple", "text": "Co by vám pomohlo?", "options": "Doučování\nDoprava\nDružina"}
    assert client.post(edit, data=data).status_code == 302
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.kind == "multiple" and not question.required
    assert [o.label for o in question.options] == ["Doučování", "Doprava", "Družina"]

    delete = f"/consultations/{consultation.id}/questions/{question.id}/delete"
    assert client.post(delete, data=hidden_fields(client, delete)).status_code == 302
    assert texts() == ["Co byste vzkázali?", "Jak jste spokojeni?"]
    assert [q.position for q in db.session.scalars(select(Question).order_by(Question.position))] == [0, 1]


@pytest.mark.parametrize("fields, message", [
    (dict(options="Jen jedna"), "at least 2 options"),
    (dict(options="\n".join(f"Možnost {i}" for i in range(21))), "at most 20 options"),
    (dict(options="Ano\nano"), "is given twice"),
    (dict(options="Ano\n" + "x" * 201), "at most 200 characters"),
    (dict(kind="scale", options="1\n2"), "has no options"),
    (dict(kind="text", options="Něco"), "has no options"),
    (dict(text=""), "Write the question"),
    (dict(text="x" * 501), "500"),
    (dict(kind="ranking"), "Not a valid choice"),
])
def test_a_bad_question_is_refused_and_the_input_kept(client, group, coordinator, fields, message):
    consultation = make_consultation(group, questions=False)
    response, _ = post_question(client, consultation, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert count(Question) == 0
    if fields.get("options"):
        assert fields["options"].splitlines()[0] in page


def test_a_question_edited_in_two_tabs_gets_409(client, group, coordinator):
    consultation = make_consultation(group, opens_at=datetime.now(UTC) + timedelta(days=2),
                                     closes_at=datetime.now(UTC) + timedelta(days=9))
    question = consultation.questions[0]
    url = f"/consultations/{consultation.id}/questions/{question.id}/edit"
    first = hidden_fields(client, url, needs="version") | {"kind": "single", "text": "První záložka",
                                                           "options": "Ano\nNe"}
    second = dict(first, text="Druhá záložka")
    assert client.post(url, data=first).status_code == 302
    response = client.post(url, data=second)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "První záložka" in page and "Druhá záložka" in page
    db.session.expire_all()
    assert db.session.get(Question, question.id).text == "První záložka"


FROZEN = "first answer has already arrived"


def test_the_questionnaire_is_frozen_after_the_first_answer(client, group, coordinator):
    consultation = make_consultation(group)
    question = consultation.questions[1]
    base = f"/consultations/{consultation.id}"
    edit_data = hidden_fields(client, f"{base}/questions/{question.id}/edit", needs="version")
    new_data = hidden_fields(client, f"{base}/questions/new", needs="once")
    delete_data = hidden_fields(client, f"{base}/questions/{question.id}/delete")
    add_response(consultation, user=make_user("parent"))

    detail = client.get(base).get_data(as_text=True)
    assert FROZEN in detail and f"{base}/questions/new" not in detail and "/move" not in detail
    for url in (f"{base}/questions/new", f"{base}/questions/{question.id}/edit",
                f"{base}/questions/{question.id}/delete"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(base)
    response = client.post(f"{base}/questions/{question.id}/edit",
                           data=edit_data | {"kind": "single", "text": "Změna", "options": "A\nB"})
    assert response.status_code == 409 and FROZEN in response.get_data(as_text=True)
    assert "Změna" in response.get_data(as_text=True)  # nothing typed is lost
    response = client.post(f"{base}/questions/new",
                           data=new_data | {"kind": "text", "text": "Nová otázka"})
    assert response.status_code == 409
    client.post(f"{base}/questions/{question.id}/delete", data=delete_data)
    client.post(f"{base}/questions/{question.id}/move",
                data={"csrf_token": delete_data["csrf_token"], "direction": "up"})
    db.session.expire_all()
    assert [(q.id, q.position, q.text) for q in db.session.scalars(
        select(Question).order_by(Question.position))] == [
        (q.id, q.position, q.text) for q in consultation.questions]
    assert db.session.get(Question, question.id).text == "Co by vám pomohlo?"


def test_a_freeze_between_reading_and_saving_is_caught_by_the_conditional_update(group, coordinator):
    """The page was built (and the consultation read) before the first answer; the answer's freeze commits
    on another connection; the stale in-memory `frozen_at` says unfrozen, the stored row decides."""
    consultation = make_consultation(group)
    question = consultation.questions[0]
    seen = services.question_version(question)
    assert consultation.frozen_at is None
    with db.engine.begin() as other:  # the answering side's transaction, elsewhere
        other.execute(update(Consultation.__table__).where(Consultation.__table__.c.id == consultation.id,
                                                           Consultation.__table__.c.frozen_at.is_(None))
                      .values(frozen_at=datetime.now(UTC)))
    assert consultation.frozen_at is None  # what this request still believes
    changes = [
        lambda: services.update_question(question, QuestionData(kind="single", text="Nové znění",
                                                                options=["A", "B"]),
                                         actor=coordinator, seen_version=seen),
        lambda: services.add_question(consultation, QuestionData(kind="text", text="Další"),
                                      actor=coordinator),
        lambda: services.move_question(question, "down", actor=coordinator),
        lambda: services.delete_question(question, actor=coordinator),
    ]
    for change in changes:
        with force_locale("en"), pytest.raises(ConsultationError, match=FROZEN):
            change()
        db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Question, question.id).text == "Chodí vaše dítě do spádové školy?"
    assert count(Question) == 4


# ---- lists and pages ---------------------------------------------------------------------------------


def test_group_list_shows_everything_to_managers_and_public_ones_to_others(client, group, login_as):
    public = make_consultation(group, title="Veřejná konzultace", audience="public")
    make_consultation(group, title="Jen pozvaní", audience="invited")
    make_consultation(group, title="Kdo má odkaz", audience="link")
    url = f"/groups/{group.id}/consultations"
    page = client.get(url).get_data(as_text=True)  # anonymous visitor
    assert "Veřejná konzultace" in page and "Jen pozvaní" not in page and "Kdo má odkaz" not in page
    assert f"/consultations/{public.id}\"" not in page  # no managers' link
    login_as("coordinator", locale="en")
    page = client.get(url).get_data(as_text=True)
    assert all(t in page for t in ("Veřejná konzultace", "Jen pozvaní", "Kdo má odkaz"))
    assert f"/consultations/{public.id}" in page


def test_group_list_is_paginated(client, group, login_as, app):
    size = app.config["PAGE_SIZE"]
    for i in range(size + 2):
        make_consultation(group, title=f"Konzultace č. {i}", questions=False)
    login_as("coordinator", locale="en")
    first = client.get(f"/groups/{group.id}/consultations").get_data(as_text=True)
    second = client.get(f"/groups/{group.id}/consultations?page=2").get_data(as_text=True)
    assert first.count("Konzultace č.") == size and second.count("Konzultace č.") == 2
    assert 'rel="next"' in first


def test_a_group_page_lists_public_consultations_and_managers_see_all(client, group, login_as):
    make_consultation(group, title="Veřejná konzultace", audience="public")
    make_consultation(group, title="Jen pozvaní", audience="invited")
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Veřejná konzultace" in page and "Jen pozvaní" not in page
    login_as("coordinator", locale="en")
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Jen pozvaní" in page and f"/groups/{group.id}/consultations/new" in page


def test_mine_lists_managed_invited_and_answered_consultations(client, group, login_as):
    parent = make_user("parent", email="rodic@test.example")
    invited = make_consultation(group, title="Pozvánka pro rodiče", audience="invited")
    invite(invited, "Rodic@Test.example")
    answered = make_consultation(group, title="Už jsem odpověděl")
    add_response(answered, user=parent)
    make_consultation(group, title="Cizí konzultace")
    login_as(parent)
    page = client.get("/consultations").get_data(as_text=True)
    assert "Pozvánka pro rodiče" in page and "Už jsem odpověděl" in page and "Cizí konzultace" not in page
    assert f"/consultations/{invited.id}\"" not in page  # a parent is not sent to the managers' page

    login_as("coordinator", locale="en")
    page = client.get("/consultations").get_data(as_text=True)
    assert "Cizí konzultace" in page and f"/consultations/{invited.id}" in page


def test_lists_do_not_query_per_consultation(client, login_as, db):
    from tests.test_page_queries import counted

    coordinator = login_as("coordinator", locale="en")
    group = make_group(coordinator.territory)

    def statements(url):
        client.get(url)
        with counted(db) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    make_consultation(make_group(coordinator.territory))
    make_consultation(group)
    one = (statements("/consultations"), statements(f"/groups/{group.id}/consultations"))
    for _ in range(4):
        make_consultation(make_group(coordinator.territory))
        make_consultation(group)
    assert (statements("/consultations"), statements(f"/groups/{group.id}/consultations")) == one


def test_mine_without_consultations_says_what_to_do(client, login_as):
    login_as("parent", locale="en")
    page = client.get("/consultations").get_data(as_text=True)
    assert 'class="empty-state"' in page and "e-mail" in page


def test_the_navigation_has_consultations_for_signed_in_people(client, login_as):
    assert 'href="/consultations"' not in client.get("/").get_data(as_text=True)
    login_as("parent", locale="en")
    assert 'href="/consultations"' in client.get("/").get_data(as_text=True)


# ---- access ------------------------------------------------------------------------------------------


def manage_urls(consultation) -> list[str]:
    base = f"/consultations/{consultation.id}"
    question = consultation.questions[0]
    return [base, f"{base}/edit", f"{base}/delete", f"{base}/questions/new",
            f"{base}/questions/{question.id}/edit", f"{base}/questions/{question.id}/delete"]


@pytest.mark.parametrize("who, public_group, expected", [
    ("portal coordinator", True, 200),
    ("group coordinator", False, 200),
    ("admin", False, 200),
    ("group member", False, 403),
    ("member elsewhere", True, 403),
    ("member elsewhere", False, 404),
    ("coordinator of another territory", False, 404),
    ("parent", True, 403),
    ("guest", True, 403),
])
def test_managing_pages_by_role(client, login_as, who, public_group, expected):
    territory = make_territory()
    group = make_group(territory, public=public_group)
    consultation = make_consultation(group)
    if who == "portal coordinator":
        user = make_user("coordinator", territory=territory)
    elif who == "group coordinator":
        user = make_user("member", territory=territory)
        add_member(group, user, role="coordinator")
    elif who == "admin":
        user = make_user("admin", territory=make_territory("MAP ORP Jinde"))
    elif who == "group member":
        user = make_user("member", territory=territory)
        add_member(group, user)
    elif who == "coordinator of another territory":
        user = make_user("coordinator", territory=make_territory("MAP ORP Jinde"))
    else:
        user = make_user(who.split()[0], territory=territory)
    login_as(user)
    for url in manage_urls(consultation):
        assert client.get(url).status_code == expected, url
    move = f"/consultations/{consultation.id}/questions/{consultation.questions[0].id}/move"
    token = hidden_fields(client, "/consultations")["csrf_token"]
    assert client.post(move, data={"direction": "down", "csrf_token": token}).status_code == (
        302 if expected == 200 else expected)
    assert client.get(f"/groups/{group.id}/consultations/new").status_code == expected


def test_a_hidden_groups_consultations_are_404_to_outsiders(client, login_as):
    group = make_group(make_territory(), public=False)
    make_consultation(group, audience="public")
    assert client.get(f"/groups/{group.id}/consultations").status_code == 404
    login_as("member", locale="en")
    assert client.get(f"/groups/{group.id}/consultations").status_code == 404
    assert client.get("/consultations/999999").status_code == 404


def test_the_delete_page_of_another_groups_question_is_404(client, group, coordinator):
    one, other = make_consultation(group), make_consultation(group)
    url = f"/consultations/{one.id}/questions/{other.questions[0].id}/edit"
    assert client.get(url).status_code == 404


def test_the_detail_page_shows_times_in_prague_and_the_counts(client, group, coordinator):
    opens = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)  # 8:00 in Prague (winter time)
    consultation = make_consultation(group, opens_at=opens, closes_at=opens + timedelta(days=10),
                                     audience="invited")
    invite(consultation, "a@test.example")
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "10. 12. 2026, 8:00" in page
    assert re.search(r"<dt>[^<]*</dt><dd>1</dd>", page)  # one invited
    assert f"/k/{consultation.link_key}" in page
