"""Sensitive traits (GDPR Art. 9): declared with consent, erased on withdrawal, never shown per person."""

import io
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.models import AuditEvent, SensitiveTrait
from tests.conftest import csrf_token
from tests.test_groups_services import join, make_group

TRAIT = "support_needs_parent"


def _declare(client, code=TRAIT, consent=True):
    html = client.get("/account/traits").get_data(as_text=True)
    token = re.search(rf'name="{code}-csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = {"code": code, f"{code}-csrf_token": token}
    if consent:
        data[f"{code}-consent"] = "y"
    return client.post("/account/traits", data=data)


def test_profile_links_to_the_traits_page(client, login_as):
    login_as("parent")
    assert "/account/traits" in client.get("/account/").get_data(as_text=True)


def test_declaring_needs_explicit_consent_and_stores_the_text_and_date(client, login_as):
    parent = login_as("parent")
    response = _declare(client, consent=False)
    assert response.status_code == 200 and "bez něj se nic neuloží" in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(SensitiveTrait.id))) == 0
    assert _declare(client).status_code == 302
    trait = _db.session.scalar(select(SensitiveTrait))
    assert trait.user_id == parent.id and trait.code == TRAIT
    assert "podpůrných opatření" in trait.consent_text and trait.consent_text_version and trait.consented_at


def test_english_speakers_consent_to_the_english_text(client, login_as):
    login_as("parent", locale="en")
    _declare(client, code="roma_parent")
    assert "Roma parent" in _db.session.scalar(select(SensitiveTrait.consent_text))


def test_withdrawing_asks_first_then_deletes_the_row(client, login_as):
    login_as("parent")
    _declare(client)
    url = f"/account/traits/{TRAIT}/withdraw"
    assert client.get(url).status_code == 200
    assert _db.session.scalar(select(func.count(SensitiveTrait.id))) == 1
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert _db.session.scalar(select(func.count(SensitiveTrait.id))) == 0
    assert client.get("/account/traits/unknown/withdraw").status_code == 404


def test_traits_leave_no_trace_in_the_audit_log(client, login_as):
    login_as("parent")
    before = _db.session.scalar(select(func.count(AuditEvent.id)))
    _declare(client)
    url = f"/account/traits/{TRAIT}/withdraw"
    client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert _db.session.scalar(select(func.count(AuditEvent.id))) == before


def _scrub(html: str) -> str:
    """Remove what differs between two renderings anyway (CSRF tokens)."""
    return re.sub(r'value="[^"]{40,}"', 'value=""', html)


@pytest.fixture
def scene(factories):
    group = make_group(factories.territory(), name="PS RP", slug="rp")
    parent = factories.user("parent", territory=group.territory, name="Pavla Rodičová")
    membership = join(group, parent, "parent")
    for _ in range(3):
        join(group, factories.user("member", territory=group.territory), "teacher")
    return group, parent, membership


def test_coordinator_and_admin_pages_are_the_same_whether_or_not_a_trait_is_declared(
        app, client, login_as, factories, scene):
    group, parent, membership = scene
    admin = factories.user("admin", territory=group.territory)
    urls = [f"/groups/{group.id}/members", f"/groups/{group.id}/members/{membership.id}/edit",
            f"/groups/{group.id}/members/{membership.id}/end", f"/people/{parent.id}", "/admin/audit",
            f"/groups/{group.id}/members.csv"]

    def render():
        login_as(admin)
        return {url: _scrub(client.get(url).get_data(as_text=True)) for url in urls}

    before = render()
    parent_client = app.test_client()
    with parent_client.session_transaction() as session:
        session["_user_id"] = parent.get_id()
    _declare(parent_client)
    _declare(parent_client, code="roma_parent")
    assert _db.session.scalar(select(func.count(SensitiveTrait.id))) == 2
    after = render()
    for url in urls:
        assert before[url] == after[url], url


def test_exports_never_contain_traits(client, login_as, scene):
    from openpyxl import load_workbook

    from portal.groups.services import declare_trait

    group, parent, _ = scene
    with client.application.test_request_context("/"):
        declare_trait(parent, TRAIT, consent_given=True, locale="cs", actor=parent)
    _db.session.commit()
    login_as("admin")
    csv_text = client.get(f"/groups/{group.id}/members.csv").get_data().decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(client.get(f"/groups/{group.id}/members.xlsx").get_data())).active
    xlsx_text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    for text in (csv_text, xlsx_text):
        assert "Pavla Rodičová" in text
        for word in ("podpůrn", "support", "romsk", "Roma", TRAIT):
            assert word not in text


def test_group_page_shows_only_a_suppressed_count(client, login_as, scene, factories):
    from portal.groups.services import declare_trait

    group, parent, _ = scene
    with client.application.test_request_context("/"):
        declare_trait(parent, TRAIT, consent_given=True, locale="cs", actor=parent)
        others = [join(group, factories.user("parent", territory=group.territory), "parent").user
                  for _ in range(2)]
        for other in others:
            declare_trait(other, TRAIT, consent_given=True, locale="cs", actor=other)
    _db.session.commit()
    login_as("admin")
    html = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert re.search(r"Rodiče dětí s potřebou podpůrných opatření</dt>\s*<dd>3</dd>", html)
    assert re.search(r"Romští rodiče</dt>\s*<dd>&lt; 3</dd>", html)  # zero is shown as "< 3" too
    assert "Pavla Rodičová" not in html  # the group page names nobody
