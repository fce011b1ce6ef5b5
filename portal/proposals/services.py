"""Writes of the proposals area: create and edit a proposal, its signals, the funding opinion of PS pro
financování, milestones. Each function takes ``actor=``, checks who may do it, raises ProposalError (nothing
changed) on refusal, records history and audit, and only flushes. State changes are in ``workflow``."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import delete

from portal import audit, clock
from portal.analysis_portal import links as flag_links
from portal.analysis_portal.visibility import may_see_analysis
from portal.extensions import db
from portal.groups import services as groups
from portal.models import (
    AnalysisFlag,
    FlagLink,
    FundingOpinion,
    Milestone,
    Proposal,
    ProposalEvent,
    ProposalIndicator,
    User,
)
from portal.models.base import utcnow
from portal.models.groups import GroupKind, WorkingGroup
from portal.models.proposals import Klima, ProposalKind, ProposalState, Transition
from portal.proposals.base import ProposalError, can_edit, can_manage, is_author
from portal.versioning import check_version

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
TARGET_GROUP_MAX = 300
ORGANISATIONS_MAX = 2_000
FUNDING_SOURCE_MAX = 200
REASON_MAX = 5_000
OPINION_MAX = 5_000
MILESTONE_TITLE_MAX = 200
RESPONSIBLE_MAX = 200
#: The largest amount a Numeric(14, 2) column holds.
AMOUNT_MAX = Decimal("999999999999.99")

INDICATORS_MAX = 5_000

FIELDS = ("title", "description", "kind", "target_group", "organisations", "transition", "klima",
          "expected_cost", "funding_source")


def parse_amount(value, *, what: str) -> Decimal | None:
    """A non-negative number with at most two decimals ("125 000,50" or "125000.5"); empty is None.
    Anything else is refused with a message naming ``what``."""
    if value is None:
        return None
    if isinstance(value, Decimal | int | float):
        text = str(value)
    else:
        text = re.sub(r"[\s\u00a0]", "", str(value)).replace(",", ".")
    if text == "":
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ProposalError(_("%(what)s: the value must be a number, e.g. 125000 or 125 000,50.",
                              what=what)) from None
    if not amount.is_finite():
        raise ProposalError(_("%(what)s: the value must be a number, e.g. 125000 or 125 000,50.", what=what))
    if amount < 0:
        raise ProposalError(_("%(what)s: the value cannot be negative.", what=what))
    if amount > AMOUNT_MAX or amount != amount.quantize(Decimal("0.01")):
        raise ProposalError(_("%(what)s: the value can have at most 12 digits and 2 decimals.", what=what))
    return amount.quantize(Decimal("0.01"))


def _text(data: dict, name: str, limit: int, *, required_message: str | None = None) -> str:
    value = (data.get(name) or "").strip()
    if required_message and not value:
        raise ProposalError(required_message)
    if len(value) > limit:
        raise ProposalError(_("At most %(limit)s characters are allowed; the text has %(length)s.",
                              limit=limit, length=len(value)))
    return value


def _clean(data: dict) -> dict:
    clean = {
        "title": _text(data, "title", TITLE_MAX, required_message=_("Enter the proposal's title.")),
        "description": _text(data, "description", DESCRIPTION_MAX),
        "target_group": _text(data, "target_group", TARGET_GROUP_MAX),
        "organisations": _text(data, "organisations", ORGANISATIONS_MAX),
        "funding_source": _text(data, "funding_source", FUNDING_SOURCE_MAX),
        "expected_cost": parse_amount(data.get("expected_cost"), what=_("Expected cost (CZK)")),
    }
    kind = data.get("kind") or ProposalKind.SCHOOL.value
    if kind not in {k.value for k in ProposalKind}:
        raise ProposalError(_("Choose the kind of activity."))
    transition = data.get("transition") or Transition.NONE.value
    if transition not in {t.value for t in Transition}:
        raise ProposalError(_("Choose the transition the activity concerns."))
    letters = data.get("klima") or []
    if isinstance(letters, str):
        letters = list(letters)
    if any(letter not in {k.value for k in Klima} for letter in letters):
        raise ProposalError(_("Choose KLIMA components from the list."))
    clean.update(kind=kind, transition=transition,
                 klima="".join(k.value for k in Klima if k.value in letters))
    return clean


def parse_indicators(text: str) -> list[dict]:
    """Indicators written one per line: ``name; unit; baseline; 2026=10, 2027=20`` (unit, baseline and the
    yearly targets optional). A line that cannot be read is refused with its number."""
    indicators = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(";")]
        if len(parts) > 4 or not parts[0] or len(parts[0]) > 200 or (len(parts) > 1 and len(parts[1]) > 40):
            raise ProposalError(_("Indicator on line %(line)s: write name; unit; baseline; 2026=10, 2027=20.",
                                  line=number))
        parts += [""] * (4 - len(parts))
        targets: dict[str, str] = {}
        for item in filter(None, (t.strip() for t in parts[3].split(","))):
            year, _sep, value = item.partition("=")
            if not year.strip().isdigit() or not 2000 <= int(year) <= 2100 or not value.strip():
                raise ProposalError(_("Indicator on line %(line)s: write the yearly targets as 2026=10, "
                                      "2027=20.", line=number))
            targets[year.strip()] = str(parse_amount(value, what=parts[0]))
        indicators.append({"name": parts[0], "unit": parts[1],
                           "baseline": parse_amount(parts[2], what=parts[0]), "yearly_targets": targets})
    return indicators


def indicators_text(proposal: Proposal) -> str:
    """The indicators as the form shows them (the inverse of :func:`parse_indicators`)."""
    lines = []
    for i in proposal.indicators:
        targets = ", ".join(f"{year}={value}" for year, value in sorted(i.yearly_targets.items()))
        lines.append("; ".join([i.name, i.unit, "" if i.baseline is None else str(i.baseline), targets]))
    return "\n".join(lines)


def _set_indicators(proposal: Proposal, rows: list[dict]) -> bool:
    current = [(i.name, i.unit, i.baseline, i.yearly_targets) for i in proposal.indicators]
    wanted = [(r["name"], r["unit"], r["baseline"], r["yearly_targets"]) for r in rows]
    if current == wanted:
        return False
    proposal.indicators.clear()
    db.session.flush()
    for position, row in enumerate(rows):
        proposal.indicators.append(ProposalIndicator(position=position, **row))
    return True


def may_propose(user: User, group: WorkingGroup) -> bool:
    """Members of the group (and those who manage it) may propose activities in it."""
    on = clock.today()
    if groups.is_group_coordinator(user, group, on):
        return True
    membership = groups.membership_of(user, group, on)
    return membership is not None and user.role != "guest"


def create_proposal(group: WorkingGroup, data: dict, *, actor: User) -> Proposal:
    """A new draft proposal of ``actor`` in ``group``."""
    if not may_propose(actor, group):
        raise ProposalError(_("Only members of the group may propose activities in it."))
    indicators = parse_indicators(data.get("indicators") or "")
    proposal = Proposal(territory_id=group.territory_id, group_id=group.id, author_id=actor.id,
                        state=ProposalState.DRAFT.value, **_clean(data))
    db.session.add(proposal)
    db.session.flush()
    _set_indicators(proposal, indicators)
    db.session.add(ProposalEvent(proposal_id=proposal.id, kind="created", to_state=proposal.state,
                                 actor_id=actor.id))
    audit.record("proposal.create", proposal, actor=actor, territory_id=proposal.territory_id)
    db.session.flush()
    return proposal


def update_proposal(proposal: Proposal, data: dict, *, actor: User, seen_version: int | None) -> list[str]:
    """Save the edit form (a draft or a returned proposal); returns the names of the changed fields."""
    check_version(proposal, seen_version)
    if not can_edit(actor, proposal):
        raise ProposalError(_("Only a draft or a proposal returned for rework can be edited, by its author "
                              "or the group's coordinators."))
    clean = _clean(data)
    indicators = parse_indicators(data.get("indicators") or "")
    changed = [name for name in FIELDS if getattr(proposal, name) != clean[name]]
    if _set_indicators(proposal, indicators):
        changed.append("indicators")
    if not changed:
        return []
    for name in changed:
        if name != "indicators":
            setattr(proposal, name, clean[name])
    proposal.updated_at = utcnow()  # an indicators-only change still raises the version
    db.session.add(ProposalEvent(proposal_id=proposal.id, kind="edit", note=", ".join(changed),
                                 actor_id=actor.id))
    audit.record("proposal.update", proposal, actor=actor, territory_id=proposal.territory_id,
                 fields=changed)
    db.session.flush()
    return changed


# ---- signals -----------------------------------------------------------------------------------------------


def may_change_signals(user: User, proposal: Proposal) -> bool:
    if proposal.state in (ProposalState.ADOPTED, ProposalState.WITHDRAWN):
        return False
    return is_author(user, proposal) or can_manage(user, proposal)


def link_signal(proposal: Proposal, flag: AnalysisFlag, *, actor: User) -> FlagLink:
    """The proposal responds to this signal of its territory (a typed FlagLink; the flag's state moves only
    when the proposal is adopted)."""
    if not may_change_signals(actor, proposal):
        raise ProposalError(_("The signals of this proposal cannot be changed now."))
    if flag.territory_id != proposal.territory_id or not may_see_analysis(actor, flag.territory_id):
        raise ProposalError(_("Choose a signal of the proposal's territory."))
    link = flag_links.link_flag(flag, proposal, actor=actor)
    db.session.add(ProposalEvent(proposal_id=proposal.id, kind="signal", note=str(flag.id),
                                 actor_id=actor.id))
    audit.record("proposal.link_signal", proposal, actor=actor, territory_id=proposal.territory_id,
                 flag_id=flag.id)
    db.session.flush()
    return link


def unlink_signal(proposal: Proposal, flag: AnalysisFlag, *, actor: User) -> None:
    if not may_change_signals(actor, proposal):
        raise ProposalError(_("The signals of this proposal cannot be changed now."))
    db.session.execute(delete(FlagLink).where(FlagLink.proposal_id == proposal.id,
                                              FlagLink.flag_id == flag.id))
    db.session.add(ProposalEvent(proposal_id=proposal.id, kind="unsignal", note=str(flag.id),
                                 actor_id=actor.id))
    audit.record("proposal.unlink_signal", proposal, actor=actor, territory_id=proposal.territory_id,
                 flag_id=flag.id)
    db.session.flush()


# ---- funding opinion of PS pro financování -----------------------------------------------------------------


def request_funding_opinion(proposal: Proposal, funding_group: WorkingGroup, *, actor: User) -> None:
    """Send the proposal to the territory's financing group (PS pro financování) for its opinion."""
    if not can_manage(actor, proposal):
        raise ProposalError(_("Only the group's coordinators send a proposal for a funding opinion."))
    if proposal.state in (ProposalState.DRAFT, ProposalState.WITHDRAWN):
        raise ProposalError(_("Submit the proposal before asking for a funding opinion."))
    if funding_group.kind != GroupKind.FINANCING or funding_group.territory_id != proposal.territory_id:
        raise ProposalError(_("Choose the financing group of the proposal's territory."))
    proposal.funding_group_id = funding_group.id
    proposal.funding_requested_at = clock.now()
    db.session.add(ProposalEvent(proposal_id=proposal.id, kind="funding_request", note=funding_group.name,
                                 actor_id=actor.id))
    audit.record("proposal.funding_request", proposal, actor=actor, territory_id=proposal.territory_id,
                 group_id=funding_group.id)
    db.session.flush()


