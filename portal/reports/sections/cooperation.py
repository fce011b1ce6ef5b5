"""Cooperation with other groups: joint meetings and the funding opinions of PS pro financování.

Reads: `portal.meetings.reads.meetings_between` and `participating_groups` (a joint meeting is one with
several participating groups, whoever organised it; the meeting pages list the groups the same way) and
`portal.proposals.reads.funding_between` (funding requests of the group's proposals and the opinions
recorded on them in the period, dated in Europe/Prague).

A meeting that is not public keeps its date and groups but not its title (as in the meetings section).

Figure keys: ``joint_meetings`` (held joint meetings), ``partner_groups`` (the other groups met at them,
a count), ``funding_requests``, ``funding_opinions``.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal import clock
from portal.i18n import date_filter
from portal.meetings import cadence, reads
from portal.models.meetings import MeetingStatus
from portal.proposals.reads import funding_between
from portal.reports.model import Figure, Section, Table, Text
from portal.reports.sections import TITLES, Context
from portal.reports.wording import in_period


def build(ctx: Context) -> Section:
    group = ctx.group
    joint = []
    for meeting in reads.meetings_between(group, ctx.start, ctx.end):
        others = [g for g in reads.participating_groups(meeting) if g.id != group.id]
        if others:
            joint.append((meeting, others))
    held = [(m, others) for m, others in joint if m.status == MeetingStatus.HELD]
    partners = {g.id for _m, others in held for g in others}
    funding = funding_between(group, ctx.start, ctx.end)
    start, end = date_filter(ctx.start), date_filter(ctx.end)

    blocks: list = [
        Figure("joint_meetings", _("Joint meetings held with other groups"), len(held)),
        Figure("partner_groups", _("Groups met at joint meetings"), len(partners)),
        Figure("funding_requests", _("Proposals sent to PS pro financování for a funding opinion"),
               len(funding.requested)),
        Figure("funding_opinions", _("Funding opinions received"), len(funding.opinions)),
    ]

    if joint:
        blocks.append(Table(
            caption=_("Joint meetings with other groups"),
            header=[_("Date"), _("Meeting"), _("Organised by"), _("Other groups"), _("Status")],
            rows=[[date_filter(cadence.local_date(m.starts_at, m.timezone)),
                   m.title if m.public else _("Meeting not open to the public"), m.group.name,
                   ", ".join(g.name for g in others), str(reads.STATUS_LABELS[m.status])]
                  for m, others in joint],
        ))
    else:
        blocks.append(Text(in_period(
            ctx, _("In %(year)s the group held no joint meeting with another group.", year=ctx.start.year),
            _("From %(start)s to %(end)s the group held no joint meeting with another group.",
              start=start, end=end))))

    if funding.opinions:
        blocks.append(Table(
            caption=_("Funding opinions on the group's proposals"),
            header=[_("Date"), _("Proposal"), _("Group"), _("Opinion")],
            rows=[[date_filter(o.recorded_at.astimezone(clock.zone()).date()),
                   o.proposal.title, o.group.name if o.group else "", o.text] for o in funding.opinions],
        ))
    else:
        blocks.append(Text(in_period(
            ctx,
            _("In %(year)s no funding opinion was recorded on the group's proposals.", year=ctx.start.year),
            _("From %(start)s to %(end)s no funding opinion was recorded on the group's proposals.",
              start=start, end=end))))
    if funding.requested:
        waiting = [p for p in funding.requested if not p.funding_opinions]
        if waiting:
            blocks.append(Text(_("Still waiting for a funding opinion: %(titles)s.",
                                 titles=", ".join(p.title for p in waiting))))
    return Section(key="cooperation", title=str(TITLES["cooperation"]), blocks=blocks)
