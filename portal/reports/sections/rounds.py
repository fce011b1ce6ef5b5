"""Comment rounds on the group's documents that were open at some time in the period, with their settlement
statistics: comments by type (zásadní / doporučující) and outcome, rozpory and how they ended.

Reads: `portal.rounds.reads.rounds_between` and `reads.settlement_statistics` (the figures the round page
shows in its settlement part). Comment texts and authors are not reproduced: the settlement table of each
round (a download on the round page) holds them.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.reports.model import Chart, Figure, Section, Table, Text
from portal.reports.sections import TITLES, Context
from portal.reports.sections._period import bounds, day, period
from portal.rounds import reads, services
from portal.rounds.reads import Statistics


def build(ctx: Context) -> Section:
    section = Section(key="rounds", title=str(TITLES["rounds"]))
    start_at, end_at = bounds(ctx.start, ctx.end)
    rounds = reads.rounds_between(ctx.group, start_at, end_at)
    if not rounds:
        section.blocks.append(Text(_("%(period)s the group held no comment round on its documents.",
                                     period=period(ctx.start, ctx.end))))
        return section
    stats = reads.settlement_statistics([r.id for r in rounds])
    total = sum(stats.values(), Statistics())
    territory_id = ctx.group.territory_id
    labels = services.outcome_labels(territory_id)
    section.blocks += [
        Figure("rounds_count", _("Comment rounds"), len(rounds)),
        Figure("comments_total", _("Comments"), total.total),
        Figure("comments_fundamental", _("Fundamental comments"), total.fundamental),
        Figure("comments_recommendation", _("Recommendations"), total.recommendation),
        Figure("comments_unsettled", _("Comments not settled yet"), total.unsettled),
        Figure("disputes", _("Disputes (fundamental comments not accepted)"), total.disputes),
        Figure("disputes_agreed", _("Disputes agreed after discussion"), total.disputes_agreed),
        Figure("disputes_steering_committee", _("Disputes passed to the Steering Committee"),
               total.disputes_steering),
        Figure("disputes_unresolved", _("Disputes unresolved"), total.disputes_unresolved),
    ]
    section.blocks.append(Table(
        _("Comment rounds in the period"),
        [_("Round"), _("Document"), _("Open"), _("Comments"), _("fundamental"), _("recommendation"),
         _("Disputes"), _("of them unresolved")],
        [[r.title, f"{r.document_version.document.title}, {r.document_version.label}",
          f"{day(r.opens_at)} – {day(r.closes_at)}", stats[r.id].total, stats[r.id].fundamental,
          stats[r.id].recommendation, stats[r.id].disputes, stats[r.id].disputes_unresolved]
         for r in rounds]))
    order = reads.outcome_order(territory_id)
    for code in order + [c for c in total.outcomes if c not in order]:
        count = sum(total.outcomes.get(code, ()))
        section.blocks.append(Figure(f"outcome_{code}", labels.get(code, code), count))
    if total.outcomes or total.unsettled:
        codes = [c for c in order if c in total.outcomes]
        codes += [c for c in total.outcomes if c not in codes]
        names = [labels.get(c, c) for c in codes]
        fundamental = [total.outcomes[c][0] for c in codes]
        recommendation = [total.outcomes[c][1] for c in codes]
        if total.unsettled:
            names.append(_("not settled yet"))
            unsettled_f = total.fundamental - sum(fundamental)
            fundamental.append(unsettled_f)
            recommendation.append(total.unsettled - unsettled_f)
        rows = [[name, f, r, f + r] for name, f, r in zip(names, fundamental, recommendation, strict=True)]
        rows.append([_("Total"), total.fundamental, total.recommendation, total.total])
        section.blocks.append(Chart(
            key="comments_by_outcome", title=_("Comments by outcome and type"), kind="stacked", labels=names,
            series=[(str(services.KIND_LABELS["fundamental"]), [float(v) for v in fundamental]),
                    (str(services.KIND_LABELS["recommendation"]), [float(v) for v in recommendation])],
            table=Table(_("Comments by outcome and type"),
                        [_("Outcome"), _("fundamental"), _("recommendation"), _("Total")], rows)))
    if total.disputes:
        section.blocks.append(Table(
            _("How the disputes ended"), [_("Disputes"), _("Number of disputes")],
            [[str(services.RESOLUTION_LABELS["agreed"]), total.disputes_agreed],
             [str(services.RESOLUTION_LABELS["steering_committee"]), total.disputes_steering],
             [_("unresolved"), total.disputes_unresolved]]))
    else:
        section.blocks.append(Text(_("No fundamental comment was left unaccepted: there were no disputes.")))
    return section