def may_record_funding_opinion(user: User, proposal: Proposal) -> bool:
    return (proposal.funding_group is not None
            and groups.is_group_coordinator(user, proposal.funding_group, clock.today()))


def record_funding_opinion(proposal: Proposal, text: str, *, actor: User) -> FundingOpinion:
    """The financing group's coordinator records its opinion on the proposal."""
    if not may_record_funding_opinion(actor, proposal):
        raise ProposalError(_("The funding opinion is recorded by a coordinator of the financing group the "
                              "proposal was sent to."))
    text = _text({"text": text}, "text", OPINION_MAX, required_message=_("Write the opinion."))
    opinion = FundingOpinion(proposal_id=proposal.id, group_id=proposal.funding_group_id, text=text,
                             recorded_by_id=actor.id)
    db.session.add(opinion)
    db.session.add(ProposalEvent(proposal_id=proposal.id, kind="funding_opinion", actor_id=actor.id))
    audit.record("proposal.funding_opinion", proposal, actor=actor, territory_id=proposal.territory_id)
    db.session.flush()
    return opinion


# ---- milestones --------------------------------------------------------------------------------------------


def _milestone_data(proposal: Proposal, data: dict) -> dict:
    due_on = data.get("due_on")
    if not isinstance(due_on, date):
        raise ProposalError(_("Enter the milestone's due date."))
    years = plan_years(proposal)
    if years is not None and not years[0] <= due_on.year <= years[1]:
        raise ProposalError(_("The due date must fall within the plan's years (%(first)s–%(last)s).",
                              first=years[0], last=years[1]))
    return {
        "title": _text(data, "title", MILESTONE_TITLE_MAX,
                       required_message=_("Enter what the milestone is.")),
        "responsible": _text(data, "responsible", RESPONSIBLE_MAX),
        "due_on": due_on,
        "target_value": parse_amount(data.get("target_value"), what=_("Indicator target")),
        "reached_value": parse_amount(data.get("reached_value"), what=_("Value reached")),
    }


