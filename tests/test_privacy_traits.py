"""Issue 17: the Art. 9 declarations are offered only to those for whom they count (parents), with the reason;
a forged declaration by anyone else is refused and nothing is stored."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db as _db
from portal.groups import services
from portal.models import SensitiveTrait
from tests.conftest import csrf_token
from tests.test_groups_services import join, make_group

CODES = ("support_needs_parent", "roma_parent")


def _count() -> int:
    return _db.session.scalar(select(func.count(SensitiveTrait.id)))


@pytest.fixture
def group(factories):
    return make_group(factories.territory(), name="PS RP", slug="rp")


def test_a_teacher_is_not_offered_the_declarations_and_is_told_why(client, login_as, group, factories):
    teacher = factories.user("member", territory=group.territory)
    join(group, teacher, "teacher")
    login_as(teacher)
    html = client.get("/account/traits").get_data(as_text=True)
    for code in CODES:
        assert f'name="{code}-consent"' not in html
    assert "jen rodičům" in html


@pytest.mark.parametrize("code", CODES)
def test_a_forged_declaration_by_a_teacher_is_refused(client, login_as, group, factories, code):
    teacher = factories.user("member", territory=group.territory)
    join(group, teacher, "teacher")
    login_as(teacher)
    token = csrf_token(client, "/account/")
    response = client.post("/account/traits", data={"code": code, f"{code}-csrf_token": token,
                                                    f"{code}-consent": "y"})
    assert response.status_code == 403
    assert _count() == 0


def test_the_service_refuses_people_for_whom_the_trait_does_not_count(client, group, factories):
    teacher = factories.user("member", territory=group.territory)
    join(group, teacher, "teacher")
    with client.application.test_request_context("/"), pytest.raises(services.GroupError):
        services.declare_trait(teacher, CODES[0], consent_given=True, locale="cs", actor=teacher)
    assert _count() == 0


@pytest.mark.parametrize("how", ["parent_member", "parent_account"])
def test_parents_are_offered_the_declarations_and_can_make_them(client, login_as, group, factories, how):
    if how == "parent_member":  # a member account sitting in the group's parents category
        person = factories.user("member", territory=group.territory)
        join(group, person, "parent")
    else:
        person = factories.user("parent", territory=group.territory)
    login_as(person)
    html = client.get("/account/traits").get_data(as_text=True)
    assert all(f'name="{code}-consent"' in html for code in CODES)
    token = re.search(rf'name="{CODES[0]}-csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/account/traits", data={"code": CODES[0], f"{CODES[0]}-csrf_token": token,
                                                    f"{CODES[0]}-consent": "y"})
    assert response.status_code == 302 and _count() == 1


def test_a_declaration_made_earlier_can_still_be_withdrawn_after_leaving_the_parents(client, login_as, group,
                                                                                    factories):
    person = factories.user("member", territory=group.territory)
    membership = join(group, person, "parent")
    with client.application.test_request_context("/"):
        services.declare_trait(person, CODES[0], consent_given=True, locale="cs", actor=person)
    membership.category = "teacher"
    _db.session.commit()
    login_as(person)
    html = client.get("/account/traits").get_data(as_text=True)
    assert f"/account/traits/{CODES[0]}/withdraw" in html
    url = f"/account/traits/{CODES[0]}/withdraw"
    assert client.post(url, data={"csrf_token": csrf_token(client, url)}).status_code == 302
    assert _count() == 0
