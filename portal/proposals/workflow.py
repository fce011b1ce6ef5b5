"""The proposal workflow (issue 11): draft → submitted → under assessment → assessed → adopted into the
action plan; or returned for rework (with reasons) or withdrawn.

Who may do what (checked here, not only in the views):

- **submit** (draft/returned → submitted): the author (administrators too).
- **withdraw** (any state before adoption → withdrawn): the author, the group's coordinators, administrators.
  Withdrawing removes the proposal's links to analysis signals (the flags' history keeps the events).
- **start assessment** (submitted → under assessment), **return** (submitted/under assessment/assessed →
  returned, reasons required), **assessed** (under assessment → assessed, only with the group's verdict:
  :func:`verdict_of`), **adopt** (assessed → adopted, not with a "not compliant" verdict; optionally with the
  action plan version): the group's coordinators (``base.can_manage``: chair, coordinators, portal
  coordinators of the territory, administrators).

Every transition writes a ``ProposalEvent`` (who, when, from, to, reason) and an audit record; services take
``actor=`` and only flush.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import delete

from portal import audit
from portal.analysis_portal import workflow as flag_workflow
from portal.analysis_portal.base import AnalysisError
from portal.extensions import db
from portal.models import DocumentVersion, FlagLink, Proposal, ProposalEvent, User
from portal.models.analysis import FlagState
from portal.models.base import utcnow
from portal.models.documents import DocumentKind
from portal.models.proposals import ProposalState, Verdict
from portal.proposals.base import ProposalError, can_manage, is_admin, is_author
from portal.versioning import check_version

S = ProposalState

#: from state → allowed target states (the role rules are in ``_ALLOWED``).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.DRAFT.value: (S.SUBMITTED.value, S.WITHDRAWN.value),
    S.SUBMITTED.value: (S.UNDER_ASSESSMENT.value, S.RETURNED.value, S.WITHDRAWN.value),
    S.UNDER_ASSESSMENT.value: (S.ASSESSED.value, S.RETURNED.value, S.WITHDRAWN.value),
    S.ASSESSED.value: (S.ADOPTED.value, S.RETURNED.value, S.WITHDRAWN.value),
    S.RETURNED.value: (S.SUBMITTED.value, S.WITHDRAWN.value),
    S.ADOPTED.value: (),
    S.WITHDRAWN.value: (),
}


def _author_or_admin(user: User, proposal: Proposal) -> bool:
    return is_author(user, proposal) or is_admin(user)


def _anyone_responsible(user: User, proposal: Proposal) -> bool:
    return is_author(user, proposal) or can_manage(user, proposal)


#: target state → who may move a proposal there.
_ALLOWED: dict[str, Callable[[User, Proposal], bool]] = {
    S.SUBMITTED.value: _author_or_admin,
    S.WITHDRAWN.value: _anyone_responsible,
    S.UNDER_ASSESSMENT.value: can_manage,
    S.ASSESSED.value: can_manage,
    S.RETURNED.value: can_manage,
    S.ADOPTED.value: can_manage,
}


def verdict_of(proposal: Proposal) -> str | None:
    """The group's recorded equal-access verdict (a ``Verdict`` value), or None.

    The assessment area provides ``portal.proposals.assessment.verdict_of``; until it is there, the verdict
    stored on the proposal counts (None: the proposal cannot be marked assessed).
    """
    try:
        from portal.proposals import assessment  # the assessment area (engineer p2)
    except ImportError:
        return proposal.verdict
    return assessment.verdict_of(proposal)


def allowed_transitions(proposal: Proposal, user: User | None) -> list[str]:
    """The target states this user may move the proposal to now (for the buttons on its page)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [to for to in TRANSITIONS.get(proposal.state, ()) if _ALLOWED[to](user, proposal)]


def transition(proposal: Proposal, to_state: str, *, actor: User, reason: str | None = None,
               plan_version: DocumentVersion | None = None, seen_version: int | None = None) -> ProposalEvent:
    """Move the proposal to ``to_state`` (see the module docstring); raises ProposalError, changing nothing,
    when the move or the actor is not allowed or a required reason is missing."""
    if seen_version is not None:
        check_version(proposal, seen_version)
    if to_state not in TRANSITIONS.get(proposal.state, ()):
        raise ProposalError(_("A proposal in this state cannot be moved there."))
    if not _ALLOWED[to_state](actor, proposal):
        raise ProposalError(_("You may not make this change to the proposal."))
    reason = (reason or "").strip() or None
    if to_state == S.RETURNED and not reason:
        raise ProposalError(_("Say why the proposal is returned for rework."))
    if to_state == S.ASSESSED and verdict_of(proposal) is None:
        raise ProposalError(_("The group has not recorded its equal-access verdict yet."))
    if to_state == S.ADOPTED:
        if verdict_of(proposal) == Verdict.NOT_COMPLIANT:
            raise ProposalError(_("A proposal not compliant with equal access cannot be adopted."))
        if plan_version is not None and (
                plan_version.document.kind != DocumentKind.ACTION_PLAN
                or plan_version.document.territory_id != proposal.territory_id):
            raise ProposalError(_("Choose a version of this territory's action plan."))

    from_state = proposal.state
    proposal.state = to_state
    now = utcnow()
    if to_state == S.SUBMITTED:
        proposal.submitted_at = now
        proposal.returned_reason = None
    elif to_state == S.RETURNED:
        proposal.returned_reason = reason
    elif to_state == S.ADOPTED:
        proposal.adopted_at = now
        proposal.plan_version_id = plan_version.id if plan_version is not None else None
    event = ProposalEvent(proposal=proposal, kind="state", from_state=from_state, to_state=to_state,
                          note=reason, actor_id=actor.id, at=now)
    db.session.add(event)
    db.session.flush()
    if to_state == S.WITHDRAWN:
        # No dangling "responds to" links from a withdrawn proposal (the flags' events keep their history).
        db.session.execute(delete(FlagLink).where(FlagLink.proposal_id == proposal.id))
    elif to_state == S.ADOPTED:
        _address_signals(proposal, actor)
    audit.record("proposal.transition", proposal, actor=actor, territory_id=proposal.territory_id,
                 from_state=from_state, to_state=to_state,
                 plan_version_id=proposal.plan_version_id if to_state == S.ADOPTED else None)
    db.session.flush()
    return event


def _address_signals(proposal: Proposal, actor: User) -> None:
    """Adoption moves the signals the proposal responds to to "addressed" (the flag's history says by
    which proposal). A flag already addressed by another proposal, or closed, keeps its state."""
    from portal.proposals.reads import signals_of

    for flag in signals_of(proposal):
        if flag.state in (FlagState.ADDRESSED, FlagState.CLOSED):
            continue
        try:
            flag_workflow.respond_with_proposal(flag, proposal, actor=actor)
        except AnalysisError:  # moved meanwhile; the link stays, the state is the group's call
            continue
