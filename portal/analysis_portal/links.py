"""Links from analysis flags to where the group acts on them: the small API the areas use.

A link is a ``FlagLink`` row with one foreign key per kind of target (``LINK_TARGETS``) and a CHECK that
exactly one is set; deleting the target (or the flag) deletes the link in the database (``ON DELETE
CASCADE``). Agenda items are the first kind; proposals, comment rounds and reports register theirs in
``portal.models.analysis.LINK_TARGETS`` and ``TARGET_MODELS`` below as they arrive.

    link_flag(flag, agenda_item, actor=user)      # "link this signal to X"
    flags_linked_to([agenda_item, ...], user)     # "list what X is linked to": {target id: [flags]}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, select

from portal.analysis_portal.visibility import may_see_analysis
from portal.extensions import db
from portal.models.analysis import LINK_TARGETS, AnalysisFlag, FlagLink
from portal.models.meetings import AgendaItem
from portal.models.people import User
from portal.models.proposals import Proposal

#: The model of each kind of target (the keys of ``LINK_TARGETS``).
TARGET_MODELS: dict[str, type] = {"agenda_item": AgendaItem, "proposal": Proposal}


def target_kind(target: Any) -> str:
    """The kind of a target object; anything that is not a registered kind is refused."""
    for kind, model in TARGET_MODELS.items():
        if isinstance(target, model):
            return kind
    raise TypeError(f"A flag cannot be linked to {type(target).__name__}.")


def _column(kind: str) -> Any:
    return getattr(FlagLink, LINK_TARGETS[kind])


def find_link(flag: AnalysisFlag, target: Any) -> FlagLink | None:
    return db.session.scalar(select(FlagLink).where(
        FlagLink.flag_id == flag.id, _column(target_kind(target)) == target.id))


def link_flag(flag: AnalysisFlag, target: Any, *, actor: User | None) -> FlagLink:
    """Link the flag to the target (an existing link is returned as it is); only flushes."""
    existing = find_link(flag, target)
    if existing is not None:
        return existing
    link = FlagLink(flag_id=flag.id, created_by_id=actor.id if actor else None,
                    **{LINK_TARGETS[target_kind(target)]: target.id})
    db.session.add(link)
    db.session.flush()
    return link


def flags_linked_to(targets: Sequence[Any], user: User | None) -> dict[int, list[AnalysisFlag]]:
    """{target id: [flags linked to it]} for targets of one kind, in one query, link order.

    Only flags of a territory whose analysis the user may see (``visibility.may_see_analysis``): the pages
    that show targets (a meeting page, say) may be public.
    """
    if not targets or user is None or not getattr(user, "is_authenticated", False):
        return {}
    kinds = {target_kind(t) for t in targets}
    if len(kinds) != 1:
        raise TypeError("flags_linked_to takes targets of one kind.")
    return flags_linked_to_ids(kinds.pop(), [t.id for t in targets], user)


def flags_linked_to_ids(kind: str, target_ids: Iterable[int] | Select, user: User | None,
                        ) -> dict[int, list[AnalysisFlag]]:
    """:func:`flags_linked_to` by target ids of one kind (a list, or a subquery selecting them)."""
    ids = target_ids if isinstance(target_ids, Select) else list(target_ids)
    if (not isinstance(ids, Select) and not ids) or not getattr(user, "is_authenticated", False):
        return {}
    column = _column(kind)
    rows = db.session.execute(
        select(column, AnalysisFlag).join(AnalysisFlag, AnalysisFlag.id == FlagLink.flag_id)
        .where(column.in_(ids)).order_by(FlagLink.id)
    ).all()
    result: dict[int, list[AnalysisFlag]] = defaultdict(list)
    for target_id, flag in rows:
        if may_see_analysis(user, flag.territory_id):
            result[target_id].append(flag)
    return dict(result)


def flags_on_agenda(meeting: Any, user: User | None) -> dict[int, list[AnalysisFlag]]:
    """{agenda item id: [flags]} of one meeting for the user, in one query (the meeting page passes it to
    its template; templates do not query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    items = select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id)
    return flags_linked_to_ids("agenda_item", items, user)
