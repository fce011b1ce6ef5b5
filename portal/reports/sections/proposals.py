"""The group's proposals in the period with their equal-access verdicts and conditions, and the milestones
that fell due in the period: met, late or missed at the period's end.

Reads: `portal.proposals.reads.proposals_between` (submitted proposals with something in the period),
`reads.state_on` (the state at the period's end), `assessment_reads.verdict_before` (the recorded verdict
as it stood at the period's end; the pages show the current one) and `reads.milestone_state` judged the day
after the period (a milestone due on its last day is judged too). Authors and assessors are not named.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _

from portal.blueprints.proposals.forms import VERDICT_LABELS
from portal.blueprints.proposals.labels import MILESTONE_LABELS
from portal.models.proposals import MilestoneState, Verdict
from portal.proposals import assessment_reads, reads
from portal.proposals.base import STATE_LABELS
from portal.reports.model import Chart, Figure, Section, Table, Text
from portal.reports.sections import TITLES, Context
from portal.reports.sections._period import bounds, day, number, period


def build(ctx: Context) -> Section:
    section = Section(key="proposals", title=str(TITLES["proposals"]))
    start_at, end_at = bounds(ctx.start, ctx.end)
    proposals = reads.proposals_between(ctx.group.id, start_at, end_at, ctx.start, ctx.end)
    if not proposals:
        section.blocks.append(Text(_("%(period)s the group dealt with no proposed activities.",
                                     period=period(ctx.start, ctx.end))))
        return section
    verdicts = {p.id: assessment_reads.verdict_before(p, end_at) for p in proposals}
    counts = {v.value: sum(1 for x in verdicts.values() if x == v.value) for v in Verdict}
    section.blocks.append(Figure("proposals_count", _("Proposed activities dealt with"), len(proposals)))
    for verdict in Verdict:
        section.blocks.append(Figure(f"verdicts_{verdict.value}", str(VERDICT_LABELS[verdict.value]),
                                     counts[verdict.value]))
    section.blocks.append(Figure("verdicts_pending", _("Without a verdict at the end of the period"),
                                 sum(1 for x in verdicts.values() if x is None)))
    rows = []
    for proposal in proposals:
        verdict = verdicts[proposal.id]
        conditions = ""
        # The conditions kept are those of the current verdict: shown when that is the period's verdict.
        if verdict == proposal.verdict == Verdict.CONDITIONAL.value and proposal.verdict_conditions:
            lines = [line.strip() for line in proposal.verdict_conditions.splitlines() if line.strip()]
            conditions = " ".join(line if line.endswith((".", "!", "?")) else f"{line}." for line in lines)
        state = reads.state_on(proposal, end_at)
        rows.append([proposal.title, str(STATE_LABELS.get(state, state)),
                     str(VERDICT_LABELS[verdict]) if verdict else _("not recorded yet"), conditions or "—"])
    section.blocks.append(Table(_("Proposed activities and their equal-access verdicts"),
                                [_("Activity"), _("State at the end of the period"), _("Verdict"),
                                 _("Conditions")], rows))

    judged_on = ctx.end + timedelta(days=1)
    due = sorted(((p, m) for p in proposals for m in p.milestones if ctx.start <= m.due_on <= ctx.end),
                 key=lambda pm: (pm[1].due_on, pm[1].id))
    states = {m.id: reads.milestone_state(m, judged_on) for _p, m in due}
    tally = {s: sum(1 for x in states.values() if x == s) for s in
             (MilestoneState.MET, MilestoneState.LATE, MilestoneState.MISSED)}
    section.blocks += [
        Figure("milestones_due", _("Milestones due in the period"), len(due)),
        Figure("milestones_met", _("Milestones met"), tally[MilestoneState.MET]),
        Figure("milestones_late", _("Milestones late (no value reported)"), tally[MilestoneState.LATE]),
        Figure("milestones_missed", _("Milestones missed (target not reached)"),
               tally[MilestoneState.MISSED]),
    ]
    if due:
        section.blocks.append(Table(
            _("Milestones due in the period"),
            [_("Activity"), _("Milestone"), _("Due"), _("Target"), _("Reached"), _("State")],
            [[p.title, m.title, day(m.due_on), number(m.target_value), number(m.reached_value),
              str(MILESTONE_LABELS[states[m.id].value])] for p, m in due]))
        labels = [str(MILESTONE_LABELS[s.value]) for s in tally]
        values = [float(tally[s]) for s in tally]
        section.blocks.append(Chart(
            key="milestones_by_state", title=_("Milestones due in the period by state"), kind="bar",
            labels=labels, series=[(_("Milestones"), values)],
            table=Table(_("Milestones due in the period by state"), [_("State"), _("Milestones")],
                        [[label, tally[s]] for label, s in zip(labels, tally, strict=True)])))
    else:
        section.blocks.append(Text(_("No milestone of these activities fell due in the period.")))
    return section
