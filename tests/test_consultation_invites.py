"""Bulk invitations to a consultation: a pasted list, invalid lines reported, nothing sent twice, the invitee
list (who answered only for named consultations), and who may use the pages."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.consultations import invitations
from portal.models import AuditEvent, LinkPurpose, OneTimeLink, OutboxMessage, User
from portal.models.base import utcnow
from portal.models.consultations import ConsultationInvitee
from tests.conftest import add_member, csrf_token, make_group, make_territory
from tests.consultations_factories import add_response, invite, make_consultation
from tests.forms_helper import hidden_fields


def form_of(client, url):
    return hidden_fields(client, url, needs="once")


def send_list(client, consultation, text, fields=None):
    url = f"/consultations/{consultation.id}/invite"
    data = dict(fields or form_of(client, url))
    data["addresses"] = text
    return client.post(url, data=data)


def invitee_emails(db, consultation):
    return sorted(db.session.scalars(
        select(ConsultationInvitee.email).where(ConsultationInvitee.consultation_id == consultation.id)))


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


PASTED = """jana.novakova@example.cz
Petr Svoboda <Petr.Svoboda@Example.cz>, eva@example.cz; karel@example.cz

jana.novakova@example.cz
"""


def test_a_coordinator_invites_a_pasted_list_and_each_address_gets_one_e_mail(app, client, login_as, smtp,
                                                                               db):
    consultation = make_consultation()
    coordinator = login_as("coordinator")
    response = send_list(client, consultation, PASTED)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/consultations/{consultation.id}/invitees"
    assert invitee_emails(db, consultation) == [
        "eva@example.cz", "jana.novakova@example.cz", "karel@example.cz", "petr.svoboda@example.cz"]
    assert sorted(m["To"] for m in smtp.messages) == [
        "eva@example.cz", "jana.novakova@example.cz", "karel@example.cz", "petr.svoboda@example.cz"]
    message = smtp.messages[0]
    assert message["Subject"] == f"Pozvánka ke konzultaci: {consultation.title}"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert consultation.group.name in body and coordinator.name in body and "14 dní" in body
    assert message.get_body(preferencelist=("html",)) is not None
    links = db.session.scalars(select(OneTimeLink)).all()
    assert {link.purpose for link in links} == {LinkPurpose.CONSULTATION_INVITE}
    assert {link.next_path for link in links} == {f"/k/{consultation.link_key}"}
    assert all(link.expires_at - link.created_at == timedelta(days=14) for link in links)

    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Byly odeslány 4 pozvánky." in listing
    assert "1 adresa byla v seznamu víckrát; pozvána byla jednou." in listing
    # The audit log counts; it never lists the addresses.
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "consultation.invited")).all()
    assert event.details["invited"] == 4 and "@" not in repr(event.details)


def test_the_invitation_link_signs_a_new_parent_in_and_leads_to_the_questionnaire(app, client, login_as,
                                                                                   smtp, db):
    consultation = make_consultation(audience="invited")
    login_as("coordinator")
    send_list(client, consultation, "Rodič Nový <novy.rodic@example.cz>")
    body = smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    path = re.search(r"http://portal\.test(/auth/link/\S+)", body).group(1)

    parent_browser = app.test_client()
    token = csrf_token(parent_browser, path)
    response = parent_browser.post(path, data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == f"/k/{consultation.link_key}"
    parent = db.session.scalar(select(User).where(User.email == "novy.rodic@example.cz"))
    assert parent.role == "parent" and parent.territory_id == consultation.group.territory_id
    invitee = db.session.scalar(select(ConsultationInvitee))
    assert invitee.user_id == parent.id

    from portal.consultations.access import may_take_part

    assert may_take_part(parent, consultation)


def test_invalid_lines_are_listed_with_their_numbers_and_nothing_is_sent_or_lost(client, login_as, smtp, db):
    consultation = make_consultation()
    login_as("coordinator")
    text = "dobry@example.cz\njan novak\nok@example.cz, spatne@@example.cz\n"
    response = send_list(client, consultation, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Řádek 2" in page and "„jan novak“ není e-mailová adresa." in page
    assert "Řádek 3" in page and "„spatne@@example.cz“ není e-mailová adresa." in page
    assert "Řádek 1:" not in page
    assert 'href="#addresses"' in page  # the summary leads to the field
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1)
    assert textarea.strip() == "dobry@example.cz\njan novak\nok@example.cz, spatne@@example.cz"
    assert count(db, ConsultationInvitee) == 0 and count(db, OutboxMessage) == 0 and smtp.messages == []


def test_sending_the_same_list_again_sends_nothing(client, login_as, smtp, db):
    consultation = make_consultation()
    login_as("coordinator")
    send_list(client, consultation, "a@example.cz\nb@example.cz\nc@example.cz")
    assert len(smtp.messages) == 3
    response = send_list(client, consultation, "a@example.cz\nB@example.cz\nc@example.cz\nd@example.cz")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 adresy už byly pozvány a nic nového nedostaly." in page
    assert "Byla odeslána 1 pozvánka." in page
    assert len(smtp.messages) == 4 and smtp.messages[-1]["To"] == "d@example.cz"
    response = send_list(client, consultation, "a@example.cz")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nebyla odeslána žádná nová pozvánka." in page
    assert len(smtp.messages) == 4 and count(db, ConsultationInvitee) == 4


def test_a_double_submit_of_the_form_sends_nothing_twice(client, login_as, smtp, db):
    consultation = make_consultation()
    login_as("coordinator")
    fields = form_of(client, f"/consultations/{consultation.id}/invite")
    first = send_list(client, consultation, "x@example.cz\ny@example.cz", fields)
    second = send_list(client, consultation, "x@example.cz\ny@example.cz\nz@example.cz", fields)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == f"/consultations/{consultation.id}/invitees"
    assert count(db, ConsultationInvitee) == 2 and len(smtp.messages) == 2


def test_the_list_is_limited_and_the_limit_is_stated(app, client, login_as, smtp, db):
    consultation = make_consultation()
    login_as("coordinator")
    assert "Najednou nejvýše 500 adres." in client.get(
        f"/consultations/{consultation.id}/invite").get_data(as_text=True)
    app.config["CONSULTATION_INVITE_MAX"] = 3
    try:
        response = send_list(client, consultation, "\n".join(f"r{i}@example.cz" for i in range(4)))
    finally:
        app.config["CONSULTATION_INVITE_MAX"] = 500
    assert response.status_code == 422
    assert "Najednou nejvýše 3 adres; rozdělte seznam." in response.get_data(as_text=True)
    assert count(db, ConsultationInvitee) == 0 and smtp.messages == []


def test_an_empty_list_or_a_closed_consultation_is_refused(client, login_as, smtp, db):
    consultation = make_consultation(opens_at=utcnow() - timedelta(days=9),
                                     closes_at=utcnow() - timedelta(days=1))
    login_as("coordinator")
    response = send_list(client, consultation, "  \n ")
    assert response.status_code == 422 and "Vložte alespoň jednu e-mailovou adresu." in response.get_data(
        as_text=True)
    response = send_list(client, consultation, "pozde@example.cz")
    assert response.status_code == 422
    assert "Konzultace je uzavřená; odpovídat už nelze." in response.get_data(as_text=True)
    assert count(db, ConsultationInvitee) == 0 and smtp.messages == []


def test_deactivated_accounts_are_skipped_and_existing_accounts_are_linked(client, login_as, factories, smtp,
                                                                            db):
    consultation = make_consultation()
    factories.user("parent", email="vypnuty@example.cz", active=False)
    known = factories.user("parent", email="znamy@example.cz")
    login_as("coordinator")
    response = send_list(client, consultation, "vypnuty@example.cz\nznamy@example.cz")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 adresa patří deaktivovanému účtu a byla vynechána." in page
    assert [m["To"] for m in smtp.messages] == ["znamy@example.cz"]
    assert db.session.scalar(select(ConsultationInvitee.user_id)) == known.id


def test_the_invitee_list_shows_who_answered_a_named_consultation(client, login_as, factories, db):
    consultation = make_consultation(audience="invited")
    answered = factories.user("parent", email="odpovedel@example.cz")
    invite(consultation, "odpovedel@example.cz", answered)
    invite(consultation, "ceka@example.cz")
    add_response(consultation, user=answered)
    login_as("coordinator")
    page = client.get(f"/consultations/{consultation.id}/invitees").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>.*?</td>\s*<td>(.*?)</td>", page, re.S)
    assert rows == [("ceka@example.cz", "zatím ne"), ("odpovedel@example.cz", "ano")]


def test_the_invitee_list_of_an_anonymous_consultation_never_says_who_answered(client, login_as, factories,
                                                                               db):
    consultation = make_consultation(audience="invited", anonymous=True)
    parent = factories.user("parent", email="anonym@example.cz")
    invite(consultation, "anonym@example.cz", parent)
    invite(consultation, "druhy@example.cz")
    add_response(consultation, user=parent)
    login_as("coordinator")
    page = client.get(f"/consultations/{consultation.id}/invitees").get_data(as_text=True)
    assert "anonym@example.cz" in page and "druhy@example.cz" in page
    assert "Odpovědi jsou anonymní" in page
    assert "Odpověděl(a)" not in page and "zatím ne" not in page and ">ano<" not in page


def test_the_invitee_list_is_paginated_and_has_an_empty_state(client, login_as, db):
    consultation = make_consultation()
    login_as("coordinator")
    empty = client.get(f"/consultations/{consultation.id}/invitees").get_data(as_text=True)
    assert "Zatím nikdo není pozván." in empty and f"/consultations/{consultation.id}/invite" in empty
    for i in range(30):
        db.session.add(ConsultationInvitee(consultation_id=consultation.id, email=f"p{i:02d}@example.cz"))
    db.session.commit()
    first = client.get(f"/consultations/{consultation.id}/invitees").get_data(as_text=True)
    second = client.get(f"/consultations/{consultation.id}/invitees?page=2").get_data(as_text=True)
    assert "p00@example.cz" in first and "p29@example.cz" not in first
    assert "p29@example.cz" in second and "Pozváno 30 adres." in first


def test_who_may_invite(app, client, login_as, factories, db):
    territory = make_territory()
    group = make_group(territory)
    consultation = make_consultation(group, audience="invited")
    urls = [f"/consultations/{consultation.id}/invite", f"/consultations/{consultation.id}/invitees"]

    chair = factories.user("member", territory=territory)
    add_member(group, chair, role="chair")
    member = factories.user("member", territory=territory)
    add_member(group, member)
    invite(consultation, member.email, member)  # sees the consultation (may answer), may not manage it
    elsewhere = factories.user("coordinator", territory=factories.territory("MAP ORP Jinde"))
    parent = factories.user("parent", territory=territory)
    cases = [(chair, 200), (member, 403), (elsewhere, 404), (parent, 403)]
    for user, status in cases:
        browser = app.test_client()
        with browser.session_transaction() as session:
            session["_user_id"] = user.get_id()
        for url in urls:
            assert browser.get(url).status_code == status, (user.role, url)
    for url in urls:
        response = app.test_client().get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert app.test_client().get("/consultations/999999/invitees").status_code == 302


def test_the_parser_accepts_names_and_separators(app):
    parsed = invitations.parse('"Novák, Jan" <jan@example.cz>; eva@example.cz,\nEVA@example.cz\n\n bad')
    assert parsed.addresses == ["jan@example.cz", "eva@example.cz"]
    assert parsed.duplicates == 1
    assert [(b.line, b.text) for b in parsed.invalid] == [(4, "bad")]


def test_the_invitation_of_a_scheduled_anonymous_consultation_says_when_and_that_it_is_anonymous(
        client, login_as, smtp, db):
    consultation = make_consultation(opens_at=utcnow() + timedelta(days=2),
                                     closes_at=utcnow() + timedelta(days=9), anonymous=True)
    login_as("coordinator")
    send_list(client, consultation, "predem@example.cz")
    body = smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert "Odpovídat můžete od " in body
    assert "Odpovědi jsou anonymní: nikdo nezjistí, které odpovědi jsou vaše." in body


def test_an_invitation_to_an_account_with_a_password_does_not_sign_it_in(app, client, login_as, factories,
                                                                         smtp, db):
    """A consultation invitation is valid for days and is often forwarded ("please fill this in"): it signs
    in parents only. An administrator's (or any staff) account invited to it is sent to the sign-in page
    with the questionnaire as the next step; the link itself grants nothing."""
    consultation = make_consultation(audience="invited")
    admin = factories.user("admin", email="spravce@example.cz")
    login_as("coordinator")
    send_list(client, consultation, "spravce@example.cz")
    body = smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    path = re.search(r"http://portal\.test(/auth/link/\S+)", body).group(1)

    forwarded_to = app.test_client()
    token = csrf_token(forwarded_to, path)
    response = forwarded_to.post(path, data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert f"/k/{consultation.link_key}" in response.headers["Location"].replace("%2F", "/")
    page = forwarded_to.get(response.headers["Location"]).get_data(as_text=True)
    assert "Váš účet se přihlašuje heslem" in page
    # Not signed in: the administrator's pages and the consultations are refused.
    assert forwarded_to.get("/admin/audit").status_code == 302
    assert forwarded_to.get("/consultations").status_code == 302
    db.session.refresh(admin)
    assert admin.last_login_at is None


def test_a_title_with_a_line_break_neither_blocks_the_outbox_nor_injects_headers(client, login_as, smtp, db):
    """A consultation title carrying a line break (pasted, or sent by hand) goes into the invitation's
    subject: the mail still leaves, with the subject on one line and no extra header, and the outbox is not
    blocked for the mail queued after it."""
    consultation = make_consultation(audience="invited", title="Dotazník\r\nBcc: cizi@evil.example")
    login_as("coordinator")
    send_list(client, consultation, "rodic.radek@example.cz")
    send_list(client, make_consultation(audience="invited"), "dalsi.rodic@example.cz")
    assert sorted(m["To"] for m in smtp.messages) == ["dalsi.rodic@example.cz", "rodic.radek@example.cz"]
    first = next(m for m in smtp.messages if m["To"] == "rodic.radek@example.cz")
    assert "Dotazník Bcc: cizi@evil.example" in first["Subject"] and first["Bcc"] is None
    assert "\n" not in first["Subject"]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status != "sent")) == 0
