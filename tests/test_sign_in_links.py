"""One-time sign-in links: e-mailed through the real SMTP server, used once, for 30 minutes, by anyone with an
address (a parent account is created on first use); no account enumeration, no open redirect."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from portal.accounts import sign_in_links, tokens
from portal.models import AuditEvent, LinkPurpose, OneTimeLink, User
from portal.models.base import utcnow
from tests.conftest import csrf_token, make_group
from tests.consultations_factories import make_consultation


def link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"http://portal\.test(/auth/link/[^\s]+)", body)
    assert match, body
    return match.group(1)


def ask_for_link(client, email, next_path=None):
    url = "/auth/link" + (f"?next={next_path}" if next_path else "")
    token = csrf_token(client, url)
    return client.post(url, data={"email": email, "csrf_token": token})


def use_link(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(path, data={"csrf_token": token})


def user_by_email(db, email):
    return db.session.scalar(select(User).where(User.email == email))


def test_a_new_parent_signs_in_with_an_e_mailed_link_and_lands_on_the_consultation(app, client, smtp, db):
    consultation = make_consultation()
    territory_id = consultation.group.territory_id
    answer_path = f"/k/{consultation.link_key}"

    response = ask_for_link(client, "Rodic.Novak@Test.example", answer_path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Zkontrolujte svůj e-mail" in page and "rodic.novak@test.example" in page
    [message] = smtp.messages
    assert message["To"] == "rodic.novak@test.example"
    assert message["Subject"] == "Váš odkaz pro přihlášení"
    assert "30 minut" in message.get_body(preferencelist=("plain",)).get_content()
    path = link_in(message)

    # Opening the link (a mail scanner does so too) only shows the button; nothing is used up or created.
    shown = client.get(path)
    assert shown.status_code == 200 and "Přihlásit se" in shown.get_data(as_text=True)
    assert db.session.scalar(select(OneTimeLink)).used_at is None
    assert user_by_email(db, "rodic.novak@test.example") is None

    response = use_link(client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == answer_path
    parent = user_by_email(db, "rodic.novak@test.example")
    assert parent.role == "parent" and parent.password_hash is None
    assert parent.territory_id == territory_id
    assert parent.name == "rodic.novak" and parent.last_login_at is not None
    assert client.get("/account/").status_code == 200  # this browser is signed in

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == parent.id)).all()
    assert {e.action for e in events} == {"user.created", "user.signed_in"}
    assert all("@" not in repr(e.details) and "@" not in (e.summary or "") for e in events)


def test_only_the_token_hash_is_stored(client, smtp, db):
    ask_for_link(client, "hash@test.example")
    token = link_in(smtp.messages[0]).rsplit("/", 1)[1]
    stored = db.session.scalar(select(OneTimeLink))
    assert stored.purpose == LinkPurpose.SIGN_IN and stored.token_hash == tokens.digest(token)
    assert token not in stored.token_hash
    assert stored.expires_at - stored.created_at == timedelta(minutes=30)


def test_an_existing_account_signs_in_and_keeps_its_role_and_territory(app, client, factories, smtp, db):
    member = factories.user("member", email="clen@test.example")
    territory_id = member.territory_id
    ask_for_link(client, "clen@test.example")
    response = use_link(client, link_in(smtp.messages[0]))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.refresh(member)
    assert member.role == "member" and member.territory_id == territory_id
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert member.last_login_at is not None


def test_the_answer_is_the_same_for_known_unknown_and_deactivated_addresses(client, factories, smtp, db):
    factories.user("member", email="znamy@test.example")
    factories.user("parent", email="vypnuty@test.example", active=False)
    pages = []
    for email in ("znamy@test.example", "neznamy@test.example", "vypnuty@test.example"):
        response = ask_for_link(client, email)
        assert response.status_code == 200
        page = response.get_data(as_text=True).replace(email, "ADDRESS")
        # CSRF tokens carry a timestamp; everything else must be the same.
        pages.append(re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "CSRF", page))
    assert pages[0] == pages[1] == pages[2]
    # The unknown address gets a link that would create an account; the deactivated account gets a mail
    # without a link (so that the work done, and its time, is the same for every address).
    assert sorted(m["To"] for m in smtp.messages) == ["neznamy@test.example", "vypnuty@test.example",
                                                     "znamy@test.example"]
    notice = next(m for m in smtp.messages if m["To"] == "vypnuty@test.example")
    body = notice.get_body(preferencelist=("plain",)).get_content()
    assert "/auth/link/" not in body and "deaktivován" in body


def test_a_deactivated_account_never_signs_in_with_a_link(app, client, factories, smtp, db):
    parent = factories.user("parent", email="pozdeji@test.example")
    ask_for_link(client, "pozdeji@test.example")
    path = link_in(smtp.messages[0])
    parent.active = False
    db.session.commit()
    response = use_link(client, path)
    assert response.status_code == 410
    assert "nelze použít" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302  # not signed in


def test_an_expired_link_is_refused_with_a_form_for_a_new_one(client, smtp, db):
    ask_for_link(client, "pozde@test.example", "/groups/")
    path = link_in(smtp.messages[0])
    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        response = client.get(path)
        assert response.status_code == 410
        page = response.get_data(as_text=True)
        assert "Platnost odkazu pro přihlášení vypršela" in page
        # The form asks for a new link leading to the same place.
        assert 'action="/auth/link?next=/groups/"' in page and 'name="email"' in page
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert client.post(path, data={"csrf_token": token}).status_code == 410
    assert user_by_email(db, "pozde@test.example") is None


def test_a_link_works_once(app, client, smtp, db):
    ask_for_link(client, "jednou@test.example")
    path = link_in(smtp.messages[0])
    assert use_link(client, path).status_code == 302
    other = app.test_client()
    again = other.get(path)
    assert again.status_code == 410
    assert "již byl použit" in again.get_data(as_text=True)


def test_unknown_and_tampered_links_are_refused(client, smtp, db):
    assert client.get("/auth/link/not-a-real-token").status_code == 410
    ask_for_link(client, "upraveny@test.example")
    path = link_in(smtp.messages[0])
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    response = client.get(tampered)
    assert response.status_code == 410
    assert "není platný" in response.get_data(as_text=True)
    # A password reset token is no sign-in link, even when it is genuine.
    link, token = tokens.issue(LinkPurpose.PASSWORD_RESET, valid=timedelta(hours=1), email="x@test.example")
    db.session.commit()
    assert client.get(f"/auth/link/{token}").status_code == 410


def test_two_concurrent_uses_of_one_link_one_wins(app, db):
    _link, token = tokens.issue(LinkPurpose.SIGN_IN, valid=timedelta(minutes=30), email="spolu@test.example")
    db.session.commit()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def use() -> None:
        with app.app_context():
            barrier.wait()
            try:
                tokens.claim_link(token, sign_in_links.SIGN_IN_PURPOSES)
                db.session.commit()
                results.append("won")
            except tokens.TokenError as error:
                db.session.rollback()
                results.append(error.problem.value)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["used", "won"]


def test_next_leads_only_to_paths_of_this_site(app, client, smtp, db):
    targets = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
    for i, target in enumerate(targets):
        other = app.test_client()
        email = f"presmerovani{i}@test.example"
        response = ask_for_link(other, email, target)
        assert response.status_code == 200
        stored = db.session.scalar(select(OneTimeLink).where(OneTimeLink.email == email))
        assert stored.next_path is None
        signed = use_link(other, link_in(smtp.messages[i]))
        # A new parent account lands on its consultations, never on the foreign address.
        assert signed.headers["Location"] == "/consultations", target
    assert sign_in_links.local_path("/k/abc?x=1") == "/k/abc?x=1"
    assert sign_in_links.local_path("/\\evil.example") is None


def test_the_sign_in_page_refuses_a_backslash_next_too(client, factories):
    factories.user("member", email="heslo@test.example")
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in?next=/\\evil.example", data={
        "email": "heslo@test.example", "password": "heslo-pro-test", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_requests_are_limited_per_address(app, client, smtp, db):
    for _ in range(3):
        assert ask_for_link(client, "mnoho@test.example").status_code == 200
    assert ask_for_link(client, "mnoho@test.example").status_code == 429
    assert ask_for_link(client, "jiny@test.example").status_code == 200
    assert len(smtp.messages) == 4


def test_requests_are_limited_per_address_from_any_ip(app, smtp, db):
    for i in range(3):
        visitor = app.test_client()
        visitor.environ_base["REMOTE_ADDR"] = f"10.0.0.{i + 1}"
        assert ask_for_link(visitor, "odkudkoli@test.example").status_code == 200
    visitor = app.test_client()
    visitor.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert ask_for_link(visitor, "odkudkoli@test.example").status_code == 429


def test_requests_are_limited_per_ip(app, client, smtp, db):
    app.config["SIGN_IN_LINK_LIMIT_PER_IP"] = "2 per hour"
    try:
        assert ask_for_link(client, "a@test.example").status_code == 200
        assert ask_for_link(client, "b@test.example").status_code == 200
        assert ask_for_link(client, "c@test.example").status_code == 429
    finally:
        app.config["SIGN_IN_LINK_LIMIT_PER_IP"] = "30 per 15 minutes"


def test_a_bad_address_is_shown_back_with_an_error(client, smtp):
    response = ask_for_link(client, "neni-adresa")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="neni-adresa"' in page and 'aria-invalid="true"' in page
    assert smtp.messages == []


def test_the_territory_comes_from_a_consultation_or_a_public_round(app, db, factories):
    from tests.rounds_factories import make_round, make_version

    consultation = make_consultation()
    assert sign_in_links.territory_for(f"/k/{consultation.link_key}") == consultation.group.territory_id
    elsewhere = factories.territory("MAP ORP Jinde")
    group = make_group(elsewhere)
    version = make_version(group)
    public = make_round(version, [], public=True)
    closed_to_public = make_round(version, [group])
    assert sign_in_links.territory_for(f"/rounds/{public.id}") == elsewhere.id
    assert sign_in_links.territory_for(f"/rounds/{closed_to_public.id}") is None
    assert sign_in_links.territory_for("/groups/") is None
    assert sign_in_links.territory_for("/k/unknown-key") is None


def test_a_visitor_of_a_public_round_signs_in_with_a_link_and_comments(app, client, factories, smtp, db):
    from portal.models.rounds import Comment
    from tests.rounds_factories import make_round, make_version, paragraphs_of

    territory = factories.territory("MAP ORP Veřejné")
    group = make_group(territory)
    version = make_version(group)
    round_ = make_round(version, [group], public=True)
    paragraph = paragraphs_of(version)[1]
    round_url = f"/rounds/{round_.id}"

    # Signed out, the round's address leads to the sign-in page, which offers the e-mailed link.
    response = client.get(round_url)
    assert response.status_code == 302 and "/sign-in?next=" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Připomínky veřejnosti: heslo nepotřebujete" in page
    assert f'href="/auth/link?next={round_url}"' in page

    ask_for_link(client, "verejnost@example.cz", round_url)
    signed = use_link(client, link_in(smtp.messages[0]))
    assert signed.headers["Location"] == round_url
    parent = user_by_email(db, "verejnost@example.cz")
    assert parent.role == "parent" and parent.territory_id == territory.id
    assert client.get(round_url).status_code == 200

    url = f"/rounds/{round_.id}/comments/new?paragraph={paragraph.anchor}"
    form = client.get(url)
    assert form.status_code == 200
    fields = dict(re.findall(r'<input[^>]*name="(csrf_token|once|paragraph)"[^>]*value="([^"]*)"',
                             form.get_data(as_text=True)))
    response = client.post(url, data={**fields, "kind": "recommendation", "quote": "",
                                      "text": "Prosíme o dopravu do školy i pro děti z osad.",
                                      "proposed_wording": "", "organisation": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    comment = db.session.scalar(select(Comment))
    assert comment.author_id == parent.id and comment.paragraph_id == paragraph.id


def test_the_sign_in_page_offers_a_link_to_everyone_but_leads_with_it_only_for_public_pages(
        client, factories, db):
    from tests.rounds_factories import make_round, make_version

    group = make_group(factories.territory())
    members_only = make_round(make_version(group), [group])
    page = client.get(f"/sign-in?next=/rounds/{members_only.id}").get_data(as_text=True)
    assert "heslo nepotřebujete" not in page
    assert "Nemáte heslo? Přihlaste se odkazem poslaným na e-mail" in page


def test_the_sign_in_page_leads_with_the_link_for_a_consultation(client, db):
    consultation = make_consultation()
    page = client.get(f"/sign-in?next=/k/{consultation.link_key}").get_data(as_text=True)
    assert "Konzultace: heslo nepotřebujete" in page
    assert f'href="/auth/link?next=/k/{consultation.link_key}"' in page
    assert sign_in_links.link_target(f"/k/{consultation.link_key}") == (
        "consultation", consultation.group.territory_id)


def test_a_used_link_opened_again_in_the_browser_it_signed_in_just_leads_on(app, client, smtp, db):
    consultation = make_consultation()
    ask_for_link(client, "znovu@example.cz", f"/k/{consultation.link_key}")
    path = link_in(smtp.messages[0])
    token = csrf_token(client, path)
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    # A double click sends the form twice; the e-mail may be opened again later: no error for the owner.
    again = client.post(path, data={"csrf_token": token})
    assert again.status_code == 302 and again.headers["Location"] == f"/k/{consultation.link_key}"
    assert client.get(path).headers["Location"] == f"/k/{consultation.link_key}"
    # Anyone else still learns that the link is used up.
    assert app.test_client().get(path).status_code == 410
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_links_long_expired_are_deleted_with_their_addresses(client, smtp, db):
    valid = timedelta(minutes=30)
    old, _token = tokens.issue(LinkPurpose.SIGN_IN, valid=valid, email="davno@example.cz")
    recent, _token = tokens.issue(LinkPurpose.SIGN_IN, valid=valid, email="nedavno@example.cz")
    old.expires_at = utcnow() - timedelta(days=8)
    recent.expires_at = utcnow() - timedelta(days=6)
    db.session.commit()
    ask_for_link(client, "novy@example.cz")
    emails = set(db.session.scalars(select(OneTimeLink.email)))
    assert emails == {"nedavno@example.cz", "novy@example.cz"}
    assert tokens.purge_expired() == 0  # idempotent


def test_requests_are_limited_per_ipv6_network_not_per_address(app, smtp, db):
    """Addresses of one IPv6 /64 (one home, one phone) share the per-IP limit."""
    app.config["SIGN_IN_LINK_LIMIT_PER_IP"] = "2 per hour"
    try:
        statuses = []
        for i in range(3):
            visitor = app.test_client()
            visitor.environ_base["REMOTE_ADDR"] = f"2001:db8:5:6::{i + 1:x}"
            statuses.append(ask_for_link(visitor, f"v6-{i}@test.example").status_code)
        assert statuses == [200, 200, 429]
        visitor = app.test_client()
        visitor.environ_base["REMOTE_ADDR"] = "2001:db8:5:7::1"
        assert ask_for_link(visitor, "v6-other@test.example").status_code == 200
    finally:
        app.config["SIGN_IN_LINK_LIMIT_PER_IP"] = "30 per 15 minutes"


def test_the_sent_mail_kept_in_the_outbox_holds_no_usable_token(client, factories, smtp, db):
    """Only hashes of one-time links are stored: the outbox's copy of a sent sign-in link, password reset or
    invitation mail loses the token (the rest of the text stays), and the e-mailed link still works."""
    from portal.models.mail import OutboxMessage

    factories.user("member", email="heslo-reset@test.example")
    ask_for_link(client, "schranka@test.example")
    token = csrf_token(client, "/password/forgot")
    client.post("/password/forgot", data={"email": "heslo-reset@test.example", "csrf_token": token})
    assert len(smtp.messages) == 2
    link = link_in(smtp.messages[0])
    reset = re.search(r"(/password/reset/[A-Za-z0-9_-]+)", smtp.messages[1].get_body(
        preferencelist=("plain",)).get_content()).group(1)
    db.session.expire_all()
    sent = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "sent")))
    assert len(sent) == 2
    for message in sent:
        for body in (message.body_text, message.body_html or ""):
            assert link.rsplit("/", 1)[1] not in body and reset.rsplit("/", 1)[1] not in body
    assert any("/auth/link/…" in m.body_text for m in sent)
    assert any("/password/reset/…" in m.body_text for m in sent)
    assert use_link(client, link).status_code == 302


def test_the_link_page_names_the_address_it_signs_in(app, client, smtp, db):
    """Someone asks for a link to their own address and sends it to another person ("sign in here to
    answer"): the page before the button says whose account it opens, so the other person does not answer
    (even anonymously) inside an account whose owner would then read their answer."""
    ask_for_link(client, "utocnik@test.example")
    victim = app.test_client()
    page = victim.get(link_in(smtp.messages[0])).get_data(as_text=True)
    assert "Budete přihlášeni jako utocnik@test.example" in page
    assert "není vaše e-mailová adresa" in page


def test_the_limits_key_of_a_client_address():
    from portal.extensions import network_of

    assert network_of("192.0.2.7") == "192.0.2.7"
    assert network_of("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert network_of("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert network_of("::ffff:192.0.2.7") == "192.0.2.7"
    assert network_of("fe80::1%eth0") == "fe80::/64"
    assert network_of("not an address") == "not an address" and network_of(None) == "-"


def test_known_unknown_and_deactivated_addresses_cost_the_same_work(app, client, factories, smtp, db):
    """No account enumeration by timing: asking for a link runs the same database statements (a stored link,
    a queued and delivered mail) whether the address is unknown, has an account or a deactivated one."""
    from tests.test_page_queries import counted

    factories.user("member", email="aktivni@test.example")
    factories.user("parent", email="vypnuty2@test.example", active=False)
    ask_for_link(client, "zahrivaci@test.example")  # first use: anything cached per process is in place
    shapes = []
    for email in ("aktivni@test.example", "nikdo@test.example", "vypnuty2@test.example"):
        token = csrf_token(client, "/auth/link")
        with counted(db) as statements:
            assert client.post("/auth/link", data={"email": email, "csrf_token": token}).status_code == 200
        shapes.append([" ".join(s.split()[:3]) for s in statements])
    assert shapes[0] == shapes[1] == shapes[2]
    assert any(s.startswith("INSERT INTO one_time_link") for s in shapes[0])
