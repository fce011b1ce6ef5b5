"""A group's chair whose portal role is "member" can still bring new people into their own group."""


import pytest
from sqlalchemy import select

from portal import clock
from portal.groups.services import GroupError, add_member
from portal.models import Invitation, PendingMembership
from tests.test_groups_services import join, make_group


def test_chair_with_member_role_invites_a_new_person_into_the_group(factories, db, smtp):
    group = make_group(factories.territory(), name="PS pro rovné příležitosti", slug="rp")
    chair = factories.user("member", territory=group.territory)
    join(group, chair, role="chair")
    pending = add_member(group, email="novy@test.example", name="Nový Člen", category="teacher",
                         organisation="ZŠ Testov", role="member", joined_on=clock.today(), actor=chair)
    db.session.commit()
    assert isinstance(pending, PendingMembership)
    invitation = db.session.scalar(select(Invitation).where(Invitation.email == "novy@test.example"))
    assert invitation.role == "member"


def test_plain_member_cannot_invite_through_a_group(factories, db):
    group = make_group(factories.territory(), name="PS pro rovné příležitosti", slug="rp")
    member = factories.user("member", territory=group.territory)
    join(group, member, role="member")
    with pytest.raises(GroupError):
        add_member(group, email="novy@test.example", name="Nový", category="teacher", organisation=None,
                   role="member", joined_on=clock.today(), actor=member)
