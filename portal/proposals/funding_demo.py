"""Demo data of the cooperation with PS pro financování: last year the equal-opportunities group sent two
of its demo proposals for a funding opinion (in September) and the financing group recorded its opinions at
their joint meeting in October (the annual report's cooperation section).

Runs after the proposals demo (it needs the proposals) and the meetings demo (the joint meeting's day).
Idempotent: a proposal that already has a funding opinion is left alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import select

from portal import clock
from portal.demo import DemoContext, demo_loader
from portal.extensions import db
from portal.meetings.series import nth_weekday
from portal.models import FundingOpinion, Proposal, ProposalEvent, User, WorkingGroup
from portal.models.groups import GroupKind

#: proposal title → the financing group's opinion
OPINIONS = {
    "Školní asistenti a mentoring ve třídách s vyšším podílem znevýhodněných žáků":
        "Doporučujeme financovat z OP JAK (šablony) s dofinancováním obcí Vzorov a Horní Vzorov; "
        "udržitelnost po skončení projektu zajistí rozpočty zřizovatelů.",
    "Doučování žáků ohrožených neúspěchem":
        "Náklady jsou přiměřené. Doporučujeme hradit z rozpočtu MAP; doprava žáků z odlehlých obcí "
        "z rozpočtu obce.",
}


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=clock.zone()).astimezone(UTC)


@demo_loader
def load_funding_opinions(context: DemoContext) -> None:
    group = db.session.scalar(select(WorkingGroup).where(
        WorkingGroup.territory_id == context.territory.id, WorkingGroup.slug == "rovne-prilezitosti"))
    financing = db.session.scalar(select(WorkingGroup).where(
        WorkingGroup.territory_id == context.territory.id, WorkingGroup.kind == GroupKind.FINANCING.value))
    if group is None or financing is None:
        return
    recorder = db.session.scalar(select(User).where(User.email == "ucetni@demo.example"))
    recorder_id = recorder.id if recorder else context.users["coordinator"].id
    last_year = clock.today().year - 1
    requested_at = _at(nth_weekday(last_year, 9, 1, 1), 10)
    opinion_at = _at(nth_weekday(last_year, 10, 1, 3), 16)  # the joint meeting's afternoon
    for title, text in OPINIONS.items():
        proposal = db.session.scalar(select(Proposal).where(Proposal.group_id == group.id,
                                                            Proposal.title == title))
        if proposal is None or proposal.funding_opinions:
            continue
        proposal.funding_group_id = financing.id
        proposal.funding_requested_at = requested_at
        db.session.add(ProposalEvent(proposal_id=proposal.id, kind="funding_request", note=financing.name,
                                     actor_id=context.users["coordinator"].id, at=requested_at))
        db.session.add(FundingOpinion(proposal_id=proposal.id, group_id=financing.id, text=text,
                                      recorded_by_id=recorder_id, recorded_at=opinion_at))
        db.session.add(ProposalEvent(proposal_id=proposal.id, kind="funding_opinion",
                                     actor_id=recorder_id, at=opinion_at))
    db.session.flush()
