"""Words for the facts the proposal pages show (history kinds, milestone states)."""

from flask_babel import lazy_gettext as _l

from portal.models.proposals import MilestoneState, ProposalState

EVENT_LABELS = {
    "created": _l("Created"),
    "state": _l("State changed"),
    "edit": _l("Edited"),
    "signal": _l("Signal linked"),
    "unsignal": _l("Signal removed"),
    "funding_request": _l("Sent for a funding opinion"),
    "funding_opinion": _l("Funding opinion recorded"),
    "milestone": _l("Milestone added"),
    "verdict": _l("Verdict recorded"),
}
MILESTONE_LABELS = {
    MilestoneState.PLANNED.value: _l("planned"),
    MilestoneState.ON_TRACK.value: _l("on track"),
    MilestoneState.LATE.value: _l("late"),
    MilestoneState.MET.value: _l("met"),
    MilestoneState.MISSED.value: _l("missed"),
}
TRANSITION_BUTTONS = {
    ProposalState.SUBMITTED.value: _l("Submit"),
    ProposalState.UNDER_ASSESSMENT.value: _l("Start the assessment"),
    ProposalState.ASSESSED.value: _l("Mark as assessed"),
    ProposalState.ADOPTED.value: _l("Adopt into the action plan"),
    ProposalState.RETURNED.value: _l("Return for rework"),
    ProposalState.WITHDRAWN.value: _l("Withdraw"),
}
