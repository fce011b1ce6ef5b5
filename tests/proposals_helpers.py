"""Shared set-up of the proposals tests: a territory with an equal-opportunities group (an author, another
member, the group's coordinator), a financing group with its coordinator, signals, proposals in a state."""

from __future__ import annotations

from dataclasses import dataclass

from portal.extensions import db
from portal.models import AnalysisFlag, Proposal, User, WorkingGroup
from portal.models.groups import GroupKind
from portal.models.proposals import ProposalState
from portal.proposals import services, workflow
from tests.conftest import add_member, make_group, make_territory, make_user


@dataclass
class World:
    territory: object
    group: WorkingGroup
    financing: WorkingGroup
    author: User
    member: User
    coordinator: User  # the group's coordinator (a membership role)
    finance_coordinator: User
    admin: User
    outsider: User  # a member of the territory, not of the group


def world() -> World:
    territory = make_territory("MAP ORP Návrhov", "navrhov")
    group = make_group(territory, name="PS rovné příležitosti")
    financing = make_group(territory, name="PS pro financování", kind=GroupKind.FINANCING.value)
    author = make_user("member", territory=territory, name="Alena Autorová")
    member = make_user("member", territory=territory, name="Marek Člen")
    coordinator = make_user("member", territory=territory, name="Klára Koordinátorová")
    finance_coordinator = make_user("member", territory=territory, name="Filip Finanční")
    admin = make_user("admin", territory=territory)
    outsider = make_user("member", territory=territory, name="Olga Odjinud")
    add_member(group, author)
    add_member(group, member, category="parent")
    add_member(group, coordinator, role="coordinator")
    add_member(financing, finance_coordinator, role="coordinator")
    return World(territory, group, financing, author, member, coordinator, finance_coordinator, admin,
                 outsider)


def make_flag(territory, n: int = 1, state: str = "new") -> AnalysisFlag:
    flag = AnalysisFlag(territory_id=territory.id, identity=f"test|{n}", rule="dropouts", severity="high",
                        school_id=f"6000{n}", school_name=f"ZŠ Signálová {n}", state=state,
                        first_seen_year="2025/26", last_seen_year="2025/26")
    db.session.add(flag)
    db.session.commit()
    return flag


PROPOSAL_DATA = {
    "title": "Doučování žáků před přechodem na 2. stupeň", "description": "Skupinové doučování.",
    "kind": "school", "target_group": "žáci 5. ročníku", "organisations": "ZŠ Vzorov",
    "transition": "zs_stages", "klima": ["K", "I"], "expected_cost": "125 000,50", "funding_source": "OP JAK",
}


def make_proposal(w: World, state: str = ProposalState.DRAFT.value, **fields) -> Proposal:
    """A proposal of ``w.author`` brought to ``state`` through the workflow (committed)."""
    proposal = services.create_proposal(w.group, {**PROPOSAL_DATA, **fields}, actor=w.author)
    path = {
        "draft": [], "submitted": ["submitted"], "under_assessment": ["submitted", "under_assessment"],
        "assessed": ["submitted", "under_assessment", "assessed"],
        "adopted": ["submitted", "under_assessment", "assessed", "adopted"],
        "returned": ["submitted", "returned"], "withdrawn": ["withdrawn"],
    }[state]
    for step in path:
        if step == "assessed" and proposal.verdict is None:
            proposal.verdict = "compliant"  # what the assessment area records
        actor = w.author if step in ("submitted", "withdrawn") else w.coordinator
        reason = "Doplňte rozpočet." if step == "returned" else None
        workflow.transition(proposal, step, actor=actor, reason=reason)
    db.session.commit()
    return proposal
