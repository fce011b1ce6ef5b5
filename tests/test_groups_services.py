"""Working groups and memberships: who is where on a date, who manages, history, audit, invitations."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db as _db
from portal.groups import services
from portal.models import AuditEvent, Membership, PendingMembership, WorkingGroup

TODAY = clock.today()


def make_group(territory=None, **fields):
    from tests.conftest import make_territory

    territory = territory or make_territory()
    n = _db.session.scalar(select(WorkingGroup.id).order_by(WorkingGroup.id.desc()).limit(1)) or 0
    values = {"name": f"PS {n + 1}", "slug": f"ps-{n + 1}", "kind": "equal_opportunities"} | fields
    group = WorkingGroup(territory_id=territory.id, **values)
    _db.session.add(group)
    _db.session.commit()
    return group


def join(group, user, category="teacher", *, role="member", joined_on=None, left_on=None, organisation=None):
    membership = Membership(group_id=group.id, user_id=user.id, category=category, role=role,
                            organisation=organisation, joined_on=joined_on or TODAY - timedelta(days=30),
                            left_on=left_on)
    _db.session.add(membership)
    _db.session.commit()
    return membership


@pytest.fixture(autouse=True)
def request_context(app):
    # Refusals carry translated messages, which need a request (the language is chosen per request).
    with app.test_request_context("/"):
        yield


@pytest.fixture
def group(factories):
    return make_group(factories.territory())


def test_active_members_on_a_date_respect_join_and_leave(group, factories):
    stays = join(group, factories.user("member", name="Anna"), joined_on=date(2025, 1, 1))
    left = join(group, factories.user("member", name="Bořek"), joined_on=date(2025, 1, 1),
                left_on=date(2026, 3, 1))
    later = join(group, factories.user("member", name="Cyril"), joined_on=date(2026, 3, 1))
    assert services.active_members(group, date(2026, 2, 28)) == [stays, left]
    assert services.active_members(group, date(2026, 3, 1)) == [stays, later]
    assert services.active_members(group, date(2024, 12, 31)) == []


def test_user_groups_lists_only_active_memberships(factories):
    territory = factories.territory()
    a, b = make_group(territory, name="A", slug="a"), make_group(territory, name="B", slug="b")
    user = factories.user("member", territory=territory)
    join(a, user)
    join(b, user, left_on=TODAY - timedelta(days=1))
    assert services.user_groups(user, TODAY) == [a]
    assert services.user_groups(user, TODAY - timedelta(days=5)) == [a, b]


def test_is_group_coordinator(group, factories):
    territory = group.territory
    assert services.is_group_coordinator(factories.user("admin"), group)
    assert services.is_group_coordinator(factories.user("coordinator", territory=territory), group)
    assert not services.is_group_coordinator(
        factories.user("coordinator", territory=factories.territory("Jinde")), group)
    chair = factories.user("member", territory=territory)
    join(group, chair, role="chair")
    assert services.is_group_coordinator(chair, group)
    plain = factories.user("member", territory=territory)
    join(group, plain)
    assert not services.is_group_coordinator(plain, group)
    former = factories.user("member", territory=territory)
    join(group, former, role="coordinator", left_on=TODAY)
    assert not services.is_group_coordinator(former, group)
    parent = factories.user("parent", territory=territory)
    join(group, parent, "parent", role="coordinator")
    assert not services.is_group_coordinator(parent, group)  # parents never manage, whatever the role


def test_add_existing_member_is_audited(group, factories):
    actor = factories.user("coordinator", territory=group.territory)
    person = factories.user("member", territory=group.territory, email="ucitelka@test.example")
    membership = services.add_member(group, email="Ucitelka@test.example ", name=None, category="teacher",
                                     organisation="ZŠ Testov", role="member", joined_on=TODAY, actor=actor)
    _db.session.commit()
    assert membership.user_id == person.id and membership.organisation == "ZŠ Testov"
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.added"))
    assert event.actor_id == actor.id and event.details["group_id"] == group.id


def test_add_member_twice_is_refused(group, factories):
    actor = factories.user("coordinator", territory=group.territory)
    person = factories.user("member", territory=group.territory)
    join(group, person)
    with pytest.raises(services.GroupError):
        services.add_member(group, email=person.email, name=None, category="teacher", organisation=None,
                            role="member", joined_on=TODAY, actor=actor)


def test_add_member_needs_a_group_coordinator(group, factories):
    outsider = factories.user("member", territory=group.territory)
    with pytest.raises(services.GroupError):
        services.add_member(group, email="x@test.example", name=None, category="teacher", organisation=None,
                            role="member", joined_on=TODAY, actor=outsider)


def test_unknown_address_is_invited_and_joins_on_acceptance(group, factories):
    from portal.accounts.services import accept_invitation

    actor = factories.user("coordinator", territory=group.territory)
    pending = services.add_member(group, email="nova@test.example", name="Nová Rodička", category="parent",
                                  organisation=None, role="member", joined_on=TODAY, actor=actor)
    _db.session.commit()
    assert isinstance(pending, PendingMembership)
    assert pending.invitation.role == "parent"
    assert services.active_members(group, TODAY) == []
    assert [p.id for p in services.pending_members(group)] == [pending.id]

    # The queued invitation e-mail carries the token; accept through the accounts service.
    import re

    from portal.models import OutboxMessage

    message = _db.session.scalar(select(OutboxMessage))
    assert message.recipients == ["nova@test.example"]
    token = re.search(r"/invitation/([\w-]+)", message.body_text).group(1)
    user = accept_invitation(token, name="Nová Rodička", password="dlouhe-heslo-123", organisation=None)
    _db.session.commit()
    members = services.active_members(group, TODAY)
    assert [m.user_id for m in members] == [user.id] and members[0].category == "parent"
    assert _db.session.scalars(select(PendingMembership)).all() == []


def test_change_of_category_keeps_history(group, factories):
    actor = factories.user("coordinator", territory=group.territory)
    member = join(group, factories.user("member", territory=group.territory), "teacher",
                  joined_on=TODAY - timedelta(days=100))
    current = services.change_membership(member, category="director", organisation="ZŠ", role="member",
                                         effective_on=TODAY, actor=actor)
    _db.session.commit()
    assert member.left_on == TODAY and current.id != member.id and current.category == "director"
    assert services.assess_group(group, TODAY - timedelta(days=1)).counts["teacher"] == 1
    assert services.assess_group(group, TODAY).counts["director"] == 1
    assert services.assess_group(group, TODAY).counts["teacher"] == 0
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.changed"))
    assert event.details["fields"] == ["category", "organisation"]


def test_role_change_is_in_place(group, factories):
    actor = factories.user("admin")
    member = join(group, factories.user("member", territory=group.territory))
    current = services.change_membership(member, category=member.category, organisation=None, role="chair",
                                         effective_on=TODAY, actor=actor)
    assert current is member and member.role == "chair"


def test_end_membership(group, factories):
    actor = factories.user("coordinator", territory=group.territory)
    member = join(group, factories.user("member", territory=group.territory), joined_on=TODAY - timedelta(10))
    with pytest.raises(services.GroupError):
        services.end_membership(member, TODAY - timedelta(days=11), actor=actor)
    services.end_membership(member, TODAY, actor=actor)
    _db.session.commit()
    assert services.active_members(group, TODAY) == []
    assert services.active_members(group, TODAY - timedelta(days=1)) == [member]
    with pytest.raises(services.GroupError):
        services.end_membership(member, TODAY, actor=actor)
    assert _db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "membership.ended"))


def test_group_cannot_be_its_own_ancestor(factories):
    actor = factories.user("admin", territory=factories.territory())
    top = services.create_group({"name": "Hlavní", "kind": "other"}, actor=actor)
    sub = services.create_group({"name": "Podskupina", "kind": "other", "parent_id": top.id}, actor=actor)
    assert sub.parent is top and top.subgroups == [sub] and sub.slug == "podskupina"
    with pytest.raises(services.GroupError):
        services.update_group(top, {"name": "Hlavní", "kind": "other", "parent_id": sub.id}, actor=actor)
    with pytest.raises(services.GroupError):
        services.create_group({"name": "Hlavní", "kind": "other"}, actor=actor)  # same slug


def test_assessment_of_a_group_counts_support_needs_parents(group, factories):
    parent = factories.user("parent", territory=group.territory)
    join(group, parent, "parent")
    assert services.assess_group(group, TODAY).support_parents == 0
    services.declare_trait(parent, "support_needs_parent", consent_given=True, locale="cs", actor=parent)
    result = services.assess_group(group, TODAY)
    assert result.support_parents == 1
    assert next(r for r in result.rules if r.code == "support_needs_parent").holds
