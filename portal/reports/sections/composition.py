"""Composition and balance of the group over the period.

Figures come from the group page's own reads: `portal.groups.services.composition(group, on)` (the balance
section of the group page, ``/groups/<id>?on=<date>``: members by category, the group's balance rules with
`balance.assess`, Pielou's J, the sensitive traits as aggregate counts) on the first and the last day of the
period, and `portal.groups.reads.membership_changes` for the joiners and leavers. Sensitive traits appear
only as the page shows them: a count of the declarations, below 3 as "< 3" (`balance.suppressed`).

Figure keys: ``members_start``, ``members_end``, ``joined``, ``left``, ``balanced_start``,
``balanced_end`` ("yes"/"no" in the report's language), ``evenness_start``, ``evenness_end`` (Pielou's J
rounded to two decimals, None for an empty group), ``support_needs_parents``, ``roma_parents`` ("< 3" or a
count). Chart ``composition`` (stacked bars, start vs end, its table by category).
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.groups import reads as group_reads
from portal.groups import services as groups
from portal.groups.balance import CATEGORIES, CATEGORY_LABELS, RULE_LABELS, Assessment, suppressed
from portal.i18n import date_filter
from portal.models.groups import TraitCode
from portal.reports.model import Chart, Figure, Items, Section, Table, Text
from portal.reports.sections import TITLES, Context


def _evenness(assessment: Assessment) -> float | None:
    return None if assessment.evenness is None else round(assessment.evenness, 2)


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def build(ctx: Context) -> Section:
    group = ctx.group
    at_start = groups.composition(group, ctx.start, months=1)
    at_end = groups.composition(group, ctx.end, months=1)
    first, last = at_start.assessment, at_end.assessment
    changes = group_reads.membership_changes(group, ctx.start, ctx.end)
    start_label, end_label = date_filter(ctx.start), date_filter(ctx.end)
    labels = [str(CATEGORY_LABELS[c]) for c in CATEGORIES]
    named = list(zip(labels, CATEGORIES, strict=True))

    blocks: list = [
        Figure("members_start", _("Members on %(date)s", date=start_label), first.total),
        Figure("members_end", _("Members on %(date)s", date=end_label), last.total),
        Figure("joined", _("Memberships begun in the period"), changes.joined_total),
        Figure("left", _("Memberships ended in the period"), changes.left_total),
        Figure("balanced_start", _("Balanced composition on %(date)s", date=start_label), _yes_no(first.ok)),
        Figure("balanced_end", _("Balanced composition on %(date)s", date=end_label), _yes_no(last.ok)),
        Figure("evenness_start", _("Evenness (Pielou's J) on %(date)s", date=start_label), _evenness(first)),
        Figure("evenness_end", _("Evenness (Pielou's J) on %(date)s", date=end_label), _evenness(last)),
        Figure("support_needs_parents", _("Parents of children with support needs"),
               suppressed(at_end.traits[TraitCode.SUPPORT_NEEDS_PARENT.value])),
        Figure("roma_parents", _("Roma parents"), suppressed(at_end.traits[TraitCode.ROMA_PARENT.value])),
    ]
    if first.total == 0 and last.total == 0 and not changes.joined_total:
        blocks.insert(0, Text(_("The group had no members in the period from %(start)s to %(end)s.",
                                start=start_label, end=end_label)))

    table = Table(
        caption=_("Active members by category on %(start)s and on %(end)s", start=start_label, end=end_label),
        header=[_("Category"), start_label, end_label],
        rows=[[label, first.counts[c], last.counts[c]] for label, c in named]
        + [[_("Total"), first.total, last.total]],
    )
    blocks.append(Chart(
        key="composition", title=_("Composition of the group on %(start)s and on %(end)s", start=start_label,
                                   end=end_label),
        kind="stacked", labels=[start_label, end_label],
        series=[(label, [float(first.counts[c]), float(last.counts[c])])
                for label, c in named],
        table=table,
    ))
    blocks.append(Table(
        caption=_("Joiners and leavers by category"),
        header=[_("Category"), _("Joined"), _("Left")],
        rows=[[label, changes.joined[c], changes.left[c]] for label, c in named]
        + [[_("Total"), changes.joined_total, changes.left_total]],
    ))
    blocks.append(Text(_("A change of a member's category counts as leaving one category and joining "
                         "another.")))

    rules = {rule.code: rule for rule in first.rules}
    blocks.append(Table(
        caption=_("Balance rules of the group"),
        header=[_("Rule"), start_label, end_label],
        rows=[[str(RULE_LABELS[rule.code]), _("met") if rules[rule.code].holds else _("not met"),
               _("met") if rule.holds else _("not met")] for rule in last.rules if rule.code in rules],
    ))
    if last.failing:
        blocks.append(Text(_("What would balance the composition on %(date)s:", date=end_label)))
        blocks.append(Items([str(fix) for rule in last.failing for fix in rule.fixes]))
    blocks.append(Text(_(
        "Evenness (Pielou's J) is 0 when everyone is in one category and 1 when all seven categories are "
        "equal. Parents declare the two sensitive facts themselves, voluntarily; only the number is shown, "
        "numbers below 3 appear as “< 3”, and they are counted among the declarations valid when the report "
        "was made.")))
    return Section(key="composition", title=str(TITLES["composition"]), blocks=blocks)
