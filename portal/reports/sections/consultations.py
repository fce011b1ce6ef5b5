"""The group's consultations open at some time in the period, with participation and per-question results.

Read only through `portal.consultations.reads.summaries` (the results pages' own figures): counts broken
down per option or scale value appear as `shown()` gives them ("< 3" for small counts). Free-text answers
are never reproduced (they may name people), only how many were written; for a named consultation the
report still names nobody.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.consultations import reads
from portal.reports.model import Figure, Items, Section, Table, Text
from portal.reports.sections import TITLES, Context
from portal.reports.sections._period import day, number, period

AUDIENCE_LABELS = {
    "invited": _l("invited people"),
    "link": _l("anyone with the link"),
    "public": _l("public (the group's page)"),
}


def build(ctx: Context) -> Section:
    section = Section(key="consultations", title=str(TITLES["consultations"]))
    summaries = reads.summaries(ctx.group.id, ctx.start, ctx.end)
    if not summaries:
        section.blocks.append(Text(_("%(period)s the group held no consultation.",
                                     period=period(ctx.start, ctx.end))))
        return section
    section.blocks += [
        Figure("consultations_count", _("Consultations"), len(summaries)),
        Figure("consultations_respondents", _("Respondents in all consultations"),
               sum(s.respondents for s in summaries)),
        Table(_("Consultations in the period"),
              [_("Consultation"), _("Open"), _("Audience"), _("Named or anonymous"), _("Respondents"),
               _("Invited")],
              [[s.title, f"{day(s.opens_at)} – {day(s.closes_at)}",
                str(AUDIENCE_LABELS.get(s.audience, s.audience)),
                _("anonymous") if s.anonymous else _("named"), s.respondents,
                s.invited if s.invited else "—"] for s in summaries]),
    ]
    for summary in summaries:
        section.blocks.append(Text(_("%(title)s (%(start)s – %(end)s), respondents: %(respondents)s.",
                                     title=summary.title, start=day(summary.opens_at),
                                     end=day(summary.closes_at), respondents=summary.respondents)))
        if summary.results_pending:
            section.blocks.append(Text(_("The consultation is anonymous and still open: its results are "
                                         "given once it has closed.")))
        for index, question in enumerate(summary.questions, start=1):
            caption = f"{index}. {question.text}"
            if question.rows:
                header = [_("Answer option"), _("Number of answers")]
                rows = [[row.label, row.shown] for row in question.rows]
                if question.mean_shown is not None:
                    rows.append([_("Average (1–5)"), number(question.mean_shown, "0.0")])
                section.blocks.append(Table(
                    _("%(question)s (answered by %(answered)s)", question=caption,
                      answered=reads.shown(question.answered)), header, rows))
            else:
                written = _("%(question)s – written answers: %(count)s (not reproduced in the report: they "
                            "may name people).", question=caption, count=reads.shown(question.text_answers))
                section.blocks.append(Items([written]))
    return section
