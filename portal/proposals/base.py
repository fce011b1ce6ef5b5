"""What the proposals modules share: the refusal and who may see or manage a proposal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal import clock
from portal.groups import services as groups
from portal.models import Proposal, User
from portal.models.people import Role
from portal.models.proposals import ProposalState


class ProposalError(ValueError):
    """A user-facing refusal; the message is already translated. Nothing was changed."""


STATE_LABELS = {
    ProposalState.DRAFT.value: _l("Draft"),
    ProposalState.SUBMITTED.value: _l("Submitted"),
    ProposalState.UNDER_ASSESSMENT.value: _l("Under assessment"),
    ProposalState.ASSESSED.value: _l("Assessed"),
    ProposalState.ADOPTED.value: _l("Adopted into the action plan"),
    ProposalState.RETURNED.value: _l("Returned for rework"),
    ProposalState.WITHDRAWN.value: _l("Withdrawn"),
}


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_admin(user: User | None) -> bool:
    return _signed_in(user) and user.role == Role.ADMIN


def is_author(user: User | None, proposal: Proposal) -> bool:
    return _signed_in(user) and proposal.author_id == user.id


def can_manage(user: User | None, proposal: Proposal) -> bool:
    """Coordinators (chair, coordinators) of the proposal's group, portal coordinators of its territory and
    administrators: they start the assessment, return, adopt, send for a funding opinion."""
    return _signed_in(user) and groups.is_group_coordinator(user, proposal.group, clock.today())


def can_see(user: User | None, proposal: Proposal) -> bool:
    """A draft is its author's (and the coordinators'); from submission on, the group's members see it too
    (everyone who may see the group, when it is public, once the proposal is adopted)."""
    if not _signed_in(user):
        return False
    if is_author(user, proposal) or can_manage(user, proposal):
        return True
    if proposal.state == ProposalState.DRAFT:
        return False
    viewer = groups.viewer_of(user, proposal.group, clock.today())
    if viewer is None:
        return False
    return viewer.is_member or (proposal.state == ProposalState.ADOPTED and proposal.group.public)


def can_edit(user: User | None, proposal: Proposal) -> bool:
    """The author edits a draft or a returned proposal; coordinators may too (e.g. to fix a typo)."""
    if proposal.state not in (ProposalState.DRAFT, ProposalState.RETURNED):
        return False
    return is_author(user, proposal) or can_manage(user, proposal)