def plan_years(proposal: Proposal) -> tuple[int, int] | None:
    """The years of the plan the activity runs in (set when adopting); None: not limited."""
    if proposal.plan_year_from is None or proposal.plan_year_to is None:
        return None
    return proposal.plan_year_from, proposal.plan_year_to


def set_plan_years(proposal: Proposal, first: int, last: int, *, actor: User) -> None:
    if not can_manage(actor, proposal):
        raise ProposalError(_("Only the group's coordinators set the plan's years."))
    if not (2000 <= first <= last <= 2100):
        raise ProposalError(_("Enter the plan's first and last year, the first not after the last."))
    proposal.plan_year_from, proposal.plan_year_to = first, last
    audit.record("proposal.plan_years", proposal, actor=actor, territory_id=proposal.territory_id,
                 first=first, last=last)
    db.session.flush()


def _may_track(user: User, proposal: Proposal) -> bool:
    return proposal.state == ProposalState.ADOPTED and can_manage(user, proposal)


def add_milestone(proposal: Proposal, data: dict, *, actor: User) -> Milestone:
    """A milestone of an adopted activity, within the plan's years."""
    if not _may_track(actor, proposal):
        raise ProposalError(_("Milestones are kept for adopted activities by the group's coordinators."))
    milestone = Milestone(proposal_id=proposal.id, **_milestone_data(proposal, data))
    db.session.add(milestone)
    db.session.flush()
    db.session.add(ProposalEvent(proposal_id=proposal.id, kind="milestone", note=milestone.title,
                                 actor_id=actor.id))
    audit.record("proposal.milestone_add", milestone, actor=actor, territory_id=proposal.territory_id,
                 proposal_id=proposal.id)
    db.session.flush()
    return milestone


def update_milestone(milestone: Milestone, data: dict, *, actor: User, seen_version: int | None) -> None:
    """Change a milestone or record the value reached."""
    check_version(milestone, seen_version)
    proposal = milestone.proposal
    if not _may_track(actor, proposal):
        raise ProposalError(_("Milestones are kept for adopted activities by the group's coordinators."))
    for name, value in _milestone_data(proposal, data).items():
        setattr(milestone, name, value)
    audit.record("proposal.milestone_update", milestone, actor=actor, territory_id=proposal.territory_id,
                 proposal_id=proposal.id)
    db.session.flush()
