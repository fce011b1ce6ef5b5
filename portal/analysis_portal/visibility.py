"""Who may see a territory's analysis, and which agenda items carry it.

The analysis pages are for members, coordinators and administrators (`members` in portal.security), and
only of their own territory (administrators see every territory). Everything that shows a piece of the
analysis elsewhere follows the same rule: an agenda item made from a signal names a school and its figures,
so on a public meeting page, in calendar feeds and in invitations it is shown in full only to those who may
open `/analysis` themselves; everybody else sees the neutral "item on the territory analysis".

The calendar and the mailer call these with an explicit reader (they also run outside requests); pages use
`hidden_for_current_user`.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import g
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.models.analysis import FlagLink
from portal.models.meetings import AgendaItem
from portal.models.people import Role

ANALYSIS_ROLES = frozenset({Role.MEMBER.value, Role.COORDINATOR.value, Role.ADMIN.value})
EVERY_TERRITORY = "*"


def analysis_scope(user) -> str:
    """Whose analysis the user may see, as a short key: "" nobody's, "*" every territory's (administrators),
    else the id of the user's territory. Feeds put it in their cache key."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return ""
    if user.role not in ANALYSIS_ROLES:
        return ""
    if user.role == Role.ADMIN:
        return EVERY_TERRITORY
    return str(user.territory_id) if user.territory_id is not None else ""


def scope_covers(scope: str, territory_id: int | None) -> bool:
    if scope == EVERY_TERRITORY:
        return True
    return bool(scope) and territory_id is not None and scope == str(territory_id)


def may_see_analysis(user, territory_id: int | None) -> bool:
    """May the user see the analysis of the territory (the same rule as the /analysis pages)?"""
    return scope_covers(analysis_scope(user), territory_id)


def analysis_item_ids(meeting_ids: Iterable[int]) -> set[int]:
    """The agenda items of these meetings that were made from (or linked to) an analysis signal: one query."""
    ids = list(meeting_ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        select(FlagLink.agenda_item_id).join(AgendaItem, AgendaItem.id == FlagLink.agenda_item_id)
        .where(AgendaItem.meeting_id.in_(ids))
    ))


def hidden_agenda_items(meetings: Iterable, user=None, *, scope: str | None = None) -> frozenset[int]:
    """The agenda items of these meetings that the user (or a reader with this `analysis_scope`) may see only
    as "item on the territory analysis".

    `meetings` need `id` and `group.territory_id`; no query at all when the reader sees every one of them.
    """
    scope = analysis_scope(user) if scope is None else scope
    ids = [m.id for m in meetings if not scope_covers(scope, m.group.territory_id)]
    return frozenset(analysis_item_ids(ids))


def hidden_for_current_user(meeting) -> frozenset[int]:
    """`hidden_agenda_items` of one meeting for the current user or visitor, once per request."""
    cache = g.setdefault("hidden_agenda_items", {})
    if meeting.id not in cache:
        cache[meeting.id] = hidden_agenda_items([meeting], current_user)
    return cache[meeting.id]
