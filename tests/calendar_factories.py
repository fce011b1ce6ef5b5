"""Factories for the calendar and invitation tests: the meetings factories, with a three-item agenda."""

from __future__ import annotations

from portal.models.groups import WorkingGroup
from portal.models.meetings import Meeting
from tests.meetings_factories import add_member, make_group
from tests.meetings_factories import make_meeting as _make_meeting

__all__ = ["add_member", "make_group", "make_meeting"]


def make_meeting(group: WorkingGroup, *, agenda: int = 3, **fields) -> Meeting:
    fields.setdefault("place", "ZŠ Vzorov, Školní 1")  # a full address: feeds must escape its comma
    return _make_meeting(group, agenda=agenda, **fields)
